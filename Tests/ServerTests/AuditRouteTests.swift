import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import Testing

@Suite("Audit routes")
struct AuditRouteTests {
    @Test("findings scoped by city, explain equal to the read model's figure, verify and report for auditors only")
    func auditRoutes() async throws {
        let fixture = try await TestDaemon()
        let coverage = try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2025), coverage: .city, store: fixture.daemon.readModels.store(named: "coverage"))
        let qingdao = coverage.rows.first { coverage.value("code", in: $0)?.display == "370200" }!
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/v1/audit/findings", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(!response.json.rows.isEmpty)
            }
            try await client.execute(uri: "/v1/audit/findings", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .ok)
                #expect(response.json.rows.allSatisfy { $0["city"] == "370200" })
            }
            try await client.execute(uri: "/v1/audit/explain?year=2025&region=370200&figure=deep&format=csv", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .ok)
                let lines = response.text.split(separator: "\r\n")
                #expect(lines.count - 1 == Int(coverage.value("population", in: qingdao)!.double!))
                let counted = lines.dropFirst().filter { $0.contains(",是,") }.count
                let rate = (Double(counted) * 1000 / Double(lines.count - 1)).rounded() / 10
                #expect(rate == coverage.value("deepRate", in: qingdao)!.double)
            }
            try await client.execute(uri: "/v1/audit/explain?year=2025", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .forbidden)
            }
            for uri in ["/v1/audit/verify", "/v1/audit/report?year=2025", "/v1/audit/diff?year=2025"] {
                try await client.execute(uri: uri, method: .get, headers: bearer(fixture.qingdao)) { response in
                    #expect(response.status == .forbidden, "\(uri)")
                }
            }
            try await client.execute(uri: "/v1/audit/verify", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("RESULT: intact"))
            }
            try await client.execute(uri: "/v1/audit/report?year=2025", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("2025 年度评估报告"))
            }
            try await client.execute(uri: "/v1/audit/diff?year=2025&from=seq:10", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.text.hasPrefix("2025 年覆盖率：as of seq 10 → as known now"))
            }
        }
        await fixture.close()
    }
}
