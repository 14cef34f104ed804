import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import Testing

@Suite("Read-model routes")
struct ReadModelRouteTests {
    @Test("coverage by city answers the same rows as the read model, with the seq it reflects")
    func coverageMatchesReadModel() async throws {
        let fixture = try await TestDaemon()
        let expected = try ReadModelQuery.run(
            "coverage", filters: QueryFilters(year: 2025), coverage: .city, store: fixture.daemon.readModels.store(named: "coverage"))
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/coverage?year=2025&by=city", method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.seq == fixture.daemon.log.size)
                #expect(response.text == expected.json.canonicalText + "\n")  // the read model's rows, as `gongfu query` has them
                let qingdao = response.json.rows.first { $0["code"] == "370200" }
                #expect(qingdao?["name"] == "青岛市")
                #expect(qingdao?["coverageRate"]?.doubleValue != nil)
            }
        }
        await fixture.close()
    }

    @Test("CSV for Excel: UTF-8 BOM and Chinese headers, by Accept or ?format=csv")
    func csv() async throws {
        let fixture = try await TestDaemon()
        try await fixture.router.test(.router) { client in
            for (uri, headers) in [
                ("/v1/coverage?year=2024&by=city", bearer(fixture.province, [.accept: "text/csv"])),
                ("/v1/coverage?year=2024&by=city&format=csv", bearer(fixture.province)),
            ] {
                try await client.execute(uri: uri, method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                    let text = response.text
                    #expect(text.hasPrefix("\u{FEFF}年度,代码,名称,企业数"))
                    #expect(text.split(separator: "\r\n").count == 17)  // header + 16 cities
                }
            }
        }
        await fixture.close()
    }

    @Test(
        "bad query parameters get a 400 problem naming the parameter",
        arguments: [
            ("/v1/coverage?year=abc", "year=abc"),
            ("/v1/coverage?by=planet", "by=planet"),
            ("/v1/pending?region=12", "region=12"),
            ("/v1/pending?limit=0", "limit=0"),
            ("/v1/ledger?date=2024-13-01", "date=2024-13-01"),
            ("/v1/coverage?industry=C99", "industry=C99"),
            ("/v1/coverage?format=xml", "format=xml"),
            ("/v1/targets?by=industry", "by=industry"),
        ])
    func badParameters(uri: String, named: String) async throws {
        let fixture = try await TestDaemon()
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.json["status"] == .integer(400))
                #expect(response.json["detail"]?.stringValue?.contains(named) == true)
            }
        }
        await fixture.close()
    }

    @Test("every read-model route answers JSON rows for a province token")
    func everyRoute() async throws {
        let fixture = try await TestDaemon()
        try await fixture.router.test(.router) { client in
            for path in [
                "coverage", "pending", "pending/funnel", "projects", "ledger?date=2026-11-27", "providers", "providers/progress",
                "metrics/programme", "metrics/programme?by=county&region=370200", "metrics/programme?by=sector", "targets?date=2026-11-27",
                "targets?by=city&year=2025",
                "audit/ranking?date=2026-11-27", "projects/progress?by=county", "ledger?by=city&date=2026-11-27", "needs?by=industry",
                "pending/funnel?by=sector", "pending/funnel?by=county&region=370200",
            ] {
                try await client.execute(uri: "/v1/" + path, method: .get, headers: bearer(fixture.province)) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(!response.json.rows.isEmpty, "\(path) has rows")
                    #expect(response.seq == fixture.daemon.log.size)
                }
            }
            for path in ["benchmarks", "incentives"] {
                try await client.execute(uri: "/v1/" + path, method: .get, headers: bearer(fixture.province)) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.json["rows"] != nil, "\(path) answers a table (a small province may have no awards)")
                }
            }
            try await client.execute(uri: "/v1/ledger?date=2026-11-27", method: .get, headers: bearer(fixture.province)) { response in
                let statuses = Set(response.json.rows.compactMap { $0["status"]?.stringValue })
                #expect(statuses.isSubset(of: ["done on time", "done late", "overdue", "open"]))
                #expect(statuses.contains("done on time"))
            }
        }
        await fixture.close()
    }

    @Test("one enterprise's whole file: profile, stages, projects and its event timeline")
    func enterpriseFile() async throws {
        let fixture = try await TestDaemon()
        let pending = try ReadModelQuery.run(
            "pending", filters: QueryFilters(status: "all", limit: 1), store: fixture.daemon.readModels.store(named: "pending"))
        guard case .text(let uscc) = pending.rows[0][0] else {
            Issue.record("no enterprise")
            return
        }
        let stream = try fixture.daemon.log.envelopes(stream: "enterprise/" + uscc)
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/enterprises/" + uscc, method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .ok)
                let file = response.json
                #expect(file["uscc"]?.stringValue == uscc)
                #expect(file["profile"]?["uscc"]?.stringValue == uscc)
                let events = file["events"]?.arrayValue ?? []
                #expect(events.count >= stream.count)
                #expect(events.first?["type"] == "EnterpriseRegistered")
                let seqs = events.compactMap { $0["seq"]?.integerValue }
                #expect(seqs == seqs.sorted())
            }
            // An enterprise with a stage history: its assessments in date order, the first its
            // baseline, each later one an upgrade, a downgrade or a confirmation of the stage
            // before it; the pending library's stage is the latest one's.
            let changed = try fixture.daemon.readModels.store(named: "coverage").read { db in
                try String.fetchOne(db, sql: "SELECT uscc FROM stage_change GROUP BY uscc HAVING count(*) >= 2 ORDER BY uscc LIMIT 1")
            }
            let upgraded = try #require(changed)
            let types = Dictionary(
                try fixture.daemon.log.envelopes(stream: "enterprise/" + upgraded).map { (Int64($0.seq), $0.type) },
                uniquingKeysWith: { first, _ in first })
            try await client.execute(uri: "/v1/enterprises/" + upgraded, method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .ok)
                let file = response.json
                let stages = file["stages"]?.arrayValue ?? []
                #expect(stages.count >= 2)
                let dates = stages.compactMap { $0["on_date"]?.stringValue }
                #expect(dates == dates.sorted() && dates.count == stages.count)
                var previous: String?
                for stage in stages {
                    #expect(types[stage["seq"]?.integerValue ?? 0] == "AssessmentRecorded")
                    let (from, to) = (stage["from"]?.stringValue, stage["stage"]?.stringValue ?? "")
                    #expect(from == previous)
                    let expected = from.map { $0 < to ? "upgrade" : $0 > to ? "downgrade" : "confirmed" } ?? "baseline"
                    #expect(stage["kind"]?.stringValue == expected)
                    #expect(stage["assessment"]?.stringValue?.isEmpty == false)
                    previous = to
                }
                #expect(file["profile"]?["stage"]?.integerValue.map { "L\($0)" } == previous)
            }
            try await client.execute(uri: "/v1/enterprises/91370200MA3C0XYZ1Q", method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
        await fixture.close()
    }
}
