import Domain
import GRDB

/// Stage moves per assessment year and region: how many standing assessments moved an
/// enterprise up, how many down, and of those how many out of coverage (down to L0) and out of
/// deep transformation (from L3 or above to below), read from each enterprise's
/// ``StageHistory`` in the coverage read model. An assessment belongs to the first year whose
/// cutoff is on or after its business date (after the last cutoff: the next year).
///
/// With a city as `region`, one row per county of that city; otherwise one per city.
struct StageMovesQuery {
    var year: Int?
    var region: String?

    static let columns: [(String, String)] = [
        ("year", "评估年度"), ("region", "地区"), ("upgrades", "阶段上升"), ("downgrades", "阶段下降"), ("leftCoverage", "降至L0"),
        ("leftDeep", "跌出深度转型"),
    ]

    private struct Tally {
        var upgrades = 0
        var downgrades = 0
        var leftCoverage = 0
        var leftDeep = 0
    }

    func run(in db: Database) throws -> QueryTable {
        var table = QueryTable(title: "评估阶段升降", columns: Self.columns, seq: try ReadModelStore.checkpoint(in: db).seq)
        let cutoffs = try AssessmentYears(in: db)
        var places: [String: (city: String, county: String)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT uscc, city, county FROM enterprise") { places[row[0]] = (row[1], row[2]) }
        let byCounty = region.map { $0.hasSuffix("00") } ?? false
        var tallies: [Int: [String: Tally]] = [:]
        for (uscc, history) in try StageHistories.all(in: db) {
            guard let place = places[uscc] else { continue }
            if let region, region != (region.hasSuffix("00") ? place.city : place.county) { continue }
            let group = byCounty ? place.county : place.city
            for move in history.moves {
                // After the last cutoff, a move counts for the next year.
                let moveYear =
                    cutoffs.year(of: move.finding.date) ?? cutoffs.years.last.map { $0.year + 1 } ?? Int(move.finding.date.prefix(4)) ?? 0
                guard year.map({ $0 == moveYear }) ?? true else { continue }
                var tally = tallies[moveYear, default: [:]][group, default: Tally()]
                if move.isDowngrade {
                    tally.downgrades += 1
                    if move.to == .l0 { tally.leftCoverage += 1 }
                    if move.from >= .l3, move.to < .l3 { tally.leftDeep += 1 }
                } else {
                    tally.upgrades += 1
                }
                tallies[moveYear, default: [:]][group] = tally
            }
        }
        for (moveYear, groups) in tallies.sorted(by: { $0.key < $1.key }) {
            for (group, tally) in groups.sorted(by: { $0.key < $1.key }) {
                table.rows.append([
                    .integer(Int64(moveYear)), .text(group), .integer(Int64(tally.upgrades)), .integer(Int64(tally.downgrades)),
                    .integer(Int64(tally.leftCoverage)), .integer(Int64(tally.leftDeep)),
                ])
            }
        }
        return table
    }
}
