/// What the committer does with a caller's drafts, in place: the appender's own array is handed
/// to the sequencer as it is (with each stream name hashed once, ``StreamName``), and each
/// event's line — its payload written as canonical JSON straight into it — is built on the
/// appender's thread; the single committer thread only splices bytes. (Copying every draft
/// into a form of its own cost a retain and a release of each of its strings.)
extension EventDraft {
    /// Whether `other` is the same event — what an idempotent retry must repeat: the same
    /// stream, type, schema, business date, and payload as the canonical bytes the log stores.
    public func hasSameContent(as other: EventDraft) -> Bool {
        stream == other.stream && type == other.type && schema == other.schema && occurred == other.occurred
            && data.canonicalBytes == other.data.canonicalBytes
    }

    /// Whether `envelope` stores this same event (compared as ``hasSameContent(as:)-(EventDraft)``).
    public func hasSameContent(as envelope: Envelope) -> Bool {
        stream == envelope.stream && type == envelope.type && schema == envelope.schema && occurred == envelope.occurred
            && data.canonicalBytes == envelope.data.canonicalBytes
    }

    /// Writes the canonical envelope line with a new UUIDv7 (``Envelope/writeLine``).
    func writeLine(seq: UInt64, milliseconds: Int64, random: inout FastRandom, version: UInt64, recorded: String,
                   actor: [UInt8], into output: inout CanonicalWriter) {
        Envelope.writeLine(
            seq: seq,
            writeID: { output in
                output.append(UInt8(ascii: "\""))
                UUIDv7.write(milliseconds: milliseconds, using: &random, into: &output)
                output.append(UInt8(ascii: "\""))
            },
            stream: stream, version: version, type: type, schema: schema, occurred: occurred, recorded: recorded,
            actor: actor, key: key, data: data, into: &output)
    }
}
