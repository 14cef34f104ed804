#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The text of a file a spreadsheet saved: UTF-8 with or without a byte-order mark ("CSV UTF-8"),
/// or GB18030 — what Excel on a Chinese Windows writes for plain "CSV". Bytes that are valid
/// UTF-8 are read as UTF-8 (Chinese text in GB18030 practically never is); anything else is read
/// as GB18030 (a superset of GBK and GB2312) by the C library's `iconv`.
enum SpreadsheetText {
    /// How a file's bytes were read.
    enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
    }

    /// The file's text, or a failure naming the row (counting line feeds) of the first byte
    /// that is neither.
    static func decode(_ bytes: [UInt8]) throws(CSV.Failure) -> (text: String, encoding: Encoding) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let text = String(validating: body, as: UTF8.self) { return (text, .utf8) }
        switch gb18030(Array(body)) {
        case .success(let text):
            return (text, .gb18030)
        case .failure(let unreadable):
            let offset = body.startIndex + unreadable.offset  // in the file, byte-order mark included
            let row = 1 + bytes.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw CSV.Failure(
                row: row,
                reason:
                    "the file is neither UTF-8 nor GB18030 text (byte \(offset + 1) cannot be read as either); save it from the spreadsheet as CSV UTF-8 or CSV"
            )
        }
    }

    /// Where GB18030 bytes stop being readable.
    struct Unreadable: Error {
        let offset: Int
    }

    /// `bytes` read as GB18030, or the offset of the first byte that cannot be.
    static func gb18030(_ bytes: [UInt8]) -> Result<String, Unreadable> {
        guard !bytes.isEmpty else { return .success("") }
        // A GB18030 character of n bytes is at most 3 bytes of UTF-8 for n = 2, 4 for n = 4.
        guard let (output, unread) = convert(bytes, from: "GB18030", to: "UTF-8") else { return .failure(Unreadable(offset: 0)) }
        guard unread == 0 else { return .failure(Unreadable(offset: bytes.count - unread)) }
        guard let text = String(validating: output, as: UTF8.self) else { return .failure(Unreadable(offset: 0)) }
        return .success(text)
    }

    /// `bytes` converted by the C library's `iconv`, which stops at the first byte it cannot
    /// read (or a character cut off at the end): what it produced and how many bytes it left
    /// unread. Nil when the C library lacks either encoding. The output has room for twice the
    /// input, which both directions between UTF-8 and GB18030 stay within.
    static func convert(_ bytes: [UInt8], from source: String, to target: String) -> (output: [UInt8], unread: Int)? {
        let converter = iconv_open(target, source)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 4)
        let (unread, produced) = input.withUnsafeMutableBytes { inBuffer in
            output.withUnsafeMutableBytes { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress.map { $0.assumingMemoryBound(to: CChar.self) }
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                _ = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return (inLeft, outBuffer.count - outLeft)
            }
        }
        return (Array(output.prefix(produced)), unread)
    }
}

extension CSV {
    /// `text` as GB18030 bytes: what Excel on a Chinese Windows writes for plain "CSV" (every
    /// Unicode character has a GB18030 encoding). Nil only when the C library lacks the codec.
    public static func gb18030(_ text: String) -> [UInt8]? {
        guard !text.isEmpty else { return [] }
        guard let (output, unread) = SpreadsheetText.convert(Array(text.utf8), from: "UTF-8", to: "GB18030"), unread == 0 else { return nil }
        return output
    }
}
