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
    /// The actor's and the payload's members as written (a list, not a dictionary: they are
    /// small, and most events are read once).
    public let actorMembers: [(key: String, value: JSONValue)]
    public let dataMembers: [(key: String, value: JSONValue)]
    /// `data` decoded once into its typed payload (nil when the type is unknown or the data
    /// does not decode; ``payload(_:)`` then says why).
    public let decoded: (any EventPayload)?

    public convenience init(seq: UInt64, stream: String, version: UInt64, type: String, occurred: String, recorded: String, actor: JSONValue, data: JSONValue) {
        func members(_ value: JSONValue) -> [(key: String, value: JSONValue)] {
            guard case .object(let members) = value else { return [] }
            return members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        self.init(seq: seq, stream: stream, version: version, type: type, occurred: occurred, recorded: recorded,
                  actorMembers: members(actor), dataMembers: members(data))
    }

    public init(seq: UInt64, stream: String, version: UInt64, type: String, occurred: String, recorded: String,
                actorMembers: [(key: String, value: JSONValue)], dataMembers: [(key: String, value: JSONValue)]) {
        self.seq = seq
        self.stream = stream
        self.version = version
        self.type = type
        kind = EventKind(type: type)
        self.occurred = occurred
        self.recorded = recorded
        self.actorMembers = actorMembers
        self.dataMembers = dataMembers
        decoded = try? EventCatalogue.payloadType(for: type)?.decode(members: dataMembers)
        // Computed once here (every read model reads them, most of them several times), on the
        // UTF-8 view: the dates and stream names are ASCII-delimited.
        date = String(Substring(occurred.utf8.prefix(10)))
        if let slash = stream.utf8.firstIndex(of: UInt8(ascii: "/")) {
            category = String(stream[..<slash])
            streamID = String(stream[stream.utf8.index(after: slash)...])
        } else {
            category = stream
            streamID = stream
        }
    }

    /// Parses a stored envelope line (the log has already checked its integrity), member by
    /// member: no dictionary for the envelope, and `data` parsed once.
    public convenience init(line: UnsafeRawBufferPointer) throws(ProjectionError) {
        var seq: Int64?, version: Int64?
        var stream: String?, type: String?, occurred: String?, recorded: String?
        var actor: [(key: String, value: JSONValue)]?, data: [(key: String, value: JSONValue)]?
        do {
            // Keys told apart by length first: one string comparison per member, not up to eight.
            try JSONParser.parseObject(line) { key, parser throws(JSONParser.Failure) in
                switch key.utf8.count {
                case 3 where key == "seq": seq = try parser.readInteger()
                case 4 where key == "type": type = try parser.readString()
                case 4 where key == "data": data = try parser.readMembers()
                case 5 where key == "actor": actor = try parser.readMembers()
                case 6 where key == "stream": stream = try parser.readString()
                case 7 where key == "version": version = try parser.readInteger()
                case 8 where key == "occurred": occurred = try parser.readString()
                case 8 where key == "recorded": recorded = try parser.readString()
                default: _ = try parser.readValue()
                }
            }
        } catch {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: error.description)
        }
        guard let seq, let stream, let version, let type, let occurred, let recorded, let actor, let data else {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: "an envelope member is missing or has the wrong type")
        }
        self.init(seq: UInt64(seq), stream: stream, version: UInt64(version), type: type, occurred: occurred, recorded: recorded,
                  actorMembers: actor, dataMembers: data)
    }

    /// The business date `YYYY-MM-DD` (the date as written, in the writer's own zone).
    public let date: String

    /// The business year.
    public var year: Int { Int(date.prefix(4)) ?? 0 }

    /// The stream's identifier after its category (`enterprise/9137…` → `9137…`).
    public let streamID: String

    /// The stream's number in the log (``EventLog/streamNumbers(from:through:)``; −1: none), with
    /// which a fold building from zero finds a stream's row by array index (``RowKey``). Set by
    /// the ``Projector`` before any fold sees the event.
    public internal(set) nonisolated(unsafe) var streamNumber: Int32 = -1

    /// For an `EventRetracted`: the event it takes back and its stream's standing events, read
    /// from the log by the ``Projector`` before any fold sees the event (see ``Retraction``).
    public internal(set) nonisolated(unsafe) var retraction: Retraction?

    /// The stream's category (`enterprise`, `project`, …): a `String` (a short one, stored
    /// inline), so that folds comparing it with a literal take the fast path — as a `Substring`
    /// the comparison went element by element through `Sequence.==` on every event.
    public let category: String

    /// The typed payload.
    public func payload<Payload: EventPayload>(_ type: Payload.Type) throws(ProjectionError) -> Payload {
        if let typed = decoded as? Payload { return typed }
        do { return try Payload.decode(members: dataMembers) } catch { throw .unreadableEvent(seq: seq, reason: "\(self.type) data does not decode: \(error)") }
    }

    /// The payload as a JSON object (built on each call: folds read ``payload(_:)``).
    public var data: JSONValue { .object(Dictionary(dataMembers, uniquingKeysWith: { first, _ in first })) }

    /// The actor as a JSON object (built on each call).
    public var actor: JSONValue { .object(Dictionary(actorMembers, uniquingKeysWith: { first, _ in first })) }

    /// One of the actor's string members (`name`, `role`, `jurisdiction`).
    public func actorString(_ key: String) -> String? {
        actorMembers.first { $0.key == key }?.value.stringValue
    }
}
