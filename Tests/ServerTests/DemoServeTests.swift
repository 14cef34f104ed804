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
        try demo.run()
        let (url, token) = try await Self.dashboard(output.fileHandleForReading)
        #expect(url.hasPrefix("http://127.0.0.1:"))
        // The read-only token opens the dashboard (303 to / with the cookie) and reads the API…
        let page = try await runOffPool("/usr/bin/curl", ["-s", "-L", "-c", temporary.path + "/cookies", "-b", temporary.path + "/cookies", url + "?token=" + token])
        #expect(String(decoding: page.stdout, as: UTF8.self).contains("山东省制造业数字化转型工作看板"))
        let coverage = try await runOffPool("/usr/bin/curl", ["-s", "-H", "Authorization: Bearer \(token)", url + "v1/coverage?year=2023"])
        #expect(String(decoding: coverage.stdout, as: UTF8.self).contains("\"code\":\"370000\""))
        // …and writes nothing.
        let write = try await runOffPool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                                                           "--data-binary", "{}", url + "v1/events"])
        #expect(String(decoding: write.stdout, as: UTF8.self) == "403")
        demo.interrupt() // SIGINT
        let status = try await ShutdownTests.exitStatus(demo)
        #expect(status == 0)
    }

    /// Reads the demo's standard output until it prints the dashboard URL and the token line.
    static func dashboard(_ handle: FileHandle) async throws -> (url: String, token: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                var text = ""
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { continuation.resume(throwing: CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "demo ended: \(text)"])); return }
                    text += String(decoding: chunk, as: UTF8.self)
                    let lines = text.split(separator: "\n")
                    if let dashboard = lines.first(where: { $0.hasPrefix("Dashboard: ") }), let token = lines.last(where: { $0.hasPrefix("gf_") }) {
                        let link = dashboard.dropFirst("Dashboard: ".count)
                        continuation.resume(returning: (String(link.prefix { $0 != "?" }), String(token)))
                        return
                    }
                }
            }.start()
        }
    }
}
