import Dashboard
import Foundation
import Hummingbird

/// An RFC 9457 problem: a status, a short title and a detail a person can act on. Sent as
/// `application/problem+json`; never carries stack traces or internal error text.
public struct Problem: HTTPResponseError, Sendable {
    public typealias Status = HTTPResponse.Status
    public var status: HTTPResponse.Status
    public var detail: String
    /// Extra members (e.g. the offending event's index).
    public var extensions: [String: String]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, extensions: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        // A browser on the officials' pages gets a page it can show (same status, same detail).
        if !request.uri.path.hasPrefix("/v1"), request.headers[values: .accept].contains(where: { $0.contains("text/html") }) {
            var headers = self.headers
            headers[.contentType] = "text/html; charset=utf-8"
            let html = """
                <!DOCTYPE html>
                <html lang="zh-CN"><head><meta charset="utf-8"><title>\(status.code) · 山东省制造业数字化转型</title>
                <style>body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2733}a{color:#174f85}</style></head>
                <body><main><h1>无法显示此页（\(status.code)）</h1><p id="problem">\(detail.escapedForHTML)</p><p><a href="/">返回看板</a></p></main></body></html>
                """
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        var object: [String: Any] = [
            "type": "about:blank",
            "title": status.reasonPhrase,
            "status": status.code,
            "detail": detail,
            "instance": request.uri.path,
        ]
        for (key, value) in extensions { object[key] = value }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
