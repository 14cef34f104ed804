import Domain
import GRDB

/// 转型覆盖率 and 深度转型率 for each assessment year, by province, city, county, industry
/// (GB/T 4754 division), sector group and industrial chain: the population and its count per
/// stage, both as frozen when the year's assessment closed and as currently known (late records
/// with business dates before the cutoff included).
public final class CoverageMetrics: Projection {
    public static let name = "coverage"
    public static let summary = "转型覆盖率/深度转型率 per assessment year and region, industry, sector group, chain; frozen and as known"
    public static let version = 1
    public static let province = "370000"

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("coverage v1") { db in
            try db.execute(sql: """
                CREATE TABLE enterprise (
                    uscc TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    city TEXT NOT NULL,
                    county TEXT NOT NULL,
                    industry TEXT NOT NULL,
                    division TEXT NOT NULL,
                    sectors TEXT NOT NULL,
                    chains TEXT NOT NULL,
                    year_entered INTEGER NOT NULL,
                    year_left INTEGER,
                    assessed INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE TABLE stage_change (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    uscc TEXT NOT NULL,
                    on_date TEXT NOT NULL,
                    stage INTEGER NOT NULL,
                    assessment TEXT NOT NULL
                );
                CREATE INDEX stage_change_by_enterprise ON stage_change (uscc, on_date);
                CREATE TABLE assessment_year (
                    year INTEGER PRIMARY KEY NOT NULL,
                    cutoff TEXT NOT NULL,
                    opened_seq INTEGER NOT NULL,
                    closed_seq INTEGER
                );
                CREATE TABLE enterprise_year (
                    basis TEXT NOT NULL,
                    year INTEGER NOT NULL,
                    uscc TEXT NOT NULL,
                    stage INTEGER NOT NULL,
                    stage_seq INTEGER,
                    city TEXT NOT NULL,
                    county TEXT NOT NULL,
                    division TEXT NOT NULL,
                    sectors TEXT NOT NULL,
                    chains TEXT NOT NULL,
                    PRIMARY KEY (basis, year, uscc)
                ) WITHOUT ROWID;
                CREATE TABLE stage_count (
                    basis TEXT NOT NULL,
                    year INTEGER NOT NULL,
                    dimension TEXT NOT NULL,
                    code TEXT NOT NULL,
                    stage INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (basis, year, dimension, code, stage)
                ) WITHOUT ROWID;
                CREATE TABLE plan_target (
                    year INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    PRIMARY KEY (year, name)
                ) WITHOUT ROWID;
                """)
        }
    }

    /// The fold reads an enterprise's stage changes only when maintaining a live file.
    public static let queryOnlyIndexes = ["stage_change_by_enterprise"]

    private let reference = ReferenceData.standard

    /// Each enterprise's profile and its known contributions, folded in memory (``RowBuffer``).
    private var enterprises: RowBuffer<Enterprise>!
    /// Each enterprise's stage changes (kept apart: a change may precede the registration).
    /// They are written to `stage_change` as they happen; the buffer only spares the reads.
    private let stageChanges = RowBuffer<[StageChange]>(load: StageChange.load, save: { _, _, _ in })
    /// The assessment years, read once per transaction.
    private var cachedYears: [(year: Int, cutoff: String)]?
    /// Known count changes not yet written to `stage_count`; while building, the counts themselves.
    private var pendingCounts: [Signature: Int] = [:]

    public init() {
        enterprises = RowBuffer(load: { [unowned self] uscc, db in try self.loadEnterprise(uscc, in: db) },
                                save: { [unowned self] uscc, row, db in try self.save(uscc, row, in: db) })
    }

    public func beginBuilding() {
        enterprises.beginBuilding()
        stageChanges.beginBuilding()
    }

    public func beginTransaction(in db: Database) throws {
        enterprises.beginTransaction()
        stageChanges.beginTransaction()
        cachedYears = nil
        if !enterprises.building { pendingCounts.removeAll(keepingCapacity: true) }
    }

    public func finishTransaction(in db: Database) throws {
        guard !enterprises.building else { return }
        try flushLive(in: db)
    }

    public func finishBuilding(in db: Database) throws {
        try enterprises.finishBuilding(in: db)
        try flushCounts(in: db)
    }

    /// Writes a live transaction's buffered rows and counts (before set-based SQL and at its end).
    private func flushLive(in db: Database) throws {
        try enterprises.finishTransaction(in: db)
        try stageChanges.finishTransaction(in: db)
        try flushCounts(in: db)
    }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        let uscc = event.streamID
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            // A re-registration replaces the profile and keeps whether it was assessed.
            var row = try enterprises.row(uscc, in: db) ?? Enterprise()
            row.name = registered.name
            row.city = registered.city
            row.county = registered.county
            row.industry = registered.industry
            row.division = division(of: registered.industry)
            row.sectors = sectors(of: registered.industry)
            row.chains = Self.chainsText(registered.chains ?? [])
            row.yearEntered = registered.yearEntered
            row.yearLeft = nil
            row.groups = codes.groups(of: row)
            enterprises.set(uscc, row)
            try recount(uscc, years: years(in: db), in: db)
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            let known = try enterprises.update(uscc, in: db) { row in
                row.name = profile.name ?? row.name
                row.city = profile.city ?? row.city
                row.county = profile.county ?? row.county
                if let industry = profile.industry {
                    row.industry = industry
                    row.division = division(of: industry)
                    row.sectors = sectors(of: industry)
                }
                row.chains = profile.chains.map(Self.chainsText) ?? row.chains
                row.groups = codes.groups(of: row)
            }
            if known { try recount(uscc, years: years(in: db), in: db) }
        case .enterpriseLeftPopulation:
            let left = try event.payload(EnterpriseLeftPopulation.self)
            if try enterprises.update(uscc, in: db, { $0.yearLeft = left.year }) { try recount(uscc, years: years(in: db), in: db) }
        case .assessmentRecorded:
            // An enterprise's first assessment sets the stage it starts from (the domain rules
            // read stages the same way); later ones only matter through upgrades.
            let assessment = try event.payload(AssessmentRecorded.self)
            var first = false
            try enterprises.update(uscc, in: db) { row in
                first = !row.assessed
                row.assessed = true
            }
            if first, assessment.stage > .l0 {
                try recordStage(event, uscc: uscc, stage: assessment.stage.level, assessment: assessment.assessment, in: db)
            }
        case .stageUpgraded:
            let upgrade = try event.payload(StageUpgraded.self)
            try recordStage(event, uscc: uscc, stage: upgrade.to.level, assessment: upgrade.assessment, in: db)
        case .eventRetracted where event.category == "enterprise":
            let retraction = try event.payload(EventRetracted.self)
            try db.run("DELETE FROM stage_change WHERE seq = ?", retraction.seq)
            if db.changesCount > 0 {
                try stageChanges.update(uscc, in: db) { $0.removeAll { $0.seq == Int64(retraction.seq) } }
                try recount(uscc, years: years(in: db), in: db)
            }
        case .annualAssessmentOpened:
            let opened = try event.payload(AnnualAssessmentOpened.self)
            let cutoff = String(opened.cutoff.prefix(10))
            try db.run("""
                INSERT INTO assessment_year (year, cutoff, opened_seq) VALUES (?, ?, ?)
                ON CONFLICT (year) DO UPDATE SET cutoff = excluded.cutoff
                """, opened.year, cutoff, event.seq)
            cachedYears = nil
            if enterprises.building {
                try enterprises.updateAll { uscc, row in
                    try recount(&row, changes: stageChanges.row(uscc, in: db) ?? [], years: [(opened.year, cutoff)])
                }
            } else {
                try flushLive(in: db)
                try recountYear(opened.year, cutoff: cutoff, in: db)
            }
        case .annualAssessmentClosed:
            let closed = try event.payload(AnnualAssessmentClosed.self)
            try db.run("UPDATE assessment_year SET closed_seq = ? WHERE year = ?", event.seq, closed.year)
            try db.run("DELETE FROM enterprise_year WHERE basis = 'frozen' AND year = ?", closed.year)
            try db.run("DELETE FROM stage_count WHERE basis = 'frozen' AND year = ?", closed.year)
            if enterprises.building {
                try freezeInMemory(closed.year, in: db)
            } else {
                try flushLive(in: db)
                try db.run("""
                    INSERT INTO enterprise_year SELECT 'frozen', year, uscc, stage, stage_seq, city, county, division, sectors, chains
                    FROM enterprise_year WHERE basis = 'known' AND year = ?
                    """, closed.year)
                try db.run("""
                    INSERT INTO stage_count SELECT 'frozen', year, dimension, code, stage, count
                    FROM stage_count WHERE basis = 'known' AND year = ?
                    """, closed.year)
            }
        case .planPublished:
            try PlanTargets.store(try event.payload(PlanPublished.self), in: db)
        default:
            break
        }
    }

    /// A stage found by a first assessment or reached by an upgrade: stored, then counted in the
    /// years whose cutoff it precedes.
    private func recordStage(_ event: ProjectedEvent, uscc: String, stage: Int, assessment: String, in db: Database) throws {
        try db.run("INSERT INTO stage_change VALUES (?, ?, ?, ?, ?)", event.seq, uscc, event.date, stage, assessment)
        let change = StageChange(seq: Int64(event.seq), date: event.date, stage: stage)
        if try !stageChanges.update(uscc, in: db, { $0.append(change) }) { stageChanges.set(uscc, [change]) }
        let date = event.date
        try recount(uscc, years: years(in: db).filter { $0.cutoff >= date }, in: db)
    }

    private func years(in db: Database) throws -> [(year: Int, cutoff: String)] {
        if let cachedYears { return cachedYears }
        let years = try Row.fetchAll(db.cachedStatement(sql: "SELECT year, cutoff FROM assessment_year ORDER BY year")).map { ($0[0] as Int, $0[1] as String) }
        cachedYears = years
        return years
    }

    /// One enterprise's place in one year's figures: its stage and the groups it is counted in.
    private struct Contribution: Equatable {
        var stage: Int
        var stageSeq: Int64?
        var groups: Groups
    }

    /// The groups an enterprise is counted in — city, county, division, sector groups, chains —
    /// each text as its small integer code (``GroupCodes``): contributions compare and hash as
    /// a few integers instead of five strings.
    private struct Groups: Hashable {
        var city: Int32
        var county: Int32
        var division: Int32
        var sectors: Int32
        var chains: Int32
    }

    /// The codes of the group texts this fold has seen (in memory only; never stored).
    private final class GroupCodes {
        private var codes: [String: Int32] = [:]
        private var texts: [String] = []

        func code(_ text: String) -> Int32 {
            if let code = codes[text] { return code }
            let code = Int32(texts.count)
            texts.append(text)
            codes[text] = code
            return code
        }

        subscript(code: Int32) -> String { texts[Int(code)] }

        func groups(city: String, county: String, division: String, sectors: String, chains: String) -> Groups {
            Groups(city: code(city), county: code(county), division: code(division), sectors: code(sectors), chains: code(chains))
        }

        func groups(of row: Enterprise) -> Groups {
            groups(city: row.city, county: row.county, division: row.division, sectors: row.sectors, chains: row.chains)
        }
    }

    private let codes = GroupCodes()

    /// One row of `enterprise`, with the enterprise's known contributions by year.
    private struct Enterprise {
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
        var known: [Int: Contribution] = [:]
        /// Years whose known contribution was removed (their stored rows are deleted on save).
        var removed: Set<Int> = []
        /// Building: years in ``CoverageMetrics/storedKnownYears`` whose contribution changed
        /// since it was written.
        var changedSinceStored: Set<Int> = []
    }

    /// One row of `stage_change`, as the fold reads it.
    private struct StageChange {
        var seq: Int64
        var date: String
        var stage: Int

        static func load(_ uscc: String, in db: Database) throws -> [StageChange]? {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT seq, on_date, stage FROM stage_change WHERE uscc = ?"), arguments: [uscc])
                .map { StageChange(seq: $0[0], date: $0[1], stage: $0[2]) }
        }
    }

    private func loadEnterprise(_ uscc: String, in db: Database) throws -> Enterprise? {
        guard let stored = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT name, city, county, industry, division, sectors, chains, year_entered, year_left, assessed FROM enterprise WHERE uscc = ?
            """), arguments: [uscc]) else { return nil }
        var row = Enterprise(name: stored[0], city: stored[1], county: stored[2], industry: stored[3], division: stored[4],
                             sectors: stored[5], chains: stored[6], yearEntered: stored[7], yearLeft: stored[8], assessed: stored[9])
        row.groups = codes.groups(of: row)
        let years = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT year, stage, stage_seq, city, county, division, sectors, chains FROM enterprise_year
            WHERE basis = 'known' AND year IN (SELECT year FROM assessment_year) AND uscc = ?
            """), arguments: [uscc])
        while let year = try years.next() {
            row.known[year[0]] = Contribution(stage: year[1], stageSeq: year[2],
                                              groups: codes.groups(city: year[3], county: year[4], division: year[5], sectors: year[6], chains: year[7]))
        }
        return row
    }

    private func save(_ uscc: String, _ row: Enterprise, in db: Database) throws {
        try db.run("INSERT OR REPLACE INTO enterprise VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", uscc, row.name, row.city, row.county, row.industry, row.division, row.sectors, row.chains, row.yearEntered, row.yearLeft, row.assessed)
        for year in row.removed where row.known[year] == nil {
            try db.run("DELETE FROM enterprise_year WHERE basis = 'known' AND year = ? AND uscc = ?", year, uscc)
        }
        for year in row.known.keys.sorted() where !storedKnownYears.contains(year) || row.changedSinceStored.contains(year) {
            let known = row.known[year]!
            try db.run("INSERT OR REPLACE INTO enterprise_year VALUES ('known', ?, ?, ?, ?, ?, ?, ?, ?, ?)", year, uscc, known.stage, known.stageSeq,
                       codes[known.groups.city], codes[known.groups.county], codes[known.groups.division], codes[known.groups.sectors], codes[known.groups.chains])
        }
    }

    /// Recomputes an enterprise's contribution to `years` (known basis) and moves the counts.
    private func recount(_ uscc: String, years: [(year: Int, cutoff: String)], in db: Database) throws {
        guard !years.isEmpty else { return }
        let changes = try stageChanges.row(uscc, in: db) ?? []
        try enterprises.update(uscc, in: db) { recount(&$0, changes: changes, years: years) }
    }

    /// Recomputes one enterprise's contribution to `years` from its stage changes.
    private func recount(_ row: inout Enterprise, changes: [StageChange], years: [(year: Int, cutoff: String)]) {
        for (year, cutoff) in years {
            var new: Contribution?
            if row.yearEntered <= year, row.yearLeft.map({ $0 > year }) ?? true {
                // The highest stage reached by the cutoff (the earliest record of it).
                var best: StageChange?
                for change in changes where change.date <= cutoff {
                    if let current = best, current.stage > change.stage || (current.stage == change.stage && current.seq < change.seq) { continue }
                    best = change
                }
                new = Contribution(stage: best?.stage ?? 0, stageSeq: best?.seq, groups: row.groups)
            }
            let old = row.known[year]
            guard old != new else { continue }
            if let old { count(old, year: year, delta: -1) }
            if let new { count(new, year: year, delta: 1) } else { row.removed.insert(year) }
            row.known[year] = new
            if storedKnownYears.contains(year) { row.changedSinceStored.insert(year) }
        }
    }

    /// Recomputes one year's known figures from scratch, set-based (when a year opens in a live
    /// file, every enterprise's contribution changes at once). Gives exactly what per-enterprise
    /// recounts give (a build from zero recounts each enterprise in memory instead).
    private func recountYear(_ year: Int, cutoff: String, in db: Database) throws {
        try db.run("DELETE FROM enterprise_year WHERE basis = 'known' AND year = ?", year)
        try db.run("DELETE FROM stage_count WHERE basis = 'known' AND year = ?", year)
        try db.run("""
            INSERT INTO enterprise_year (basis, year, uscc, stage, stage_seq, city, county, division, sectors, chains)
            SELECT 'known', ?1, e.uscc, coalesce(s.stage, 0), s.seq, e.city, e.county, e.division, e.sectors, e.chains
            FROM enterprise e LEFT JOIN stage_change s ON s.seq = (
                SELECT seq FROM stage_change WHERE uscc = e.uscc AND on_date <= ?2 ORDER BY stage DESC, seq LIMIT 1)
            WHERE e.year_entered <= ?1 AND (e.year_left IS NULL OR e.year_left > ?1)
            """, year, cutoff)
        var counts: [GroupKey: Int] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT city, county, division, sectors, chains, stage, count(*) FROM enterprise_year
            WHERE basis = 'known' AND year = ? GROUP BY city, county, division, sectors, chains, stage
            """, arguments: [year])
        while let row = try rows.next() {
            let groups = codes.groups(city: row[0], county: row[1], division: row[2], sectors: row[3], chains: row[4])
            for (dimension, code) in texts(of: groups) {
                counts[GroupKey(dimension: dimension, code: code, stage: row[5]), default: 0] += row[6] as Int
            }
        }
        for (key, count) in counts {
            try db.run("INSERT INTO stage_count VALUES ('known', ?, ?, ?, ?, ?)", year, key.dimension, key.code, key.stage, count)
        }
    }

    /// Building: years whose known rows were written at their close (``freezeInMemory(_:in:)``);
    /// the final write skips each enterprise's contribution to them unless it changed since.
    private var storedKnownYears: Set<Int> = []

    /// A close while building: the year's known contributions, as they stand in memory, are
    /// written as its known and its frozen rows; its counts become its frozen counts.
    private func freezeInMemory(_ year: Int, in db: Database) throws {
        let known = try db.cachedStatement(sql: "INSERT OR REPLACE INTO enterprise_year VALUES ('known', ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let frozen = try db.cachedStatement(sql: "INSERT INTO enterprise_year VALUES ('frozen', ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let delete = try db.cachedStatement(sql: "DELETE FROM enterprise_year WHERE basis = 'known' AND year = ? AND uscc = ?")
        // Closed before: only the rows changed since differ; the frozen copy is then made in SQL.
        let rewrite = storedKnownYears.contains(year)
        try enterprises.forEachSorted { uscc, row in
            if rewrite, !row.changedSinceStored.contains(year) { return }
            if let contribution = row.known[year] {
                let groups = contribution.groups
                try known.run(year, uscc, contribution.stage, contribution.stageSeq,
                              codes[groups.city], codes[groups.county], codes[groups.division], codes[groups.sectors], codes[groups.chains])
                if !rewrite {
                    try frozen.run(year, uscc, contribution.stage, contribution.stageSeq,
                                   codes[groups.city], codes[groups.county], codes[groups.division], codes[groups.sectors], codes[groups.chains])
                }
            } else if rewrite {
                try delete.run(year, uscc)
            }
        }
        if rewrite {
            enterprises.updateAll { _, row in row.changedSinceStored.remove(year) }
            try db.run("""
                INSERT INTO enterprise_year SELECT 'frozen', year, uscc, stage, stage_seq, city, county, division, sectors, chains
                FROM enterprise_year WHERE basis = 'known' AND year = ?
                """, year)
        }
        storedKnownYears.insert(year)
        for (key, count) in groupCounts(pendingCounts.filter { $0.key.year == year }) where count != 0 {
            try db.run("INSERT INTO stage_count VALUES ('frozen', ?, ?, ?, ?, ?)", year, key.dimension, key.code, key.stage, count)
        }
    }

    private struct GroupKey: Hashable {
        var dimension: String
        var code: String
        var stage: Int
    }

    /// The groups an enterprise's contribution is counted in.
    private func texts(of groups: Groups) -> [(String, String)] {
        let sectors = codes[groups.sectors], chains = codes[groups.chains]
        var groups = [("province", Self.province), ("city", codes[groups.city]), ("county", codes[groups.county]), ("industry", codes[groups.division])]
        for sector in sectors.split(separator: ",") { groups.append(("sector", String(sector))) }
        for chain in Self.chains(chains) { groups.append(("chain", chain)) }
        return groups
    }

    private func division(of industry: String) -> String {
        classification(of: industry).division
    }

    private func sectors(of industry: String) -> String {
        classification(of: industry).sectors
    }

    /// An industry code's division and sector groups, worked out once per code.
    private func classification(of industry: String) -> (division: String, sectors: String) {
        if let known = classifications[industry] { return known }
        let classification = (reference.industry(for: industry).map { "C" + $0.code } ?? industry,
                              reference.sectorGroups(for: industry).map(\.id).joined(separator: ","))
        classifications[industry] = classification
        return classification
    }

    private var classifications: [String: (division: String, sectors: String)] = [:]

    /// Moves the known counts of `contribution`'s groups by `delta` (written by ``flushCounts(in:)``).
    /// Kept per signature — the stage and groups together — and spread over the groups when
    /// written: far fewer distinct signatures than moves.
    private func count(_ contribution: Contribution, year: Int, delta: Int) {
        pendingCounts[Signature(year: year, stage: contribution.stage, groups: contribution.groups), default: 0] += delta
    }

    /// What a contribution is counted under: its year, stage and groups.
    private struct Signature: Hashable {
        var year: Int
        var stage: Int
        var groups: Groups
    }

    /// Signature counts spread over the groups they are counted in.
    private func groupCounts(_ signatures: [Signature: Int]) -> [CountKey: Int] {
        var counts: [CountKey: Int] = [:]
        for (signature, delta) in signatures where delta != 0 {
            for (dimension, code) in texts(of: signature.groups) {
                counts[CountKey(year: signature.year, dimension: dimension, code: code, stage: signature.stage), default: 0] += delta
            }
        }
        return counts
    }

    private struct CountKey: Hashable {
        var year: Int
        var dimension: String
        var code: String
        var stage: Int
    }

    /// Writes the buffered count changes; a group whose count reaches 0 is removed.
    private func flushCounts(in db: Database) throws {
        for (key, delta) in groupCounts(pendingCounts) where delta != 0 {
            try db.run("""
                INSERT INTO stage_count VALUES ('known', ?1, ?2, ?3, ?4, ?5)
                ON CONFLICT DO UPDATE SET count = count + ?5
                """, key.year, key.dimension, key.code, key.stage, delta)
            if delta < 0 {
                try db.run("DELETE FROM stage_count WHERE basis = 'known' AND year = ? AND dimension = ? AND code = ? AND stage = ? AND count = 0", key.year, key.dimension, key.code, key.stage)
            }
        }
        pendingCounts.removeAll(keepingCapacity: true)
    }

    /// Chains stored as one text column: sorted, unique, separated by U+001F.
    static func chainsText(_ chains: [String]) -> String {
        Set(chains).sorted().joined(separator: "\u{1F}")
    }

    static func chains(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\u{1F}").map(String.init)
    }
}

/// The plan's targets (year → name → value), kept by every read model that reports progress.
enum PlanTargets {
    static func store(_ plan: PlanPublished, in db: Database) throws {
        for (year, targets) in plan.targets {
            guard let year = Int(year) else { continue }
            for (name, value) in targets {
                try db.run("INSERT OR REPLACE INTO plan_target VALUES (?, ?, ?)", year, name, value)
            }
        }
    }
}
