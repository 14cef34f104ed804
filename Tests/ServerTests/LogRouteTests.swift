import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Log routes")
struct LogRouteTests {
    @Test("proofs are the CLI's JSON and verify; a size past the end is a 400")
    func proofs() async throws {
        let fixture = try await TestDaemon()
        let log = fixture.daemon.log
        let size = log.size
        let inclusion = try log.inclusionProof(seq: 7, treeSize: size).json
        let consistency = try log.consistencyProof(from: 10, to: size).json
        let root = try log.root(size: size).base64
        let enterprise = try firstEnterprise(log)
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/proofs/inclusion?seq=7&size=\(size)", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.json == inclusion)
            }
            try await client.execute(uri: "/v1/proofs/consistency?from=10&to=\(size)", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.json == consistency)
            }
            try await client.execute(uri: "/v1/proofs/inclusion?seq=\(size + 5)", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/checkpoint", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                let lines = response.text.split(separator: "\n")
                #expect(lines[0] == "test.gongfu/log")
                #expect(lines[1] == "\(size)")
                #expect(lines[2] == Substring(root))
            }
            try await client.execute(uri: "/v1/events?stream=enterprise/\(enterprise)", method: .get, headers: bearer(fixture.province)) { response in
                let lines = response.text.split(separator: "\n")
                #expect(!lines.isEmpty)
                #expect(lines.allSatisfy { $0.contains("\"stream\":\"enterprise/") })
                #expect(response.headers[.contentType] == "application/x-ndjson")
            }
        }
        await fixture.close()
    }

    @Test("/metrics exposes request latency, append counters and projection lag")
    func metrics() async throws {
        let fixture = try await TestDaemon()
        let uscc = makeUSCC(division: "370202", serial: "MTR00001")
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/coverage", method: .get, headers: bearer(fixture.province)) { _ in }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.province),
                body: ByteBuffer(string: registration(uscc, city: "370200", county: "370202"))
            ) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = response.text
                #expect(text.contains("gongfu_http_request_duration_seconds_bucket{route=\"/v1/coverage\""))
                // No worker runs under the router test: the read models lag by the event just appended.
                #expect(text.contains("gongfu_projection_lag_events{read_model=\"coverage\"} 1"))
                #expect(text.contains("gongfu_log_size_events \(fixture.daemon.log.size)"))
                #expect(text.contains("gongfu_log_appended_events_total 1\n"))
                #expect(text.contains("gongfu_log_batches_total 1\n"))
                #expect(text.contains("# TYPE gongfu_log_fsync_seconds_total counter"))
            }
        }
        await fixture.close()
    }

    @Test("the live stream sends events as they are appended (SSE on a real loopback socket)")
    func liveStream() async throws {
        let fixture = try await TestDaemon()
        let size = fixture.daemon.log.size
        let uscc = makeUSCC(division: "370202", serial: "TAE00001")
        try await fixture.live.test(.live) { client in
            let port = client.port!
            let jinan = try fixture.daemon.tokens.add(role: .city("370100"), name: "test-jinan").secret
            let url = "http://127.0.0.1:\(port)/v1/stream?from=\(size - 1)"
            let stream = try StreamListener(url: url, token: fixture.auditor)
            let qingdao = try StreamListener(url: url, token: fixture.qingdao)
            let other = try StreamListener(url: url, token: jinan)
            // Connected once the two events before the new one have come.
            #expect(await stream.wait(for: "id: \(size)\n"))
            // Through a client that waits as long as the listeners do: the test pool's few
            // threads may be busy with other suites (the live client gives up after 20 s).
            let created = try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(120))) {
                writer in
                try await writer.post(
                    "/v1/events", headers: bearer(fixture.province),
                    body: ByteBuffer(string: registration(uscc, city: "370200", county: "370202"))
                ).status
            }
            #expect(created == .created)
            #expect(await stream.wait(for: "id: \(size + 1)\n"))
            // A city's stream carries its own enterprises' events only.
            #expect(await qingdao.wait(for: "id: \(size + 1)\n"))
            try await Task.sleep(for: .milliseconds(300))
            let text = stream.stop()
            let qingdaoText = qingdao.stop()
            let otherText = other.stop()
            #expect(qingdaoText.contains(uscc))
            #expect(!otherText.contains("id: \(size + 1)\n"))
            #expect(otherText.hasPrefix(": gongfu stream from seq"))
            let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { $0.dropFirst(4) }
            #expect(ids == ["\(size - 1)", "\(size)", "\(size + 1)"])
            #expect(text.contains("data: {\"seq\":\(size + 1),"))
            #expect(text.contains(uscc))
        }
    }

    func firstEnterprise(_ log: EventLog) throws -> String {
        String(try log.envelope(seq: 1).stream.dropFirst("enterprise/".count))
    }
}

/// A `curl -N` reading a Server-Sent Events stream, watched on a thread of its own.
final class StreamListener: Sendable {
    private let process = Process()
    private let output: OutputWatcher

    init(url: String, token: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sN", "--max-time", "120", "-H", "Authorization: Bearer \(token)", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        output = OutputWatcher(pipe.fileHandleForReading)
        try process.run()
    }

    /// Waits (up to a minute) until `marker` has arrived.
    func wait(for marker: String) async -> Bool {
        await output.wait(for: marker)
    }

    /// Ends the stream and returns what it received.
    func stop() -> String {
        kill(process.processIdentifier, SIGKILL)
        return output.text
    }
}
