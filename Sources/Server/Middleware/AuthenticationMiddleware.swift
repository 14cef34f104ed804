import Access
import Foundation
import Hummingbird

/// Bearer-token authentication for every route but `/health` and `/metrics`.
/// The token comes from `Authorization: Bearer …` or, for the dashboard in a browser, from the
/// `gongfu_token` cookie that `/?token=…` sets (HttpOnly, SameSite=Strict) before redirecting
/// to a URL without the secret in it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = GongfuRequestContext
    static let cookieName = "gongfu_token"
    static let publicPaths: Set<String> = ["/health", "/metrics"]
    let tokens: TokenStore

    static let missingToken = Problem(.unauthorized, "this request needs a bearer token (Authorization: Bearer gf_…); `gongfu token add` issues one",
                                      headers: [.wwwAuthenticate: "Bearer realm=\"gongfu\""])
    static let unknownToken = Problem(.unauthorized, "this token is unknown or revoked; ask the operator for a new one (`gongfu token add`)",
                                      headers: [.wwwAuthenticate: "Bearer realm=\"gongfu\", error=\"invalid_token\""])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        if request.uri.path == "/", let secret = request.uri.queryParameters["token"].map(String.init) {
            guard try tokens.identity(secret: secret) != nil else {
                throw Self.unknownToken
            }
            return Response(status: .seeOther, headers: [
                .location: "/",
                .setCookie: "\(Self.cookieName)=\(secret); Path=/; HttpOnly; SameSite=Strict",
            ])
        }
        guard let secret = Self.secret(in: request) else {
            throw Self.missingToken
        }
        guard let identity = try tokens.identity(secret: secret) else {
            throw Self.unknownToken
        }
        var context = context
        context.identity = identity
        context.logger[metadataKey: "auth.token_id"] = .string(identity.tokenID)
        return try await next(request, context)
    }

    static func secret(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            var bytes = header.utf8[...]
            let scheme = bytes.prefix(7)
            guard scheme.count == 7, zip(scheme, "bearer ".utf8).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
            bytes = bytes.dropFirst(7)
            while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
            while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
        for cookieHeader in request.headers[values: .cookie] {
            for part in cookieHeader.split(separator: ";") {
                let pair = part.drop { $0 == " " }
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }
}
