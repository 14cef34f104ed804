#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading a text of a known layout piece by piece — an envelope line, an object member by
/// member — where building a whole ``JSONValue`` first would cost more than the reading. What
/// is refused is refused as ``JSONParser/parse(_:)-(UnsafeRawBufferPointer)`` refuses it.
extension JSONParser {
    /// Parses bytes holding exactly one JSON object member by member, without building it:
    /// `member` gets each key with a parser positioned at that member's value, and must read the
    /// value (``readValue()``, ``readString()`` or ``readInteger()``). Duplicate keys, trailing
    /// data and anything else ``parse(_:)`` refuses are refused here too.
    public static func parseObject(
        _ buffer: UnsafeRawBufferPointer,
        member: (String, inout JSONParser) throws(Failure) -> Void
    ) throws(Failure) {
        var parser = JSONParser(bytes: buffer)
        try parser.expect(UInt8(ascii: "{"))
        var seen = KeySet()
        if !parser.consume(UInt8(ascii: "}")) {
            repeat {
                parser.skipWhitespace()
                let keyOffset = parser.position
                let key = try parser.parseString()
                guard seen.insert(key) else { throw Failure(offset: keyOffset, reason: "duplicate object key \"\(key)\"") }
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWhitespace()
                let valueOffset = parser.position
                try member(key, &parser)
                guard parser.position > valueOffset else { throw Failure(offset: valueOffset, reason: "the value of \"\(key)\" was not read") }
            } while parser.consume(UInt8(ascii: ","))
            try parser.expect(UInt8(ascii: "}"))
        }
        parser.skipWhitespace()
        guard parser.position == buffer.count else { throw parser.failure("unexpected data after the JSON value") }
    }

    /// The value at the current position (inside ``parseObject(_:member:)``).
    public mutating func readValue() throws(Failure) -> JSONValue {
        try parseValue(depth: 1)
    }

    /// The object at the current position as its members in the order written, without a
    /// dictionary (payloads have a handful of members, looked up by a linear scan); a repeated
    /// key is refused as ``parse(_:)`` refuses it.
    public mutating func readMembers() throws(Failure) -> [(key: String, value: JSONValue)] {
        try readMembers(keeping: nil)
    }

    /// The members of the object at the current position named in `names`, as
    /// ``readMembers()`` reads them; the values of the others are skipped without being built
    /// (checked as ``skipValue(depth:)`` checks them: for lines the log has stored).
    public mutating func readMembers(keeping names: [String]) throws(Failure) -> [(key: String, value: JSONValue)] {
        try readMembers(keeping: Optional(names))
    }

    private mutating func readMembers(keeping names: [String]?) throws(Failure) -> [(key: String, value: JSONValue)] {
        try expect(UInt8(ascii: "{"))
        let objectStart = position - 1
        var members: [(key: String, value: JSONValue)] = []
        if consume(UInt8(ascii: "}")) { return members }
        members.reserveCapacity(8)
        // Canonical JSON writes keys in ascending order: while each key's bytes (unescaped) are
        // above the last one's, none can repeat, and no set is needed. The first key out of
        // order (or escaped) sends all the keys so far, and the rest, to a ``KeySet``.
        var previous: Range<Int>? = nil
        var seen: KeySet? = nil
        repeat {
            skipWhitespace()
            let keyOffset = position
            let key = try parseString()
            let raw = keyOffset + 1..<position - 1
            if seen == nil, key.utf8.count == raw.count, previous.map({ Self.ascending(bytes, $0, raw) }) ?? true {
                previous = raw
            } else {
                if seen == nil { seen = try Self.keys(of: bytes, from: objectStart, before: keyOffset) }
                guard seen!.insert(key) else { throw Failure(offset: keyOffset, reason: "duplicate object key \"\(key)\"") }
            }
            try expect(UInt8(ascii: ":"))
            if let names, !names.contains(key) {
                try skipValue(depth: 2)
            } else {
                members.append((key, try parseValue(depth: 2)))
            }
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
        return members
    }

    /// The keys of the object at `start` written before offset `end` (the members skipped too).
    private static func keys(of bytes: UnsafeRawBufferPointer, from start: Int, before end: Int) throws(Failure) -> KeySet {
        var keys = KeySet()
        var parser = JSONParser(bytes: bytes, position: start + 1)
        parser.skipWhitespace()
        while parser.position < end {
            _ = keys.insert(try parser.parseString())
            try parser.expect(UInt8(ascii: ":"))
            try parser.skipValue(depth: 2)
            _ = parser.consume(UInt8(ascii: ","))
            parser.skipWhitespace()
        }
        return keys
    }

    /// Whether the bytes at `left` sort strictly before those at `right` (byte order).
    @inline(__always)
    private static func ascending(_ bytes: UnsafeRawBufferPointer, _ left: Range<Int>, _ right: Range<Int>) -> Bool {
        let common = min(left.count, right.count)
        let order = memcmp(bytes.baseAddress! + left.lowerBound, bytes.baseAddress! + right.lowerBound, common)
        return order < 0 || (order == 0 && left.count < right.count)
    }

    /// A parser at the start of `bytes`, for a text of a known layout read piece by piece
    /// (``consume(literal:)``, ``readString()``, ``readMembers()``, …).
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.init(bytes: bytes)
    }

    /// The offset (0-based) of the next byte to read.
    public var offset: Int { position }

    /// Consumes `literal` if the bytes at the current position are exactly it (no whitespace
    /// skipped); otherwise reads nothing and returns false.
    public mutating func consume(literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count, memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0 else { return false }
        position += count
        return true
    }

    /// Reads the string at the current position without building it (it must still be a valid
    /// JSON string of valid UTF-8).
    public mutating func skipString() throws(Failure) {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string") }
        var end = position + 1
        var ascii = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                guard ascii || Self.isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes[position + 1..<end])) else {
                    throw Failure(offset: position + 1, reason: "string is not valid UTF-8")
                }
                position = end + 1
                return
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        _ = try parseString()  // escapes or an error: the full path checks them
    }

    /// Whether `bytes` are well-formed UTF-8 (no overlong form, surrogate or scalar above
    /// U+10FFFF), checked without building a string.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let (length, initial): (Int, UInt32)
            switch lead {
            case 0xC2...0xDF: (length, initial) = (2, UInt32(lead & 0x1F))
            case 0xE0...0xEF: (length, initial) = (3, UInt32(lead & 0x0F))
            case 0xF0...0xF4: (length, initial) = (4, UInt32(lead & 0x07))
            default: return false
            }
            guard index + length <= bytes.count else { return false }
            var scalar = initial
            for offset in 1..<length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(byte & 0x3F)
            }
            switch length {
            case 3: guard scalar >= 0x800, !(0xD800...0xDFFF).contains(scalar) else { return false }
            case 4: guard scalar >= 0x1_0000, scalar <= 0x10_FFFF else { return false }
            default: break
            }
            index += length
        }
        return true
    }

    /// The plain ASCII string at the current position (no escapes) as its bytes, without
    /// building a `String`; nil (nothing read) when the value is anything else.
    public mutating func readASCIIString() -> UnsafeRawBufferPointer? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        var end = position + 1
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeRawBufferPointer(rebasing: bytes[position + 1..<end])
                position = end + 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 || byte < 0x20 { return nil }
            end += 1
        }
        return nil
    }

    /// Moves to `offset` without reading the bytes in between: only for bytes the caller knows
    /// to be a value this parser has accepted before (the same bytes parse the same way).
    public mutating func move(to offset: Int) {
        precondition(offset >= position && offset <= bytes.count, "a parser only moves forward within its text")
        position = offset
    }

    /// Whether nothing but whitespace is left.
    public mutating func isAtEndOfText() -> Bool {
        skipWhitespace()
        return position == bytes.count
    }

    /// The string at the current position, or a failure when the value is not a string.
    public mutating func readString() throws(Failure) -> String {
        skipWhitespace()
        return try parseString()
    }

    /// The integer at the current position, or a failure when the value is not an integer.
    public mutating func readInteger() throws(Failure) -> Int64 {
        skipWhitespace()
        let start = position
        // Plain digits followed by a delimiter (seqs, versions): read here, without the text.
        var end = position
        var value: Int64 = 0
        while end < bytes.count, end - start < 18, isDigit(bytes[end]) {
            value = value * 10 + Int64(bytes[end] - UInt8(ascii: "0"))
            end += 1
        }
        if end > start, end < bytes.count, bytes[start] != UInt8(ascii: "0") || end == start + 1 {
            switch bytes[end] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): break
            default:
                position = end
                return value
            }
        }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "-") || isDigit(bytes[position]),
            case .integer(let number) = try parseNumber()
        else { throw Failure(offset: start, reason: "expected an integer") }
        return number
    }
}
