/// Who wrote an event. Set by the trusted caller (the server from the credential, the CLI from
/// the operator), never taken from the client's input.
public struct Actor: Sendable, Equatable {
    public var name: String
    public var role: String
    /// GB/T 2260 code of the actor's jurisdiction, if scoped.
    public var jurisdiction: String?

    public init(name: String, role: String, jurisdiction: String? = nil) {
        self.name = name
        self.role = role
        self.jurisdiction = jurisdiction
    }

    var json: JSONValue {
        var members: JSONObject = ["name": .string(name), "role": .string(role)]
        if let jurisdiction { members["jurisdiction"] = .string(jurisdiction) }
        return .object(members)
    }
}

/// One stored event: the canonical envelope line and the fields read from it.
public struct Envelope: Sendable, Equatable {
    public var seq: UInt64
    public var id: String
    public var stream: String
    public var version: UInt64
    public var type: String
    public var schema: Int
    public var occurred: String
    public var recorded: String
    public var actor: JSONValue
    public var key: String?
    public var data: JSONValue

    /// Writes the canonical line (with its trailing newline): members in the fixed order
    /// seq, id, stream, version, type, schema, occurred, recorded, actor, key (if any), data.
    public func write(into output: inout [UInt8]) {
        CanonicalWriter.withWriter { writer in
            Self.writeLine(
                seq: seq, writeID: { $0.writeString(id) }, stream: stream, version: version,
                type: type, schema: schema, occurred: occurred, recorded: recorded, actor: actor.canonicalBytes,
                key: key, writeData: { $0.write(data) }, into: &writer)
            writer.withBytes { output.append(contentsOf: $0) }
        }
    }

    /// The one writer of the envelope layout. `writeID` writes the quoted id; `actor` is already
    /// canonical JSON; `writeData` writes the payload as canonical JSON, straight into the line.
    static func writeLine(
        seq: UInt64, writeID: (inout CanonicalWriter) -> Void, stream: String, version: UInt64, type: String,
        schema: Int, occurred: String, recorded: String, actor: [UInt8], key: String?, writeData: (inout CanonicalWriter) -> Void,
        into output: inout CanonicalWriter
    ) {
        output.append(EnvelopeLayout.seq)
        output.writeInteger(seq)
        output.append(EnvelopeLayout.id)
        writeID(&output)
        output.append(EnvelopeLayout.stream)
        output.writeString(stream)
        output.append(EnvelopeLayout.version)
        output.writeInteger(version)
        output.append(EnvelopeLayout.type)
        output.writeString(type)
        output.append(EnvelopeLayout.schema)
        output.writeInteger(schema)
        output.append(EnvelopeLayout.occurred)
        output.writeString(occurred)
        output.append(EnvelopeLayout.recorded)
        output.writeString(recorded)
        output.append(EnvelopeLayout.actor)
        output.append(actor)
        if let key {
            output.append(EnvelopeLayout.key)
            output.writeString(key)
        }
        output.append(EnvelopeLayout.data)
        writeData(&output)
        output.append("}\n")
    }

    public var line: [UInt8] {
        var output: [UInt8] = []
        write(into: &output)
        return output
    }

    /// Parses a stored line (with or without its newline) and checks it is canonical.
    public init(line: some Collection<UInt8>) throws(EnvelopeError) {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .malformed(error.description) }
        guard case .object(let fields) = value else { throw .malformed("not a JSON object") }
        func string(_ name: String) throws(EnvelopeError) -> String {
            guard let text = fields[name]?.stringValue else { throw .malformed("\"\(name)\" missing or not a string") }
            return text
        }
        func integer(_ name: String) throws(EnvelopeError) -> Int64 {
            guard let number = fields[name]?.integerValue, number >= 0 else { throw .malformed("\"\(name)\" missing or not a non-negative integer") }
            return number
        }
        seq = UInt64(try integer("seq"))
        id = try string("id")
        stream = try string("stream")
        version = UInt64(try integer("version"))
        type = try string("type")
        schema = Int(try integer("schema"))
        occurred = try string("occurred")
        recorded = try string("recorded")
        guard let actor = fields["actor"] else { throw .malformed("\"actor\" missing") }
        self.actor = actor
        key = fields["key"]?.stringValue
        guard let data = fields["data"] else { throw .malformed("\"data\" missing") }
        self.data = data
        let known: Set<String> = ["seq", "id", "stream", "version", "type", "schema", "occurred", "recorded", "actor", "key", "data"]
        if let extra = fields.keys.first(where: { !known.contains($0) }) { throw .malformed("unknown member \"\(extra)\"") }
        var canonical = self.line
        canonical.removeLast()
        guard canonical == bytes else { throw .notCanonical }
    }

    public init(
        seq: UInt64, id: String, stream: String, version: UInt64, type: String, schema: Int,
        occurred: String, recorded: String, actor: JSONValue, key: String?, data: JSONValue
    ) {
        self.seq = seq
        self.id = id
        self.stream = stream
        self.version = version
        self.type = type
        self.schema = schema
        self.occurred = occurred
        self.recorded = recorded
        self.actor = actor
        self.key = key
        self.data = data
    }
}

/// A stored line that is not a valid envelope.
public enum EnvelopeError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String)
    case notCanonical

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed envelope: \(reason)"
        case .notCanonical: "envelope is not in canonical form"
        }
    }
}
