#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A strict RFC 8259 JSON parser over UTF-8 bytes: rejects duplicate object keys, lone
/// surrogates, invalid UTF-8, non-finite numbers, nesting deeper than 64, and trailing data.
public struct JSONParser {
    /// Where and why a text is not acceptable JSON.
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        /// Byte offset (0-based) where the problem was found.
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset + 1)" }
    }

    let bytes: UnsafeRawBufferPointer
    var position: Int
    private static let maximumDepth = 64

    init(bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Parses a whole text holding exactly one JSON value.
    public static func parse<Bytes: Collection>(_ text: Bytes) throws(Failure) -> JSONValue where Bytes.Element == UInt8 {
        let array = Array(text)
        let result = array.withUnsafeBytes { buffer -> Result<JSONValue, Failure> in
            var parser = JSONParser(bytes: buffer)
            do throws(Failure) {
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                guard parser.position == buffer.count else { return .failure(parser.failure("unexpected data after the JSON value")) }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses bytes holding exactly one JSON value, without copying them first.
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: buffer)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == buffer.count else { throw parser.failure("unexpected data after the JSON value") }
        return value
    }

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        try parse(Array(text.utf8))
    }

    func failure(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func expect(_ character: UInt8) throws(Failure) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == character else {
            throw failure("expected '\(Character(Unicode.Scalar(character)))'")
        }
        position += 1
    }

    /// Consumes `character` (after whitespace) if it is next.
    mutating func consume(_ character: UInt8) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == character {
            position += 1
            return true
        }
        return false
    }

    /// The first byte of the value at the current position (after whitespace), refused when
    /// there is none or it would nest deeper than allowed.
    private mutating func valueStart(depth: Int) throws(Failure) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of JSON") }
        guard depth < Self.maximumDepth else { throw failure("JSON nested deeper than \(Self.maximumDepth) levels") }
        return bytes[position]
    }

    mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        switch try valueStart(depth: depth) {
        case UInt8(ascii: "{"):
            position += 1
            var members = JSONObject()
            if consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                skipWhitespace()
                let keyOffset = position
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                let value = try parseValue(depth: depth + 1)
                guard members.insertNew(value, forKey: key) else {
                    throw Failure(offset: keyOffset, reason: "duplicate object key \"\(key)\"")
                }
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
            return .object(members)
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try parseValue(depth: depth + 1))
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return try parseNumber()
        }
    }

    /// Skips one value without building it: its grammar, strings and numbers are checked as
    /// ``parseValue(depth:)`` checks them, but not whether an object inside it repeats a key —
    /// for lines the log has stored, each parsed whole when it was written.
    mutating func skipValue(depth: Int = 0) throws(Failure) {
        switch try valueStart(depth: depth) {
        case UInt8(ascii: "{"):
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                skipWhitespace()
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            // Short integers are in range; anything else is converted to be checked as parse checks it.
            let (start, isInteger) = try scanNumber()
            if !isInteger || position - start > 18 {
                position = start
                _ = try parseNumber()
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
            memcmp(bytes.baseAddress! + position, word.utf8Start, count) == 0
        else {
            throw failure("invalid literal")
        }
        position += count
    }

    /// The string of UTF-8 `bytes`, or nil when they are not valid UTF-8. (`String(decoding:)` is
    /// the fast path but repairs bad bytes with U+FFFD; a repaired string never equals its input,
    /// so comparing the bytes turns repair into refusal.)
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, ascii: Bool) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        if ascii { return text }
        var text2 = text
        let same = text2.withUTF8 { $0.count == bytes.count && memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
        return same ? text2 : nil
    }

    mutating func parseString() throws(Failure) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string") }
        position += 1
        let start = position
        // Fast path: no escapes.
        var ascii = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                guard let text = Self.string(slice, ascii: ascii) else {
                    throw Failure(offset: start, reason: "string is not valid UTF-8")
                }
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("control character in string (escape it)") }
            if byte >= 0x80 { ascii = false }
            position += 1
        }
        var buffer = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw Failure(offset: start, reason: "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalarValue = try hexQuad()
                    if (0xD800..<0xDC00).contains(scalarValue) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw failure("lone UTF-16 surrogate in \\u escape")
                        }
                        position += 2
                        let low = try hexQuad()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("lone UTF-16 surrogate in \\u escape") }
                        scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalarValue) {
                        throw failure("lone UTF-16 surrogate in \\u escape")
                    }
                    buffer += Array(String(Character(Unicode.Scalar(scalarValue)!)).utf8)
                default:
                    position -= 1
                    throw failure("invalid escape in string")
                }
            default:
                if byte < 0x20 { throw failure("control character in string (escape it)") }
                buffer.append(byte)
                position += 1
            }
        }
        throw failure("unterminated string")
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    mutating func parseNumber() throws(Failure) -> JSONValue {
        let (start, isInteger) = try scanNumber()
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else {
            throw Failure(offset: start, reason: "number out of range")
        }
        // One value, one representation: 98.0 and 98 are the same number.
        if double == double.rounded(), abs(double) < 9_007_199_254_740_992 { return .integer(Int64(double)) }
        return .double(double)
    }

    /// Moves past a number's text (RFC 8259 grammar), returning where it starts and whether it
    /// has neither fraction nor exponent.
    private mutating func scanNumber() throws(Failure) -> (start: Int, isInteger: Bool) {
        let start = position
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else {
            position = start
            throw failure("unexpected character")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("leading zero in number") }
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("digit expected after decimal point") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("digit expected in exponent") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        return (start, isInteger)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
