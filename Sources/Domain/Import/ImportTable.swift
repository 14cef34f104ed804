/// A spreadsheet an import reads: its rows as a spreadsheet numbers them (header = 1), and the
/// columns it knows found in the header by any of their accepted names (English field names or
/// the Chinese ones officials use).
///
/// ```swift
/// let table = try ImportTable(csv: bytes, columns: [ImportTable.Column("uscc", ["uscc", "统一社会信用代码"])])
/// for row in table.rows { table.cell("uscc", of: row) }
/// ```
public struct ImportTable: Sendable {
    /// A column an import knows.
    public struct Column: Sendable {
        public var field: String
        /// The header texts accepted for it; the second is the one error messages name.
        public var headers: [String]
        public var required: Bool

        public init(_ field: String, _ headers: [String], required: Bool = true) {
            self.field = field
            self.headers = headers
            self.required = required
        }
    }

    /// One problem in a file: the row (header = 1), the column, and what is wrong.
    public struct RowError: Error, Equatable, Sendable, CustomStringConvertible {
        public let row: Int
        public let column: String?
        public let reason: String
        public var description: String { "row \(row)\(column.map { " (\($0))" } ?? ""): \(reason)" }

        public init(row: Int, column: String?, reason: String) {
            self.row = row
            self.column = column
            self.reason = reason
        }
    }

    /// Every problem of a file, in row order.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let errors: [RowError]
        public var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// The header row's cells.
    public let header: [String]
    /// The data rows, each with its number.
    public let rows: [(number: Int, fields: [String])]
    /// Field → its column's position.
    public let positions: [String: Int]

    /// Reads `bytes` (``CSV``: UTF-8 with or without BOM, or GB18030) and finds `columns` in the
    /// header; throws when the file is unreadable, empty, or lacks or repeats a column.
    public init(csv bytes: [UInt8], columns: [Column]) throws(Failure) {
        let rows: [(line: Int, fields: [String])]
        do { rows = try CSV.numberedRows(bytes) } catch { throw Failure(errors: [RowError(row: error.row, column: nil, reason: error.reason)]) }
        guard var header = rows.first?.fields else { throw Failure(errors: [RowError(row: 1, column: nil, reason: "the file is empty")]) }
        // A byte-order mark left as text (a UTF-8 file converted to another encoding keeps it).
        if let first = header.first, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
        var positions: [String: Int] = [:]
        for (index, text) in header.enumerated() {
            let cleaned = text.trimmingCharacters()
            guard let column = columns.first(where: { $0.headers.contains(cleaned) }) else { continue }
            if let earlier = positions[column.field] {
                throw Failure(errors: [
                    RowError(
                        row: 1, column: column.field,
                        reason:
                            "columns \(earlier + 1) (\"\(header[earlier].trimmingCharacters())\") and \(index + 1) (\"\(cleaned)\") both name \(column.headers[1]) (\(column.field)); keep one"
                    )
                ])
            }
            positions[column.field] = index
        }
        let missing = columns.filter { $0.required && positions[$0.field] == nil }
        guard missing.isEmpty else {
            throw Failure(errors: [
                RowError(row: 1, column: nil, reason: "missing columns: " + missing.map { "\($0.headers[1]) (\($0.field))" }.joined(separator: ", "))
            ])
        }
        self.header = header
        self.rows = rows.dropFirst().map { ($0.line, $0.fields) }
        self.positions = positions
    }

    /// The trimmed text of `field` in `row` ("" when the column is absent or the row short).
    public func cell(_ field: String, of row: [String]) -> String {
        guard let position = positions[field], position < row.count else { return "" }
        return row[position].trimmingCharacters()
    }

    /// Whether the header has `field`'s column.
    public func has(_ field: String) -> Bool { positions[field] != nil }
}

extension String {
    /// The text without leading and trailing white space (most cells have none: returned as is).
    func trimmingCharacters() -> String {
        // Most cells start and end with a visible ASCII character: nothing to trim.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x80).contains(first), (0x21..<0x80).contains(last) { return self }
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        return start == scalars.startIndex && end == scalars.endIndex ? self : String(scalars[start..<end])
    }
}
