/// The parts of a `multipart/form-data` body (RFC 7578) — what a browser sends for a form with
/// a file — read totally: a body that is not well formed yields an error, never a crash.
struct MultipartForm {
    /// One part: its field name, the file name when it is a file, and its bytes.
    struct Part {
        var name: String
        var filename: String?
        var bytes: [UInt8]
    }

    var parts: [Part] = []

    /// The first part named `name`.
    subscript(name: String) -> Part? { parts.first { $0.name == name } }

    /// The text of the first part named `name`.
    func text(_ name: String) -> String? { self[name].map { String(decoding: $0.bytes, as: UTF8.self) } }

    /// Reads `body` sent with `contentType` (`multipart/form-data; boundary=…`).
    init(contentType: String, body: [UInt8]) throws(Problem) {
        guard let range = contentType.range(of: "boundary=") else {
            throw Problem(.badRequest, "a form with a file is multipart/form-data with a boundary; this Content-Type has none")
        }
        var boundary = String(contentType[range.upperBound...].prefix { $0 != ";" })
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw Problem(.badRequest, "the multipart boundary is empty or longer than 70 characters")
        }
        let delimiter = Array(("--" + boundary).utf8)
        var starts = Self.occurrences(of: delimiter, in: body)
        guard starts.count >= 2 else { throw Problem(.badRequest, "the multipart body has no parts between its boundaries") }
        starts.append(body.count)
        for index in 0..<(starts.count - 2) {
            // A part runs from after the delimiter's line break to the CRLF before the next one.
            var start = starts[index] + delimiter.count
            guard start + 2 <= body.count, body[start] == 13, body[start + 1] == 10 else { continue }
            start += 2
            let end = starts[index + 1] - 2
            guard end >= start, let split = Self.occurrences(of: [13, 10, 13, 10], in: Array(body[start..<end])).first else {
                throw Problem(.badRequest, "multipart part \(index + 1) has no blank line after its headers")
            }
            let headers = String(decoding: body[start..<(start + split)], as: UTF8.self)
            let content = Array(body[(start + split + 4)..<end])
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                let name = Self.parameter("name", in: disposition)
            else {
                throw Problem(.badRequest, "multipart part \(index + 1) has no Content-Disposition with a name")
            }
            parts.append(Part(name: name, filename: Self.parameter("filename", in: disposition), bytes: content))
        }
    }

    /// `name="value"` in a header line.
    static func parameter(_ key: String, in line: Substring) -> String? {
        for piece in line.split(separator: ";") {
            let trimmed = piece.drop { $0 == " " }
            guard trimmed.hasPrefix(key + "=") else { continue }
            var value = trimmed.dropFirst(key.count + 1)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// Where `needle` starts in `haystack`, left to right, not overlapping.
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                found.append(index)
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }
}
