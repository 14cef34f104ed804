import DemoProvince
import Domain
import EventLog
import Foundation
import GRDB
import Projections
import TestSupport
import Testing

@Suite("The plan's scoreboard and the incentive ranking")
struct ScoreboardTests {
    /// A generated province (1,500 enterprises, flaws seeded) with every read model caught up.
    static func province(in temporary: TemporaryDirectory) async throws -> (ReadModels, [Imperfection], [Envelope]) {
        let (directory, flaws) = try await SupervisionTests.generated(enterprises: 1500, seed: 11, imperfections: true, in: temporary)
        let log = try EventLog(directory: directory, writable: false)
        let readModels = try ReadModels(log: log)
        try readModels.buildEmpty()
        try readModels.catchUp()
        return (readModels, flaws, try log.envelopes())
    }

    static func rows(_ table: QueryTable) -> [[String: String]] {
        table.rows.map { row in
            Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($1.key, row[$0].display) })
        }
    }

    @Test("every target of the plan has a row per year, counted as the log shows it, with the status its rule gives")
    func scoreboard() async throws {
        let temporary = TemporaryDirectory()
        let (readModels, _, events) = try await Self.province(in: temporary)
        let stores = { (name: String) in try readModels.store(named: name) }
        let rows = Self.rows(try ReadModelQuery.run(.targets, filters: QueryFilters(date: "2026-11-27"), stores: stores))
        for year in 2024...2026 {
            let names = Set(rows.filter { $0["year"] == String(year) }.map { $0["target"]! })
            #expect(names == Set(Scoreboard.standard.targets.map(\.target)), "\(year): every target, the rates' gains included")
        }
        func row(_ year: Int, _ target: String) -> [String: String] { rows.first { $0["year"] == String(year) && $0["target"] == target }! }

        // Counted from the events themselves, apart from the read models.
        let scenario = events.filter { $0.type == "BenchmarkAwarded" && $0.data["kind"] == "工赋百景" && $0.data["year"]?.integerValue == 2025 }
        #expect(Int(row(2025, "scenarioSolutions")["actual"]!) == scenario.count && scenario.count > 0)
        let brains = events.filter { $0.type == "BenchmarkAwarded" && $0.data["kind"] == "产业大脑" && $0.data["year"]!.integerValue! <= 2025 }
        #expect(Int(row(2025, "industryBrains")["actual"]!) == brains.count, "a stock: every brain awarded by then")
        let roadshows = events.filter {
            $0.type == "ActivityHeld" && $0.occurred.hasPrefix("2024") && ["roadshow", "onsiteMeeting"].contains($0.data["kind"]?.stringValue)
        }
        #expect(Int(row(2024, "roadshows")["actual"]!) == roadshows.count)
        let trainings = events.filter { $0.type == "TrainingAttended" && $0.occurred < "2026" && $0.occurred >= "2024" }
        #expect(Int(row(2025, "entrepreneurTrainings")["actual"]!) == trainings.count, "a running total from 2024")

        // The rates are the coverage query's: frozen for a closed year, as known for an open one.
        let coverage = try ReadModelQuery.run(.coverage, filters: QueryFilters(), store: readModels.store(named: "coverage"))
        let byYear = Dictionary(uniqueKeysWithValues: Self.rows(coverage).map { ($0["year"]!, $0) })
        #expect(row(2025, "coverage")["actual"] == byYear["2025"]!["frozenCoverageRate"])
        #expect(row(2026, "deep")["actual"] == byYear["2026"]!["deepRate"])
        let gain = Double(byYear["2025"]!["frozenCoverageRate"]!)! - Double(byYear["2024"]!["frozenCoverageRate"]!)!
        #expect(Double(row(2025, "coverageGain")["actual"]!)! == (gain * 10).rounded() / 10)

        // The status follows its rule: a year over and due is met or missed; a later due date is
        // judged against the straight path.
        for row in rows where row["year"] != "2026" && row["dueYear"] == row["year"] {
            let met = Double(row["actual"]!)! >= Double(row["goal"]!)!
            #expect(row["status"] == (met ? "达标" : "未达标"), "\(row)")
        }
        let coverage2024 = row(2024, "coverage")
        #expect(coverage2024["dueYear"] == "2026" && coverage2024["expected"] == "90.9", "87.3 + (98 − 87.3) / 3")
        #expect(
            coverage2024["status"] == (Double(coverage2024["actual"]!)! >= 90.9 ? "进度正常" : "落后"), "\(coverage2024)")

        // Half-way through a year, a yearly count is expected at half its goal.
        let midyear = Self.rows(try ReadModelQuery.run(.targets, filters: QueryFilters(year: 2026, date: "2026-07-02"), stores: stores))
        let starting = midyear.first { $0["target"] == "enterprisesStarting" }!
        #expect(starting["expected"] == "501", "1000 × 183/365: 1 January to 2 July, both counted")
        #expect(midyear.allSatisfy { $0["year"] == "2026" })
        #expect(
            Self.rows(try ReadModelQuery.run(.targets, filters: QueryFilters(year: 2026, date: "2025-12-31"), stores: stores)).allSatisfy {
                $0["status"] == "未开始"
            })

        // Per city: the counts the plan does not split have no goal; the cities' counts add up
        // to the province's where every event has a place.
        let cities = Self.rows(
            try ReadModelQuery.run(.targets, filters: QueryFilters(year: 2025, date: "2026-11-27"), coverage: .city, stores: stores))
        #expect(Set(cities.map { $0["code"]! }).count == ReferenceData.standard.cities.count)
        #expect(!cities.contains { $0["target"] == "providers" }, "the provider pool is the province's")
        let served = cities.filter { $0["target"] == "smesServed" }
        #expect(served.allSatisfy { $0["goal"] == "" && $0["status"] == "—" })
        #expect(served.map { Int($0["actual"]!)! }.reduce(0, +) == Int(row(2025, "smesServed")["actual"]!)!)
        #expect(cities.filter { $0["target"] == "coverageGain" }.allSatisfy { $0["goal"] == "2.0" }, "every city is held to the yearly gain")
        let counties = Self.rows(
            try ReadModelQuery.run(
                .targets, filters: QueryFilters(region: "370200", year: 2025, date: "2026-11-27"), coverage: .county, stores: stores))
        #expect(!counties.isEmpty && counties.allSatisfy { $0["code"]!.hasPrefix("3702") && $0["code"] != "370200" })
        #expect(!counties.contains { $0["target"] == "scenarioSolutions" }, "awards are told per city, not per county")
    }

    @Test("the ranking takes back the stage changes the checks flag: the padded city loses its rank, and the events are named")
    func incentiveRanking() async throws {
        let temporary = TemporaryDirectory()
        let (readModels, flaws, events) = try await Self.province(in: temporary)
        let rows = Self.rows(
            try ReadModelQuery.run(.incentiveRanking, filters: QueryFilters(year: 2026, date: "2026-11-27")) { try readModels.store(named: $0) })
        #expect(rows.count == ReferenceData.standard.cities.count)
        #expect(rows.map { Int($0["rank"]!)! } == rows.map { Int($0["rank"]!)! }.sorted(), "listed by rank")

        let padded = flaws.filter { $0.kind == .paddedCityGain }
        let city = ProvinceGenerator.paddingCity
        let row = rows.first { $0["city"] == city }!
        #expect(padded.count >= 3)
        #expect(row["rankMoved"] == "本市存疑事件", "\(row)")
        #expect(Int(row["netRank"]!)! > Int(row["rank"]!)!)
        #expect(Int(row["flaggedEnterprises"]!) == padded.count)
        // The flagged events are the padded enterprises' jumps to L2, each named with its rule.
        let jumps = padded.compactMap { flaw in events.first { $0.stream == flaw.stream && $0.data["stage"] == "L2" }?.seq }
        #expect(row["flaggedEvents"] == jumps.sorted().map { "\($0):stage-jump-without-diagnosis" }.joined(separator: " "))
        // Net of them, the city's coverage counts them at L0: its population less the padded.
        let population = Double(row["population"]!)!
        let covered: Double = (Double(row["coverageRate"]!)! * population / 100).rounded()
        let net: Double = ((covered - Double(padded.count)) / population * 1000).rounded() / 10
        #expect(Double(row["netCoverageRate"]!)! == net)
        #expect(row["explain"] == "/v1/audit/explain?year=2026&region=\(city)&figure=coverage")
        // Cities with nothing flagged keep their gain.
        for other in rows where other["flaggedEnterprises"] == "0" {
            #expect(other["coverageGain"] == other["netCoverageGain"])
        }
    }

    @Test("needs and difficulties, trainings by level and commissioners are counted as the events say, per place, industry and stage")
    func needsAndTrainings() async throws {
        let temporary = TemporaryDirectory()
        let (readModels, _, events) = try await Self.province(in: temporary)
        let stores = { (name: String) in try readModels.store(named: name) }
        let visits = events.filter { $0.type == "DiagnosisVisited" && $0.occurred.hasPrefix("2025") }
        let needs = Self.rows(try ReadModelQuery.run(.needs, filters: QueryFilters(year: 2025), stores: stores))
        #expect(Set(needs.map { $0["need"]! }).isSubset(of: Set(Needs.standard.ids)) && !needs.isEmpty)
        for row in needs {
            let naming = Set(
                visits.filter { visit in
                    guard case .array(let named) = visit.data["needs"] ?? .null else { return false }
                    return named.contains(.string(row["need"]!))
                }.map(\.stream))
            let assessed = events.filter {
                $0.type == "AssessmentRecorded" && $0.occurred.hasPrefix("2025") && $0.data["needs"] != nil
            }
            #expect(assessed.isEmpty, "the demo's assessments carry no needs")
            #expect(Int(row["enterprises"]!) == naming.count, "\(row["need"]!)")
            let byStage = (0...5).map { Int(row["l\($0)"]!)! }.reduce(0, +)
            #expect(byStage >= naming.count, "each enterprise at least once by its stage on the day")
        }
        // Per city, the enterprises add up to the province's (each enterprise has one city).
        let cities = Self.rows(try ReadModelQuery.run(.needs, filters: QueryFilters(year: 2025), coverage: .city, stores: stores))
        for need in Needs.standard.ids {
            let province = needs.first { $0["need"] == need }.map { Int($0["enterprises"]!)! } ?? 0
            #expect(cities.filter { $0["need"] == need }.map { Int($0["enterprises"]!)! }.reduce(0, +) == province)
        }
        let industries = Self.rows(try ReadModelQuery.run(.needs, filters: QueryFilters(year: 2025), coverage: .industry, stores: stores))
        #expect(industries.allSatisfy { ReferenceData.standard.industry(for: $0["code"]!) != nil })

        let programme = Self.rows(try ReadModelQuery.run(.programme, filters: QueryFilters(year: 2025), stores: stores))
        func metric(_ name: String) -> Int { Int(programme.first { $0["metric"] == name }!["value"]!)! }
        let trainings = events.filter { $0.type == "TrainingAttended" && $0.occurred.hasPrefix("2025") }
        #expect(metric("trainingsAdvancement") == trainings.filter { $0.data["level"] == "advancement" }.count)
        #expect(metric("trainingsPopularisation") == trainings.filter { $0.data["level"] == "popularisation" }.count)
        #expect(metric("trainingsOnline") == trainings.filter { $0.data["mode"] == "online" }.count)
        #expect(metric("commissioners") == Set(visits.compactMap { $0.data["commissioner"]?.stringValue }).count)

        // By sector group: each visit counts for the groups of its enterprise's industry.
        let industryOf = Dictionary(
            events.filter { $0.type == "EnterpriseRegistered" }.map { ($0.stream, $0.data["industry"]?.stringValue ?? "") },
            uniquingKeysWith: { _, last in last })
        let sectors = Self.rows(try ReadModelQuery.run(.programme, filters: QueryFilters(year: 2025), coverage: .sector, stores: stores))
        for group in ReferenceData.standard.sectorGroups {
            let expected = visits.filter { visit in
                ReferenceData.standard.sectorGroups(for: industryOf[visit.stream] ?? "").contains { $0.id == group.id }
            }.count
            let counted = sectors.first { $0["sectors"] == group.id && $0["metric"] == "diagnosisVisits" }.map { Int($0["value"]!)! } ?? 0
            #expect(counted == expected, "\(group.name)")
        }
    }
}
