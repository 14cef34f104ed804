import Domain
import GRDB

/// 督查激励: the plan puts each city's coverage in the province's supervision-incentive
/// evaluation. This ranks the cities by their coverage gain over the previous assessment year,
/// then again with every stage change the supervision checks flag taken back, and names the
/// flagged events behind each difference.
///
/// A year's figures are frozen once its assessment closed, as known before. A flagged change is
/// an assessment (or legacy upgrade) a finding of one of ``stageRules`` rests on; taking it back
/// reads the enterprise's history without it, so the stage it had before stands.
public struct IncentiveRanking: Sendable {
    /// The assessment year ranked (default: the latest with an assessment).
    public var year: Int?
    /// The date the checks are judged at.
    public var date: String
    public var rules: SupervisionRules

    /// The checks whose findings put a stage change in doubt.
    public static let stageRules = ["stage-jump-without-diagnosis", "upgrade-without-assessment", "back-dated-after-close"]

    public init(year: Int?, date: String, rules: SupervisionRules = .standard) {
        self.year = year
        self.date = date
        self.rules = rules
    }

    public static let columns: [(String, String)] = [
        ("year", "年度"), ("rank", "名次"), ("city", "市代码"), ("name", "市"), ("population", "企业数"), ("coverageRate", "转型覆盖率(%)"),
        ("deepRate", "深度转型率(%)"), ("coverageGain", "覆盖率增幅(百分点)"), ("deepGain", "深度率增幅(百分点)"),
        ("netCoverageRate", "剔除存疑后覆盖率(%)"), ("netCoverageGain", "剔除存疑后增幅(百分点)"), ("netDeepRate", "剔除存疑后深度率(%)"), ("netRank", "剔除存疑后名次"),
        ("rankMoved", "名次变动原因"), ("flaggedEnterprises", "存疑企业数"), ("flaggedEvents", "存疑事件(seq:规则)"), ("explain", "核查"),
    ]

    /// One city's figures for the ranked year and the year before, as recorded and net.
    struct CityFigures {
        var population = 0
        var covered = 0
        var deep = 0
        var netCovered = 0
        var netDeep = 0
        var previousPopulation = 0
        var previousCovered = 0
        var previousDeep = 0
        var netPreviousCovered = 0
        var flaggedEnterprises: Set<String> = []
        var flaggedEvents: [(seq: Int64, rule: String)] = []
    }

    public func run(_ stores: (String) throws -> ReadModelStore) throws -> QueryTable {
        let findingsStore = try stores(FindingsReadModel.name)
        let coverage = try stores(CoverageReadModel.name)
        // What the checks flag, by enterprise: the events and the rule of each.
        var flagged: [String: [(seq: Int64, rule: String)]] = [:]
        for finding in try findingsStore.read({ try SupervisionQuery(rules: rules, date: date).findings(in: $0, only: Set(Self.stageRules)) }) {
            flagged[finding.subject, default: []] += finding.events.map { ($0, finding.rule) }
        }
        let seq = min(try findingsStore.checkpoint().seq, try coverage.checkpoint().seq)
        return try coverage.read { db in
            var table = QueryTable(title: "督查激励：各市转型覆盖率增幅排名", columns: Self.columns, seq: seq)
            let years = try Row.fetchAll(db, sql: "SELECT year, cutoff, closed_seq FROM assessment_year ORDER BY year")
            guard let ranked = year ?? years.last.map({ $0["year"] as Int }), let current = years.first(where: { $0["year"] == ranked }) else {
                return table
            }
            let previous = years.first { $0["year"] == ranked - 1 }
            var cities: [String: CityFigures] = [:]
            for (row, isCurrent) in [(current, true), (previous, false)] {
                guard let row else { continue }
                try tally(year: row, current: isCurrent, flagged: flagged, into: &cities, in: db)
            }
            let reference = ReferenceData.standard
            let gains = cities.mapValues { city -> (recorded: Double?, net: Double?) in
                guard let now = percentage(city.covered, of: city.population),
                    let before = percentage(city.previousCovered, of: city.previousPopulation)
                else { return (nil, nil) }
                let netNow = percentage(city.netCovered, of: city.population)!
                let netBefore = percentage(city.netPreviousCovered, of: city.previousPopulation)!
                return (((now - before) * 10).rounded() / 10, ((netNow - netBefore) * 10).rounded() / 10)
            }
            let ranks = Self.ranks(gains.mapValues(\.recorded))
            let netRanks = Self.ranks(gains.mapValues(\.net))
            for code in cities.keys.sorted(by: { (ranks[$0] ?? .max, $0) < (ranks[$1] ?? .max, $1) }) {
                let city = cities[code]!
                let rank = ranks[code]
                let netRank = netRanks[code]
                let deepBefore = percentage(city.previousDeep, of: city.previousPopulation)
                let deepNow = percentage(city.deep, of: city.population)
                table.rows.append([
                    .integer(Int64(ranked)), rank.map { .integer(Int64($0)) } ?? .null, .text(code),
                    .text(reference.placeName(code)), .integer(Int64(city.population)),
                    percent(city.covered, of: city.population),
                    percent(city.deep, of: city.population), gains[code]?.recorded.map(QueryTable.Value.number) ?? .null,
                    deepNow.flatMap { now in deepBefore.map { .number(((now - $0) * 10).rounded() / 10) } } ?? .null,
                    percent(city.netCovered, of: city.population), gains[code]?.net.map(QueryTable.Value.number) ?? .null,
                    percent(city.netDeep, of: city.population), netRank.map { .integer(Int64($0)) } ?? .null,
                    .text(rank == netRank ? "" : gains[code]?.recorded != gains[code]?.net ? "本市存疑事件" : "他市存疑事件剔除后顺移"),
                    .integer(Int64(city.flaggedEnterprises.count)),
                    .text(city.flaggedEvents.sorted { $0.seq < $1.seq }.map { "\($0.seq):\($0.rule)" }.joined(separator: " ")),
                    .text("/v1/audit/explain?year=\(ranked)&region=\(code)&figure=coverage"),
                ])
            }
            return table
        }
    }

    /// Adds one assessment year's recorded and net counts per city: every enterprise of the
    /// year as the figure stands, and for each flagged one, its stage with the flagged events
    /// taken back (and, for a frozen year, only what was recorded by the close).
    private func tally(
        year row: Row, current: Bool, flagged: [String: [(seq: Int64, rule: String)]], into cities: inout [String: CityFigures], in db: Database
    ) throws {
        let year: Int = row["year"]
        let cutoff = String((row["cutoff"] as String).prefix(10))
        let closedSeq: Int64? = row["closed_seq"]
        let basis = closedSeq == nil ? "known" : "frozen"
        for (city, stages) in try CoverageQuery(by: .city).counts(basis: basis, year: year, in: db) {
            let (population, covered, deep) = (stages.reduce(0, +), stages[1...].reduce(0, +), stages[3...].reduce(0, +))
            if current {
                cities[city, default: CityFigures()].population = population
                cities[city]!.covered = covered
                cities[city]!.deep = deep
                cities[city]!.netCovered = covered
                cities[city]!.netDeep = deep
            } else {
                cities[city, default: CityFigures()].previousPopulation = population
                cities[city]!.previousCovered = covered
                cities[city]!.previousDeep = deep
                cities[city]!.netPreviousCovered = covered
            }
        }
        let member = try db.cachedStatement(sql: "SELECT city FROM enterprise_year WHERE basis = ? AND year = ? AND uscc = ?")
        for (uscc, events) in flagged.sorted(by: { $0.key < $1.key }) {
            guard let city = try String.fetchOne(member, arguments: [basis, year, uscc]), let history = try StageHistories.load(uscc, in: db)
            else { continue }
            let recorded = StageHistory(history.findings.filter { closedSeq == nil || $0.seq <= UInt64(closedSeq!) })
            let seqs = Set(events.map { UInt64($0.seq) })
            let net = StageHistory(recorded.findings.filter { !seqs.contains($0.seq) })
            let before = recorded.stage(on: cutoff)?.stage.level ?? 0
            let after = net.stage(on: cutoff)?.stage.level ?? 0
            guard before != after else { continue }
            let covered = (after >= 1 ? 1 : 0) - (before >= 1 ? 1 : 0)
            if current {
                cities[city, default: CityFigures()].netCovered += covered
                cities[city]!.netDeep += (after >= 3 ? 1 : 0) - (before >= 3 ? 1 : 0)
            } else {
                cities[city, default: CityFigures()].netPreviousCovered += covered
            }
            cities[city]!.flaggedEnterprises.insert(uscc)
            let taken = events.filter { event in history.findings.contains { $0.seq == UInt64(event.seq) } }
            for event in taken where !cities[city]!.flaggedEvents.contains(where: { $0.seq == event.seq }) {
                cities[city]!.flaggedEvents.append(event)
            }
        }
    }

    /// Competition ranks ("1224") by descending gain; a city without a gain has no rank.
    static func ranks(_ gains: [String: Double?]) -> [String: Int] {
        let ordered = gains.compactMap { code, gain in gain.map { (code, $0) } }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }
        var ranks: [String: Int] = [:]
        for (index, (code, gain)) in ordered.enumerated() {
            ranks[code] = index > 0 && ordered[index - 1].1 == gain ? ranks[ordered[index - 1].0]! : index + 1
        }
        return ranks
    }
}
