import Access
import EventLog
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("SIGTERM while appends are in flight: exit 0, and every acknowledged event is in the log")
    func sigtermKeepsAcknowledgedWrites() async throws {
        let temporary = TemporaryDirectory()
        let data = try await ProvinceFixture.shared.copy(into: temporary)
        let secret = try TokenStore(directory: data).add(role: .province, name: "shutdown-test").secret
        let before = try EventLog(directory: LogDirectory(root: data), writable: false).size

        let (server, url) = try await startServe(data: data)

        // Four writers POST one registration after another until the server stops answering; the
        // signal comes once they have had some appends acknowledged (waiting for that rather than
        // for a fixed time: other suites may be loading both cores).
        let acknowledgements = Counter()
        let acknowledged = try await withThrowingTaskGroup(of: [(String, Int)].self) { group in
            for worker in 1...4 {
                group.addTask {
                    var mine: [(String, Int)] = []
                    for number in 0..<10_000 {
                        let uscc = makeUSCC(division: "370202", serial: "GW\(worker)" + String(number).leftPadded(to: 5))
                        let result = try await runOffPool(
                            "/usr/bin/curl",
                            [
                                "-s", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                                "-H", "Authorization: Bearer \(secret)", "--data-binary", registration(uscc, city: "370200", county: "370202"),
                                url + "v1/events",
                            ])
                        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
                        guard result.status == 0, lines.last == "201", let body = lines.first,
                            let seq = (try? JSONParser.parse(Array(body.utf8)))?["seq"]?.integerValue
                        else { break }
                        mine.append((uscc, Int(seq)))
                        acknowledgements.value.add(1, ordering: .relaxed)
                    }
                    return mine
                }
            }
            let deadline = ContinuousClock.now + .seconds(120)
            while acknowledgements.value.load(ordering: .relaxed) < 5, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(300))  // and a few more appends in flight
            server.terminate()  // SIGTERM
            var all: [(String, Int)] = []
            for try await part in group { all += part }
            return all
        }
        let status = try await Self.exitStatus(server)
        #expect(status == 0)
        #expect(acknowledged.count >= 5, "the writers got some appends acknowledged before the signal")

        let log = try EventLog(directory: LogDirectory(root: data), writable: false)
        for (uscc, seq) in acknowledged {
            #expect(try log.envelope(seq: UInt64(seq)).stream == "enterprise/" + uscc)
        }
        #expect(log.size >= before + UInt64(acknowledged.count))
        let verify = try await runOffPool(Products.path("gongfu"), ["verify", "--data", data])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    static func exitStatus(_ process: Process) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
    }
}

/// A count shared by concurrent tasks.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
