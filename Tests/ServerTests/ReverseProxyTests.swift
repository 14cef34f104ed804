import Access
import EventLog
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shipped nginx configuration (`deploy/nginx/gongfu.conf`), run by Debian's nginx in front of
/// a real `gongfu serve`: what docs/operations.md tells an operator to install works as it says.
@Suite("Behind nginx")
struct ReverseProxyTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("TLS, the redirect, reads, an append, the event stream, login and /metrics pass through the shipped configuration")
    func shippedConfigurationServes() async throws {
        let nginx = "/usr/sbin/nginx"
        try #require(FileManager.default.isExecutableFile(atPath: nginx), "nginx is installed by tools/install-deps.sh")
        let temporary = TemporaryDirectory()
        let data = try await ProvinceFixture.shared.copy(into: temporary)
        let secret = try TokenStore(directory: data).add(role: .province, name: "proxy-test").secret

        let (server, url) = try await startServe(data: data)
        defer { server.terminate() }
        let daemonPort = try #require(url.split(separator: ":").last?.prefix { $0.isNumber }).description

        // A certificate for localhost, and the shipped file with only its marked lines replaced.
        let directory = temporary.path + "/nginx"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = try await runOffPool(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
            ])
        try #require(certificate.status == 0, "\(certificate.stderr)")
        let (plainPort, tlsPort) = (try Self.freePort(), try Self.freePort())
        var shipped = try String(contentsOf: Self.repository.appendingPathComponent("deploy/nginx/gongfu.conf"), encoding: .utf8)
        for (line, replacement) in [
            ("server 127.0.0.1:8080;", "server 127.0.0.1:\(daemonPort);"),
            ("listen 80;", "listen 127.0.0.1:\(plainPort);"),
            ("listen 443 ssl;", "listen 127.0.0.1:\(tlsPort) ssl;"),
            ("ssl_certificate /etc/ssl/gongfu/fullchain.pem;", "ssl_certificate \(directory)/cert.pem;"),
            ("ssl_certificate_key /etc/ssl/gongfu/privkey.pem;", "ssl_certificate_key \(directory)/key.pem;"),
        ] {
            #expect(shipped.components(separatedBy: line).count == 2, "the shipped file has the line \(line) once")
            shipped = shipped.replacingOccurrences(of: line, with: replacement)
        }
        try shipped.write(toFile: directory + "/gongfu.conf", atomically: true, encoding: .utf8)
        let main = """
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            daemon off;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                include \(directory)/gongfu.conf;
            }
            """
        try main.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let check = try await runOffPool(nginx, ["-t", "-e", directory + "/error.log", "-p", directory, "-c", directory + "/nginx.conf"])
        try #require(check.status == 0, "nginx -t: \(check.stderr)")
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: nginx)
        proxy.arguments = ["-e", directory + "/error.log", "-p", directory, "-c", directory + "/nginx.conf"]
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        defer { proxy.terminate() }

        let base = "https://localhost:\(tlsPort)"
        let tls = ["--cacert", directory + "/cert.pem", "--resolve", "localhost:\(tlsPort):127.0.0.1"]
        // Until nginx listens (the first requests only: a retry would repeat a stream that ends by timing out).
        let retry = ["--retry", "20", "--retry-connrefused", "--retry-delay", "1"]
        func curl(_ arguments: [String]) async throws -> (status: Int, body: String, headers: String) {
            let result = try await runOffPool(
                "/usr/bin/curl", ["-s", "--max-time", "20", "-D", "-", "-o", "-", "-w", "\n%{http_code}"] + tls + arguments)
            let text = String(decoding: result.stdout, as: UTF8.self)
            let status = Int(text.split(separator: "\n").last ?? "") ?? 0
            return (status, text, text)
        }

        // Plain HTTP answers only with a redirect to HTTPS.
        let redirect = try await runOffPool(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
            ] + retry + ["http://127.0.0.1:\(plainPort)/v1/coverage"])
        let redirected = String(decoding: redirect.stdout, as: UTF8.self)
        #expect(redirected.hasPrefix("301 https://127.0.0.1/v1/coverage"), "\(redirected)")

        // Over TLS, with the certificate checked: health, a token's read, and an append.
        #expect(try await curl(retry + [base + "/health"]).status == 200)
        #expect(try await curl([base + "/v1/coverage"]).status == 401)
        let coverage = try await curl(["-H", "Authorization: Bearer \(secret)", base + "/v1/coverage"])
        #expect(coverage.status == 200 && coverage.body.contains("coverageRate"))
        let uscc = makeUSCC(division: "370202", serial: "PRX00001")
        // Long enough for the stream to be open before the append, and for the append to arrive,
        // on a machine busy with the rest of the suite.
        let stream = Task { try await curl(["-N", "--max-time", "30", "-H", "Authorization: Bearer \(secret)", base + "/v1/stream"]) }
        try await Task.sleep(for: .seconds(6))
        let appended = try await curl([
            "-H", "Authorization: Bearer \(secret)", "--data-binary", registration(uscc, city: "370200", county: "370202"), base + "/v1/events",
        ])
        #expect(appended.status == 201, "\(appended.body)")
        // The event stream is passed on as written (no buffering): the new event arrives while the stream is open.
        let streamed = try await stream.value
        #expect(streamed.body.contains("text/event-stream") && streamed.body.contains(uscc), "\(streamed.body.suffix(400))")

        // The login form behind the proxy: the Origin the browser sends matches the Host the daemon sees.
        let login = try await curl([
            "-H", "Origin: \(base)", "--data-urlencode", "token=\(secret)", base + "/login",
        ])
        #expect(login.status == 303 && login.headers.lowercased().contains("set-cookie: gongfu_token="), "\(login.headers)")
        // Bodies over the daemon's limit are refused at the proxy; /metrics is served to loopback.
        let large = String(repeating: "x", count: 5 << 20)
        try large.write(toFile: directory + "/large.json", atomically: true, encoding: .utf8)
        let refused = try await curl(["-H", "Authorization: Bearer \(secret)", "--data-binary", "@" + directory + "/large.json", base + "/v1/events"])
        #expect(refused.status == 413)
        #expect(try await curl([base + "/metrics"]).body.contains("gongfu_"))
    }

    /// A TCP port on loopback that nothing listens on now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        try #require(bound == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
