/// A draft made ready for the sequencer on the appender's own thread: validated, with its
/// stream name hashed. Its payload's canonical bytes are written straight into its envelope line
/// (``writeLine``), also on the appender's thread, so the single committer thread only splices
/// bytes.
struct PreparedDraft: Sendable {
    var stream: String
    /// `stream` with its hash, computed here on the appender's thread.
    var streamName: StreamName
    var type: String
    var schema: Int
    var occurred: String
    var key: String?
    var expectedVersion: ExpectedVersion
    /// The payload (a JSON object; written as canonical JSON into the line).
    var data: JSONValue

    init(_ draft: __shared EventDraft) {
        stream = draft.stream
        streamName = StreamName(draft.stream)
        type = draft.type
        schema = draft.schema
        occurred = draft.occurred
        key = draft.key
        expectedVersion = draft.expectedVersion
        data = draft.data
    }

    /// Same event content (what an idempotent retry must repeat): payloads compared as the
    /// canonical bytes the log would store (only repeated keys get here).
    func hasSameContent(as other: PreparedDraft) -> Bool {
        stream == other.stream && type == other.type && schema == other.schema && occurred == other.occurred
            && data.canonicalBytes == other.data.canonicalBytes
    }

    func hasSameContent(as envelope: Envelope) -> Bool {
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
