import EventLog
import Foundation

/// What text Gongfu stores: Unicode in Normalization Form C (so that one name is one sequence
/// of scalars, whoever typed it and wherever it came from), without control characters or
/// bidirectional overrides (which could hide or reorder what an official reads, ring a
/// terminal, or cut a name short in another program). Free text may hold line breaks and tabs.
///
/// ```swift
/// TextRules.refusal(in: "青岛\u{1B}[2J", multiline: false)  // "U+001B (a control character) at character 3"
/// TextRules.nfc("e\u{301}")                                 // "é" as one scalar
/// ```
public enum TextRules {
    /// C0 and C1 control characters, DEL, and the bidirectional embeddings, overrides and
    /// isolates (U+202A–U+202E, U+2066–U+2069).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        isUnsafe(scalar.value)
    }

    static func isUnsafe(_ value: UInt32) -> Bool {
        switch value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Why `text` is refused, or nil: the first character it may not hold and where. With
    /// `multiline`, line feeds, carriage returns and tabs are allowed.
    public static func refusal(in text: String, multiline: Bool) -> String? {
        func isRefused(_ value: UInt32) -> Bool {
            isUnsafe(value) && !(multiline && (value == 0x0A || value == 0x0D || value == 0x09))
        }
        guard !allScalars(of: text, { !isRefused($0) }) else { return nil }
        for (offset, scalar) in text.unicodeScalars.enumerated() where isRefused(scalar.value) {
            let code = String(format: "U+%04X", scalar.value)
            let kind = scalar.value >= 0x2000 ? "a bidirectional override" : "a control character"
            let allowed = multiline ? "; only line breaks and tabs are allowed" : ""
            return "contains \(code) (\(kind)) at character \(offset + 1)\(allowed)"
        }
        return nil
    }

    /// `text` in Unicode Normalization Form C. Text whose every scalar is one that NFC leaves
    /// as it is and that never combines with a neighbour (ASCII, Latin-1, CJK ideographs, CJK
    /// and fullwidth punctuation — nearly every name here) is returned as it is, uncopied.
    public static func nfc(_ text: String) -> String {
        guard !isStable(text) else { return text }
        return text.precomposedStringWithCanonicalMapping
    }

    /// Scalars with NFC quick-check "yes" that no normalization composes with another.
    static func isStable(_ scalar: Unicode.Scalar) -> Bool {
        isStable(scalar.value)
    }

    static func isStable(_ value: UInt32) -> Bool {
        switch value {
        case 0x00...0x2FF, 0x2002...0x206F, 0x3000...0x3029, 0x3030...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xFF01...0xFF5E: true
        default: false
        }
    }

    /// Whether every scalar of `text` is stable under NFC.
    static func isStable(_ text: String) -> Bool {
        // ASCII (every member name, most values) is stable: looked at eight bytes at a time;
        // anything else is decoded.
        let ascii = text.withUTF8Bytes { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var index = 0
            while index + 8 <= raw.count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { index += 8 }
            while index < raw.count, raw[index] < 0x80 { index += 1 }
            return index == raw.count
        }
        return ascii || allScalars(of: text, isStable)
    }

    /// Whether `predicate` holds for every scalar value of `text`, decoded from its UTF-8 in
    /// place (a string's UTF-8 is always valid) rather than through `unicodeScalars`.
    static func allScalars(of text: String, _ predicate: (UInt32) -> Bool) -> Bool {
        text.withUTF8Bytes { bytes in
            var index = 0
            let count = bytes.count
            while index < count {
                let lead = UInt32(bytes[index])
                let value: UInt32
                if lead < 0x80 {
                    value = lead
                    index += 1
                } else if lead < 0xE0 {
                    value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                    index += 2
                } else if lead < 0xF0 {
                    value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                    index += 3
                } else {
                    value =
                        (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12 | UInt32(bytes[index + 2] & 0x3F) << 6
                        | UInt32(bytes[index + 3] & 0x3F)
                    index += 4
                }
                if !predicate(value) { return false }
            }
            return true
        }
    }

    /// `value` with every string and object key in NFC.
    public static func nfc(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(nfc(text))
        case .array(let items): .array(items.map(nfc))
        case .object(let members): .object(Dictionary(members.map { (nfc($0.key), nfc($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: value
        }
    }

    /// Whether `value` holds a string or key that NFC might change.
    static func mayChangeUnderNFC(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): !isStable(text)
        case .array(let items): items.contains(where: mayChangeUnderNFC)
        case .object(let members): members.contains { !isStable($0.key) || mayChangeUnderNFC($0.value) }
        default: false
        }
    }
}
