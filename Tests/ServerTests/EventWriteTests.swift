import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import TestSupport
import Testing

@Suite("Writing events over HTTP")
struct EventWriteTests {
    @Test("a POST returns its seq; reading with waitFor sees the write (read-your-writes)")
    func postThenRead() async throws {
        let fixture = try await TestDaemon()
        let uscc = makeUSCC(division: "370202", serial: "RYW00001")
        let before = fixture.daemon.log.size
        try await fixture.live.test(.live) { client in
            let seq = try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao, [.contentType: "application/x-ndjson"]),
                body: ByteBuffer(string: registration(uscc, city: "370200", county: "370202") + "\n")
            ) { response in
                #expect(response.status == .created)
                #expect(response.json["events"]?.arrayValue.first?["stream"]?.stringValue == "enterprise/" + uscc)
                return UInt64(response.json["seq"]?.integerValue ?? 0)
            }
            #expect(seq == before + 1)
            try await client.execute(uri: "/v1/enterprises/\(uscc)?waitFor=\(seq)", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .ok)
                #expect((response.seq ?? 0) >= seq)
                #expect(response.json["profile"]?["city"] == "370200")
                #expect(response.json["events"]?.arrayValue.first?["actor"]?["role"] == "city")
            }
        }
        let log = try EventLog(directory: LogDirectory(root: fixture.daemon.configuration.dataDirectory), writable: false)
        #expect(log.size == before + 1)
        #expect(try log.envelope(seq: before + 1).stream == "enterprise/" + uscc)
    }

    @Test("a retried POST with the same idempotency key returns the first seq and appends nothing")
    func idempotentRetry() async throws {
        let fixture = try await TestDaemon()
        let uscc = makeUSCC(division: "370202", serial: "PDEM0001")
        let body = "[" + registration(uscc, city: "370200", county: "370202", key: "import-2026-11/row-7") + "]"
        let size = fixture.daemon.log.size
        try await fixture.router.test(.router) { client in
            var seqs: [Int64] = []
            for expected in [HTTPResponse.Status.created, .ok] {
                try await client.execute(
                    uri: "/v1/events", method: .post, headers: bearer(fixture.province, [.contentType: "application/json"]),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == expected)
                    let event = response.json["events"]?.arrayValue.first
                    seqs.append(event?["seq"]?.integerValue ?? 0)
                    #expect(event?["duplicate"] == .bool(expected == .ok))
                }
            }
            #expect(seqs[0] == seqs[1])
        }
        #expect(fixture.daemon.log.size == size + 1)
        await fixture.close()
    }

    @Test(
        "refused writes: a clear problem naming the event, and the log unchanged",
        arguments: [
            // Malformed JSON is a 400 however it is sent (one object, NDJSON or an array).
            ("{not json", 400, "event 0: not valid JSON"),
            ("[{not json]", 400, "not valid JSON"),
            (#"{"stream":"enterprise/X","type":"NoSuchType","occurred":"2026-01-01","data":{}}"#, 422, "NoSuchType"),
            (
                #"{"stream":"enterprise/91370200AY4CL12T2L","type":"TrainingAttended","occurred":"2026-01-05","data":{"session":"企业家培训"}}"#,
                409, "registered"
            ),
            ("", 400, "empty"),
        ])
    func refused(body: String, status: Int, mentions: String) async throws {
        let fixture = try await TestDaemon()
        let size = fixture.daemon.log.size
        let segments = try segmentBytes(fixture)
        try await fixture.router.test(.router) { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.province, [.contentType: "application/x-ndjson"]),
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status.code == status)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.json["detail"]?.stringValue?.contains(mentions) == true, "\(response.text)")
            }
        }
        #expect(fixture.daemon.log.size == size)
        #expect(try segmentBytes(fixture) == segments)
        await fixture.close()
    }

    @Test("a city writes only its own enterprises; a body over the limit is 413")
    func jurisdictionAndLimits() async throws {
        let fixture = try await TestDaemon()
        let size = fixture.daemon.log.size
        let jinan = makeUSCC(division: "370102", serial: "JNAN0001")
        try await fixture.router.test(.router) { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao),
                body: ByteBuffer(string: registration(jinan, city: "370100", county: "370102"))
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.json["rule"] == "jurisdiction")
            }
            let huge = String(repeating: registration(jinan, city: "370100", county: "370102") + "\n", count: 2000)
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.province), body: ByteBuffer(string: huge)) {
                response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(fixture.daemon.log.size == size)
        await fixture.close()
    }

    func segmentBytes(_ fixture: TestDaemon) throws -> [Data] {
        let directory = LogDirectory(root: fixture.daemon.configuration.dataDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.segments).sorted()
        return try names.map { try Data(contentsOf: URL(fileURLWithPath: directory.segments + "/" + $0)) }
    }
}

@Suite("Group commit across requests")
struct GroupCommitTests {
    @Test("concurrent POSTs: valid ones appended once each, racing creations resolved by expected version, refused ones leave nothing")
    func concurrentRequests() async throws {
        let fixture = try await TestDaemon()
        let before = fixture.daemon.log.size
        let batchesBefore = fixture.daemon.log.statistics.batches
        let fresh = (0..<20).map { makeUSCC(division: "370202", serial: "GC" + String($0).leftPadded(to: 6)) }
        let contested = (0..<5).map { makeUSCC(division: "370203", serial: "RC" + String($0).leftPadded(to: 6)) }
        let unregistered = (0..<5).map { makeUSCC(division: "370211", serial: "UR" + String($0).leftPadded(to: 6)) }
        func creation(_ uscc: String) -> String {
            registration(uscc, city: "370200", county: String(uscc.dropFirst(2).prefix(6)))
                .replacingOccurrences(of: "\"type\":\"EnterpriseRegistered\"", with: "\"type\":\"EnterpriseRegistered\",\"expectedVersion\":\"none\"")
        }
        var bodies: [(kind: String, body: String)] = fresh.map { ("fresh", registration($0, city: "370200", county: "370202")) }
        bodies += contested.flatMap { [("contested", creation($0)), ("contested", creation($0))] }
        bodies += unregistered.map {
            (
                "refused",
                #"{"stream":"enterprise/\#($0)","type":"TrainingAttended","occurred":"2026-01-05","data":{"session":"企业家培训"}}"#
            )
        }
        let requests = bodies.shuffled()
        try await fixture.router.test(.router) { client in
            let outcomes = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for (kind, body) in requests {
                    group.addTask {
                        try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.province), body: ByteBuffer(string: body))
                        { response in
                            (kind, Int(response.status.code))
                        }
                    }
                }
                var all: [(String, Int)] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0.0 == "fresh" }.allSatisfy { $0.1 == 201 })
            #expect(outcomes.filter { $0.0 == "refused" }.allSatisfy { $0.1 == 409 })
            let contestedCodes = outcomes.filter { $0.0 == "contested" }.map(\.1).sorted()
            #expect(contestedCodes == Array(repeating: 201, count: 5) + Array(repeating: 409, count: 5))
        }
        let log = fixture.daemon.log
        #expect(log.size == before + 25)
        for uscc in fresh + contested { #expect(log.version(of: "enterprise/" + uscc) == 1) }
        for uscc in unregistered { #expect(log.version(of: "enterprise/" + uscc) == 0) }
        #expect(log.statistics.batches - batchesBefore <= 25)
        await fixture.close()
        let verify = try await runOffPool(Products.path("gongfu"), ["verify", "--data", fixture.daemon.configuration.dataDirectory])
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}
