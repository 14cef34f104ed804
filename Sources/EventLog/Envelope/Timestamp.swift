#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Dates and times as the envelope writes them.
public enum Timestamp {
    /// Microseconds since the Unix epoch, from the system's real-time clock.
    public static func nowMicroseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, always six fraction digits, so it sorts as text).
    public static func format(microseconds: Int64) -> String {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let fraction = microseconds - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))Z"
    }

    /// Whether `text` is a calendar date `YYYY-MM-DD` or an RFC 3339 date-time with a zone.
    public static func isValidBusinessDate(_ text: String) -> Bool {
        // Read in place (no array per call: every appended event's date passes here).
        text.withUTF8Bytes(isValidBusinessDate(bytes:))
    }

    private static func isValidBusinessDate(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 10, isDate(bytes) else { return false }
        if bytes.count == 10 { return true }
        // RFC 3339: date "T" HH:MM:SS [.fraction] (Z | ±HH:MM)
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else { return false }
        guard let hour = number(bytes, 11..<13), bytes[13] == UInt8(ascii: ":"), let minute = number(bytes, 14..<16),
            bytes[16] == UInt8(ascii: ":"), let second = number(bytes, 17..<19), hour < 24, minute < 60, second < 61
        else { return false }
        var position = 19
        if bytes[position] == UInt8(ascii: ".") {
            position += 1
            let start = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            guard position > start, position - start <= 9 else { return false }
        }
        guard position < bytes.count else { return false }
        if bytes[position] == UInt8(ascii: "Z") || bytes[position] == UInt8(ascii: "z") { return position + 1 == bytes.count }
        guard bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"), bytes.count - position == 6,
            let offsetHour = number(bytes, (position + 1)..<(position + 3)), bytes[position + 3] == UInt8(ascii: ":"),
            let offsetMinute = number(bytes, (position + 4)..<(position + 6))
        else { return false }
        return offsetHour < 24 && offsetMinute < 60
    }

    /// The calendar date part (`YYYY-MM-DD`) of a valid business date.
    public static func datePart(_ text: String) -> String { String(text.prefix(10)) }

    /// Whether the first ten bytes are a real calendar date `YYYY-MM-DD` (year 1900 or later).
    private static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let year = number(bytes, 0..<4), bytes[4] == UInt8(ascii: "-"),
            let month = number(bytes, 5..<7), bytes[7] == UInt8(ascii: "-"),
            let day = number(bytes, 8..<10)
        else { return false }
        guard year >= 1900, (1...12).contains(month), day >= 1 else { return false }
        let isLeap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let length =
            switch month {
            case 2: isLeap ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        return day <= length
    }

    /// The decimal number in `bytes[range]`, nil unless every byte there is a digit.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Howard Hinnant's days-from-civil: (year, month, day) → days since 1970-01-01.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }

    /// Microseconds since the epoch of a time in the envelope's own `recorded` format (what
    /// ``format(microseconds:)`` writes), or nil for any other text.
    public static func microseconds(recorded text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 27, bytes[26] == UInt8(ascii: "Z") else { return nil }
        func field(_ range: Range<Int>) -> Int64? { Int64(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = field(0..<4), let month = field(5..<7), let day = field(8..<10), let hour = field(11..<13),
            let minute = field(14..<16), let second = field(17..<19), let fraction = field(20..<26)
        else { return nil }
        return (days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + fraction
    }

    /// Howard Hinnant's days-from-civil inverse: days since 1970-01-01 → (year, month, day).
    public static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        String(value).leftPadded(to: width)
    }
}

/// UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered, so ids
/// of one batch share a prefix and compress well.
public enum UUIDv7 {
    public static func make(milliseconds: Int64, using generator: inout some RandomNumberGenerator) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(36)
        write(milliseconds: milliseconds, using: &generator, into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the 36 characters of a new UUIDv7 to `output`.
    public static func write(milliseconds: Int64, using generator: inout some RandomNumberGenerator, into output: inout [UInt8]) {
        withText(milliseconds: milliseconds, using: &generator) { output.append(contentsOf: $0) }
    }

    static func write(milliseconds: Int64, using generator: inout some RandomNumberGenerator, into writer: inout CanonicalWriter) {
        withText(milliseconds: milliseconds, using: &generator) { writer.append($0) }
    }

    /// Calls `body` with the 36 characters of a new UUIDv7, formed in a buffer on the stack.
    @inline(__always)
    private static func withText<Result>(
        milliseconds: Int64, using generator: inout some RandomNumberGenerator,
        _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        let random = generator.next() as UInt64
        let random2 = generator.next() as UInt64
        let time = UInt64(milliseconds)
        func byte(_ index: Int) -> UInt8 {
            switch index {
            case 0..<6: UInt8(truncatingIfNeeded: time >> (40 - 8 * UInt64(index)))
            case 6: 0x70 | (UInt8(truncatingIfNeeded: random) & 0x0F)
            case 8: 0x80 | (UInt8(truncatingIfNeeded: random >> 16) & 0x3F)
            case 7..<14: UInt8(truncatingIfNeeded: random >> (8 * UInt64(index - 6)))
            default: UInt8(truncatingIfNeeded: random2 >> (8 * UInt64(index - 14)))
            }
        }
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes, 36 used
        return withUnsafeMutableBytes(of: &text) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let value = byte(index)
                buffer[position] = digits.utf8Start[Int(value >> 4)]
                buffer[position + 1] = digits.utf8Start[Int(value & 0x0F)]
                position += 2
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[0..<position]))
        }
    }
}

/// xoshiro256** seeded from the system's generator: fast random bits for UUIDs (unique, not
/// secret), without a system call per id.
struct FastRandom: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        state = (system.next(), system.next(), system.next(), system.next() | 1)
    }

    mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }
}
