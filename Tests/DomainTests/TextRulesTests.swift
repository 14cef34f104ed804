import Foundation
import Testing

@testable import Domain
@testable import EventLog

@Suite struct TextRulesTests {
    /// The fast path (text left as it is when every scalar is stable under NFC) against
    /// Foundation's full normalization, on the text Gongfu meets and the edge cases.
    @Test func nfcEqualsFoundationsNormalization() {
        var samples = [
            "青岛海川精密机械有限公司", "Qingdao Haichuan (QD-01)", "e\u{301}", "\u{F900}机械", "\u{2000}空格", "日\u{302A}\u{302B}",
            "한국", "Å", "A\u{30A}", "ｆｕｌｌｗｉｄｔｈ　全角", "“引号”—破折号…", "\u{1100}\u{1161}", "ゔ", "か\u{3099}", "",
            // Long ASCII runs (read eight bytes at a time) before and after what NFC changes.
            "assessment-2025-A\u{30A}", "abcdefgh", "abcdefghe\u{301}", "abcdefghijklmnopqrstuvwxyz0123456789\u{F900}", "\u{F900}abcdefghijklmnop",
        ]
        var random = SystemRandomNumberGenerator()
        let pool: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F, 0x2000...0x206F, 0x3000...0x30FF, 0x4E00...0x4E80, 0xF900...0xF920, 0xFF01...0xFF60,
            0xAC00...0xAC10,
        ]
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let range = pool.randomElement(using: &random)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &random)) { text.unicodeScalars.append(scalar) }
            }
            samples.append(text)
        }
        for text in samples {
            #expect(
                Array(TextRules.nfc(text).unicodeScalars) == Array(text.precomposedStringWithCanonicalMapping.unicodeScalars),
                "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func refusalsNameTheCharacterAndItsPlace() {
        #expect(TextRules.refusal(in: "青岛\u{1B}[2J", multiline: false) == "contains U+001B (a control character) at character 3")
        #expect(TextRules.refusal(in: "甲\u{202E}乙", multiline: false) == "contains U+202E (a bidirectional override) at character 2")
        #expect(TextRules.refusal(in: "第一行\n第二行\t注", multiline: true) == nil)
        #expect(TextRules.refusal(in: "第一行\n第二行", multiline: false) != nil)
    }

    /// The in-place UTF-8 decoding and the refusal built on it against `unicodeScalars`, over
    /// scalars of every encoded length and every unsafe range's edges.
    @Test func inPlaceDecodingMatchesUnicodeScalars() {
        let edges: [UInt32] = [
            0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0x7FF, 0x800, 0x2029, 0x202A, 0x202E, 0x202F,
            0x2065, 0x2066, 0x2069, 0x206A, 0x4E2D, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF,
        ]
        var random = SystemRandomNumberGenerator()
        var samples = ["", "青岛", "ASCII only", "\u{1F600}😀𠀀"]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                let value = Bool.random(using: &random) ? edges.randomElement(using: &random)! : UInt32.random(in: 0...0x10FFFF, using: &random)
                if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
            }
            samples.append(text)
        }
        for text in samples {
            var decoded: [UInt32] = []
            _ = TextRules.allScalars(of: text) { value in
                decoded.append(value)
                return true
            }
            #expect(decoded == text.unicodeScalars.map(\.value))
            for multiline in [false, true] {
                let plain = text.unicodeScalars.contains { TextRules.isUnsafe($0) && !(multiline && ["\n", "\r", "\t"].contains($0)) }
                #expect((TextRules.refusal(in: text, multiline: multiline) != nil) == plain, "\(decoded.map { String($0, radix: 16) })")
            }
        }
    }
}
