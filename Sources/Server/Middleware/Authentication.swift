import Access
import Foundation
import Hummingbird

/// Who is asking: a bearer token (`Authorization: Bearer …`) on every route but the public
/// ones, or — for pages a browser GETs, never for the API or any write — the `gongfu_token`
/// cookie that the login form sets.
///
/// The cookie is HttpOnly, SameSite=Strict, and Secure when the daemon is reached over HTTPS.
/// Logging in is a POST of the form from the daemon's own origin (a link or another site's
/// form cannot log anyone in).
struct Authentication: Sendable {
    static let cookieName = "gongfu_token"
    /// Routes that need no token (logging out only clears the cookie, from the daemon's own pages).
    static let publicPaths: Set<String> = ["/health", "/metrics", "/login", "/logout"]
    let tokens: TokenStore
    let secureCookies: Bool

    static let missingToken = Problem(
        .unauthorized, "this request needs a bearer token (Authorization: Bearer gf_…); `gongfu token add` issues one",
        headers: [.wwwAuthenticate: "Bearer realm=\"gongfu\""])
    static let unknownToken = Problem(
        .unauthorized, "this token is unknown or revoked; ask the operator for a new one (`gongfu token add`)",
        headers: [.wwwAuthenticate: "Bearer realm=\"gongfu\", error=\"invalid_token\""])

    /// The caller's identity, nil on a public route; throws 401 when a token is needed and
    /// missing, unknown or revoked.
    func identity(for request: Request) throws -> Identity? {
        if Self.publicPaths.contains(request.uri.path) { return nil }
        guard let secret = Self.secret(in: request) else {
            if request.method == .get, !request.uri.path.hasPrefix("/v1"), request.uri.queryParameters["token"] == nil,
                request.headers[.accept]?.contains("text/html") == true
            {
                throw Problem(.seeOther, "log in first: /login", headers: [.location: "/login"])
            }
            if request.uri.path == "/", request.method == .get, request.uri.queryParameters["token"] != nil {
                throw Problem(
                    .unauthorized, "a token in the address no longer logs in (anyone could send such a link); open /login and enter the token there",
                    headers: [.wwwAuthenticate: "Bearer realm=\"gongfu\""])
            }
            throw Self.missingToken
        }
        guard let identity = try tokens.identity(secret: secret) else { throw Self.unknownToken }
        return identity
    }

    /// The bearer token, or the cookie on a page outside `/v1`: its GETs, and the POSTs of its
    /// forms (each of which checks the origin and ``FormToken``).
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
        // The router skips empty segments (`//v1/events` is `/v1/events`): judge the segments.
        let segments = request.uri.path.split(separator: "/")
        guard segments.first != "v1" else { return nil }
        switch request.method {
        case .get, .head: return cookie(in: request)
        case .post where isFormRoute(segments): return cookie(in: request)
        default: return nil
        }
    }

    /// The pages' form routes, each of which checks the origin and its ``FormToken``.
    static func isFormRoute(_ segments: [Substring]) -> Bool {
        switch segments.count {
        case 2: segments == ["imports", "assessments"]
        case 3: (segments[0] == "enterprises" && segments[2] == "record") || (segments[0] == "regions" && segments[2] == "report")
        default: false
        }
    }

    static func cookie(in request: Request) -> String? {
        for cookieHeader in request.headers[values: .cookie] {
            for part in cookieHeader.split(separator: ";") {
                let pair = part.drop { $0 == " " }
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    /// `Set-Cookie` for a logged-in browser.
    func loginCookie(_ secret: String) -> String {
        "\(Self.cookieName)=\(secret); Path=/; HttpOnly; SameSite=Strict\(secureCookies ? "; Secure" : "")"
    }

    /// `Set-Cookie` that logs a browser out.
    func logoutCookie() -> String {
        "\(Self.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\(secureCookies ? "; Secure" : "")"
    }

    /// Whether a form POST comes from a page of this daemon: browsers send `Origin` (and
    /// `Sec-Fetch-Site`) on cross-site form posts, so one naming another origin is refused.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[HTTPFields.Element.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { return false }
        guard let origin = request.headers[HTTPFields.Element.Name("Origin")!] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}
