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
        var text = try SpreadsheetText.decode(bytes).text
        // Every character CSV gives a meaning to is ASCII, which in UTF-8 is never part of
        // another character: the text is read byte by byte and a field's bytes are valid UTF-8.
        return try text.withUTF8 { utf8 in Result { () throws(Failure) in try numberedRows(utf8: utf8) } }.get()
    }

    private static func numberedRows(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> [(line: Int, fields: [String])] {
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        let carriageReturn: UInt8 = 0x0D
        let lineFeed: UInt8 = 0x0A
        var rows: [(line: Int, fields: [String])] = []
        var row: [String] = []
        var rowStart = 1
        var field: [UInt8] = []
        field.reserveCapacity(256)
        var inQuotes = false
        var afterQuote = false
        var rowNumber = 1
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRow() {
            endField()
            if !(row.count == 1 && row[0].isEmpty) { rows.append((rowStart, row)) }
            row = []
            row.reserveCapacity(rows.last?.fields.count ?? 0)
            rowNumber += 1
            rowStart = rowNumber
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte == lineFeed { rowNumber += 1 }
                if byte == quote {
                    inQuotes = false
                    afterQuote = true
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case quote:
                if afterQuote {
                    field.append(quote)
                    inQuotes = true
                    afterQuote = false
                } else if field.isEmpty {
                    inQuotes = true
                } else {
                    throw Failure(row: rowNumber, reason: "a quote inside an unquoted field")
                }
            case comma:
                endField()
                afterQuote = false
            case carriageReturn:
                endRow()
                afterQuote = false
                if index < bytes.count, bytes[index] == lineFeed { index += 1 }
            case lineFeed:
                endRow()
                afterQuote = false
            default:
                if afterQuote { throw Failure(row: rowNumber, reason: "text after a closing quote") }
                field.append(byte)
            }
        }
        if inQuotes { throw Failure(row: rowNumber, reason: "a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return rows
    }
}
