/// What a writer asks the log to append: everything of an event but what the log assigns
/// (`seq`, `id`, `version`, `recorded`) and what the trusted caller sets (`actor`).
public struct EventDraft: Sendable, Equatable {
    public var stream: String
    public var type: String
    /// Version of the event type's schema.
    public var schema: Int
    /// Business date: `YYYY-MM-DD` or an RFC 3339 timestamp.
    public var occurred: String
    /// The payload; always a JSON object. (A draft made from its canonical bytes alone reads
    /// them here.)
    public var data: JSONValue {
        get { tree ?? Self.tree(of: canonicalPayload ?? []) }
        set {
            tree = newValue
            canonicalPayload = nil
        }
    }
    public var expectedVersion: ExpectedVersion
    /// Idempotency key: a repeated key returns the first result and appends nothing.
    public var key: String?
    /// The payload as a tree, unless the draft was made from canonical bytes.
    private var tree: JSONValue?
    /// The payload's canonical bytes when known (``encodeCanonicalPayload()``,
    /// ``init(stream:type:schema:occurred:canonicalPayload:expectedVersion:key:)``): the log
    /// writes them as they are instead of encoding the tree.
    public private(set) var canonicalPayload: [UInt8]?

    public init(
        stream: String, type: String, schema: Int = 1, occurred: String, data: JSONValue,
        expectedVersion: ExpectedVersion = .any, key: String? = nil
    ) {
        self.init(
            stream: stream, type: type, schema: schema, occurred: occurred, tree: data, canonicalPayload: nil,
            expectedVersion: expectedVersion, key: key)
    }

    /// A draft whose payload is given as canonical bytes (``CanonicalJSON``) of a JSON object,
    /// such as ``canonicalPayload`` of a draft checked before: no tree is built unless ``data``
    /// is read. Bytes that are not a canonical object must not be given (the log would store
    /// them as they are); ``validate()`` checks only that they are braced.
    public init(
        stream: String, type: String, schema: Int = 1, occurred: String, canonicalPayload: [UInt8],
        expectedVersion: ExpectedVersion = .any, key: String? = nil
    ) {
        self.init(
            stream: stream, type: type, schema: schema, occurred: occurred, tree: nil, canonicalPayload: canonicalPayload,
            expectedVersion: expectedVersion, key: key)
    }

    private init(
        stream: String, type: String, schema: Int, occurred: String, tree: JSONValue?, canonicalPayload: [UInt8]?,
        expectedVersion: ExpectedVersion, key: String?
    ) {
        self.stream = stream
        self.type = type
        self.schema = schema
        self.occurred = occurred
        self.tree = tree
        self.canonicalPayload = canonicalPayload
        self.expectedVersion = expectedVersion
        self.key = key
    }

    /// Keeps the payload's canonical bytes beside its tree (for a draft the log will write
    /// once it has been checked: encoding it here spares the log encoding it).
    public mutating func encodeCanonicalPayload() {
        if canonicalPayload == nil, let tree { canonicalPayload = tree.canonicalBytes }
    }

    /// The payload's canonical bytes.
    public var canonicalPayloadBytes: [UInt8] { canonicalPayload ?? data.canonicalBytes }

    /// A payload's tree from canonical bytes this type was given (`null` for bytes that are not
    /// JSON, which ``validate()`` refuses).
    private static func tree(of bytes: [UInt8]) -> JSONValue {
        (try? JSONParser.parse(bytes)) ?? .null
    }

    /// The same event (``hasSameContent(as:)-(EventDraft)``: payloads compared by their canonical
    /// bytes, whichever way each draft holds them, so `98.0` and `98` are one payload) with the
    /// same expected version and key.
    public static func == (left: EventDraft, right: EventDraft) -> Bool {
        left.hasSameContent(as: right) && left.expectedVersion == right.expectedVersion && left.key == right.key
    }

    /// The fields an input line may carry.
    public static let inputFields: Set<String> = ["stream", "type", "schema", "occurred", "data", "expectedVersion", "key"]

    /// Reads one input line `{"stream","type","occurred","data","expectedVersion"?,"key"?,"schema"?}`.
    public init(inputLine: some Collection<UInt8>) throws(EventDraftError) {
        // A line laid out as expected is read member by member, without a tree of the whole
        // line; anything else is read whole, which names the mistake.
        if let fields = inputLine.withContiguousStorageIfAvailable({ Self.inputFields(of: UnsafeRawBufferPointer($0)) }) ?? nil {
            self.init(
                stream: fields.stream, type: fields.type, schema: fields.schema, occurred: fields.occurred, data: fields.data,
                expectedVersion: fields.expectedVersion, key: fields.key)
            try validate()
            return
        }
        try self.init(wholeInputLine: inputLine)
    }

    /// ``init(inputLine:)`` by way of the line's whole tree (what the faster reading must agree with).
    init(wholeInputLine inputLine: some Collection<UInt8>) throws(EventDraftError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(inputLine)
        } catch {
            throw .invalidJSON(error.description)
        }
        try self.init(input: value)
    }

    /// The fields of an input line read member by member, as ``init(input:)`` would take them
    /// from its tree; nil for anything it would refuse or read otherwise (invalid JSON, an
    /// unknown or missing field, a value of the wrong kind), which is then read whole.
    private static func inputFields(of line: UnsafeRawBufferPointer) -> (
        stream: String, type: String, schema: Int, occurred: String, data: JSONValue, expectedVersion: ExpectedVersion, key: String?
    )? {
        var (stream, type, occurred, data, key): (String?, String?, String?, JSONValue?, String?) = (nil, nil, nil, nil, nil)
        var schema = 1
        var expectedVersion = ExpectedVersion.any
        var expected = true
        do throws(JSONParser.Failure) {
            try JSONParser.parseObject(line) { name, parser throws(JSONParser.Failure) in
                let value = try parser.readValue()
                switch (name, value) {
                case ("stream", .string(let text)): stream = text
                case ("type", .string(let text)): type = text
                case ("occurred", .string(let text)): occurred = text
                case ("data", _): data = value
                case ("key", .string(let text)): key = text
                case ("schema", .integer(let number)) where (1...1000).contains(number): schema = Int(number)
                case ("expectedVersion", _):
                    if let version = try? ExpectedVersion(json: value) { expectedVersion = version } else { expected = false }
                default: expected = false
                }
            }
        } catch {
            return nil
        }
        guard expected, let stream, let type, let occurred, let data else { return nil }
        return (stream, type, schema, occurred, data, expectedVersion, key)
    }

    /// Reads one input object (as from an HTTP body).
    public init(input value: JSONValue) throws(EventDraftError) {
        guard case .object(let fields) = value else { throw .notAnObject }
        for name in fields.keys where !Self.inputFields.contains(name) {
            if ["seq", "id", "version", "recorded", "actor"].contains(name) {
                throw .assignedByLog(name)
            }
            throw .unknownField(name)
        }
        guard let stream = fields["stream"]?.stringValue else { throw .missingField("stream", "a string such as \"enterprise/91370200MA3C0XYZ1Q\"") }
        guard let type = fields["type"]?.stringValue else { throw .missingField("type", "a string such as \"EnterpriseRegistered\"") }
        guard let occurred = fields["occurred"]?.stringValue else { throw .missingField("occurred", "a date YYYY-MM-DD or an RFC 3339 timestamp") }
        guard let data = fields["data"] else { throw .missingField("data", "a JSON object") }
        var schema = 1
        if let schemaValue = fields["schema"] {
            guard let number = schemaValue.integerValue, (1...1000).contains(number) else {
                throw .invalidField("schema", "must be an integer from 1 to 1000")
            }
            schema = Int(number)
        }
        var expectedVersion = ExpectedVersion.any
        if let expected = fields["expectedVersion"] {
            expectedVersion = try ExpectedVersion(json: expected)
        }
        var key: String?
        if let keyValue = fields["key"] {
            guard let text = keyValue.stringValue else { throw .invalidField("key", "must be a string") }
            key = text
        }
        self.init(stream: stream, type: type, schema: schema, occurred: occurred, data: data, expectedVersion: expectedVersion, key: key)
        try validate()
    }

    /// The stream's category and its id, split at the first `/` (the id is empty when there is
    /// none; a valid stream has one).
    public var streamParts: (category: String, id: String) {
        let (category, id, separated) = EnvelopeReader.split(stream)
        return (category, separated ? id : "")
    }

    /// Checks the fields the log itself cares about (the domain checks `data` later).
    public func validate() throws(EventDraftError) {
        guard Self.isValidStream(stream) else {
            throw .invalidField(
                "stream", "\"\(stream)\" must look like \"category/id\": a lowercase category, '/', then up to 128 of A-Z a-z 0-9 . _ : / -")
        }
        guard Self.isValidType(type) else {
            throw .invalidField("type", "\"\(type)\" must be PascalCase letters and digits, up to 64, e.g. \"TrialStarted\"")
        }
        guard (1...1000).contains(schema) else { throw .invalidField("schema", "must be an integer from 1 to 1000") }
        guard Timestamp.isValidBusinessDate(occurred) else {
            throw .invalidField("occurred", "\"\(occurred)\" is not a date YYYY-MM-DD or an RFC 3339 timestamp such as 2024-10-31T09:30:00+08:00")
        }
        if let canonicalPayload {
            guard canonicalPayload.first == UInt8(ascii: "{"), canonicalPayload.last == UInt8(ascii: "}") else {
                throw .invalidField("data", "must be a JSON object")
            }
        } else {
            guard case .object = tree else { throw .invalidField("data", "must be a JSON object") }
        }
        if let key {
            guard !key.isEmpty, key.utf8.count <= 200, !key.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw .invalidField("key", "must be 1 to 200 bytes without control characters")
            }
        }
        if case .exact(let version) = expectedVersion, version > UInt64(Int64.max) {
            throw .invalidField("expectedVersion", "is too large")
        }
    }

    static func isValidStream(_ stream: String) -> Bool {
        stream.withUTF8Bytes(isValidStream(bytes:))
    }

    /// `category/id`: a lowercase letter, then lowercase letters, digits and `-`; `/`; then 1 to
    /// 128 of letters, digits and `. _ : / -`, starting with a letter or digit. (Every appended
    /// event passes here: one table lookup per byte.)
    private static func isValidStream(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteClass.table.withUnsafeBufferPointer { classes in
            guard let first = bytes.first, classes[Int(first)] & ByteClass.lower != 0 else { return false }
            var index = 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "/") {
                guard classes[Int(bytes[index])] & ByteClass.category != 0 else { return false }
                index += 1
            }
            let idStart = index + 1
            let idLength = bytes.count - idStart
            guard index < bytes.count, idLength >= 1, idLength <= 128, classes[Int(bytes[idStart])] & ByteClass.alphanumeric != 0 else {
                return false
            }
            for position in (idStart + 1)..<bytes.count where classes[Int(bytes[position])] & ByteClass.identifier == 0 { return false }
            return true
        }
    }

    /// PascalCase: an uppercase letter, then letters and digits, 64 at most.
    static func isValidType(_ type: String) -> Bool {
        type.withUTF8Bytes(isValidType(bytes:))
    }

    private static func isValidType(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteClass.table.withUnsafeBufferPointer { classes in
            guard let first = bytes.first, bytes.count <= 64, classes[Int(first)] & ByteClass.upper != 0 else { return false }
            for byte in bytes where classes[Int(byte)] & ByteClass.alphanumeric == 0 { return false }
            return true
        }
    }
}

/// What each byte may be in a stream name or an event type, as bits in a table of 256.
private enum ByteClass {
    static let lower: UInt8 = 1, upper: UInt8 = 2, digit: UInt8 = 4, hyphen: UInt8 = 8, punctuation: UInt8 = 16
    static let alphanumeric = lower | upper | digit
    /// After a category's first letter.
    static let category = lower | digit | hyphen
    /// After an id's first character.
    static let identifier = alphanumeric | hyphen | punctuation

    static let table: [UInt8] = (0..<256).map { value in
        switch UInt8(value) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): lower
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit
        case UInt8(ascii: "-"): hyphen
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"): punctuation
        default: 0
        }
    }
}

/// The stream version an append expects (optimistic concurrency).
public enum ExpectedVersion: Sendable, Equatable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must not exist yet.
    case none
    /// The stream's current version must be exactly this (0 means it must not exist).
    case exact(UInt64)

    init(json: JSONValue) throws(EventDraftError) {
        switch json {
        case .string("any"): self = .any
        case .string("none"): self = .none
        case .integer(let number) where number >= 0: self = number == 0 ? .none : .exact(UInt64(number))
        default: throw .invalidField("expectedVersion", "must be \"any\", \"none\" or a stream version ≥ 0")
        }
    }

    /// Whether a stream at `currentVersion` satisfies this expectation.
    public func admits(currentVersion: UInt64) -> Bool {
        switch self {
        case .any: true
        case .none: currentVersion == 0
        case .exact(let version): currentVersion == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .none: "none (a new stream)"
        case .exact(let version): "version \(version)"
        }
    }
}

/// Why an input event is not acceptable.
public enum EventDraftError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidJSON(String)
    case notAnObject
    case missingField(String, String)
    case invalidField(String, String)
    case unknownField(String)
    case assignedByLog(String)

    public var description: String {
        switch self {
        case .invalidJSON(let reason): "not valid JSON: \(reason)"
        case .notAnObject: "an event must be a JSON object"
        case .missingField(let name, let expected): "missing \"\(name)\": expected \(expected)"
        case .invalidField(let name, let reason): "\"\(name)\" \(reason)"
        case .unknownField(let name):
            "unknown field \"\(name)\"; an event has stream, type, occurred, data and optionally schema, expectedVersion, key"
        case .assignedByLog(let name): "\"\(name)\" is assigned by the log and must not be sent"
        }
    }
}

extension EventDraft {
    /// The draft as one input line (canonical JSON, no newline) that ``init(inputLine:)`` reads
    /// back as this draft: what `gongfu read --as-input` prints.
    public var inputJSON: JSONValue {
        var fields: JSONObject = ["stream": .string(stream), "type": .string(type), "occurred": .string(occurred), "data": data]
        if schema != 1 { fields["schema"] = .integer(Int64(schema)) }
        switch expectedVersion {
        case .any: break
        case .none: fields["expectedVersion"] = .string("none")
        case .exact(let version): fields["expectedVersion"] = .integer(Int64(version))
        }
        if let key { fields["key"] = .string(key) }
        return .object(fields)
    }
}

extension Envelope {
    /// The draft that wrote this event (its expected version left as `any`).
    public var draft: EventDraft {
        EventDraft(stream: stream, type: type, schema: schema, occurred: occurred, data: data, key: key)
    }
}
