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
