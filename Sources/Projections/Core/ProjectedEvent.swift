import Domain
import EventLog

/// One committed event as projections see it: the envelope's fields with `data` parsed once
/// (a class: every read model reads the same instance, without copying its fields).
public final class ProjectedEvent: Sendable {
    public let seq: UInt64
    public let stream: String
    public let version: UInt64
    public let type: String
    /// `type` as an enumeration (what folds switch on).
    public let kind: EventKind
    /// The business date-time as recorded (`YYYY-MM-DD` or RFC 3339).
    public let occurred: String
    /// When the log recorded it (UTC, microseconds, sorts as text).
    public let recorded: String
    public let actor: JSONValue
    public let data: JSONValue
    /// `data` decoded once into its typed payload (nil when the type is unknown or the data
    /// does not decode; ``payload(_:)`` then says why).
    public let decoded: (any EventPayload)?

    public init(seq: UInt64, stream: String, version: UInt64, type: String, occurred: String, recorded: String, actor: JSONValue, data: JSONValue) {
        self.seq = seq
        self.stream = stream
        self.version = version
        self.type = type
        kind = EventKind(type: type)
        self.occurred = occurred
        self.recorded = recorded
        self.actor = actor
        self.data = data
        decoded = try? EventCatalogue.payloadType(for: type)?.decode(data)
        // Computed once here (every read model reads them, most of them several times), on the
        // UTF-8 view: the dates and stream names are ASCII-delimited.
        date = String(Substring(occurred.utf8.prefix(10)))
        if let slash = stream.utf8.firstIndex(of: UInt8(ascii: "/")) {
            category = stream[..<slash]
            streamID = String(stream[stream.utf8.index(after: slash)...])
        } else {
            category = Substring(stream)
            streamID = stream
        }
    }

    /// Parses a stored envelope line (the log has already checked its integrity), member by
    /// member: no dictionary for the envelope, and `data` parsed once.
    public convenience init(line: UnsafeRawBufferPointer) throws(ProjectionError) {
        var seq: Int64?, version: Int64?
        var stream: String?, type: String?, occurred: String?, recorded: String?
        var actor: JSONValue?, data: JSONValue?
        do {
            try JSONParser.parseObject(line) { key, parser throws(JSONParser.Failure) in
                switch key {
                case "seq": seq = try parser.readInteger()
                case "stream": stream = try parser.readString()
                case "version": version = try parser.readInteger()
                case "type": type = try parser.readString()
                case "occurred": occurred = try parser.readString()
                case "recorded": recorded = try parser.readString()
                case "actor": actor = try parser.readValue()
                case "data": data = try parser.readValue()
                default: _ = try parser.readValue()
                }
            }
        } catch {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: error.description)
        }
        guard let seq, let stream, let version, let type, let occurred, let recorded, let actor, let data else {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: "an envelope member is missing or has the wrong type")
        }
        self.init(seq: UInt64(seq), stream: stream, version: UInt64(version), type: type, occurred: occurred, recorded: recorded, actor: actor, data: data)
    }

    /// The business date `YYYY-MM-DD` (the date as written, in the writer's own zone).
    public let date: String

    /// The business year.
    public var year: Int { Int(date.prefix(4)) ?? 0 }

    /// The stream's identifier after its category (`enterprise/9137…` → `9137…`).
    public let streamID: String

    /// The stream's category (`enterprise`, `project`, …).
    public let category: Substring

    /// The typed payload.
    public func payload<Payload: EventPayload>(_ type: Payload.Type) throws(ProjectionError) -> Payload {
        if let typed = decoded as? Payload { return typed }
        do { return try Payload.decode(data) } catch { throw .unreadableEvent(seq: seq, reason: "\(self.type) data does not decode: \(error)") }
    }
}
