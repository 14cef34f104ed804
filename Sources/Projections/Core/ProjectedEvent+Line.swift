import Domain
import EventLog

#if canImport(Glibc)
    import Glibc
#endif

extension ProjectedEvent {
    /// Parses a stored envelope line (the log has already checked its integrity).
    public convenience init(line: UnsafeRawBufferPointer) throws(ProjectionError) {
        var actors = ActorCache(slots: 0)
        try self.init(line: line, actors: &actors)
    }

    /// Parses a stored envelope line, taking its actor from `actors` when a line before had the
    /// same one (a log has few actors; every line carries one).
    ///
    /// A line as the log writes it — members in the envelope's fixed order, no whitespace — is
    /// read piece by piece in that order: its keys are matched as bytes, `id` is checked but not
    /// kept, `type` is looked up without building a string. Any other layout of a valid envelope
    /// (a different member order, whitespace, unknown members) is read member by member, and
    /// so is any line the fast reading stumbles on: what is accepted or refused, and why, is
    /// always the member-by-member reading's word.
    public convenience init(line: UnsafeRawBufferPointer, actors: inout ActorCache) throws(ProjectionError) {
        var seq: Int64?
        let read: Fields?
        do throws(JSONParser.Failure) {
            if let canonical = try? Self.readCanonical(line, actors: &actors) {
                read = canonical
            } else {
                read = try Self.readMembers(line, seq: &seq)
            }
        } catch {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: error.description)
        }
        guard let fields = read else {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: "an envelope member is missing or has the wrong type")
        }
        guard fields.seq > 0, fields.version >= 0 else {
            throw .unreadableEvent(seq: nil, reason: "seq must be positive and version not negative (seq \(fields.seq), version \(fields.version))")
        }
        self.init(fields)
    }

    /// The envelope's members as read from a line.
    struct Fields {
        var seq: Int64
        var category: String
        var streamID: String
        var separated: Bool
        var version: Int64
        var kind: EventKind
        var type: String
        var occurred: String
        var recorded: String
        var actor: [(key: String, value: JSONValue)]
        var data: [(key: String, value: JSONValue)]
    }

    private convenience init(_ fields: Fields) {
        self.init(
            seq: UInt64(fields.seq), category: fields.category, streamID: fields.streamID, separated: fields.separated,
            version: UInt64(fields.version), kind: fields.kind, type: fields.type, occurred: fields.occurred,
            recorded: fields.recorded, actorMembers: fields.actor, dataMembers: fields.data)
    }

    /// Reads a line laid out as the log writes it; nil when it is laid out otherwise.
    private static func readCanonical(_ line: UnsafeRawBufferPointer, actors: inout ActorCache) throws(JSONParser.Failure) -> Fields? {
        var parser = JSONParser(line)
        guard parser.consume(literal: #"{"seq":"#) else { return nil }
        let number = try parser.readInteger()
        guard parser.consume(literal: #","id":"#) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: #","stream":"#) else { return nil }
        guard let stream = parser.readASCIIString() else { return nil }
        guard parser.consume(literal: #","version":"#) else { return nil }
        let version = try parser.readInteger()
        guard parser.consume(literal: #","type":"#) else { return nil }
        guard let typeBytes = parser.readASCIIString() else { return nil }
        guard parser.consume(literal: #","schema":"#) else { return nil }
        _ = try parser.readInteger()
        guard parser.consume(literal: #","occurred":"#) else { return nil }
        let occurred = try parser.readString()
        guard parser.consume(literal: #","recorded":"#) else { return nil }
        let recorded = try parser.readString()
        guard parser.consume(literal: #","actor":"#) else { return nil }
        let actorStart = parser.offset
        let actor = try actors.members(in: line, from: actorStart, parser: &parser)
        if parser.consume(literal: #","key":"#) { try parser.skipString() }
        guard parser.consume(literal: #","data":"#) else { return nil }
        let data = try parser.readMembers()
        guard parser.consume(literal: "}"), parser.isAtEndOfText() else { return nil }

        let kind = EventKind(typeBytes: typeBytes)
        let type = kind == .unknown ? String(decoding: typeBytes, as: UTF8.self) : kind.rawValue
        let (category, streamID, separated) = split(stream)
        return Fields(
            seq: number, category: category, streamID: streamID, separated: separated, version: version, kind: kind,
            type: type, occurred: occurred, recorded: recorded, actor: actor, data: data)
    }

    /// ``split(_:)`` of a stream name's bytes, without building the whole name first.
    private static func split(_ stream: UnsafeRawBufferPointer) -> (String, String, Bool) {
        guard let slash = stream.firstIndex(of: UInt8(ascii: "/")) else {
            let whole = String(decoding: stream, as: UTF8.self)
            return (whole, whole, false)
        }
        return (
            String(decoding: UnsafeRawBufferPointer(rebasing: stream[..<slash]), as: UTF8.self),
            String(decoding: UnsafeRawBufferPointer(rebasing: stream[(slash + 1)...]), as: UTF8.self), true
        )
    }

    /// Reads a line member by member, in any order (no dictionary for the envelope).
    private static func readMembers(_ line: UnsafeRawBufferPointer, seq: inout Int64?) throws(JSONParser.Failure) -> Fields? {
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
        return Fields(
            seq: seq, category: category, streamID: streamID, separated: separated, version: version, kind: EventKind(type: type),
            type: type, occurred: occurred, recorded: recorded, actor: actor, data: data)
    }
}

/// The actors of lines read before, each parsed once: a line's actor is looked up by its bytes
/// (in a table of slots by a hash of them) and parsed only when not found. One per thread
/// reading lines.
public struct ActorCache {
    private struct Entry {
        var bytes: [UInt8]
        var members: [(key: String, value: JSONValue)]
    }

    private var slots: [Entry?]

    /// A cache of `slots` actors (0: none kept, every actor parsed).
    public init(slots: Int = 64) {
        self.slots = [Entry?](repeating: nil, count: slots)
    }

    /// The members of the actor object at `start` in `line`, with `parser` positioned there;
    /// leaves `parser` after the object.
    mutating func members(
        in line: UnsafeRawBufferPointer, from start: Int,
        parser: inout JSONParser
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
