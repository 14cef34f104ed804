import Domain
import Foundation
import GRDB

/// The plan's scoreboard: every target of ``Scoreboard`` against what the log shows, per year
/// of the plan, for the province or per city or county where the figure has a place.
///
/// Each row gives the actual figure, the plan's value and the year it is due, the figure the
/// date judged at should have reached on a straight path to it, the share met and a status:
/// 达标 / 未达标 once the period is over and the target was due, 已达标, 进度正常 or 落后
/// otherwise (行 "basis" states the comparison), 未开始 or 未评估 before there is anything to
/// count. The plan's counts are the province's; a city or county row has the actual figure
/// only, except the rates and their yearly gains, which every place is held to.
public struct TargetsQuery: Sendable {
    public var filters: QueryFilters
    /// `province` (the default), `city` or `county`: a row per place of that level.
    public var by: CoverageQuery.Dimension
    public var scoreboard: Scoreboard

    public init(filters: QueryFilters, by: CoverageQuery.Dimension = .province, scoreboard: Scoreboard = .standard) {
        self.filters = filters
        self.by = by
        self.scoreboard = scoreboard
    }

    public static let columns: [(String, String)] = [
        ("year", "年度"), ("target", "指标"), ("title", "指标名称"), ("period", "口径"), ("code", "地区代码"), ("name", "地区"), ("unit", "单位"),
        ("actual", "实际"), ("goal", "目标"), ("dueYear", "目标年度"), ("expected", "按进度应达"), ("share", "完成率(%)"), ("status", "状态"),
        ("basis", "判定依据"), ("rule", "计数规则"),
    ]

    /// One place the scoreboard is told for.
    struct Place {
        var code: String
        var name: String
        var level: Scoreboard.Places
    }

    public func run(_ stores: (String) throws -> ReadModelStore) throws -> QueryTable {
        let date = filters.asOfDate
        let places = try self.places()
        let coverage = try stores(CoverageReadModel.name)
        var table = QueryTable(title: "方案目标进展", columns: Self.columns, seq: try coverage.checkpoint().seq)
        let (targets, rates) = try coverage.read { db in (try Self.planTargets(in: db), try RateFigures(places: places, in: db)) }
        let counts = try CountFigures(scoreboard: scoreboard, places: places, date: date, stores: stores)
        table.seq = min(table.seq, counts.seq)
        for year in scoreboard.firstYear...scoreboard.lastYear where filters.year == nil || filters.year == year {
            for place in places {
                for target in scoreboard.targets where Self.reaches(target.places, place.level) {
                    guard let goal = due(target, year: year, targets: targets) else { continue }
                    let actual: Double?
                    switch target.period {
                    case .rate: actual = rates.rate(target.count.figure, place.code, year)
                    case .gain: actual = rates.gain(target.count.figure, place.code, year, baseline: targets[scoreboard.baselineYear])
                    case .year, .stock, .cumulative: actual = counts.value(target, place.code, year)
                    }
                    let placeGoal = place.level == .province || target.period == .rate || target.period == .gain ? goal : nil
                    let judged = judge(
                        target, year: year, actual: actual, goal: placeGoal, date: date, rates: rates, place: place.code, targets: targets,
                        counts: counts)
                    let integral = target.period != .rate && target.period != .gain
                    func value(_ number: Double?) -> QueryTable.Value {
                        guard let number else { return .null }
                        return integral ? .integer(Int64(number.rounded())) : .number((number * 10).rounded() / 10)
                    }
                    let share = actual.flatMap { actual in placeGoal.flatMap { $0.value > 0 ? (actual / $0.value * 1000).rounded() / 10 : nil } }
                    table.rows.append([
                        .integer(Int64(year)), .text(target.target), .text(target.title), .text(target.period.title), .text(place.code),
                        .text(place.name), .text(target.unit), value(actual), value(placeGoal?.value),
                        placeGoal.map { .integer(Int64($0.year)) } ?? .null, value(judged.expected), share.map(QueryTable.Value.number) ?? .null,
                        .text(judged.status), .text(judged.basis), .text(target.rule),
                    ])
                }
            }
        }
        return table
    }

    /// The places asked for: the province, the region named, or every city (county) of it.
    func places() throws -> [Place] {
        let reference = ReferenceData.standard
        func place(_ code: String) -> Place {
            let level: Scoreboard.Places =
                code == CoverageReadModel.province ? .province : reference.city(containing: code)?.code == code ? .city : .county
            return Place(code: code, name: reference.placeName(code), level: level)
        }
        switch by {
        case .city:
            return reference.cities.filter { filters.region == nil || $0.code == filters.region.map { String($0.prefix(4)) + "00" } }.map {
                place($0.code)
            }
        case .county:
            return reference.cities.filter { filters.region == nil || $0.code.prefix(4) == filters.region!.prefix(4) }.flatMap { city in
                city.counties.filter { filters.region == nil || filters.region!.hasSuffix("00") || $0.code == filters.region }.map { place($0.code) }
            }
        default:
            return [place(filters.region ?? CoverageReadModel.province)]
        }
    }

    /// Whether a target told at `reach` has a figure for a place of `level`.
    static func reaches(_ reach: Scoreboard.Places, _ level: Scoreboard.Places) -> Bool {
        switch level {
        case .province: true
        case .city: reach != .province
        case .county: reach == .county
        }
    }

    /// The plan's targets by year and name.
    static func planTargets(in db: Database) throws -> [Int: [String: Double]] {
        var targets: [Int: [String: Double]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT year, name, value FROM plan_target") { targets[row[0], default: [:]][row[1]] = row[2] }
        return targets
    }

    /// The plan's value a year answers to, and the year it is due: the year's own, or — for
    /// levels, stocks and running totals — the next one the plan sets.
    func due(_ target: Scoreboard.Target, year: Int, targets: [Int: [String: Double]]) -> (value: Double, year: Int)? {
        if let value = targets[year]?[target.target] { return (value, year) }
        guard [.rate, .stock, .cumulative].contains(target.period) else { return nil }
        for later in (year + 1)...max(year + 1, scoreboard.lastYear) {
            if let value = targets[later]?[target.target] { return (value, later) }
        }
        return nil
    }

    /// The figure on the straight path to the goal, and the status the actual figure has.
    func judge(
        _ target: Scoreboard.Target, year: Int, actual: Double?, goal: (value: Double, year: Int)?, date: String, rates: RateFigures,
        place: String, targets: [Int: [String: Double]], counts: CountFigures
    ) -> (expected: Double?, status: String, basis: String) {
        let yearStart = "\(year)-01-01"
        let yearEnd = "\(year)-12-31"
        guard date >= yearStart else { return (nil, "未开始", "\(year) 年尚未开始（判定日 \(date)）") }
        guard let goal else { return (nil, "—", "方案未将该指标分解到市县，仅列实际数") }
        let format = { (value: Double) in
            target.period == .rate || target.period == .gain ? String(format: "%.1f", value) : String(Int(value.rounded()))
        }
        var expected: Double
        var path: String
        let over: Bool
        switch target.period {
        case .rate, .gain:
            guard let actual else { return (nil, "未评估", "\(year) 年度评估尚无数据") }
            over = rates.closed.contains(year) || date >= yearEnd
            if target.period == .gain || goal.year == year {
                expected = goal.value
                path = "目标 \(format(goal.value))\(target.unit)"
            } else {
                let base =
                    rates.rate(target.count.figure, place, scoreboard.baselineYear)
                    ?? targets[scoreboard.baselineYear]?[target.target] ?? goal.value
                let fraction = Double(year - scoreboard.baselineYear) / Double(goal.year - scoreboard.baselineYear)
                expected = base + (goal.value - base) * fraction
                path = "由 \(scoreboard.baselineYear) 年 \(format(base))% 匀速提升至 \(goal.year) 年 \(format(goal.value))%，\(year) 年应达 \(format(expected))%"
            }
            return status(actual: actual, goal: goal, year: year, expected: expected, over: over, path: path, format: format)
        case .year, .stock, .cumulative:
            let actual = actual ?? 0
            let point = min(date, yearEnd)
            over = date >= yearEnd
            // The path starts at the plan's previous value for this target, else at the plan's start.
            var (startDate, startValue) = ("\(scoreboard.firstYear)-01-01", 0.0)
            if target.period == .year {
                startDate = yearStart
            } else if let previous = stride(from: goal.year - 1, through: scoreboard.firstYear, by: -1).first(where: {
                targets[$0]?[target.target] != nil
            }) {
                (startDate, startValue) = ("\(previous + 1)-01-01", targets[previous]![target.target]!)
            } else if target.period == .stock {
                startValue = counts.value(target, place, scoreboard.firstYear - 1) ?? 0
            }
            let fraction = Self.fraction(from: startDate, to: "\(goal.year)-12-31", at: point)
            expected = startValue + (goal.value - startValue) * fraction
            path =
                "截至 \(point) 按进度应达 \(format(expected))（\(startDate) 起匀速推进至 \(goal.year) 年末 \(format(goal.value))，已过 \(Int((fraction * 100).rounded()))%）"
            return status(actual: actual, goal: goal, year: year, expected: expected, over: over, path: path, format: format)
        }
    }

    private func status(
        actual: Double, goal: (value: Double, year: Int), year: Int, expected: Double, over: Bool, path: String, format: (Double) -> String
    ) -> (expected: Double?, status: String, basis: String) {
        let met = actual >= goal.value
        let status: String
        if over && goal.year == year {
            status = met ? "达标" : "未达标"
        } else if met {
            status = "已达标"
        } else {
            status = actual >= expected - 1e-9 ? "进度正常" : "落后"
        }
        let comparison = met ? "实际 \(format(actual)) ≥ 目标 \(format(goal.value))" : "实际 \(format(actual))；\(path)"
        return (expected, status, comparison)
    }

    /// The share of the days from `start` to `end` that have passed on `date` (0…1).
    static func fraction(from start: String, to end: String, at date: String) -> Double {
        guard let first = day(start), let last = day(end), let now = day(date), last > first else { return 1 }
        return min(1, max(0, Double(now - first + 1) / Double(last - first + 1)))
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date.
    public static func day(_ text: String) -> Int? {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components).map { Int($0.timeIntervalSince1970 / 86400) }
    }
}

/// The rates of the places asked for, per assessment year, as each year's figure stands:
/// frozen once its assessment closed, as known before.
struct RateFigures {
    /// The years whose assessment has closed.
    var closed: Set<Int> = []
    /// Per year and place code: the population, those covered (L1–L5) and those deep (L3–L5).
    var figures: [Int: [String: (population: Int, covered: Int, deep: Int)]] = [:]

    init(places: [TargetsQuery.Place], in db: Database) throws {
        let years = try Row.fetchAll(db, sql: "SELECT year, closed_seq FROM assessment_year").map { ($0[0] as Int, ($0[1] as Int64?) != nil) }
        closed = Set(years.filter(\.1).map(\.0))
        let dimensions: [CoverageQuery.Dimension] = Set(places.map(\.level)).map {
            switch $0 {
            case .province: .province
            case .city: .city
            case .county: .county
            }
        }
        for (year, isClosed) in years {
            for dimension in dimensions {
                for (code, stages) in try CoverageQuery(by: dimension).counts(basis: isClosed ? "frozen" : "known", year: year, in: db) {
                    figures[year, default: [:]][code] = (stages.reduce(0, +), stages[1...].reduce(0, +), stages[3...].reduce(0, +))
                }
            }
        }
    }

    /// The coverage (`figure` "coverage") or deep rate of a place in a year, in percent.
    func rate(_ figure: String?, _ code: String, _ year: Int) -> Double? {
        guard let counts = figures[year]?[code] else { return nil }
        return percentage(figure == "deep" ? counts.deep : counts.covered, of: counts.population)
    }

    /// The rate's change over the previous year in points; the province's baseline year may
    /// come from the plan (`baseline`, by figure name) when the log has no assessment of it.
    func gain(_ figure: String?, _ code: String, _ year: Int, baseline: [String: Double]?) -> Double? {
        guard let now = rate(figure, code, year) else { return nil }
        let before = rate(figure, code, year - 1) ?? (code == CoverageReadModel.province ? figure.flatMap { baseline?[$0] } : nil)
        return before.map { ((now - $0) * 10).rounded() / 10 }
    }
}

/// The counted targets' figures (programme metrics, the provider pool, awards) per year and
/// place, read once from their read models.
struct CountFigures {
    /// Per metric, year and place code (the province, each city, each county).
    var metrics: [String: [Int: [String: Int]]] = [:]
    /// Per provider figure (`pool`, `solutions`, `leading`) and year, the province's.
    var providers: [String: [Int: Int]] = [:]
    /// Every standing award: kind, level, year and the recipient's city.
    var awards: [(kind: String, level: String, year: Int, city: String)] = []
    /// The lowest seq the read models read had applied.
    var seq: UInt64 = .max
    /// The plan's first year, where running totals start.
    let firstYear: Int

    init(scoreboard: Scoreboard, places: [TargetsQuery.Place], date: String, stores: (String) throws -> ReadModelStore) throws {
        firstYear = scoreboard.firstYear
        let readModels = Set(scoreboard.targets.map(\.count.readModel))
        if readModels.contains(ProgrammeReadModel.name) {
            let store = try stores(ProgrammeReadModel.name)
            seq = min(seq, try store.checkpoint().seq)
            try store.read { db in
                for row in try Row.fetchAll(db, sql: "SELECT metric, year, city, county, sum(value) FROM metric GROUP BY 1, 2, 3, 4") {
                    let (metric, year, city, county, value): (String, Int, String, String, Int) = (row[0], row[1], row[2], row[3], row[4])
                    for code in Set([CoverageReadModel.province, city, county]) where !code.isEmpty {
                        metrics[metric, default: [:]][year, default: [:]][code, default: 0] += value
                    }
                }
            }
        }
        if readModels.contains(ProvidersReadModel.name) {
            let store = try stores(ProvidersReadModel.name)
            seq = min(seq, try store.checkpoint().seq)
            try store.read { db in
                for year in (scoreboard.firstYear - 1)...scoreboard.lastYear {
                    let end = min("\(year)-12-31", date)
                    providers["pool", default: [:]][year] = try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM provider WHERE admitted_on <= ?1 AND (removed_on IS NULL OR removed_on > ?1)", arguments: [end]
                    )
                    providers["solutions", default: [:]][year] = try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM solution WHERE listed_on <= ?", arguments: [end])
                    providers["leading", default: [:]][year] = try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM provider WHERE ',' || leading_years || ',' LIKE ?", arguments: ["%,\(year),%"])
                }
            }
        }
        if readModels.contains(BenchmarksReadModel.name) {
            let store = try stores(BenchmarksReadModel.name)
            seq = min(seq, try store.checkpoint().seq)
            awards = try store.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT a.kind, a.level, a.year, coalesce(p.city, '') FROM award a LEFT JOIN party p ON p.uscc = a.recipient
                        WHERE a.revoked_on IS NULL
                        """
                ).map { ($0[0], $0[1], $0[2], $0[3]) }
            }
        }
    }

    /// A counted target's figure for a place (the province's code, a city's or a county's) and year.
    func value(_ target: Scoreboard.Target, _ code: String, _ year: Int) -> Double? {
        let count = target.count
        switch count.readModel {
        case ProgrammeReadModel.name:
            let years = target.period == .cumulative ? Array(firstYear...year) : [year]
            return Double((count.metrics ?? []).reduce(0) { sum, metric in sum + years.reduce(0) { $0 + (metrics[metric]?[$1]?[code] ?? 0) } })
        case ProvidersReadModel.name:
            guard code == CoverageReadModel.province else { return nil }
            return providers[count.figure ?? ""]?[year].map(Double.init)
        case BenchmarksReadModel.name:
            let inPlace = { (city: String) in code == CoverageReadModel.province || city == code }
            return Double(
                awards.filter {
                    $0.kind == count.kind && (count.level == nil || $0.level == count.level) && inPlace($0.city)
                        && (target.period == .year ? $0.year == year : $0.year <= year)
                }.count)
        default:
            return nil
        }
    }
}
