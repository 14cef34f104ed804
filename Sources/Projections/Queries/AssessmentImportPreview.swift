import Domain
import GRDB

/// What importing a file of assessments would change, worked out from the coverage read model
/// without appending anything (`gongfu import --assessments FILE --dry-run`): per assessment year
/// and city, the population and the coverage and deep rates before → after, and how many of the
/// file's assessments move a stage up or down, set a first stage, or come with a registration.
/// Stages are read as ``StageHistory`` reads them, each new assessment recorded after
/// everything the log holds.
public struct AssessmentImportPreview {
    /// One assessment of the file.
    public struct Entry: Sendable {
        public var uscc: String
        public var date: String
        public var stage: Stage
        /// The city of an enterprise the import registers first (nil: already registered).
        public var registersIn: String?

        public init(uscc: String, date: String, stage: Stage, registersIn: String? = nil) {
            self.uscc = uscc
            self.date = date
            self.stage = stage
            self.registersIn = registersIn
        }
    }

    public static let columns: [(String, String)] = [
        ("year", "评估年度"), ("city", "市"), ("populationBefore", "企业数(前)"), ("populationAfter", "企业数(后)"),
        ("coverageBefore", "覆盖率%(前)"), ("coverageAfter", "覆盖率%(后)"), ("deepBefore", "深度转型率%(前)"), ("deepAfter", "深度转型率%(后)"),
        ("upgrades", "升级"), ("downgrades", "降级"), ("firstAssessed", "首次评估"), ("registered", "新登记"),
    ]

    private struct Tally: Equatable {
        var population = 0
        var covered = 0
        var deep = 0

        mutating func count(_ stage: Int, _ sign: Int) {
            population += sign
            if stage >= 1 { covered += sign }
            if stage >= 3 { deep += sign }
        }

        static func + (left: Tally, right: Tally) -> Tally {
            Tally(population: left.population + right.population, covered: left.covered + right.covered, deep: left.deep + right.deep)
        }
    }

    private struct Moves {
        var upgrades = 0
        var downgrades = 0
        var first = 0
        var registered = 0

        static func + (left: Moves, right: Moves) -> Moves {
            Moves(
                upgrades: left.upgrades + right.upgrades, downgrades: left.downgrades + right.downgrades, first: left.first + right.first,
                registered: left.registered + right.registered)
        }
    }

    let entries: [Entry]

    public init(_ entries: [Entry]) { self.entries = entries }

    /// The preview of the assessments an import accepted.
    public init(_ checked: AssessmentImport.Checked) {
        entries = checked.assessed.map { Entry(uscc: $0.uscc, date: $0.date, stage: $0.stage, registersIn: $0.registersIn) }
    }

    /// The table, one row per year and city the file touches, then the province's.
    public func table(in db: Database) throws -> QueryTable {
        var table = QueryTable(title: "导入评估结果预览（未写入）", columns: Self.columns, seq: try ReadModelStore.checkpoint(in: db).seq)
        let assessmentYears = try AssessmentYears(in: db)
        let years = assessmentYears.years
        func year(of date: String) -> Int? { assessmentYears.year(of: date) }
        var byEnterprise: [String: [Entry]] = [:]
        for entry in entries { byEnterprise[entry.uscc, default: []].append(entry) }
        let touched = Set(entries.compactMap { year(of: $0.date) })
        let places = try Dictionary(
            Row.fetchAll(db, sql: "SELECT uscc, city FROM enterprise").map { ($0[0] as String, $0[1] as String) }, uniquingKeysWith: { a, _ in a })
        // Each enterprise's history now, and with the file's assessments recorded after it.
        var histories: [String: (before: StageHistory, after: StageHistory)] = [:]
        var moves: [Int: [String: Moves]] = [:]
        var next = UInt64.max - UInt64(entries.count)
        for (uscc, list) in byEnterprise {
            let before = try StageHistories.load(uscc, in: db) ?? StageHistory()
            var after = before
            let registers = places[uscc] == nil ? list.first?.registersIn : nil
            for (index, entry) in list.enumerated() {
                let city = places[uscc] ?? registers ?? ""
                if let entryYear = year(of: entry.date) {
                    var tally = moves[entryYear, default: [:]][city, default: Moves()]
                    switch after.stage(on: entry.date)?.stage {
                    case nil: tally.first += 1
                    case let standing? where entry.stage > standing: tally.upgrades += 1
                    case let standing? where entry.stage < standing: tally.downgrades += 1
                    default: break
                    }
                    if index == 0, registers != nil { tally.registered += 1 }
                    moves[entryYear, default: [:]][city] = tally
                }
                next += 1
                after.record(StageHistory.Finding(seq: next, date: entry.date, stage: entry.stage, assessment: ""))
            }
            histories[uscc] = (before, after)
        }
        for (year, cutoff) in years where touched.contains(year) {
            var before: [String: Tally] = [:]
            var known: [String: (stage: Int, city: String)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT uscc, stage, city FROM known_year WHERE year = ?", arguments: [year])
            while let row = try rows.next() {
                known[row[0]] = (row[1], row[2])
                before[row[2], default: Tally()].count(row[1], 1)
            }
            var after = before
            for (uscc, history) in histories {
                let stage = history.after.stage(on: cutoff)?.stage.level ?? 0
                if let counted = known[uscc] {
                    after[counted.city]!.count(counted.stage, -1)
                    after[counted.city]!.count(stage, 1)
                } else if places[uscc] == nil, let city = byEnterprise[uscc]?.first?.registersIn,
                    byEnterprise[uscc]!.contains(where: { $0.date <= cutoff })
                {
                    after[city, default: Tally()].count(stage, 1)
                }
            }
            // The cities the file touches: those with assessments this year, or whose figures move.
            let yearMoves = moves[year] ?? [:]
            let cities = Set(yearMoves.keys).union(after.keys.filter { after[$0] != before[$0] })
            for city in cities.sorted() {
                table.rows.append(
                    Self.row(
                        year: year, city: city, before: before[city] ?? Tally(), after: after[city] ?? Tally(), moves: yearMoves[city] ?? Moves()))
            }
            table.rows.append(
                Self.row(
                    year: year, city: CoverageReadModel.province, before: before.values.reduce(Tally(), +), after: after.values.reduce(Tally(), +),
                    moves: yearMoves.values.reduce(Moves(), +)))
        }
        return table
    }

    private static func row(year: Int, city: String, before: Tally, after: Tally, moves: Moves) -> [QueryTable.Value] {
        func rate(_ count: Int, _ population: Int) -> QueryTable.Value {
            population > 0 ? .number((Double(count) * 1000 / Double(population)).rounded() / 10) : .null
        }
        let name = city == CoverageReadModel.province ? "山东省" : ReferenceData.standard.cities.first { $0.code == city }?.name ?? ""
        return [
            .integer(Int64(year)), .text(name.isEmpty ? city : "\(city) \(name)"), .integer(Int64(before.population)),
            .integer(Int64(after.population)),
            rate(before.covered, before.population), rate(after.covered, after.population), rate(before.deep, before.population),
            rate(after.deep, after.population), .integer(Int64(moves.upgrades)), .integer(Int64(moves.downgrades)), .integer(Int64(moves.first)),
            .integer(Int64(moves.registered)),
        ]
    }
}
