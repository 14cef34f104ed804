import Audit
import DemoProvince
import Domain
import EventLog
import Foundation
import GRDB
import Projections
import TestSupport
import Testing

@Suite("Auditor verbs")
struct AuditTests {
    /// A province with seeded imperfections (seed 5, 600 enterprises), read models caught up.
    static func fixture(_ temporary: TemporaryDirectory) async throws -> (LogDirectory, ReadModels, [Imperfection]) {
        let (directory, flaws) = try await SupervisionTests.generated(enterprises: 600, seed: 5, imperfections: true, in: temporary)
        let readModels = try ReadModels(log: try EventLog(directory: directory, writable: false))
        try readModels.catchUp()
        return (directory, readModels, flaws)
    }

    @Test("verify: intact log, checkpoints and read models; a read model of another history is named")
    func verify() async throws {
        let temporary = TemporaryDirectory()
        let (directory, readModels, _) = try await Self.fixture(temporary)
        let log = try EventLog(directory: directory, writable: true)
        _ = try log.checkpoint(size: 100)
        await log.close()
        let good = try AuditVerification.run(directory: directory)
        #expect(good.isIntact, "\(good.text)")
        #expect(good.checkpoints.map(\.size) == [100])
        #expect(good.readModels.count == ReadModelCatalogue.all.count)
        // A read model whose checkpoint claims another root.
        try await readModels.store(named: "ledger").writer.write { db in try db.execute(sql: "UPDATE gongfu_checkpoint SET root = 'AAAA'") }
        let bad = try AuditVerification.run(directory: directory)
        #expect(!bad.isIntact)
        #expect(bad.text.contains("✗ read model ledger"))
        let cli = try run(Products.path("gongfu"), ["audit", "verify", "--data", directory.root])
        #expect(cli.status == 1)
        #expect(String(decoding: cli.stdout, as: UTF8.self).contains("RESULT: NOT intact"))
    }

    @Test("explain: the population and numerator lists give exactly the read model's figure, each stage with its event")
    func explain() async throws {
        let temporary = TemporaryDirectory()
        let (_, readModels, _) = try await Self.fixture(temporary)
        let coverage = try readModels.store(named: "coverage")
        let cities = try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2025), coverage: .city, store: coverage)
        for row in cities.rows.prefix(4) {
            let city = cities.value("code", in: row)!.display
            for figure in Provenance.Figure.allCases {
                let provenance = try Provenance.explain(year: 2025, region: city, figure: figure, coverage: coverage, log: readModels.log)
                #expect(provenance.population == Int(cities.value("population", in: row)!.double!))
                #expect(provenance.rate == cities.value(figure == .coverage ? "coverageRate" : "deepRate", in: row)!.double)
                for member in provenance.members where member.stage > 0 {
                    #expect(member.eventType == "AssessmentRecorded", "\(member.uscc)")
                }
            }
        }
    }

    @Test("diff: frozen vs now names the back-dated upgrade and moves the city by the read model's points")
    func diff() async throws {
        let temporary = TemporaryDirectory()
        let (_, readModels, flaws) = try await Self.fixture(temporary)
        let backDated = try #require(flaws.first { $0.kind == .backDatedUpgrade })
        let uscc = String(backDated.stream.dropFirst("enterprise/".count))
        // The assessment dated before its year's cutoff and recorded after the close.
        let events = try readModels.log.envelopes()
        let upgrade = try #require(
            events.first { event in
                guard event.stream == backDated.stream, event.type == "AssessmentRecorded", let year = Int(event.occurred.prefix(4)) else {
                    return false
                }
                let closed = events.first { $0.type == "AnnualAssessmentClosed" && $0.data["year"]?.integerValue == Int64(year) }
                return event.occurred <= "\(year)-10-31" && closed.map { event.seq > $0.seq } == true
            })
        let year = Int(upgrade.occurred.prefix(4))!
        let diff = try FigureDiff.compare(
            year: year, from: .frozen, to: .now, coverage: readModels.store(named: "coverage"), log: readModels.log,
            scratch: temporary.path + "/scratch")
        let change = try #require(diff.changes.first { $0.uscc == uscc })
        #expect(change.events.contains { $0.seq == upgrade.seq })
        #expect(change.after == (change.before ?? 0) + 1)
        // The city's movement is the coverage read model's known − frozen.
        let cities = try ReadModelQuery.run(
            "coverage", filters: QueryFilters(year: year), coverage: .city, store: readModels.store(named: "coverage"))
        let row = cities.rows.first { cities.value("code", in: $0)?.display == change.city }!
        let cityChange = try #require(diff.cities.first { $0.city == change.city })
        #expect(cityChange.deep.after == cities.value("deepRate", in: row)?.double)
        #expect(cityChange.deep.before == cities.value("frozenDeepRate", in: row)?.double)
        // As of a seq before the late record vs now: the same enterprise differs.
        let asOf = try FigureDiff.compare(
            year: year, from: .asOf(.seq(upgrade.seq - 1)), to: .now, coverage: readModels.store(named: "coverage"),
            log: readModels.log, scratch: temporary.path + "/scratch2")
        #expect(asOf.changes.contains { $0.uscc == uscc })
    }

    @Test("export: verify.py passes with lz4, sha256sum and Python alone, and fails on a flipped byte")
    func export() async throws {
        let temporary = TemporaryDirectory()
        let (directory, _, _) = try await Self.fixture(temporary)
        let log = try EventLog(directory: directory, writable: false)
        let output = temporary.path + "/export"
        let summary = try AuditExport.run(log: log, from: 150, to: log.size - 10, output: output)
        #expect(summary.to == log.size - 10)
        let good = try run("/usr/bin/env", ["python3", output + "/verify.py", output])
        #expect(good.status == 0, "\(String(decoding: good.stdout, as: UTF8.self)) \(good.stderr)")
        #expect(String(decoding: good.stdout, as: UTF8.self).hasSuffix("VERIFIED\n"))
        // A flipped byte in a segment is caught.
        let path = output + "/segments/" + summary.segments[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let bad = try run("/usr/bin/env", ["python3", output + "/verify.py", output])
        #expect(bad.status == 1)
        #expect(String(decoding: bad.stdout, as: UTF8.self).contains("NOT VERIFIED"))
    }

    @Test("report: HTML with every section, each rate linked to its explanation, and its CSV tables")
    func report() async throws {
        let temporary = TemporaryDirectory()
        let (_, readModels, _) = try await Self.fixture(temporary)
        let files = try AuditReport(year: 2025, store: { try readModels.store(named: $0) }).write(to: temporary.path + "/report")
        #expect(
            files.map { ($0 as NSString).lastPathComponent }.sorted() == [
                "benchmarks.csv", "coverage-by-chain.csv", "coverage-by-city.csv", "coverage-by-industry.csv",
                "coverage-province.csv", "findings.csv", "incentives.csv", "ledger.csv", "needs-by-city.csv", "needs.csv", "programme-by-city.csv",
                "project-progress.csv",
                "ranking.csv", "report.html", "stage-moves.csv", "targets-by-city.csv", "targets.csv",
            ])
        let html = try String(contentsOfFile: temporary.path + "/report/report.html", encoding: .utf8)
        for heading in [
            "一、总体情况", "二、分地区", "三、分行业", "四、分产业链", "评估阶段升降", "五、方案目标进展", "六、工作推进与项目", "项目推进情况", "需求和困难", "七、标杆与激励",
            "八、工作台账", "九、督查激励", "十、督查发现",
        ] {
            #expect(html.contains(heading), "\(heading)")
        }
        // Every target of the plan, and every city in the ranking.
        for target in Scoreboard.standard.targets {
            #expect(html.contains("<td title=\"gongfu query targets --year 2025 --date 2025-12-31\">\(target.title)</td>"))
        }
        for city in ReferenceData.standard.cities {
            #expect(html.contains("<td title=\"gongfu query incentive-ranking --year 2025\">\(city.name)</td>"))
        }
        // The projects section adds up to the project library's filings of the year.
        let progress = try String(contentsOfFile: temporary.path + "/report/project-progress.csv", encoding: .utf8)
        let filed = progress.split(whereSeparator: \.isNewline).dropFirst().compactMap { Int($0.split(separator: ",")[3]) }.reduce(0, +)
        let library = try ReadModelQuery.run("projects", filters: QueryFilters(year: 2025), store: readModels.store(named: "projects"))
        #expect(filed == library.rows.count && filed > 0)
        let cities = try ReadModelQuery.run(
            "coverage", filters: QueryFilters(year: 2025), coverage: .city, store: readModels.store(named: "coverage"))
        for row in cities.rows {
            let code = cities.value("code", in: row)!.display
            let rate = cities.value("coverageRate", in: row)!.display
            #expect(
                html.contains(
                    "href=\"/v1/audit/explain?year=2025&amp;figure=coverage&amp;region=\(code)\" title=\"gongfu audit explain --year 2025 --region \(code) --figure coverage\">\(rate)</a>"
                ))
        }
        for rule in SupervisionRules.standard.rules { #expect(html.contains("<code>\(rule.id)</code>")) }
        #expect(html.contains("<svg id=\"report-by-city\""))
        let csv = try Data(contentsOf: URL(fileURLWithPath: temporary.path + "/report/findings.csv"))
        #expect(csv.starts(with: [0xEF, 0xBB, 0xBF] + Array("规则,问题,对象".utf8)))
    }
}
