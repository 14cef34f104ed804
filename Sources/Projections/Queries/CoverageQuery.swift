import Domain
import GRDB

/// Coverage (转型覆盖率, L1–L5 share) and deep-transformation rate (深度转型率, L3–L5 share) for
/// assessment years, grouped by one dimension and optionally filtered by city and industry;
/// as currently known and as frozen at the year's close, with year-over-year points and the
/// plan's targets.
public struct CoverageQuery: Sendable {
    public enum Dimension: String, CaseIterable, Sendable {
        case province, city, county, section, industry, sector, chain
    }

    public var year: Int?
    public var by: Dimension = .province
    /// A city or county code: only its enterprises.
    public var region: String?
    /// An industry code (`C34`, `34`, `C3484`): only its division's enterprises.
    public var industry: String?

    public init(year: Int? = nil, by: Dimension = .province, region: String? = nil, industry: String? = nil) {
        self.year = year
        self.by = by
        self.region = region
        self.industry = industry
    }

    public static let columns: [(String, String)] = [
        ("year", "年度"), ("code", "代码"), ("name", "名称"), ("population", "企业数"),
        ("l0", "L0"), ("l1", "L1"), ("l2", "L2"), ("l3", "L3"), ("l4", "L4"), ("l5", "L5"),
        ("coverageRate", "转型覆盖率(%)"), ("deepRate", "深度转型率(%)"),
        ("coverageChange", "覆盖率同比(百分点)"), ("deepChange", "深度率同比(百分点)"),
        ("frozenPopulation", "评估时企业数"), ("frozenCoverageRate", "评估时覆盖率(%)"), ("frozenDeepRate", "评估时深度率(%)"),
        ("targetCoverage", "目标覆盖率(%)"), ("targetDeep", "目标深度率(%)"),
        ("coverageGap", "覆盖率差距(百分点)"), ("deepGap", "深度率差距(百分点)"),
    ]

    public func run(_ store: ReadModelStore) throws(ProjectionError) -> QueryTable {
        try store.read { db in try run(in: db) }
    }

    func run(in db: Database) throws -> QueryTable {
        let reference = ReferenceData.standard
        let checkpoint = try ReadModelStore.checkpoint(in: db)
        var table = QueryTable(title: "转型覆盖率 by \(by.rawValue)", columns: Self.columns, seq: checkpoint.seq)
        let closed = Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT year, closed_seq FROM assessment_year").map {
                ($0[0] as Int, ($0[1] as Int64?) != nil)
            })
        let years = year.map { [$0] } ?? closed.keys.sorted()
        var targets: [Int: [String: Double]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT year, name, value FROM plan_target") { targets[row[0], default: [:]][row[1]] = row[2] }
        for year in years {
            let known = try counts(basis: "known", year: year, in: db)
            let previous = try counts(basis: "known", year: year - 1, in: db)
            let frozen = closed[year] == true ? try counts(basis: "frozen", year: year, in: db) : [:]
            for code in known.keys.sorted() {
                let stages = known[code]!
                let population = stages.reduce(0, +)
                let covered = stages[1...].reduce(0, +)
                let deep = stages[3...].reduce(0, +)
                let coverage = percent(covered, of: population)
                let deepRate = percent(deep, of: population)
                var row: [QueryTable.Value] = [.integer(Int64(year)), .text(code), .text(name(of: code, reference)), .integer(Int64(population))]
                row += stages.map { .integer(Int64($0)) }
                row += [coverage, deepRate]
                if let before = previous[code], before.reduce(0, +) > 0 {
                    let total = before.reduce(0, +)
                    row.append(difference(coverage, percent(before[1...].reduce(0, +), of: total)))
                    row.append(difference(deepRate, percent(before[3...].reduce(0, +), of: total)))
                } else {
                    row += [.null, .null]
                }
                if let stages = frozen[code] {
                    let total = stages.reduce(0, +)
                    row += [.integer(Int64(total)), percent(stages[1...].reduce(0, +), of: total), percent(stages[3...].reduce(0, +), of: total)]
                } else {
                    row += [.null, .null, .null]
                }
                let targetCoverage = targets[year]?["coverage"].map(QueryTable.Value.number) ?? .null
                let targetDeep = targets[year]?["deep"].map(QueryTable.Value.number) ?? .null
                row += [targetCoverage, targetDeep, difference(targetCoverage, coverage), difference(targetDeep, deepRate)]
                table.rows.append(row)
            }
        }
        return table
    }

    /// Stage counts (L0…L5) per group code for one basis and year.
    func counts(basis: String, year: Int, in db: Database) throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        if region == nil, industry == nil {
            // A section's counts are its divisions' (the read model counts by division).
            let stored = by == .section ? Dimension.industry : by
            for row in try Row.fetchAll(
                db, sql: "SELECT code, stage, count FROM stage_count WHERE basis = ? AND year = ? AND dimension = ?",
                arguments: [basis, year, stored.rawValue])
            {
                let code: String = row[0]
                result[by == .section ? String(code.prefix(1)) : code, default: Array(repeating: 0, count: 6)][row[1] as Int] += row[2] as Int
            }
            return result
        }
        var conditions = ["basis = ?", "year = ?"]
        var arguments: StatementArguments = [basis, year]
        if let region {
            conditions.append(region.hasSuffix("00") ? "city = ?" : "county = ?")
            _ = arguments.append(contentsOf: [region])
        }
        if let industry, let division = ReferenceData.standard.industry(for: industry) {
            conditions.append("division = ?")
            _ = arguments.append(contentsOf: [division.industryCode])
        }
        let rows = try Row.fetchCursor(
            db, sql: "SELECT stage, city, county, division, sectors, chains FROM enterprise_year WHERE \(conditions.joined(separator: " AND "))",
            arguments: arguments)
        while let row = try rows.next() {
            let stage: Int = row[0]
            let codes: [String]
            switch by {
            case .province: codes = [CoverageReadModel.province]
            case .city: codes = [row[1]]
            case .county: codes = [row[2]]
            case .section: codes = [String((row[3] as String).prefix(1))]
            case .industry: codes = [row[3]]
            case .sector: codes = (row[4] as String).split(separator: ",").map(String.init)
            case .chain: codes = CoverageReadModel.chains(row[5])
            }
            for code in codes { result[code, default: Array(repeating: 0, count: 6)][stage] += 1 }
        }
        return result
    }

    func name(of code: String, _ reference: ReferenceData) -> String {
        switch by {
        case .province: return "山东省"
        case .city, .county: return reference.placeName(code)
        case .section: return reference.sections.first { $0.code == code }?.name ?? code
        case .industry: return reference.industry(for: code)?.name ?? code
        case .sector: return reference.sectorGroups.first { $0.id == code }?.name ?? code
        case .chain: return code
        }
    }
}

func difference(_ left: QueryTable.Value, _ right: QueryTable.Value) -> QueryTable.Value {
    guard case .number(let a) = left, case .number(let b) = right else { return .null }
    return .number(((a - b) * 10).rounded() / 10)
}
