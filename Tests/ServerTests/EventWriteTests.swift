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
            let seq = try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao, [.contentType: "application/x-ndjson"]),
                                               body: ByteBuffer(string: registration(uscc, city: "370200", county: "370202") + "\n")) { response in
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
                try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.province, [.contentType: "application/json"]),
                                         body: ByteBuffer(string: body)) { response in
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

    @Test("refused writes: a clear problem naming the event, and the log unchanged", arguments: [
        ("{not json", 422, "event 0"),
        (#"{"stream":"enterprise/X","type":"NoSuchType","occurred":"2026-01-01","data":{}}"#, 422, "NoSuchType"),
        (#"{"stream":"enterprise/91370200AY4CL12T2L","type":"StageUpgraded","occurred":"2026-01-05","data":{"from":"L1","to":"L2","assessment":"A-1"}}"#, 409, "registered"),
        ("", 400, "empty"),
    ])
    func refused(body: String, status: Int, mentions: String) async throws {
        let fixture = try await TestDaemon()
        let size = fixture.daemon.log.size
        let segments = try segmentBytes(fixture)
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.province, [.contentType: "application/x-ndjson"]),
                                     body: ByteBuffer(string: body)) { response in
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
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.qingdao),
                                     body: ByteBuffer(string: registration(jinan, city: "370100", county: "370102"))) { response in
                #expect(response.status == .forbidden)
                #expect(response.json["rule"] == "jurisdiction")
            }
            let huge = String(repeating: registration(jinan, city: "370100", county: "370102") + "\n", count: 2000)
            try await client.execute(uri: "/v1/events", method: .post, headers: bearer(fixture.province), body: ByteBuffer(string: huge)) { response in
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
