/// A draft made ready for the committer on the appender's own thread: validated, with its
/// payload already in canonical bytes, so the single committer thread only splices bytes.
struct PreparedDraft: Sendable {
    var stream: String
    var type: String
    var schema: Int
    var occurred: String
    var key: String?
    var expectedVersion: ExpectedVersion
    /// Canonical JSON of `data`.
    var data: [UInt8]

    init(_ draft: EventDraft) {
        stream = draft.stream
        type = draft.type
        schema = draft.schema
        occurred = draft.occurred
        key = draft.key
        expectedVersion = draft.expectedVersion
        data = draft.data.canonicalBytes
    }

    /// Same event content (what an idempotent retry must repeat).
    func hasSameContent(as other: PreparedDraft) -> Bool {
        stream == other.stream && type == other.type && schema == other.schema && occurred == other.occurred && data == other.data
    }

    func hasSameContent(as envelope: Envelope) -> Bool {
        stream == envelope.stream && type == envelope.type && schema == envelope.schema && occurred == envelope.occurred
            && data == envelope.data.canonicalBytes
    }

    /// Writes the canonical envelope line (see ``Envelope/write(into:)``; the same bytes).
    func writeLine(seq: UInt64, milliseconds: Int64, random: inout FastRandom, version: UInt64, recorded: String,
                   actor: [UInt8], into output: inout [UInt8]) {
        output.append(contentsOf: #"{"seq":"#.utf8)
        CanonicalJSON.writeInteger(seq, into: &output)
        output.append(contentsOf: #","id":""#.utf8)
        UUIDv7.write(milliseconds: milliseconds, using: &random, into: &output)
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: #","stream":"#.utf8)
        CanonicalJSON.writeString(stream, into: &output)
        output.append(contentsOf: #","version":"#.utf8)
        CanonicalJSON.writeInteger(version, into: &output)
        output.append(contentsOf: #","type":"#.utf8)
        CanonicalJSON.writeString(type, into: &output)
        output.append(contentsOf: #","schema":"#.utf8)
        CanonicalJSON.writeInteger(schema, into: &output)
        output.append(contentsOf: #","occurred":"#.utf8)
        CanonicalJSON.writeString(occurred, into: &output)
        output.append(contentsOf: #","recorded":"#.utf8)
        CanonicalJSON.writeString(recorded, into: &output)
        output.append(contentsOf: #","actor":"#.utf8)
        output.append(contentsOf: actor)
        if let key {
            output.append(contentsOf: #","key":"#.utf8)
            CanonicalJSON.writeString(key, into: &output)
        }
        output.append(contentsOf: #","data":"#.utf8)
        output.append(contentsOf: data)
        output.append(contentsOf: "}\n".utf8)
    }
}
