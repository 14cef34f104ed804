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
    /// Appends the canonical bytes of `value` to `output`.
    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        CanonicalWriter.withWriter { writer in
            writer.write(value)
            writer.withBytes { output.append(contentsOf: $0) }
        }
    }

    /// The canonical bytes of `value`, in an array of exactly their size.
    static func bytes(of value: JSONValue) -> [UInt8] {
        CanonicalWriter.withWriter { writer in
            writer.write(value)
            return writer.withBytes { bytes in
                [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
                    if let base = bytes.baseAddress { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: bytes.count) }
                    count = bytes.count
                }
            }
        }
    }

    /// The first eight UTF-8 bytes of `key` as a big-endian integer, zero-padded: ordering by
    /// it orders like the bytes, so only keys sharing it need a full comparison.
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
        return key.utf8.withContiguousStorageIfAvailable { bytes in
            // Eight bytes or more: one unaligned load, byte-swapped (big-endian orders like the bytes).
            if bytes.count >= 8, let base = bytes.baseAddress {
                return UInt64(bigEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
            }
            return prefix(of: bytes)
        } ?? prefix(of: key.utf8)
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

    /// Decimal digits of an integer, formed in a small buffer and appended at once.
    public static func writeInteger<Integer: BinaryInteger>(_ number: Integer, into output: inout [UInt8]) {
        withDecimalDigits(number) { output.append(contentsOf: $0) }
    }

    /// Calls `body` with the decimal text of `number` (`-` and digits).
    @inline(__always)
    static func withDecimalDigits<Integer: BinaryInteger, Result>(_ number: Integer, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: sign and up to 20 digits
        return withUnsafeMutableBytes(of: &digits) { buffer in
            var magnitude = UInt64(number.magnitude)
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Appends `text` as a canonical JSON string (quoted, escaped as little as allowed).
    public static func writeString(_ text: String, into output: inout [UInt8]) {
        CanonicalWriter.withWriter(capacity: text.utf8.count + 2) { writer in
            writer.writeString(text)
            writer.withBytes { output.append(contentsOf: $0) }
        }
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
