import Domain
import EventLog

/// One committed event as projections see it: the envelope's fields with `data` parsed once
/// (a class: every read model reads the same instance, without copying its fields).
public final class ProjectedEvent: Sendable {
    public let seq: UInt64
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

    public convenience init(
        seq: UInt64, stream: String, version: UInt64, type: String, occurred: String, recorded: String, actor: JSONValue, data: JSONValue
    ) {
        func members(_ value: JSONValue) -> [(key: String, value: JSONValue)] {
            guard case .object(let members) = value else { return [] }
            return members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        self.init(
            seq: seq, stream: stream, version: version, type: type, occurred: occurred, recorded: recorded,
            actorMembers: members(actor), dataMembers: members(data))
    }

    public convenience init(
        seq: UInt64, stream: String, version: UInt64, type: String, occurred: String, recorded: String,
        actorMembers: [(key: String, value: JSONValue)], dataMembers: [(key: String, value: JSONValue)]
    ) {
        let (category, streamID, separated) = EnvelopeReader.split(stream)
        self.init(
            seq: seq, category: category, streamID: streamID, separated: separated, version: version, kind: EventKind(type: type),
            type: type, occurred: occurred, recorded: recorded, actorMembers: actorMembers, dataMembers: dataMembers)
    }

    /// The designated initializer: the stream already split at its first `/` (`separated`); a
    /// stream without one has itself as category and id.
    init(
        seq: UInt64, category: String, streamID: String, separated: Bool, version: UInt64, kind: EventKind, type: String, occurred: String,
        recorded: String, actorMembers: [(key: String, value: JSONValue)], dataMembers: [(key: String, value: JSONValue)]
    ) {
        self.seq = seq
        self.category = category
        self.streamID = streamID
        self.separated = separated
        self.version = version
        self.kind = kind
        self.type = type
        self.occurred = occurred
        self.recorded = recorded
        self.actorMembers = actorMembers
        self.dataMembers = dataMembers
        decoded = try? EventCatalogue.payloadType(for: kind)?.decode(members: dataMembers)
        // Computed once here (every read model reads it, most of them several times).
        date = String(Substring(occurred.utf8.prefix(10)))
    }

    /// The stream (`enterprise/9137…`), put together again from its category and id.
    public var stream: String { separated ? category + "/" + streamID : streamID }

    /// Whether the stream has a category before a `/`.
    private let separated: Bool

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
        do { return try Payload.decode(members: dataMembers) } catch {
            throw .unreadableEvent(seq: seq, reason: "\(self.type) data does not decode: \(error)")
        }
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
