/// RFC 4180 CSV: comma-separated, fields optionally in double quotes (a quote inside doubled),
/// CRLF, LF or CR line ends (the last is what "CSV (Macintosh)" writes); UTF-8 with or without
/// a byte-order mark, or GB18030, as Excel writes them (``SpreadsheetText``).
public enum CSV {
    /// Why a text is not CSV.
    public struct Failure: Error, Equatable, CustomStringConvertible, Sendable {
        public let row: Int
        public let reason: String
        public var description: String { "row \(row): \(reason)" }
    }

    /// The rows of `text`; empty lines are skipped.
    public static func rows(_ bytes: [UInt8]) throws(Failure) -> [[String]] {
        try numberedRows(bytes).map(\.fields)
    }

    /// The rows with the line each starts on (1-based, as a text editor numbers them; the same
    /// as a spreadsheet's row unless a quoted field spans lines); empty lines are skipped.
    public static func numberedRows(_ bytes: [UInt8]) throws(Failure) -> [(line: Int, fields: [String])] {
        let text = try SpreadsheetText.decode(bytes).text
        var rows: [(line: Int, fields: [String])] = []
        var row: [String] = []
        var rowStart = 1
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var rowNumber = 1
        var characters = PeekingIterator(text.unicodeScalars.makeIterator())
        func endRow() {
            row.append(field)
            if !(row.count == 1 && row[0].isEmpty) { rows.append((rowStart, row)) }
            row = []
            field = ""
            rowNumber += 1
            rowStart = rowNumber
        }
        while let scalar = characters.next() {
            if inQuotes {
                if scalar == "\n" { rowNumber += 1 }
                if scalar == "\"" {
                    inQuotes = false
                    afterQuote = true
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                if afterQuote {
                    field.append("\"")
                    inQuotes = true
                    afterQuote = false
                } else if field.isEmpty {
                    inQuotes = true
                } else {
                    throw Failure(row: rowNumber, reason: "a quote inside an unquoted field")
                }
            case ",":
                row.append(field)
                field = ""
                afterQuote = false
            case "\r":
                endRow()
                afterQuote = false
                if characters.peekIsLineFeed { _ = characters.next() }
            case "\n":
                endRow()
                afterQuote = false
            default:
                if afterQuote { throw Failure(row: rowNumber, reason: "text after a closing quote") }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw Failure(row: rowNumber, reason: "a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return rows
    }
}

/// Unicode scalars with a look at the next one (a CR followed by LF ends one row, not two).
private struct PeekingIterator: IteratorProtocol {
    var base: String.UnicodeScalarView.Iterator
    var peeked: Unicode.Scalar??

    init(_ base: String.UnicodeScalarView.Iterator) {
        self.base = base
    }

    mutating func next() -> Unicode.Scalar? {
        if let peeked {
            self.peeked = nil
            return peeked
        }
        return base.next()
    }

    var peekIsLineFeed: Bool {
        mutating get {
            if peeked == nil { peeked = .some(base.next()) }
            return peeked! == "\n"
        }
    }
}
