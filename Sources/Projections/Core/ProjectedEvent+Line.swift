import Domain
import EventLog

extension ProjectedEvent {
    /// Parses a stored envelope line (the log has already checked its integrity).
    public convenience init(line: UnsafeRawBufferPointer) throws(ProjectionError) {
        var actors = ActorCache(slots: 0)
        try self.init(line: line, actors: &actors)
    }

    /// Parses a stored envelope line, taking its actor from `actors` when a line before had the
    /// same one (a log has few actors; every line carries one). The line is read by
    /// ``EnvelopeReader``: the canonical layout fast, any other valid layout member by member.
    public convenience init(line: UnsafeRawBufferPointer, actors: inout ActorCache) throws(ProjectionError) {
        var seq: Int64?
        let read: EnvelopeReader.Members<EventKind>?
        do throws(JSONParser.Failure) {
            read = try EnvelopeReader.read(line, kinds: EventKind.self, actors: &actors, seq: &seq)
        } catch {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: error.description)
        }
        guard let members = read else {
            throw .unreadableEvent(seq: seq.map(UInt64.init), reason: "an envelope member is missing or has the wrong type")
        }
        guard members.seq > 0, members.version >= 0 else {
            throw .unreadableEvent(
                seq: nil, reason: "seq must be positive and version not negative (seq \(members.seq), version \(members.version))")
        }
        self.init(
            seq: UInt64(members.seq), category: members.category, streamID: members.streamID, separated: members.separated,
            version: UInt64(members.version), kind: members.kind, type: members.type, occurred: members.occurred,
            recorded: members.recorded, actorMembers: members.actor, dataMembers: members.data)
    }
}
