import EventLog
import Hummingbird
import Projections

/// How responses are written: JSON by default, CSV (UTF-8 with BOM, Chinese headers) for
/// `Accept: text/csv` or `?format=csv`; every response names the log position its data
/// reflects in `Gongfu-Seq`.
enum Responses {
    static let seqHeader = HTTPFields.Element.Name("Gongfu-Seq")!

    static func wantsCSV(_ request: Request, _ parameters: Parameters) throws -> Bool {
        switch try parameters.choice("format", ["json", "csv"]) {
        case "csv": return true
        case "json": return false
        default: return request.headers[.accept]?.contains("text/csv") == true
        }
    }

    static func json(_ value: JSONValue, seq: UInt64?, status: HTTPResponse.Status = .ok) -> Response {
        var bytes = value.canonicalBytes
        bytes.append(0x0A)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let seq { headers[seqHeader] = String(seq) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A table as JSON or CSV, ready to send or to keep in the ``ResponseCache``.
    static func table(_ table: QueryTable, name: String, csv: Bool) -> ResponseCache.CachedResponse {
        if csv {
            return .init(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(name).csv\"",
                    seqHeader: String(table.seq),
                ], body: ByteBuffer(string: table.csv))
        }
        var bytes = table.json.canonicalBytes
        bytes.append(0x0A)
        return .init(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", seqHeader: String(table.seq)],
            body: ByteBuffer(bytes: bytes))
    }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", seq: UInt64? = nil) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let seq { headers[seqHeader] = String(seq) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
