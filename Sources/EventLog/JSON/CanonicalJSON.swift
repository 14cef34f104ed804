#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log's canonical JSON serialisation, so that the same event always has the same bytes:
///
/// - no whitespace; object members sorted by the UTF-8 bytes of their keys;
/// - strings as UTF-8 with only `"` `\` and control characters escaped (`\b \f \n \r \t`, others
///   as `\u00xx`);
/// - integers in decimal; other numbers in the shortest form that reads back to the same double
///   (integral values below 2^53 without a fraction, exponents without `+` padding zeros).
public enum CanonicalJSON {
    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .integer(let number): writeInteger(number, into: &output)
        case .double(let number): output.append(contentsOf: format(number).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for index in sortedIndices(of: members) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(members[index].key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(members[index].value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The object's member positions in key order. Keys are first ordered by their first eight
    /// bytes read as one big-endian integer (which orders like the bytes), and only keys that
    /// share those are compared in full: objects are small, so this is an insertion sort.
    static func sortedIndices(of members: [String: JSONValue]) -> [Dictionary<String, JSONValue>.Index] {
        var order: [(prefix: UInt64, index: Dictionary<String, JSONValue>.Index)] = []
        order.reserveCapacity(members.count)
        for index in members.indices { order.append((keyPrefix(members[index].key), index)) }
        for position in order.indices.dropFirst() {
            let item = order[position]
            var slot = position
            while slot > 0, sortsBefore(item, order[slot - 1], in: members) {
                order[slot] = order[slot - 1]
                slot -= 1
            }
            order[slot] = item
        }
        return order.map(\.index)
    }

    private static func sortsBefore(_ item: (prefix: UInt64, index: Dictionary<String, JSONValue>.Index),
                                    _ other: (prefix: UInt64, index: Dictionary<String, JSONValue>.Index),
                                    in members: [String: JSONValue]) -> Bool {
        if item.prefix != other.prefix { return item.prefix < other.prefix }
        return precedes(members[item.index].key, members[other.index].key)
    }

    /// The first eight UTF-8 bytes of `key` as a big-endian integer, zero-padded.
    static func keyPrefix(_ key: String) -> UInt64 {
        func prefix(of bytes: some Collection<UInt8>) -> UInt64 {
            var prefix: UInt64 = 0
            var shift: UInt64 = 56
            for byte in bytes.prefix(8) {
                prefix |= UInt64(byte) << shift
                shift &-= 8
            }
            return prefix
        }
        return key.utf8.withContiguousStorageIfAvailable { prefix(of: $0) } ?? prefix(of: key.utf8)
    }

    /// Whether `first` sorts before `second` by their UTF-8 bytes (memcmp on native strings).
    static func precedes(_ first: String, _ second: String) -> Bool {
        let fast = first.utf8.withContiguousStorageIfAvailable { left in
            second.utf8.withContiguousStorageIfAvailable { right -> Bool in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common)
                return order != 0 ? order < 0 : left.count < right.count
            }
        }
        if let result = fast ?? nil { return result }
        return first.utf8.lexicographicallyPrecedes(second.utf8)
    }

    /// Decimal digits of an integer, without an intermediate String.
    public static func writeInteger<Integer: BinaryInteger>(_ number: Integer, into output: inout [UInt8]) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        if magnitude == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        let start = output.count
        while magnitude > 0 {
            output.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        output[start...].reverse()
    }

    public static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            guard needsEscaping(bytes) else {
                output.append(contentsOf: bytes)
                return
            }
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
                case 0x08: output.append(contentsOf: #"\b"#.utf8)
                case 0x0C: output.append(contentsOf: #"\f"#.utf8)
                case 0x0A: output.append(contentsOf: #"\n"#.utf8)
                case 0x0D: output.append(contentsOf: #"\r"#.utf8)
                case 0x09: output.append(contentsOf: #"\t"#.utf8)
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: #"\u00"#.utf8)
                    output.append(hex[Int(byte >> 4)])
                    output.append(hex[Int(byte & 0xF)])
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Whether `bytes` hold a `"`, a `\\` or a control character, eight bytes at a time (the
    /// word tests of "Bit Twiddling Hacks": `hasless(word, 0x20)` and `haszero(word ^ byte)`
    /// are exact as yes/no answers).
    static func needsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func flagged(_ word: UInt64) -> Bool {
            let control = (word &- ones &* 0x20) & ~word
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            return (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs != 0
        }
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            if flagged(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { return true }
            offset += 8
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return true }
            offset += 1
        }
        return false
    }

    /// Canonical text of a finite double.
    public static func format(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            return String(Int64(number))
        }
        let text = number.description
        guard let exponentIndex = text.firstIndex(of: "e") else { return text }
        var mantissa = String(text[..<exponentIndex])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        var exponent = text[text.index(after: exponentIndex)...]
        var sign = ""
        if exponent.first == "-" || exponent.first == "+" {
            sign = exponent.first == "-" ? "-" : "+"
            exponent = exponent.dropFirst()
        }
        let digits = exponent.drop(while: { $0 == "0" })
        return mantissa + "e" + sign + (digits.isEmpty ? "0" : String(digits))
    }
}
