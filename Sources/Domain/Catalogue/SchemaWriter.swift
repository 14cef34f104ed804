import EventLog

/// Writes the catalogue as JSON Schema (2020-12) documents: one per event type and version (its
/// `data` payload) and one for the stored envelope.
public struct SchemaWriter: Sendable {
    public let reference: ReferenceData
    public static let baseURI = "https://gongfu.local/schemas/"

    public init(reference: ReferenceData = .standard) {
        self.reference = reference
    }

    /// File name → document, for `schemas/events/`.
    public func documents() -> [(name: String, document: JSONValue)] {
        var documents = EventCatalogue.all.map { spec -> (String, JSONValue) in
            let name = "\(spec.type).v\(spec.schema).schema.json"
            var schema = schema(for: .object(spec.fields))
            if case .object(var members) = schema {
                members["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                members["$id"] = .string(Self.baseURI + "events/" + name)
                members["title"] = .string("\(spec.type) v\(spec.schema): data")
                members["description"] = .string(
                    spec.summary + (spec.category.map { " Stream: \($0)/…." } ?? " Stream: that of the corrected event."))
                schema = .object(members)
            }
            return (name, schema)
        }
        documents.append(("envelope.v1.schema.json", envelope))
        return documents
    }

    func schema(for kind: FieldKind) -> JSONValue {
        switch kind {
        case .string(let minLength, let maxLength, let pattern, _):
            var members: JSONObject = ["type": "string", "minLength": .integer(Int64(minLength)), "maxLength": .integer(Int64(maxLength))]
            if let pattern { members["pattern"] = .string("^(?:\(pattern))$") }
            return .object(members)
        case .choice(let options):
            return ["enum": .array(options.map(JSONValue.string))]
        case .integer(let minimum, let maximum):
            var members: JSONObject = ["type": "integer"]
            if let minimum { members["minimum"] = .integer(minimum) }
            if let maximum { members["maximum"] = .integer(maximum) }
            return .object(members)
        case .number(let minimum, let maximum):
            var members: JSONObject = ["type": "number"]
            if let minimum { members["minimum"] = .double(minimum) }
            if let maximum { members["maximum"] = .double(maximum) }
            return .object(members)
        case .boolean:
            return ["type": "boolean"]
        case .date:
            return ["type": "string", "format": "date", "pattern": #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#]
        case .uscc:
            return [
                "type": "string", "pattern": #"^[1-9A-GNY][0-9A-HJ-NPQRTUWXY][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"#,
                "description": "Unified social credit code (GB 32100-2015); Gongfu also verifies both check characters.",
            ]
        case .city:
            return ["enum": .array(reference.cities.map { .string($0.code) })]
        case .county:
            let codes = reference.cities.flatMap(\.counties).map(\.code) + reference.historicDivisions.map(\.code).filter { $0.suffix(2) != "00" }
            return ["enum": .array(codes.sorted().map(JSONValue.string))]
        case .region:
            let codes = reference.cities.map(\.code) + reference.cities.flatMap(\.counties).map(\.code)
            return ["enum": .array(codes.sorted().map(JSONValue.string))]
        case .industry:
            return ["type": "string", "pattern": #"^(B(0[6-9]|1[0-2])|C(1[3-9]|[23][0-9]|4[0-3])|D4[4-6])[0-9]{0,2}$"#]
        case .stage:
            return ["enum": .array(transformationStages.map(JSONValue.string))]
        case .array(let item, let minItems):
            var members: JSONObject = ["type": "array", "items": schema(for: item)]
            if minItems > 0 { members["minItems"] = .integer(Int64(minItems)) }
            return .object(members)
        case .object(let fields):
            var properties: JSONObject = [:]
            for field in fields {
                var property = schema(for: field.kind)
                if case .object(var members) = property, members["description"] == nil {
                    members["description"] = .string(field.summary)
                    property = .object(members)
                }
                properties[field.name] = property
            }
            return [
                "type": "object", "properties": .object(properties),
                "required": .array(fields.filter(\.isRequired).map { .string($0.name) }), "additionalProperties": false,
            ]
        case .map(let value):
            return ["type": "object", "additionalProperties": schema(for: value)]
        case .anyValue:
            return [:]
        }
    }

    /// The stored envelope (one line of the log).
    var envelope: JSONValue {
        [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": .string(Self.baseURI + "events/envelope.v1.schema.json"),
            "title": "Event envelope v1",
            "description":
                "One stored event: a canonical JSON line of the log (see schemas/log-format.md). data follows the schema of its type and version.",
            "type": "object",
            "required": ["seq", "id", "stream", "version", "type", "schema", "occurred", "recorded", "actor", "data"],
            "additionalProperties": false,
            "properties": [
                "seq": ["type": "integer", "minimum": 1, "description": "global, gapless sequence number"],
                "id": [
                    "type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", "description": "UUIDv7",
                ],
                "stream": ["type": "string", "pattern": "^[a-z][a-z0-9-]*/[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"],
                "version": ["type": "integer", "minimum": 1, "description": "version of the stream after this event"],
                "type": ["enum": .array(EventCatalogue.all.map { .string($0.type) })],
                "schema": ["type": "integer", "minimum": 1],
                "occurred": ["type": "string", "pattern": #"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T.*)?$"#, "description": "business date"],
                "recorded": [
                    "type": "string", "pattern": #"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"#,
                    "description": "when the log learned it (UTC)",
                ],
                "actor": [
                    "type": "object", "required": ["name", "role"], "additionalProperties": false,
                    "properties": ["name": ["type": "string"], "role": ["type": "string"], "jurisdiction": ["type": "string"]],
                ],
                "key": ["type": "string", "minLength": 1, "maxLength": 200, "description": "idempotency key"],
                "data": ["type": "object"],
            ],
        ]
    }
}
