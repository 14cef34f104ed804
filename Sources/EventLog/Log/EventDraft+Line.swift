/// A draft's content as the log compares and writes it: what an idempotent retry must repeat,
/// and its canonical envelope line, built on the appender's thread so that the committer only
/// splices bytes.
extension EventDraft {
    /// Whether `other` is the same event — what an idempotent retry must repeat: the same
    /// stream, type, schema, business date, and payload as the canonical bytes the log stores.
    public func hasSameContent(as other: EventDraft) -> Bool {
        stream == other.stream && type == other.type && schema == other.schema && occurred == other.occurred
            && canonicalPayloadBytes == other.canonicalPayloadBytes
    }

    /// Whether `envelope` stores this same event (compared as ``hasSameContent(as:)-(EventDraft)``).
    public func hasSameContent(as envelope: Envelope) -> Bool {
        stream == envelope.stream && type == envelope.type && schema == envelope.schema && occurred == envelope.occurred
            && canonicalPayloadBytes == envelope.data.canonicalBytes
    }

    /// Writes the canonical envelope line with a new UUIDv7 (``Envelope/writeLine``).
    func writeLine(
        seq: UInt64, milliseconds: Int64, random: inout FastRandom, version: UInt64, recorded: String,
        actor: [UInt8], into output: inout CanonicalWriter
    ) {
        Envelope.writeLine(
            seq: seq,
            writeID: { output in
                output.append(UInt8(ascii: "\""))
                UUIDv7.write(milliseconds: milliseconds, using: &random, into: &output)
                output.append(UInt8(ascii: "\""))
            },
            stream: stream, version: version, type: type, schema: schema, occurred: occurred, recorded: recorded,
            actor: actor, key: key,
            writeData: { output in
                if let canonicalPayload { output.append(canonicalPayload) } else { output.write(data) }
            }, into: &output)
    }
}
