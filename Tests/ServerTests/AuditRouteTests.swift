import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import TestSupport
import Testing

@Suite("Audit routes")
struct AuditRouteTests {
    @Test("findings scoped by city, explain equal to the read model's figure, verify and report for auditors only")
    func auditRoutes() async throws {
        let fixture = try await TestDaemon()
        let coverage = try ReadModelQuery.run(
            "coverage", filters: QueryFilters(year: 2025), coverage: .city, store: fixture.daemon.readModels.store(named: "coverage"))
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
            try await client.execute(
                uri: "/v1/audit/explain?year=2025&region=370200&figure=deep&format=csv", method: .get, headers: bearer(fixture.qingdao)
            ) { response in
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

    @Test("replay answers a query as of a past point; export is a tar whose verify.py passes")
    func replayAndExport() async throws {
        let fixture = try await TestDaemon()
        try await fixture.router.test(.router) { client in
            // As of the first 20 events (the plan and the first registrations) there is no assessment year yet.
            try await client.execute(uri: "/v1/audit/replay?query=coverage&asOfSeq=20", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.json.rows.isEmpty)
            }
            try await client.execute(
                uri: "/v1/audit/replay?query=coverage&asOfDate=2024-12-31&year=2023", method: .get, headers: bearer(fixture.auditor)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.json.rows.first?["coverageRate"] != nil)
            }
            try await client.execute(uri: "/v1/audit/replay?query=coverage", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/audit/export?from=5&to=300", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .forbidden)
            }
            let archive = fixture.temporary.path + "/export.tar"
            try await client.execute(uri: "/v1/audit/export?from=5&to=300", method: .get, headers: bearer(fixture.auditor)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-tar")
                try Data(buffer: response.body).write(to: URL(fileURLWithPath: archive))
            }
            let unpack = try await runOffPool("/usr/bin/tar", ["-xf", archive, "-C", fixture.temporary.path])
            #expect(unpack.status == 0)
            let verify = try await runOffPool(
                "/usr/bin/env", ["python3", fixture.temporary.path + "/export/verify.py", fixture.temporary.path + "/export"])
            #expect(verify.status == 0, "\(String(decoding: verify.stdout, as: UTF8.self))")
        }
        await fixture.close()
    }
}
