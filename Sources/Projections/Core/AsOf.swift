import EventLog

/// A past point to build a read model at, without touching the live one.
public enum AsOf: Sendable, Equatable, CustomStringConvertible {
    /// The first `N` events of the log.
    case seq(UInt64)
    /// What the system knew at a moment: events recorded at or before it (UTC, the envelope's
    /// `recorded` format).
    case recorded(String)
    /// The business date: events whose `occurred` date is on or before it, late records included.
    case date(String)

    public var description: String {
        switch self {
        case .seq(let seq): "seq \(seq)"
        case .recorded(let time): "recorded \(time)"
        case .date(let date): "date \(date)"
        }
    }

    /// A label for file names.
    public var label: String {
        switch self {
        case .seq(let seq): "seq-\(seq)"
        case .recorded(let time): "recorded-" + time.filter { $0.isNumber }
        case .date(let date): "date-\(date)"
        }
    }

    func includes(_ event: ProjectedEvent) -> Bool {
        switch self {
        case .seq(let seq): event.seq <= seq
        case .recorded(let time): event.recorded <= time
        case .date(let date): event.date <= date
        }
    }

    /// Parses a `--as-of-recorded` value: `YYYY-MM-DD` (the end of that UTC day) or a UTC time
    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`; returns the envelope's own format, or nil.
    public static func recordedTime(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        if bytes.count == 10, Timestamp.isValidBusinessDate(text) { return text + "T23:59:59.999999Z" }
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), Timestamp.isValidBusinessDate(text) else { return nil }
        var fraction = ""
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count - 21 <= 6 else { return nil }
            fraction = String(decoding: bytes[20..<(bytes.count - 1)], as: UTF8.self)
        }
        return String(decoding: bytes[0..<19], as: UTF8.self) + "." + fraction.padding(toLength: 6, withPad: "0", startingAt: 0) + "Z"
    }
}
