import EventLog

/// Reads a payload's members from its parsed JSON with plain, specialised code. Projections
/// decode every event, and `Decodable` through a generic decoder takes a runtime lock on every
/// container (it does not scale across cores); this does the same checks without it.
public struct PayloadReader {
    /// An object's members: a parsed tree's object, or the list a parser read them into
    /// (``JSONParser/readMembers()``).
    private enum Members {
        case object(JSONObject)
        case list([(key: String, value: JSONValue)])
    }

    private let members: Members
    public let path: String

    public init(_ value: JSONValue, path: String = "data") throws(PayloadError) {
        guard case .object(let members) = value else { throw PayloadError(path: path, expected: "an object") }
        self.members = .object(members)
        self.path = path
    }

    /// Reads members as ``JSONParser/readMembers()`` gives them (keys already unique).
    public init(members: [(key: String, value: JSONValue)], path: String = "data") {
        self.members = .list(members)
        self.path = path
    }

    private func present(_ key: String) -> JSONValue? {
        let value: JSONValue?
        switch members {
        case .object(let object): value = object[key]
        case .list(let list): value = list.first { $0.key == key }?.value
        }
        if case .null = value { return nil }
        return value
    }

    private func required(_ key: String) throws(PayloadError) -> JSONValue {
        guard let value = present(key) else { throw PayloadError(path: path + "." + key, expected: "a value (it is missing)") }
        return value
    }

    public func string(_ key: String) throws(PayloadError) -> String {
        guard case .string(let text) = try required(key) else { throw PayloadError(path: path + "." + key, expected: "a string") }
        return text
    }

    public func optionalString(_ key: String) throws(PayloadError) -> String? {
        guard present(key) != nil else { return nil }
        return try string(key)
    }

    public func integer<T: FixedWidthInteger>(_ key: String, as type: T.Type = Int.self) throws(PayloadError) -> T {
        guard case .integer(let number) = try required(key), let result = T(exactly: number) else {
            throw PayloadError(path: path + "." + key, expected: "an integer")
        }
        return result
    }

    public func optionalInteger(_ key: String) throws(PayloadError) -> Int? {
        guard present(key) != nil else { return nil }
        return try integer(key)
    }

    public func bool(_ key: String) throws(PayloadError) -> Bool {
        guard case .bool(let flag) = try required(key) else { throw PayloadError(path: path + "." + key, expected: "a boolean") }
        return flag
    }

    public func optionalBool(_ key: String) throws(PayloadError) -> Bool? {
        guard present(key) != nil else { return nil }
        return try bool(key)
    }

    /// A string-valued enumeration (`Stage`, kinds, outcomes, …).
    public func choice<T: RawRepresentable>(_ key: String, as type: T.Type = T.self) throws(PayloadError) -> T where T.RawValue == String {
        let text = try string(key)
        guard let value = T(rawValue: text) else {
            throw PayloadError(path: path + "." + key, expected: "one of the allowed values, not \"\(text)\"")
        }
        return value
    }

    public func strings(_ key: String) throws(PayloadError) -> [String] {
        guard case .array(let items) = try required(key) else { throw PayloadError(path: path + "." + key, expected: "an array of strings") }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else { throw PayloadError(path: path + ".\(key)[\(index)]", expected: "a string") }
            result.append(text)
        }
        return result
    }

    public func optionalStrings(_ key: String) throws(PayloadError) -> [String]? {
        guard present(key) != nil else { return nil }
        return try strings(key)
    }

    public func numbers(_ key: String) throws(PayloadError) -> [String: Double] {
        guard case .object(let items) = try required(key) else { throw PayloadError(path: path + "." + key, expected: "an object of numbers") }
        var result: [String: Double] = [:]
        result.reserveCapacity(items.count)
        for (name, item) in items {
            switch item {
            case .integer(let number): result[name] = Double(number)
            case .double(let number): result[name] = number
            default: throw PayloadError(path: path + ".\(key).\(name)", expected: "a number")
            }
        }
        return result
    }

    public func optionalNumbers(_ key: String) throws(PayloadError) -> [String: Double]? {
        guard present(key) != nil else { return nil }
        return try numbers(key)
    }

    public func object(_ key: String) throws(PayloadError) -> JSONObject {
        guard case .object(let items) = try required(key) else { throw PayloadError(path: path + "." + key, expected: "an object") }
        return items
    }

    /// Each element of an array member, read by `body`.
    public func objects<T>(_ key: String, _ body: (PayloadReader) throws(PayloadError) -> T) throws(PayloadError) -> [T] {
        guard case .array(let items) = try required(key) else { throw PayloadError(path: path + "." + key, expected: "an array") }
        var result: [T] = []
        for (index, item) in items.enumerated() { result.append(try body(try PayloadReader(item, path: path + ".\(key)[\(index)]"))) }
        return result
    }

    public func optionalObjects<T>(_ key: String, _ body: (PayloadReader) throws(PayloadError) -> T) throws(PayloadError) -> [T]? {
        guard present(key) != nil else { return nil }
        return try objects(key, body)
    }
}

/// A payload member that is missing or of the wrong kind.
public struct PayloadError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let expected: String
    public var description: String { "\(path): expected \(expected)" }
}
