extension EnvelopeReader {
    /// The members of a stored line the log's own indexes need (seq, stream, version, key),
    /// read without building the payload.
    public struct Summary: Equatable, Sendable {
        public var seq: UInt64
        public var stream: String
        public var version: UInt64
        public var key: String?
    }

    /// Reads a line's ``Summary``, the canonical way when it is laid out as ``Envelope`` writes
    /// it and member by member otherwise; throws when seq, stream or version is missing or
    /// not what it must be. The canonical way skips the actor and the payload unbuilt (checked
    /// as JSON, not for a key repeated inside them; verification parses each line whole).
    ///
    /// ```swift
    /// let summary = try EnvelopeReader.summary(line)  // summary.seq, summary.stream, …
    /// ```
    public static func summary(_ line: UnsafeRawBufferPointer) throws(EnvelopeError) -> Summary {
        if let canonical = try? canonicalSummary(line) { return canonical }
        return try memberSummary(line)
    }

    /// The summary of a line laid out as ``Envelope`` writes it; nil when it is laid out otherwise.
    static func canonicalSummary(_ line: UnsafeRawBufferPointer) throws(JSONParser.Failure) -> Summary? {
        var parser = JSONParser(line)
        guard parser.consume(literal: EnvelopeLayout.seq) else { return nil }
        let seq = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.id) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.stream) else { return nil }
        let stream = try parser.readString()
        guard parser.consume(literal: EnvelopeLayout.version) else { return nil }
        let version = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.type) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.schema) else { return nil }
        _ = try parser.readInteger()
        guard parser.consume(literal: EnvelopeLayout.occurred) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.recorded) else { return nil }
        try parser.skipString()
        guard parser.consume(literal: EnvelopeLayout.actor) else { return nil }
        try parser.skipValue()
        let key = parser.consume(literal: EnvelopeLayout.key) ? try parser.readString() : nil
        guard parser.consume(literal: EnvelopeLayout.data) else { return nil }
        try parser.skipValue()
        guard parser.consume(literal: "}"), parser.isAtEndOfText(), seq >= 0, version >= 0 else { return nil }
        return Summary(seq: UInt64(seq), stream: stream, version: UInt64(version), key: key)
    }

    /// The summary of a line read member by member, in any order.
    static func memberSummary(_ line: UnsafeRawBufferPointer) throws(EnvelopeError) -> Summary {
        var seq: Int64?
        var stream: String?
        var version: Int64?
        var key: String?
        do {
            try JSONParser.parseObject(line) { name, parser throws(JSONParser.Failure) in
                switch name {
                case "seq": seq = try parser.readInteger()
                case "version": version = try parser.readInteger()
                case "stream": stream = try parser.readString()
                case "key": key = try parser.readValue().stringValue
                default: try parser.skipValue()
                }
            }
        } catch {
            throw .malformed(error.description)
        }
        guard let seq, seq >= 0, let stream, let version, version >= 0 else { throw .malformed("seq, stream or version missing") }
        return Summary(seq: UInt64(seq), stream: stream, version: UInt64(version), key: key)
    }
}
