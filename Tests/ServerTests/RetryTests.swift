import DemoProvince
import Domain
import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import TestSupport
import Testing

/// A writer that retries after a timeout or a crash — of itself or of the daemon — with the
/// same idempotency keys gets every event appended exactly once, whichever way it writes.
@Suite("Exactly-once retries")
struct RetryTests {
    /// The demo's history for `enterprises` enterprises as input lines, every event with a key
    /// (the generator's own where it sets one), in a fresh log's order.
    static func keyedInput(enterprises: Int, seed: UInt64) throws -> [String] {
        var generator = ProvinceGenerator(options: .init(seed: seed, enterprises: enterprises))
        return try generator.generate().enumerated().map { index, draft in
            var draft = draft
            draft.key = draft.key ?? "retry/\(seed)/\(index)"
            return String(decoding: draft.inputJSON.canonicalBytes, as: UTF8.self)
        }
    }

    static func keys(in data: String) throws -> [String] {
        let log = try EventLog(directory: LogDirectory(root: data), writable: false)
        return try log.envelopes().compactMap(\.key)
    }

    @Test("gongfu append run again on the same file appends nothing and prints the same seqs")
    func wholeFileRetry() throws {
        let gongfu = Products.path("gongfu")
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        #expect(try run(gongfu, ["init", "--data", data]).status == 0)
        let lines = try Self.keyedInput(enterprises: 60, seed: 3)
        let file = temporary.path + "/events.ndjson"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let first = try run(gongfu, ["append", "--data", data, file])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try run(gongfu, ["append", "--data", data, file])
        #expect(second.status == 0, "a retry is not refused: \(second.stderr)")
        #expect(second.stdout == first.stdout, "the retry prints the first seqs")
        #expect(second.stderr.contains("\(lines.count) event(s) had idempotency keys already used"))
        #expect(try Self.keys(in: data).count == lines.count)
    }

    @Test("gongfu append killed at random moments, then run again: every event exactly once, verify clean")
    func killedAndRetried() async throws {
        let gongfu = Products.path("gongfu")
        // Enough events for several batches of 2,000: a kill can land between two of them.
        let lines = try Self.keyedInput(enterprises: 1200, seed: 8)
        // How long an append of the whole file takes here, so that the kills land in its
        // second half, where the batches are appended.
        let timing = TemporaryDirectory()
        #expect(try run(gongfu, ["init", "--data", timing.path + "/data"]).status == 0)
        try (lines.joined(separator: "\n") + "\n").write(toFile: timing.path + "/events.ndjson", atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        #expect(try run(gongfu, ["append", "--data", timing.path + "/data", timing.path + "/events.ndjson"]).status == 0)
        let whole = ContinuousClock.now - started
        // Four kills at points of a whole append's time, and two states a kill between batches
        // leaves (the first 2,000 and 4,000 lines landed), made directly: a kill lands there
        // only by chance.
        let rounds: [(kill: Double?, landed: Int)] = [(0.5, 0), (0.65, 0), (0.8, 0), (0.95, 0), (nil, 2000), (nil, 4000)]
        for (round, plan) in rounds.enumerated() {
            let temporary = TemporaryDirectory()
            let data = temporary.path + "/data"
            #expect(try run(gongfu, ["init", "--data", data]).status == 0)
            let file = temporary.path + "/events.ndjson"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            if let fraction = plan.kill {
                let append = Process()
                append.executableURL = URL(fileURLWithPath: gongfu)
                append.arguments = ["append", "--data", data, file]
                append.standardOutput = FileHandle.nullDevice
                append.standardError = FileHandle.nullDevice
                try append.run()
                try await Task.sleep(for: whole * fraction)
                kill(append.processIdentifier, SIGKILL)
                append.waitUntilExit()
            } else {
                let prefix = temporary.path + "/prefix.ndjson"
                try (lines.prefix(plan.landed).joined(separator: "\n") + "\n").write(toFile: prefix, atomically: true, encoding: .utf8)
                #expect(try run(gongfu, ["append", "--data", data, prefix]).status == 0)
                #expect(try Self.keys(in: data).count == plan.landed)
            }
            let landed = try Self.keys(in: data).count
            let retry = try run(gongfu, ["append", "--data", data, file])
            #expect(retry.status == 0, "round \(round): \(retry.stderr)")
            let keys = try Self.keys(in: data)
            #expect(keys.count == lines.count, "round \(round): \(keys.count) events for \(lines.count) lines (\(landed) before the retry)")
            #expect(Set(keys).count == keys.count, "round \(round): a key twice")
            let verify = try run(gongfu, ["verify", "--data", data])
            #expect(verify.status == 0, "\(verify.stderr)")
        }
    }

    @Test("over HTTP a batch retried whole or after a part landed answers the first seqs")
    func httpRetry() async throws {
        let fixture = try await TestDaemon()
        let uscc = makeUSCC(division: "370211", serial: "RTY00001")
        let batch =
            [registration(uscc, city: "370200", county: "370211", key: "http-retry/0")]
            + (1...3).map { index in
                #"{"stream":"enterprise/\#(uscc)","type":"TrainingAttended","occurred":"2026-11-0\#(index + 2)","data":{"session":"第\#(index)期"},"key":"http-retry/\#(index)"}"#
            }
        try await fixture.router.test(.router) { client in
            var first: [JSONValue] = []
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao), body: ByteBuffer(string: batch[0...1].joined(separator: "\n"))
            ) { response in
                #expect(response.status == .created)
                first = response.json["events"]?.arrayValue ?? []
            }
            // The client timed out and sends the whole batch again: the first two are repeats
            // (no rule refuses the registration a second time), the rest are new.
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao), body: ByteBuffer(string: batch.joined(separator: "\n"))
            ) { response in
                #expect(response.status == .created, "\(response.text)")
                let events = response.json["events"]?.arrayValue ?? []
                #expect(events.map { $0["duplicate"] } == [.bool(true), .bool(true), .bool(false), .bool(false)])
                #expect(Array(events.prefix(2)).map { $0["seq"] } == first.map { $0["seq"] })
            }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao), body: ByteBuffer(string: batch.joined(separator: "\n"))
            ) { response in
                #expect(response.status == .ok)
            }
            // The same key with other content stays an error.
            let changed = batch[3].replacingOccurrences(of: "第3期", with: "第4期")
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao), body: ByteBuffer(string: changed)) {
                response in
                #expect(response.status == .conflict)
                #expect(response.text.contains("http-retry/3"))
            }
        }
        await fixture.close()
    }
}

/// The table of bad inputs `gongfu append` refuses, sent over HTTP: each refused with the same
/// message, naming its event, and the log byte for byte unchanged.
@Suite("Bad inputs over HTTP")
struct BadInputRouteTests {
    @Test("every bad input of the shared table is refused over HTTP as by the CLI")
    func sameTableOverHTTP() async throws {
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        try EventLog.initialize(directory: LogDirectory(root: data), origin: "test.gongfu/bad-inputs")
        do {
            let log = try EventLog(directory: LogDirectory(root: data), writable: true)
            var intake = try Intake(log: log, actor: Role.dataOperator.actor(named: "test"), today: "2026-11-28")
            _ = try await intake.checkAndAppend(try IntakeReader().read(Array(BadInputs.history.utf8)).map(\.draft))
            await log.close()
        }
        let daemon = try Daemon(
            configuration: ServerConfiguration(dataDirectory: data, port: 0, maximumBodyBytes: 256 << 10), logger: .init(label: "test"))
        let tokens = [
            "": try daemon.tokens.add(role: .province, name: "province").secret,
            "city:370100": try daemon.tokens.add(role: .city("370100"), name: "jinan").secret,
            "auditor": try daemon.tokens.add(role: .auditor, name: "auditor").secret,
        ]
        let before = try BadInputs.snapshot(data)
        try await Application(router: buildRouter(daemon)).test(.router) { client in
            for badCase in BadInputs.cases {
                let good =
                    #"{"stream":"enterprise/\#(BadInputs.enterprise)","type":"TrainingAttended","occurred":"2024-05-01","data":{"session":"好的一行"}}"#
                let token = tokens[badCase.arguments.last ?? ""]!
                try await client.execute(
                    uri: "/v1/events", method: .post, headers: bearer(token), body: ByteBuffer(string: good + "\n" + badCase.input + "\n")
                ) { response in
                    #expect((400..<500).contains(Int(response.status.code)), "\(badCase.name): \(response.status)")
                    #expect(response.json["detail"]?.stringValue?.contains(badCase.message) == true, "\(badCase.name): \(response.text)")
                    if !["wrong jurisdiction", "auditor writing"].contains(badCase.name) {
                        #expect(response.json["event"] == .string("1"), "\(badCase.name) names its event: \(response.text)")
                    }
                }
            }
        }
        #expect(try BadInputs.snapshot(data) == before)
        await daemon.log.close()
    }
}
