import Domain
import GRDB

/// The coverage fold's rows: enterprises with their contributions, stage changes, group codes.
extension CoverageReadModel {
    /// One enterprise's place in one year's figures: its stage and the groups it is counted in.
    struct Contribution: Equatable {
        var stage: Int
        var stageSeq: Int64?
        var groups: Groups
    }

    /// The groups an enterprise is counted in — city, county, division, sector groups, chains —
    /// each text as its small integer code (``GroupCodes``): contributions compare and hash as
    /// a few integers instead of five strings.
    struct Groups: Hashable {
        var city: Int32
        var county: Int32
        var division: Int32
        var sectors: Int32
        var chains: Int32
    }

    /// The codes of the group texts this fold has seen (in memory only; never stored).
    final class GroupCodes {
        private var codes: [String: Int32] = [:]
        private var texts: [String] = []
        /// Each text's UTF-8 bytes, allocated once and kept until the fold goes: bound to
        /// statements in place (``StaticText``) instead of copied for every row.
        private var bytes: [UnsafeMutableBufferPointer<UInt8>] = []

        deinit { for text in bytes { text.deallocate() } }

        func code(_ text: String) -> Int32 {
            if let code = codes[text] { return code }
            let code = Int32(texts.count)
            texts.append(text)
            codes[text] = code
            let stored = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
            _ = stored.initialize(from: text.utf8)
            bytes.append(stored)
            return code
        }

        subscript(code: Int32) -> String { texts[Int(code)] }

        /// The text of `code` for binding to a statement.
        func text(_ code: Int32) -> StaticText { StaticText(bytes: UnsafeBufferPointer(bytes[Int(code)])) }

        func groups(city: String, county: String, division: String, sectors: String, chains: String) -> Groups {
            Groups(city: code(city), county: code(county), division: code(division), sectors: code(sectors), chains: code(chains))
        }

        func groups(of row: Enterprise) -> Groups {
            groups(city: row.city, county: row.county, division: row.division, sectors: row.sectors, chains: row.chains)
        }
    }

    /// One row of `enterprise`, with the enterprise's known contributions by year.
    struct Enterprise {
        var name = ""
        var city = ""
        var county = ""
        var industry = ""
        var division = ""
        var sectors = ""
        var chains = ""
        var yearEntered = 0
        var yearLeft: Int?
        var assessed = false
        var groups = Groups(city: 0, county: 0, division: 0, sectors: 0, chains: 0)
        var known = YearMap<Contribution>()
        /// Years whose known contribution was removed (their stored rows are deleted on save).
        var removed: Set<Int> = []
        /// Closed years whose known contribution changed since the close: what it was then
        /// (a row of `frozen_year` while it differs from what is known).
        var frozen = YearMap<Frozen>()
    }

    /// A few values by year, in year order in one small array: an enterprise contributes to a
    /// handful of years, looked up on every event and row written — a scan of four entries
    /// costs less than hashing the year.
    struct YearMap<Value> {
        struct Entry {
            var year: Int
            var value: Value
        }

        /// The entries, in year order.
        private(set) var entries: [Entry] = []

        var isEmpty: Bool { entries.isEmpty }

        subscript(year: Int) -> Value? {
            get {
                for entry in entries where entry.year == year { return entry.value }
                return nil
            }
            set {
                if let newValue, entries.last.map({ $0.year < year }) ?? true {
                    entries.append(Entry(year: year, value: newValue))  // the usual case: a later year
                } else if let index = entries.firstIndex(where: { $0.year == year }) {
                    if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
                } else if let newValue {
                    entries.insert(Entry(year: year, value: newValue), at: entries.firstIndex { $0.year > year } ?? entries.count)
                }
            }
        }
    }

    /// An enterprise's contribution to a closed year's figures at the close (nil: not counted).
    struct Frozen: Equatable {
        var contribution: Contribution?
    }

    func loadEnterprise(_ uscc: String, in db: Database) throws -> Enterprise? {
        guard
            let stored = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT name, city, county, industry, division, sectors, chains, year_entered, year_left, assessed FROM enterprise WHERE uscc = ?
                        """), arguments: [uscc])
        else { return nil }
        var row = Enterprise(
            name: stored[0], city: stored[1], county: stored[2], industry: stored[3], division: stored[4],
            sectors: stored[5], chains: stored[6], yearEntered: stored[7], yearLeft: stored[8], assessed: stored[9])
        row.groups = codes.groups(of: row)
        let years = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT year, stage, stage_seq, city, county, division, sectors, chains FROM known_year
                    WHERE year IN (SELECT year FROM assessment_year) AND uscc = ?
                    """), arguments: [uscc])
        while let year = try years.next() {
            row.known[year[0]] = Contribution(
                stage: year[1], stageSeq: year[2],
                groups: codes.groups(city: year[3], county: year[4], division: year[5], sectors: year[6], chains: year[7]))
        }
        let frozen = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT year, stage, stage_seq, city, county, division, sectors, chains FROM frozen_year
                    WHERE year IN (SELECT year FROM assessment_year) AND uscc = ?
                    """), arguments: [uscc])
        while let year = try frozen.next() {
            let stage: Int? = year[1]
            row.frozen[year[0]] = Frozen(
                contribution: stage.map { stage in
                    Contribution(
                        stage: stage, stageSeq: year[2],
                        groups: codes.groups(city: year[3], county: year[4], division: year[5], sectors: year[6], chains: year[7]))
                })
        }
        return row
    }

    func save(_ uscc: String, _ row: Enterprise, in db: Database) throws {
        try addProfile(row, uscc: uscc, to: Self.profileInsert(db, rowsPerStatement: 1))
        for year in row.removed where row.known[year] == nil {
            try db.run("DELETE FROM known_year WHERE year = ? AND uscc = ?", year, uscc)
        }
        let known = try Self.contributionInsert(into: "known_year", db, rowsPerStatement: 1)
        for entry in row.known.entries { try addContribution(entry.value, year: entry.year, uscc: uscc, to: known) }
        try saveFrozen(row, uscc: uscc, in: db)
    }

    /// The statement that writes `enterprise` rows (``addProfile(_:uscc:to:)``): many per run
    /// when building, one when live (``BulkInsert``).
    static func profileInsert(_ db: Database, rowsPerStatement: Int = 64) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "enterprise", columns: 11, rowsPerStatement: rowsPerStatement)
    }

    /// The statement that writes `known_year` or `frozen_year` rows — the two tables have the
    /// same columns (``addContribution(_:year:uscc:to:)``).
    static func contributionInsert(into table: String, _ db: Database, rowsPerStatement: Int = 64) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: table, columns: 9, rowsPerStatement: rowsPerStatement)
    }

    func addProfile(_ row: Enterprise, uscc: String, to insert: BulkInsert) throws {
        try insert.add(
            uscc, row.name, row.city, row.county, row.industry, row.division, row.sectors, row.chains, row.yearEntered, row.yearLeft, row.assessed)
    }

    /// A `known_year` or `frozen_year` row.
    func addContribution(_ contribution: Contribution, year: Int, uscc: String, to insert: BulkInsert) throws {
        let groups = contribution.groups
        try insert.add(
            year, uscc, contribution.stage, contribution.stageSeq, codes.text(groups.city), codes.text(groups.county),
            codes.text(groups.division), codes.text(groups.sectors), codes.text(groups.chains))
    }

    /// Keeps a `frozen_year` row for each closed year whose contribution differs from the known
    /// one, and none where they agree again.
    func saveFrozen(_ row: Enterprise, uscc: String, in db: Database) throws {
        for entry in row.frozen.entries {
            let year = entry.year
            let frozen = entry.value.contribution
            if frozen == row.known[year] {
                if !enterprises.building { try db.run("DELETE FROM frozen_year WHERE year = ? AND uscc = ?", year, uscc) }
            } else if let frozen {
                try addContribution(frozen, year: year, uscc: uscc, to: Self.contributionInsert(into: "frozen_year", db, rowsPerStatement: 1))
            } else {
                try db.run("INSERT OR REPLACE INTO frozen_year (year, uscc) VALUES (?, ?)", year, uscc)
            }
        }
    }

    /// Building: writes every enterprise, then each year's known contributions, then the frozen
    /// ones that differ — each table in its key order (B-tree appends).
    func writeBuilt(in db: Database) throws {
        let profiles = try Self.profileInsert(db)
        try enterprises.forEachSorted { uscc, row in try addProfile(row, uscc: uscc, to: profiles) }
        try profiles.finish()
        let known = try Self.contributionInsert(into: "known_year", db)
        for (year, _) in try years(in: db) {
            try enterprises.forEachSorted { uscc, row in
                if let contribution = row.known[year] { try addContribution(contribution, year: year, uscc: uscc, to: known) }
            }
        }
        try known.finish()
        try enterprises.forEachSorted { uscc, row in
            if !row.frozen.isEmpty { try saveFrozen(row, uscc: uscc, in: db) }
        }
        enterprises.endBuilding()
    }

    /// Recomputes an enterprise's contribution to `years` (known basis) and moves the counts.
    func recount(_ key: RowKey, history: StageHistory? = nil, years: [(year: Int, cutoff: String)], in db: Database) throws {
        guard !years.isEmpty else { return }
        let history = try history ?? stages.history(key, in: db)
        try enterprises.update(key, in: db) { recount(&$0, history: history, years: years) }
    }

    /// Recomputes one enterprise's contribution to `years` from its stage history.
    func recount(_ row: inout Enterprise, history: StageHistory, years: [(year: Int, cutoff: String)]) {
        for (year, cutoff) in years {
            var new: Contribution?
            if row.yearEntered <= year, row.yearLeft.map({ $0 > year }) ?? true {
                let finding = history.stage(on: cutoff)
                new = Contribution(stage: finding?.stage.level ?? 0, stageSeq: finding.map { Int64($0.seq) }, groups: row.groups)
            }
            let old = row.known[year]
            guard old != new else { continue }
            if closedYears.contains(year), row.frozen[year] == nil { row.frozen[year] = Frozen(contribution: old) }
            if let old { count(old, year: year, delta: -1) }
            if let new { count(new, year: year, delta: 1) } else { row.removed.insert(year) }
            row.known[year] = new
        }
    }
}
