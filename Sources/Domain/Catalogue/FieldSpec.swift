import EventLog
import Foundation

/// The shape of one field of an event payload: the single description from which payloads are
/// validated (with the path of the first wrong field) and the JSON Schema files are written.
public indirect enum FieldKind: Sendable {
    /// Text without control characters (``TextRules``); `multiline` text may hold line breaks and tabs.
    case string(minLength: Int = 1, maxLength: Int = 500, pattern: String? = nil, multiline: Bool = false)
    case choice([String])
    case integer(minimum: Int64? = nil, maximum: Int64? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case boolean
    /// A calendar date `YYYY-MM-DD`.
    case date
    /// A unified social credit code, both check characters verified.
    case uscc
    /// One of the 16 cities (GB/T 2260).
    case city
    /// A Shandong county-level code, current or historic (GB/T 2260).
    case county
    /// One of Shandong's current cities or counties (GB/T 2260): a place whose part is reported.
    case region
    /// A GB/T 4754-2017 industrial code: section `B`, `C` or `D` and 2–4 digits of its divisions.
    case industry
    /// A transformation stage `L0`…`L5`.
    case stage
    case array(FieldKind, minItems: Int = 0)
    case object([Field])
    /// An object whose keys are free and whose values all have one kind.
    case map(FieldKind)
    /// Any JSON value.
    case anyValue
}

/// A named field of an object.
public struct Field: Sendable {
    public let name: String
    public let kind: FieldKind
    public let isRequired: Bool
    public let summary: String

    public static func required(_ name: String, _ kind: FieldKind, _ summary: String) -> Field {
        Field(name: name, kind: kind, isRequired: true, summary: summary)
    }

    public static func optional(_ name: String, _ kind: FieldKind, _ summary: String) -> Field {
        Field(name: name, kind: kind, isRequired: false, summary: summary)
    }
}

/// A payload field that is missing, unexpected or wrong: where (a JSON path such as
/// `data.ledger[2].deadline`) and why.
public struct FieldError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

public let transformationStages = ["L0", "L1", "L2", "L3", "L4", "L5"]

/// Where a field is, formed into text (`data.ledger[2].deadline`) only when an error names it.
struct FieldPath: CustomStringConvertible {
    enum Last {
        case none
        case member(String)
        case index(Int)
    }

    let parent: String
    let last: Last

    init(_ parent: String, _ last: Last = .none) {
        self.parent = parent
        self.last = last
    }

    var description: String {
        switch last {
        case .none: parent
        case .member(let name): "\(parent).\(name)"
        case .index(let index): "\(parent)[\(index)]"
        }
    }
}

extension FieldKind {
    /// Checks `value` against this kind; `path` names it in errors.
    func validate(_ value: JSONValue, at path: FieldPath, reference: ReferenceData) throws(FieldError) {
        func fail(_ reason: String) -> FieldError { FieldError(path: path.description, reason: reason) }
        switch self {
        case .string(let minLength, let maxLength, let pattern, let multiline):
            guard case .string(let text) = value else { throw fail("must be a string") }
            if let refusal = TextRules.refusal(in: text, multiline: multiline) { throw fail(refusal) }
            // Counting characters is slow; a string has no more of them than UTF-8 bytes.
            if minLength == 1 {
                guard !text.isEmpty else { throw fail("must not be empty") }
            } else if text.utf8.count < minLength || text.count < minLength {
                throw fail("must have at least \(minLength) characters")
            }
            guard text.utf8.count <= maxLength || text.count <= maxLength else { throw fail("must have at most \(maxLength) characters") }
            if let pattern, text.wholeMatch(of: Patterns.compiled(pattern)) == nil { throw fail("\"\(text)\" does not match \(pattern)") }
        case .choice(let options):
            guard case .string(let text) = value, options.contains(text) else {
                throw fail("must be one of \(options.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        case .integer(let minimum, let maximum):
            guard case .integer(let number) = value else { throw fail("must be an integer") }
            if let minimum, number < minimum { throw fail("must be at least \(minimum)") }
            if let maximum, number > maximum { throw fail("must be at most \(maximum)") }
        case .number(let minimum, let maximum):
            let number: Double
            switch value {
            case .integer(let integer): number = Double(integer)
            case .double(let double): number = double
            default: throw fail("must be a number")
            }
            if let minimum, number < minimum { throw fail("must be at least \(CanonicalJSON.format(minimum))") }
            if let maximum, number > maximum { throw fail("must be at most \(CanonicalJSON.format(maximum))") }
        case .boolean:
            guard case .bool = value else { throw fail("must be true or false") }
        case .date:
            guard case .string(let text) = value, text.utf8.count == 10, Timestamp.isValidBusinessDate(text) else {
                throw fail("must be a date YYYY-MM-DD")
            }
        case .uscc:
            guard case .string(let text) = value else { throw fail("must be a unified social credit code (a string)") }
            do { _ = try USCC(text) } catch { throw fail(error.description) }
        case .city:
            guard case .string(let code) = value, reference.cities.contains(where: { $0.code == code }) else {
                throw fail("must be the GB/T 2260 code of one of Shandong's 16 cities, e.g. \"370200\" (青岛市)")
            }
        case .county:
            guard case .string(let code) = value, reference.isKnownDivision(code), reference.cities.allSatisfy({ $0.code != code }) else {
                throw fail("must be a Shandong county-level GB/T 2260 code, e.g. \"370211\" (黄岛区)")
            }
        case .region:
            guard case .string(let code) = value, reference.city(containing: code) != nil else {
                throw fail("must be the GB/T 2260 code of a Shandong city or county, e.g. \"370200\" (青岛市) or \"370211\" (黄岛区)")
            }
        case .industry:
            guard case .string(let code) = value, Self.isIndustryCode(code), reference.industry(for: code) != nil else {
                throw fail(
                    "must be a GB/T 4754-2017 industrial code: its section letter and 2–4 digits of divisions B 06–12, C 13–43 or D 44–46, e.g. \"C3484\", \"B0610\", \"D4411\""
                )
            }
        case .stage:
            guard case .string(let stage) = value, transformationStages.contains(stage) else { throw fail("must be a stage \"L0\" … \"L5\"") }
        case .array(let item, let minItems):
            guard case .array(let elements) = value else { throw fail("must be an array") }
            guard elements.count >= minItems else { throw fail("must have at least \(minItems) item\(minItems == 1 ? "" : "s")") }
            guard !elements.isEmpty else { return }
            let parent = path.description
            for (index, element) in elements.enumerated() { try item.validate(element, at: FieldPath(parent, .index(index)), reference: reference) }
        case .object(let fields):
            guard case .object(let members) = value else { throw fail("must be an object") }
            try Field.validate(members, fields: fields, at: path.description, reference: reference)
        case .anyValue:
            break
        case .map(let valueKind):
            guard case .object(let members) = value else { throw fail("must be an object") }
            guard !members.isEmpty else { return }
            let parent = path.description
            for key in members.keys.sorted() {
                if let refusal = TextRules.refusal(in: key, multiline: false) { throw fail("key \(key.debugDescription) \(refusal)") }
                try valueKind.validate(members[key]!, at: FieldPath(parent, .member(key)), reference: reference)
            }
        }
    }

    /// A section letter of industry (`B`, `C` or `D`) and 2–4 ASCII digits.
    static func isIndustryCode(_ code: String) -> Bool {
        let bytes = code.utf8
        guard (3...5).contains(bytes.count), let first = bytes.first, (UInt8(ascii: "B")...UInt8(ascii: "D")).contains(first) else { return false }
        return bytes.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

extension Field {
    /// Checks an object's members: required fields present, no unknown ones, each valid.
    static func validate(_ members: JSONObject, fields: [Field], at path: String, reference: ReferenceData) throws(FieldError) {
        var present = 0
        for field in fields {
            guard let value = members[field.name] else {
                if field.isRequired { throw FieldError(path: "\(path).\(field.name)", reason: "is required (\(field.summary))") }
                continue
            }
            present += 1
            try field.kind.validate(value, at: FieldPath(path, .member(field.name)), reference: reference)
        }
        guard present != members.count else { return }
        let known = Set(fields.map(\.name))
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw FieldError(
                path: "\(path).\(unknown)", reason: "is not a field of this event; allowed: \(fields.map(\.name).joined(separator: ", "))")
        }
    }
}

/// The catalogue's field patterns, each compiled once (compiling one took longer than the rest
/// of an event's validation).
enum Patterns {
    nonisolated(unsafe) private static var cache: [String: Regex<AnyRegexOutput>] = [:]
    private static let lock = NSLock()

    static func compiled(_ pattern: String) -> Regex<AnyRegexOutput> {
        lock.lock()
        defer { lock.unlock() }
        if let regex = cache[pattern] { return regex }
        let regex = try! Regex(pattern)
        cache[pattern] = regex
        return regex
    }
}
