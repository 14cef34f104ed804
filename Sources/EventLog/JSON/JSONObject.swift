/// A JSON object's members: unique keys, kept in the order they were added. Equality ignores
/// the order, as JSON's does; the canonical form sorts the members by key when it writes them.
///
/// An event's objects have a handful of members, for which comparing keys in turn costs less
/// than hashing them (and the members take one small array, not a hash table); an object that
/// grows to ``indexedFrom`` members (an answer keyed by enterprise) gets a hash index, so that
/// no object costs more per lookup than a dictionary would. Removing a member is linear in the
/// number of members, as in an array.
///
/// ```swift
/// var members: JSONObject = ["stage": "L3"]
/// members["kind"] = "annual"
/// members["stage"]  // .string("L3")
/// ```
public struct JSONObject: Sendable {
    /// A member: its key and value.
    public typealias Element = (key: String, value: JSONValue)

    private var members: [Element] = []
    /// Each key's position in ``members``, once there are ``indexedFrom`` of them.
    private var positions: [String: Int]?

    /// How many members an object has before its keys are hashed.
    public static let indexedFrom = 24

    /// An empty object.
    public init() {}

    /// An object with the members of `dictionary`.
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.map { ($0.key, $0.value) }
        indexIfLarge()
    }

    /// The value of `key`, nil if the object has no such member; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// Sets `key` to `value`; returns the value it replaces, if any.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let position = position(of: key) {
            let old = members[position].value
            members[position].value = value
            return old
        }
        members.append((key, value))
        if positions != nil { positions![key] = members.count - 1 } else { indexIfLarge() }
        return nil
    }

    /// Adds a member whose key the object must not have yet; false (and nothing added) if it has.
    public mutating func insertNew(_ value: JSONValue, forKey key: String) -> Bool {
        guard position(of: key) == nil else { return false }
        members.append((key, value))
        if positions != nil { positions![key] = members.count - 1 } else { indexIfLarge() }
        return true
    }

    /// Removes `key`'s member; returns its value, if there was one.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let old = members.remove(at: position).value
        if positions != nil {
            // The members after it moved down one place.
            positions![key] = nil
            for index in position..<members.count { positions![members[index].key] = index }
        }
        return old
    }

    /// The keys, in the order they were added.
    public var keys: [String] { members.map(\.key) }

    /// The values, in the order they were added.
    public var values: [JSONValue] { members.map(\.value) }

    /// The same keys with their values transformed.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var result = self
        for index in result.members.indices { result.members[index].value = try transform(result.members[index].value) }
        return result
    }

    /// The members for which `isIncluded` is true, as an object.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        var result = JSONObject()
        result.members = try members.filter(isIncluded)
        result.indexIfLarge()
        return result
    }

    /// The position of `key`'s member.
    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        // The lengths first: most keys differ in length, and a length is stored, not counted.
        let length = key.utf8.count
        for index in members.indices where members[index].key.utf8.count == length && members[index].key == key { return index }
        return nil
    }

    private mutating func indexIfLarge() {
        guard positions == nil, members.count >= Self.indexedFrom else { return }
        var index = [String: Int](minimumCapacity: members.count * 2)
        for (position, member) in members.enumerated() { index[member.key] = position }
        positions = index
    }
}

extension JSONObject: RandomAccessCollection {
    /// The position of the first member.
    public var startIndex: Int { 0 }
    /// The position past the last member.
    public var endIndex: Int { members.count }
    /// The member at `position`.
    public subscript(position: Int) -> Element { members[position] }
}

extension JSONObject: Equatable {
    /// The same keys with equal values, in any order.
    public static func == (left: JSONObject, right: JSONObject) -> Bool {
        guard left.count == right.count else { return false }
        return left.members.allSatisfy { right[$0.key] == $0.value }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object of the literal's members (a repeated key keeps its last value).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { updateValue(value, forKey: key) }
    }
}
