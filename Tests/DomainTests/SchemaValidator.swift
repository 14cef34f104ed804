import EventLog

/// A JSON Schema (2020-12) checker for the keywords Gongfu's schema files use: type, enum,
/// minLength, maxLength, pattern, minimum, maximum, items, minItems, properties, required,
/// additionalProperties. Any other keyword fails loudly, so a schema cannot silently outgrow it.
struct SchemaValidator {
    static let known: Set<String> = [
        "$schema", "$id", "title", "description", "type", "enum", "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "items", "minItems", "properties", "required", "additionalProperties",
    ]

    /// The first violation of `schema` by `value`, as "path: reason", or nil.
    static func violation(of schema: JSONValue, by value: JSONValue, at path: String = "data") -> String? {
        guard case .object(let keywords) = schema else { return "\(path): schema is not an object" }
        if let unknown = keywords.keys.first(where: { !known.contains($0) }) { return "\(path): unsupported keyword \(unknown)" }
        if let type = keywords["type"]?.stringValue {
            let matches =
                switch (type, value) {
                case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("integer", .integer),
                    ("number", .integer), ("number", .double):
                    true
                default: false
                }
            guard matches else { return "\(path): not of type \(type)" }
        }
        if case .array(let options) = keywords["enum"], !options.contains(value) { return "\(path): not one of the enum" }
        if case .string(let text) = value {
            if let minimum = keywords["minLength"]?.integerValue, text.count < minimum { return "\(path): shorter than \(minimum)" }
            if let maximum = keywords["maxLength"]?.integerValue, text.count > maximum { return "\(path): longer than \(maximum)" }
            if let pattern = keywords["pattern"]?.stringValue {
                guard let regex = try? Regex(pattern) else { return "\(path): pattern \(pattern) does not compile" }
                if (try? regex.firstMatch(in: text)) == nil { return "\(path): does not match \(pattern)" }
            }
        }
        let number: Double? =
            switch value {
            case .integer(let integer): Double(integer)
            case .double(let double): double
            default: nil
            }
        if let number {
            if let minimum = Self.number(keywords["minimum"]), number < minimum { return "\(path): below \(minimum)" }
            if let maximum = Self.number(keywords["maximum"]), number > maximum { return "\(path): above \(maximum)" }
        }
        if case .array(let elements) = value {
            if let minimum = keywords["minItems"]?.integerValue, elements.count < minimum { return "\(path): fewer than \(minimum) items" }
            if let items = keywords["items"] {
                for (index, element) in elements.enumerated() {
                    if let problem = violation(of: items, by: element, at: "\(path)[\(index)]") { return problem }
                }
            }
        }
        if case .object(let members) = value {
            if case .array(let required) = keywords["required"] {
                for name in required.compactMap(\.stringValue) where members[name] == nil { return "\(path).\(name): required" }
            }
            let properties: JSONObject
            if case .object(let declared) = keywords["properties"] { properties = declared } else { properties = [:] }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    if let problem = violation(of: property, by: member, at: "\(path).\(name)") { return problem }
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) { return "\(path).\(name): not allowed" }
                    if let problem = violation(of: additional, by: member, at: "\(path).\(name)") { return problem }
                }
            }
        }
        return nil
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let integer): Double(integer)
        case .double(let double): double
        default: nil
        }
    }
}
