import Domain
import EventLog
import Foundation

/// A query's answer: titled columns and rows, plus the log position the read model reflects.
/// Printed as a terminal table, JSON or CSV (UTF-8 with BOM and Chinese headers, for Excel).
public struct QueryTable: Sendable {
    public struct Column: Sendable {
        /// The JSON member name.
        public let key: String
        /// The header officials read (Chinese).
        public let title: String

        /// A column named `key` in JSON and `title` in CSV and on screen.
        public init(key: String, title: String) {
            self.key = key
            self.title = title
        }
    }

    public enum Value: Sendable, Hashable {
        case null
        case integer(Int64)
        case number(Double)
        case text(String)
        case boolean(Bool)

        var json: JSONValue {
            switch self {
            case .null: .null
            case .boolean(let value): .bool(value)
            case .integer(let value): .integer(value)
            case .number(let value): .double(value)
            case .text(let value): .string(value)
            }
        }

        /// The number, if this is one.
        public var double: Double? {
            switch self {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: nil
            }
        }

        public var display: String {
            switch self {
            case .null: ""
            case .boolean(let value): value ? "是" : "否"
            case .integer(let value): String(value)
            case .number(let value): String(format: "%.1f", value)
            case .text(let value): value
            }
        }
    }

    public var title: String
    public var columns: [Column]
    public var rows: [[Value]]
    /// The last log seq the data reflects.
    public var seq: UInt64

    public init(title: String, columns: [(String, String)], rows: [[Value]] = [], seq: UInt64 = 0) {
        self.title = title
        self.columns = columns.map { Column(key: $0.0, title: $0.1) }
        self.rows = rows
        self.seq = seq
    }

    /// `{"seq": N, "rows": [{key: value, …}, …]}`, canonical.
    /// The value in `row` of the column `key` (nil if there is no such column).
    public func value(_ key: String, in row: [Value]) -> Value? {
        columns.firstIndex { $0.key == key }.map { row[$0] }
    }

    public var json: JSONValue {
        .object([
            "seq": .integer(Int64(seq)),
            "rows": .array(
                rows.map { row in
                    .object(Dictionary(uniqueKeysWithValues: zip(columns, row).map { ($0.key, $1.json) }))
                }),
        ])
    }

    /// CSV per RFC 4180 with a UTF-8 BOM and the Chinese headers. Text that a spreadsheet would
    /// run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
    /// prefixed with `'` (OWASP's rule for CSV injection); numbers are written as numbers.
    public var csv: String {
        var output = "\u{FEFF}" + columns.map { Self.csvField($0.title) }.joined(separator: ",") + "\r\n"
        for row in rows {
            output +=
                row.map { value in
                    if case .text(let text) = value { return Self.csvField(Self.neutralised(text)) }
                    return Self.csvField(value.display)
                }.joined(separator: ",") + "\r\n"
        }
        return output
    }

    /// `text` quoted for CSV when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// `text` made inert for a spreadsheet: one starting like a formula gets a leading `'`.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return text }
        return "'" + text
    }

    /// An aligned table for a terminal (CJK characters count two columns).
    public var text: String {
        let cells = [columns.map(\.title)] + rows.map { $0.map { Self.printable($0.display) } }
        var widths = Array(repeating: 0, count: columns.count)
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.width(cell)) } }
        var output = "\(title) (seq \(seq))\n"
        for (number, row) in cells.enumerated() {
            output +=
                row.enumerated().map { index, cell in
                    cell + String(repeating: " ", count: widths[index] - Self.width(cell))
                }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
            if number == 0 { output += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return output
    }

    /// `text` safe to print on a terminal: control characters and bidirectional overrides
    /// (which could move the cursor, ring, or reorder what is shown) become U+FFFD.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: TextRules.isUnsafe) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { TextRules.isUnsafe($0) ? "\u{FFFD}" : $0 }))
    }

    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) {
            $0
                + ($1.value >= 0x1100
                    && ($1.value <= 0x115F || (0x2E80...0xA4CF).contains($1.value) || (0xAC00...0xD7A3).contains($1.value)
                        || (0xF900...0xFAFF).contains($1.value) || (0xFE30...0xFE4F).contains($1.value) || (0xFF00...0xFF60).contains($1.value)
                        || (0xFFE0...0xFFE6).contains($1.value))
                    ? 2 : 1)
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}

/// A percentage as the plan writes it: one decimal, from counts (nil when there is no whole).
/// Every rate Gongfu prints — read models, explanations, diffs — is rounded here.
public func percentage(_ part: Int, of whole: Int) -> Double? {
    whole == 0 ? nil : (Double(part) * 1000 / Double(whole)).rounded() / 10
}

/// ``percentage(_:of:)`` as a table value.
func percent(_ part: Int, of whole: Int) -> QueryTable.Value {
    percentage(part, of: whole).map(QueryTable.Value.number) ?? .null
}
