import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import TestSupport
import Testing

@testable import Access

@Suite("Access control")
struct AccessTests {
    @Test("no token, an unknown token and a revoked token all get 401 problems; /health needs none")
    func unauthenticated() async throws {
        let fixture = try await TestDaemon()
        let revoked = try fixture.daemon.tokens.add(role: .province, name: "leaver")
        try fixture.daemon.tokens.revoke(revoked.record.id)
        try await fixture.router.test(.router) { client in
            for headers in [HTTPFields(), bearer("gf_not-a-token"), bearer(revoked.secret)] {
                try await client.execute(uri: "/v1/coverage", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    #expect(response.json["detail"]?.stringValue?.contains("token") == true)
                }
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["status"] == "ok")
            }
        }
        await fixture.close()
    }

    @Test("a city token sees its own city's enterprise files only, and province aggregates")
    func cityScope() async throws {
        let fixture = try await TestDaemon()
        let pendingStore = try fixture.daemon.readModels.store(named: "pending")
        let all = try ReadModelQuery.run("pending", filters: QueryFilters(status: "all"), store: pendingStore)
        let cityColumn = all.columns.firstIndex { $0.key == "city" }!
        let ownCount = all.rows.filter { $0[cityColumn] == .text("370200") }.count
        let elsewhere = all.rows.first { $0[cityColumn] != .text("370200") }!
        guard case .text(let otherUSCC) = elsewhere[0] else {
            Issue.record("no uscc")
            return
        }
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/pending?status=all&limit=5000", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .ok)
                #expect(response.json.rows.count == ownCount)
                #expect(response.json.rows.allSatisfy { $0["city"] == "370200" })
            }
            try await client.execute(uri: "/v1/pending?region=370100", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .forbidden)
            }
            // Another city's enterprise and one that does not exist look the same: no leak.
            var details: [String] = []
            for uscc in [otherUSCC, "91370100MA3C0XYZ1Q"] {
                try await client.execute(uri: "/v1/enterprises/" + uscc, method: .get, headers: bearer(fixture.qingdao)) { response in
                    #expect(response.status == .forbidden)
                    details.append(response.json["detail"]?.stringValue?.replacingOccurrences(of: uscc, with: "X") ?? "")
                }
            }
            #expect(details[0] == details[1])
            // Province aggregates are visible to every role.
            try await client.execute(uri: "/v1/coverage?by=city", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .ok)
                #expect(Set(response.json.rows.compactMap { $0["code"]?.stringValue }).count == 16)
            }
            // From the raw log, a city reads its own enterprises' events (and their projects') only.
            try await client.execute(uri: "/v1/events?from=1&limit=10000", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .ok)
                let events = response.text.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
                #expect(!events.isEmpty)
                let own = Set(
                    all.rows.filter { $0[cityColumn] == .text("370200") }.compactMap { row -> String? in
                        if case .text(let uscc) = row[0] { return "enterprise/" + uscc } else { return nil }
                    })
                #expect(
                    events.allSatisfy { event in
                        let stream = event["stream"]?.stringValue ?? ""
                        return own.contains(stream) || stream.hasPrefix("project/")
                    })
                #expect(events.contains { $0["stream"]?.stringValue?.hasPrefix("enterprise/") == true })
            }
        }
        await fixture.close()
    }

    @Test("a county token reads and writes its own county's enterprises only; city and province aggregates stay visible")
    func countyScope() async throws {
        let fixture = try await TestDaemon()
        let all = try ReadModelQuery.run(
            "pending", filters: QueryFilters(status: "all"), store: fixture.daemon.readModels.store(named: "pending"))
        let rows = all.rows.map { row in Dictionary(uniqueKeysWithValues: all.columns.enumerated().map { ($1.key, row[$0].display) }) }
        // The busiest county of 青岛, and an enterprise of another county of the same city.
        let counties = Dictionary(grouping: rows.filter { $0["city"] == "370200" }, by: { $0["county"]! })
        let county = counties.max { $0.value.count < $1.value.count }!.key
        let own = counties[county]!
        let neighbour = rows.first { $0["city"] == "370200" && $0["county"] != county }!["uscc"]!
        let token = try fixture.daemon.tokens.add(role: .county(county), name: "test-county").secret
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/pending?status=all&limit=5000", method: .get, headers: bearer(token)) { response in
                #expect(response.status == .ok)
                #expect(response.json.rows.count == own.count)
                #expect(response.json.rows.allSatisfy { $0["county"]?.stringValue == county })
            }
            try await client.execute(uri: "/v1/pending?region=370200", method: .get, headers: bearer(token)) { response in
                #expect(response.status == .forbidden, "its city's list is wider than its county")
            }
            try await client.execute(uri: "/v1/enterprises/" + own[0]["uscc"]!, method: .get, headers: bearer(token)) { response in
                #expect(response.status == .ok)
            }
            // A neighbouring county's enterprise and a missing one answer alike.
            var details: [String] = []
            for uscc in [neighbour, "91370100MA3C0XYZ1Q"] {
                try await client.execute(uri: "/v1/enterprises/" + uscc, method: .get, headers: bearer(token)) { response in
                    #expect(response.status == .forbidden)
                    details.append(response.json["detail"]?.stringValue?.replacingOccurrences(of: uscc, with: "X") ?? "")
                }
            }
            #expect(details[0] == details[1])
            // Writing: its own enterprise yes, the neighbour's no, and nothing is stored for the refusal.
            for (uscc, status) in [(own[0]["uscc"]!, HTTPResponse.Status.created), (neighbour, .forbidden)] {
                let size = fixture.daemon.log.size
                let body = #"{"stream":"enterprise/\#(uscc)","type":"TrainingAttended","occurred":"2026-11-20","data":{"session":"县级普及培训第1期"}}"#
                try await client.execute(
                    uri: "/v1/events", method: .post, headers: bearer(token, [.contentType: "application/json"]), body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == status, "\(response.text)")
                    if status != .created { #expect(fixture.daemon.log.size == size) }
                }
            }
            // Aggregates of the city and the province are visible; the events it reads are its county's.
            try await client.execute(uri: "/v1/coverage?by=county&region=370200", method: .get, headers: bearer(token)) { response in
                #expect(response.status == .ok && response.json.rows.count > 1)
            }
            try await client.execute(uri: "/v1/events?from=1&limit=10000", method: .get, headers: bearer(token)) { response in
                let streams = Set(response.text.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8))["stream"]?.stringValue })
                let ownStreams = Set(own.map { "enterprise/" + $0["uscc"]! })
                #expect(!streams.isEmpty && streams.allSatisfy { ownStreams.contains($0) || $0.hasPrefix("project/") })
            }
            try await client.execute(uri: "/v1/audit/explain?year=2025&region=370200", method: .get, headers: bearer(token)) { response in
                #expect(response.status == .forbidden)
            }
            // Its dashboard shows its city's figures but names only its own county's enterprises.
            let activity = try ReadModelQuery.run(
                "activity", filters: QueryFilters(region: "370200", limit: 200), store: fixture.daemon.readModels.store(named: "pending"))
            let ownNames = Set(own.map { $0["name"]! })
            let others = activity.rows.compactMap { activity.value("name", in: $0)?.display }.filter { !ownNames.contains($0) }
            try await client.execute(uri: "/", method: .get, headers: bearer(token)) { response in
                #expect(response.status == .ok)
                #expect(others.allSatisfy { !response.text.contains($0) }, "another county's enterprise named")
            }
        }
        await fixture.close()
    }

    @Test("auditors read everything and write nothing")
    func auditorReadsOnly() async throws {
        let fixture = try await TestDaemon()
        let size = fixture.daemon.log.size
        let uscc = makeUSCC(division: "370202", serial: "AUD00001")
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/events?from=1&limit=3", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.text.split(separator: "\n").count == 3)
            }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.auditor, [.contentType: "application/x-ndjson"]),
                body: ByteBuffer(string: registration(uscc, city: "370200", county: "370202"))
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
        #expect(fixture.daemon.log.size == size)
        await fixture.close()
    }

    @Test("token store: role validation, list, revoke by name, only hashes stored")
    func tokenStore() throws {
        let temporary = TemporaryDirectory()
        let store = try TokenStore(directory: temporary.path)
        #expect(throws: TokenError.invalidRole("city:999900")) { try TokenStore.role("city:999900") }
        #expect(throws: TokenError.invalidRole("operator")) { try TokenStore.role("operator") }
        let (record, secret) = try store.add(role: try TokenStore.role("city:370200"), name: "青岛市工信局")
        #expect(secret.hasPrefix("gf_") && secret.count > 40)
        #expect(try store.identity(secret: secret)?.role == .city("370200"))
        for file in [TokenStore.path(in: temporary.path), TokenStore.path(in: temporary.path) + "-wal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
        }
        try store.revoke("青岛市工信局")
        #expect(try store.identity(secret: secret) == nil)
        #expect(try store.list().first { $0.id == record.id }?.revoked != nil)
        #expect(throws: TokenError.unknownToken("nobody")) { try store.revoke("nobody") }
        // A revocation is synced before `revoke` returns (WAL with synchronous = FULL, not the
        // NORMAL a pool starts with, which may lose the last commits to a power cut).
        #expect(try store.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }
}

@Suite("HTTP niceties")
struct MethodTests {
    @Test("a known path asked with another method is 405 with Allow; an unknown path 404; both problems")
    func methodNotAllowed() async throws {
        let fixture = try await TestDaemon()
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/health", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/v1/enterprises/91370200AY4CL12T2L", method: .post, headers: bearer(fixture.province)) { response in
                #expect(response.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/v1/events", method: .put, headers: bearer(fixture.province)) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, POST")
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
        await fixture.close()
    }
}
