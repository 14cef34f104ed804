import EventLog

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from
/// `0-9 A-Z` without I, O, S, V, Z. Characters 1–2 are the registering department and entity
/// kind, 3–8 the registering authority's GB/T 2260 division, 9–17 the entity's organisation
/// code (GB 11714, with its own check digit at 17), and 18 the check character over 1–17.
public struct USCC: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// The registering authority's division code (characters 3–8), e.g. `370200`; historic
    /// codes such as `371200` (莱芜) stay valid inside codes issued before a reorganisation.
    public var divisionCode: String { String(value.dropFirst(2).prefix(6)) }

    /// The organisation code (characters 9–17).
    public var organisationCode: String { String(value.dropFirst(8).prefix(9)) }

    public var description: String { value }

    /// The 31 characters of GB 32100-2015 in value order (0…30).
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    /// Weights 3^(i−1) mod 31 for positions 1…17.
    static let weights: [Int] = (0..<17).map { position in (0..<position).reduce(1) { value, _ in value * 3 % 31 } }
    /// GB 11714 weights for the organisation code's eight body characters.
    static let organisationWeights = [3, 7, 9, 10, 5, 8, 4, 2]
    /// Registering departments (position 1) defined by GB 32100-2015.
    static let departments = Array("123456789ABCDEFGNY".utf8)

    /// Validates `text`, naming the first position that is wrong.
    public init(_ text: String) throws(USCCError) {
        if Self.isValid(text) {
            self.init(valid: text)
        } else {
            try self.init(checking: text)
        }
    }

    private init(valid text: String) {
        value = text
    }

    /// The values of the alphabet's characters by byte (-1: not in it).
    private static let values: [Int8] = (0..<128).map { byte in alphabet.firstIndex(of: UInt8(byte)).map { Int8($0) } ?? -1 }

    /// Whether `text` is a valid code, computed on its bytes in place: the same verdict as
    /// ``init(checking:)`` without building anything.
    static func isValid(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            guard bytes.count == 18 else { return false }
            var sum = 0
            var organisation = 0
            for index in 0..<18 {
                let byte = bytes[index]
                guard byte < 128 else { return false }
                let value = Int(values[Int(byte)])
                guard value >= 0 else { return false }
                if index < 17 { sum += value * weights[index] }
                if (2..<8).contains(index), value > 9 { return false }
                if (8..<16).contains(index) {
                    // GB 11714 counts letters from A = 10 over the full Latin alphabet.
                    organisation += (byte <= UInt8(ascii: "9") ? value : Int(byte - UInt8(ascii: "A")) + 10) * organisationWeights[index - 8]
                }
            }
            guard departments.contains(bytes[0]) else { return false }
            let check = 11 - organisation % 11
            let organisationCheck = check == 10 ? UInt8(ascii: "X") : check == 11 ? UInt8(ascii: "0") : UInt8(ascii: "0") + UInt8(check)
            return bytes[16] == organisationCheck && bytes[17] == alphabet[(31 - sum % 31) % 31]
        }
    }

    /// Validates `text` step by step, naming the first position that is wrong.
    init(checking text: String) throws(USCCError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 18 else { throw .length(bytes.count) }
        for (index, byte) in bytes.enumerated() where !Self.alphabet.contains(byte) {
            throw .character(position: index + 1, character: Character(Unicode.Scalar(byte)))
        }
        guard Self.departments.contains(bytes[0]) else { throw .department(Character(Unicode.Scalar(bytes[0]))) }
        guard bytes[2..<8].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .division(String(decoding: bytes[2..<8], as: UTF8.self))
        }
        let organisationCheck = Self.organisationCheckCharacter(for: String(decoding: bytes[8..<16], as: UTF8.self))!
        guard Character(Unicode.Scalar(bytes[16])) == organisationCheck else {
            throw .organisationCheck(expected: organisationCheck, found: Character(Unicode.Scalar(bytes[16])))
        }
        let check = Self.checkCharacter(for: String(decoding: bytes[0..<17], as: UTF8.self))!
        guard Character(Unicode.Scalar(bytes[17])) == check else {
            throw .check(expected: check, found: Character(Unicode.Scalar(bytes[17])))
        }
        value = text
    }

    /// The check character (position 18) for the first 17 characters, for generators.
    public static func checkCharacter(for first17: String) -> Character? {
        let bytes = Array(first17.utf8)
        guard bytes.count == 17 else { return nil }
        var sum = 0
        for (index, byte) in bytes.enumerated() {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            sum += value * weights[index]
        }
        return Character(Unicode.Scalar(alphabet[(31 - sum % 31) % 31]))
    }

    /// The GB 11714 check digit for an organisation code's first eight characters.
    public static func organisationCheckCharacter(for body: String) -> Character? {
        let bytes = Array(body.utf8)
        guard bytes.count == 8 else { return nil }
        var sum = 0
        for (byte, weight) in zip(bytes, organisationWeights) {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sum += Int(byte - UInt8(ascii: "0")) * weight
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): sum += (Int(byte - UInt8(ascii: "A")) + 10) * weight
            default: return nil
            }
        }
        let check = 11 - sum % 11
        return check == 10 ? "X" : check == 11 ? "0" : Character(String(check))
    }
}

/// Why a text is not a valid unified social credit code, with the position at fault.
public enum USCCError: Error, Equatable, Sendable, CustomStringConvertible {
    case length(Int)
    case character(position: Int, character: Character)
    case department(Character)
    case division(String)
    case organisationCheck(expected: Character, found: Character)
    case check(expected: Character, found: Character)

    public var description: String {
        switch self {
        case .length(let count):
            "a unified social credit code has 18 characters, this one has \(count)"
        case .character(let position, let character):
            "character \(position) '\(character)' is not allowed (digits and capital letters except I, O, S, V, Z)"
        case .department(let character):
            "character 1 '\(character)' is not a registering department of GB 32100-2015 (1–9, A–G, N, Y)"
        case .division(let code):
            "characters 3–8 \"\(code)\" must be a six-digit GB/T 2260 division code"
        case .organisationCheck(let expected, let found):
            "character 17 (the organisation code's GB 11714 check digit) is '\(found)', expected '\(expected)'"
        case .check(let expected, let found):
            "character 18 (the check character) is '\(found)', expected '\(expected)'"
        }
    }
}
