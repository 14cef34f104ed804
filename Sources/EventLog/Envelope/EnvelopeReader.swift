#if canImport(Glibc)
    import Glibc
#endif

/// The member keys of a stored envelope line, each with what precedes it: the one layout
/// ``Envelope`` writes and ``EnvelopeReader`` reads in that order.
public enum EnvelopeLayout {
    public static let seq: StaticString = #"{"seq":"#
    public static let id: StaticString = #","id":"#
    public static let stream: StaticString = #","stream":"#
    public static let version: StaticString = #","version":"#
    public static let type: StaticString = #","type":"#
    public static let schema: StaticString = #","schema":"#
    public static let occurred: StaticString = #","occurred":"#
    public static let recorded: StaticString = #","recorded":"#
    public static let actor: StaticString = #","actor":"#
    public static let key: StaticString = #","key":"#
    public static let data: StaticString = #","data":"#
}

/// A closed vocabulary of event types that a reader of the log looks names up in, from a stored
/// line's bytes (the catalogue's `EventKind`).
public protocol EventTypeVocabulary: Equatable {
    /// The entry named by the UTF-8 `bytes`, or the vocabulary's entry for an unknown name.
    init(typeBytes: UnsafeRawBufferPointer)
    /// The entry named `type`, or the vocabulary's entry for an unknown name.
    init(type: String)
    /// The entry's name; nil for the entry of unknown names.
    var knownName: String? { get }
}

/// Reads stored envelope lines for folding: the payload and the actor as members in the order
/// written, the stream split into category and id, the type looked up in a vocabulary.
///
/// A line as ``Envelope`` writes it (members in ``EnvelopeLayout`` order, no whitespace) is read
/// piece by piece in that order (``readCanonical(_:kinds:actors:)``): keys are matched as bytes,
/// `id` and `schema` are checked but not kept, the type is looked up without building a string.
/// Any other layout of a valid envelope (another member order, whitespace, unknown members) is
/// read member by member (``readMembers(_:kinds:seq:)``), and so is any line the canonical
/// reading stumbles on: what is accepted or refused, and why, is always the member-by-member
/// reading's word.
///
/// ```swift
/// var actors = ActorCache()
/// var seq: Int64?
/// let members = try EnvelopeReader.read(line, kinds: EventKind.self, actors: &actors, seq: &seq)
/// ```
public enum EnvelopeReader {
    /// The members of one line.
    public struct Members<Kind: EventTypeVocabulary> {
        public var seq: Int64
        /// The stream's part before its first `/` (the whole name when it has none).
        public var category: String
        /// The stream's part after its first `/` (the whole name when it has none).
        public var streamID: String
        /// Whether the stream name has a `/`.
        public var separated: Bool
        public var version: Int64
        public var kind: Kind
        public var type: String
        public var occurred: String
        public var recorded: String
        public var actor: [(key: String, value: JSONValue)]
        public var data: [(key: String, value: JSONValue)]

        @usableFromInline
        init(
            seq: Int64, category: String, streamID: String, separated: Bool, version: Int64, kind: Kind, type: String,
            occurred: String, recorded: String, actor: [(key: String, value: JSONValue)], data: [(key: String, value: JSONValue)]
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
            self.actor = actor
            self.data = data
        }
    }

    /// Reads a line, the canonical way when it is laid out so; nil when a member is missing or
    /// has the wrong type. `seq` is set as soon as it is read (for an error's message).
    @inlinable
    public static func read<Kind>(
        _ line: UnsafeRawBufferPointer, kinds: Kind.Type, actors: inout ActorCache, seq: inout Int64?
    ) throws(JSONParser.Failure) -> Members<Kind>? {
        if let canonical = try? readCanonical(line, kinds: kinds, actors: &actors) { return canonical }
        return try readMembers(line, kinds: kinds, seq: &seq)
    }

    /// Reads a line laid out as ``Envelope`` writes it; nil when it is laid out otherwise.
    @inlinable
    public static func readCanonical<Kind>(
        _ line: UnsafeRawBufferPointer, kinds: Kind.Type, actors: inout ActorCache
    ) throws(JSONParser.Failure) -> Members<Kind>? {
        var parser = JSONParser(line)
        guard parser.consume(literal: EnvelopeLayout.seq) else { return nil }
        let seq = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.id) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.stream), let stream = parser.readASCIIString() else { return nil }
        guard parser.consume(literal: EnvelopeLayout.version) else { return nil }
        let version = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.type), let typeBytes = parser.readASCIIString() else { return nil }
        guard parser.consume(literal: EnvelopeLayout.schema) else { return nil }
        _ = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.occurred) else { return nil }
        let occurred = try parser.readString()
        guard parser.consume(literal: EnvelopeLayout.recorded) else { return nil }
        let recorded = try parser.readString()
        guard parser.consume(literal: EnvelopeLayout.actor) else { return nil }
        let actor = try actors.members(in: line, from: parser.offset, parser: &parser)
        if parser.consume(literal: EnvelopeLayout.key) { try parser.skipString() }
        guard parser.consume(literal: EnvelopeLayout.data) else { return nil }
        let data = try parser.readMembers()
        guard parser.consume(literal: "}"), parser.isAtEndOfText() else { return nil }

        let kind = Kind(typeBytes: typeBytes)
        let type = kind.knownName ?? String(decoding: typeBytes, as: UTF8.self)
        let (category, streamID, separated) = split(stream)
        return Members(
            seq: seq, category: category, streamID: streamID, separated: separated, version: version, kind: kind,
            type: type, occurred: occurred, recorded: recorded, actor: actor, data: data)
    }

    /// What ``readFact(_:kinds:payload:)`` reads of an event's payload.
    public enum PayloadPart: Sendable {
        /// Nothing: the fact is the type and date alone.
        case none
        /// Every member.
        case all
        /// These members only (those the payload has); the others are skipped unbuilt.
        case members([String])
    }

    /// What a fold of a stream's facts needs from a line laid out as ``Envelope`` writes it: the
    /// type, the business date and the part of the payload `payload` asks for by type (nil when
    /// none); the actor and the rest are skipped. Nil when the line is laid out otherwise (read
    /// it with ``read(_:kinds:actors:seq:)`` then). For lines the log has stored and verified.
    public static func readFact<Kind: EventTypeVocabulary>(
        _ line: UnsafeRawBufferPointer, kinds: Kind.Type, payload: (Kind) -> PayloadPart
    ) throws(JSONParser.Failure) -> (kind: Kind, occurred: String, data: [(key: String, value: JSONValue)]?)? {
        var parser = JSONParser(line)
        guard parser.consume(literal: EnvelopeLayout.seq) else { return nil }
        _ = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.id) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.stream) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.version) else { return nil }
        _ = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.type), let typeBytes = parser.readASCIIString() else { return nil }
        let kind = Kind(typeBytes: typeBytes)
        guard parser.consume(literal: EnvelopeLayout.schema) else { return nil }
        _ = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.occurred) else { return nil }
        let occurred = try parser.readString()
        let part = payload(kind)
        if case .none = part { return (kind, occurred, nil) }
        guard parser.consume(literal: EnvelopeLayout.recorded) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.actor) else { return nil }
        try parser.skipValue()
        if parser.consume(literal: EnvelopeLayout.key) { try parser.skipString() }
        guard parser.consume(literal: EnvelopeLayout.data) else { return nil }
        let data: [(key: String, value: JSONValue)]
        if case .members(let names) = part { data = try parser.readMembers(keeping: names) } else { data = try parser.readMembers() }
        guard parser.consume(literal: "}"), parser.isAtEndOfText() else { return nil }
        return (kind, occurred, data)
    }

    /// Reads a line member by member, in any order (no dictionary for the envelope); nil when a
    /// member is missing or has the wrong type.
    @inlinable
    public static func readMembers<Kind>(
        _ line: UnsafeRawBufferPointer, kinds: Kind.Type, seq: inout Int64?
    ) throws(JSONParser.Failure) -> Members<Kind>? {
        var version: Int64?
        var stream: String?
        var type: String?
        var occurred: String?
        var recorded: String?
        var actor: [(key: String, value: JSONValue)]?
        var data: [(key: String, value: JSONValue)]?
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
        guard let seq, let stream, let version, let type, let occurred, let recorded, let actor, let data else { return nil }
        let (category, streamID, separated) = split(stream)
        return Members(
            seq: seq, category: category, streamID: streamID, separated: separated, version: version, kind: Kind(type: type),
            type: type, occurred: occurred, recorded: recorded, actor: actor, data: data)
    }

    /// A stream name's category and id (split at its first `/`, on the UTF-8 view: stream names
    /// are ASCII-delimited) and whether it has one; a stream without is its own category and id.
    @inlinable
    public static func split(_ stream: String) -> (category: String, id: String, separated: Bool) {
        guard let slash = stream.utf8.firstIndex(of: UInt8(ascii: "/")) else { return (stream, stream, false) }
        return (String(stream[..<slash]), String(stream[stream.utf8.index(after: slash)...]), true)
    }

    /// A stream name's bytes split as ``split(_:)-(String)`` splits the name, without building it.
    @usableFromInline
    static func split(_ stream: UnsafeRawBufferPointer) -> (String, String, Bool) {
        guard let slash = stream.firstIndex(of: UInt8(ascii: "/")) else {
            let whole = String(decoding: stream, as: UTF8.self)
            return (whole, whole, false)
        }
        return (
            String(decoding: UnsafeRawBufferPointer(rebasing: stream[..<slash]), as: UTF8.self),
            String(decoding: UnsafeRawBufferPointer(rebasing: stream[(slash + 1)...]), as: UTF8.self), true
        )
    }
}

/// The actors of lines read before, each parsed once: a line's actor is looked up by its bytes
/// (in a table of slots by a hash of them) and parsed only when not found. One per thread
/// reading lines.
public struct ActorCache {
    @usableFromInline
    struct Entry {
        var bytes: [UInt8]
        var members: [(key: String, value: JSONValue)]
    }

    @usableFromInline
    var slots: [Entry?]

    /// A cache of `slots` actors (0: none kept, every actor parsed).
    public init(slots: Int = 64) {
        self.slots = [Entry?](repeating: nil, count: slots)
    }

    /// The members of the actor object at `start` in `line`, with `parser` positioned there;
    /// leaves `parser` after the object.
    @usableFromInline
    mutating func members(
        in line: UnsafeRawBufferPointer, from start: Int, parser: inout JSONParser
    ) throws(JSONParser.Failure) -> [(key: String, value: JSONValue)] {
        guard !slots.isEmpty else { return try parser.readMembers() }
        // The object's extent, if it holds no nested object and no brace inside a string (an
        // actor never does; any other object is simply parsed).
        var end = start
        var inString = false
        scan: while end < line.count {
            switch line[end] {
            case UInt8(ascii: "\""): inString.toggle()
            case UInt8(ascii: "\\"): if inString { end += 1 }
            case UInt8(ascii: "}") where !inString: break scan
            case UInt8(ascii: "{") where !inString && end > start: end = line.count
            default: break
            }
            end += 1
        }
        guard end < line.count else { return try parser.readMembers() }
        let bytes = UnsafeRawBufferPointer(rebasing: line[start...end])
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let slot = Int(hash % UInt64(slots.count))
        if let entry = slots[slot], entry.bytes.count == bytes.count,
            entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        {
            // The same bytes as an actor read before: valid, and the same members.
            parser.move(to: end + 1)
            return entry.members
        }
        let members = try parser.readMembers()
        slots[slot] = Entry(bytes: Array(bytes), members: members)
        return members
    }
}
