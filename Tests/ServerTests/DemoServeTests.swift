import Foundation
import TestSupport
import Testing

@Suite("gongfu demo")
struct DemoServeTests {
    @Test("the demo ends by serving the dashboard with a read-only token; SIGINT stops it cleanly")
    func demoServes() async throws {
        let temporary = TemporaryDirectory()
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: Products.path("gongfu"))
        demo.arguments = ["demo", "--data", temporary.path + "/demo", "--enterprises", "120", "--seed", "3", "--port", "0"]
        let output = Pipe()
        demo.standardOutput = output
        demo.standardError = FileHandle.nullDevice
        let printed = OutputWatcher(output.fileHandleForReading)
        try demo.run()
        // The dashboard URL, then the token alone on its own line.
        let (url, token) = try #require(
            await printed.wait(timeout: .seconds(180)) { text -> (String, String)? in
                let lines = text.split(separator: "\n")
                guard let dashboard = lines.first(where: { $0.hasPrefix("Dashboard: ") }), let token = lines.last(where: { $0.hasPrefix("gf_") })
                else { return nil }
                return (String(dashboard.dropFirst("Dashboard: ".count).prefix { $0 != " " }.dropLast("login".count)), String(token))
            }, "the demo did not print its dashboard: \(printed.text)")
        #expect(url.hasPrefix("http://127.0.0.1:"))
        // The read-only token logs in through the form (303 to / with the cookie) and reads the API…
        let page = try await runOffPool(
            "/usr/bin/curl",
            [
                "-s", "-L", "-c", temporary.path + "/cookies", "-b", temporary.path + "/cookies",
                "--data-urlencode", "token=" + token, url + "login",
            ])
        #expect(String(decoding: page.stdout, as: UTF8.self).contains("山东省制造业数字化转型工作看板"))
        let coverage = try await runOffPool("/usr/bin/curl", ["-s", "-H", "Authorization: Bearer \(token)", url + "v1/coverage?year=2023"])
        #expect(String(decoding: coverage.stdout, as: UTF8.self).contains("\"code\":\"370000\""))
        // …and writes nothing.
        let write = try await runOffPool(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                "--data-binary", "{}", url + "v1/events",
            ])
        #expect(String(decoding: write.stdout, as: UTF8.self) == "403")
        demo.interrupt()  // SIGINT
        let status = try await ShutdownTests.exitStatus(demo)
        #expect(status == 0)
    }
}
