import Dashboard
import Hummingbird

/// `GET /login` (the form), `POST /login` (a token entered in it becomes the HttpOnly cookie of
/// the pages) and `POST /logout`. Only a form posted from the daemon's own pages logs in: a
/// link, or another site's form, cannot log a browser in as someone else.
struct LoginRoutes {
    let daemon: Daemon
    let authentication: Authentication

    func add(to router: Router<GongfuRequestContext>) {
        router.get("login") { _, _ in
            Self.page(message: nil, status: .ok)
        }
        router.post("login") { request, _ in
            guard Authentication.isSameOrigin(request) else {
                throw Problem(.forbidden, "a login must be posted from this server's own /login page")
            }
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: 4096)
            } catch {
                throw Problem(.contentTooLarge, "a login form is at most 4096 bytes")
            }
            guard let secret = FormFields(String(buffer: body))["token"], !secret.isEmpty else {
                return Self.page(message: "请输入令牌（gf_ 开头）。", status: .badRequest)
            }
            guard try daemon.tokens.identity(secret: secret) != nil else {
                return Self.page(message: "令牌无效或已吊销，请向管理员申请新令牌。", status: .unauthorized)
            }
            return Response(status: .seeOther, headers: [.location: "/", .setCookie: authentication.loginCookie(secret), .cacheControl: "no-store"])
        }
        router.post("logout") { request, _ in
            guard Authentication.isSameOrigin(request) else {
                throw Problem(.forbidden, "a logout must be posted from this server's own pages")
            }
            return Response(status: .seeOther, headers: [.location: "/login", .setCookie: authentication.logoutCookie()])
        }
    }

    static func page(message: String?, status: HTTPResponse.Status) -> Response {
        let notice = message.map { "<p class=\"error\" role=\"alert\">\($0.escapedForHTML)</p>" } ?? ""
        let html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>登录 · 山东省制造业数字化转型工作看板</title>
            <style>body{font-family:"WenQuanYi Zen Hei","Noto Sans CJK SC",sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}
            label{display:block;margin:1rem 0 .3rem}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
            button{margin-top:1rem;padding:.5rem 1.5rem;font-size:1rem;background:#0b5cad;color:#fff;border:0}.error{color:#a40000}</style>
            </head>
            <body><main>
            <h1>登录</h1>
            \(notice)
            <form method="post" action="/login">
            <label for="token">访问令牌</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required>
            <button type="submit">登录</button>
            </form>
            <p>令牌由管理员以 <code>gongfu token add</code> 签发。</p>
            </main></body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The fields of an `application/x-www-form-urlencoded` body (the first of each name, or all
/// of them for a multiple choice).
struct FormFields {
    private var fields: [String: String] = [:]
    private var all: [String: [String]] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if fields[name] == nil, let value { fields[name] = value }
            if let value { all[name, default: []].append(value) }
        }
    }

    subscript(name: String) -> String? { fields[name] }

    /// Every value sent under `name`, in order.
    func values(_ name: String) -> [String] { all[name] ?? [] }

    /// The first value of each name.
    var first: [String: String] { fields }

    /// `+` as space and `%XX` escapes; nil when an escape is broken or the bytes are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
