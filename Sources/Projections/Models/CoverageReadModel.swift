import Domain
import GRDB

/// 转型覆盖率 and 深度转型率 for each assessment year, by province, city, county, industry
/// (GB/T 4754 division), sector group and industrial chain: the population and its count per
/// stage, both as frozen when the year's assessment closed and as currently known (late records
/// with business dates before the cutoff included).
public final class CoverageReadModel: Projection {
    public static let name = "coverage"
    public static let summary = "转型覆盖率/深度转型率 per assessment year and region, industry, sector group, chain; frozen and as known"
    public static let version = 4
    public static let province = "370000"

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE assessment_year (
            year INTEGER PRIMARY KEY NOT NULL,
            cutoff TEXT NOT NULL,
            opened_seq INTEGER NOT NULL,
            closed_seq INTEGER
        )
        """,
        """
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
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE frozen_year (
            year INTEGER NOT NULL,
            uscc TEXT NOT NULL,
            stage INTEGER,
            stage_seq INTEGER,
            city TEXT,
            county TEXT,
            division TEXT,
            sectors TEXT,
            chains TEXT,
            PRIMARY KEY (year, uscc)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE known_year (
            year INTEGER NOT NULL,
            uscc TEXT NOT NULL,
            stage INTEGER NOT NULL,
            stage_seq INTEGER,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            division TEXT NOT NULL,
            sectors TEXT NOT NULL,
            chains TEXT NOT NULL,
            PRIMARY KEY (year, uscc)
        ) WITHOUT ROWID
        """,
        PlanTargets.schema,
        StageHistories.schema,
        """
        CREATE TABLE stage_count (
            basis TEXT NOT NULL,
            year INTEGER NOT NULL,
            dimension TEXT NOT NULL,
            code TEXT NOT NULL,
            stage INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (basis, year, dimension, code, stage)
        ) WITHOUT ROWID
        """,
        """
        CREATE VIEW enterprise_year (basis, year, uscc, stage, stage_seq, city, county, division, sectors, chains) AS
            SELECT 'known', year, uscc, stage, stage_seq, city, county, division, sectors, chains FROM known_year
            UNION ALL
            SELECT 'frozen', k.year, k.uscc, k.stage, k.stage_seq, k.city, k.county, k.division, k.sectors, k.chains
            FROM known_year k JOIN assessment_year a ON a.year = k.year AND a.closed_seq IS NOT NULL
            WHERE NOT EXISTS (SELECT 1 FROM frozen_year f WHERE f.year = k.year AND f.uscc = k.uscc)
            UNION ALL
            SELECT 'frozen', year, uscc, stage, stage_seq, city, county, division, sectors, chains FROM frozen_year
            WHERE stage IS NOT NULL
        """,
        StageHistories.index,
    ]

    /// The fold reads an enterprise's stage history only when maintaining a live file.
    public static let queryOnlyIndexes = [StageHistories.indexName]

    let reference = ReferenceData.standard

    /// Each enterprise's profile and its known contributions, folded in memory (``RowBuffer``).
    var enterprises: RowBuffer<Enterprise>!
    /// Each enterprise's stage history (kept apart: an assessment may precede the registration).
    let stages = StageHistories()
    /// The assessment years, read once per transaction.
    var cachedYears: [(year: Int, cutoff: String)]?
    /// The years whose assessment has closed (read with ``cachedYears``): a change to an
    /// enterprise's contribution to one of them keeps what it was at the close.
    var closedYears: [Int] = []
    /// Known count changes not yet written to `stage_count`; while building, the counts themselves.
    var pendingCounts: [Signature: Int] = [:]

    /// The integer codes of the group texts (``GroupCodes``).
    let codes = GroupCodes()

    /// Each industry code's division and sector groups, as worked out (``classification(of:)``).
    var classifications: [String: (division: String, sectors: String)] = [:]

    public init() {
        enterprises = RowBuffer(
            load: { [unowned self] uscc, db in try self.loadEnterprise(uscc, in: db) },
            save: { [unowned self] uscc, row, db in try self.save(uscc, row, in: db) })
    }

    /// Only the stage histories: the enterprises and their counts are written by
    /// ``finishTransaction(in:)`` and ``finishBuilding(in:)``, together.
    public var tables: [any FoldTable] { stages.tables }

    public func beginBuilding() {
        enterprises.beginBuilding()
    }

    public func beginTransaction(in db: Database) throws {
        enterprises.beginTransaction()
        cachedYears = nil
        if !enterprises.building { pendingCounts.removeAll(keepingCapacity: true) }
    }

    public func finishTransaction(in db: Database) throws {
        guard !enterprises.building else { return }
        try flushLive(in: db)
    }

    public func finishBuilding(in db: Database) throws {
        try writeBuilt(in: db)
        try flushCounts(in: db)
    }

    /// Writes a live transaction's buffered rows and counts (before set-based SQL and at its end).
    func flushLive(in db: Database) throws {
        try stages.flush()
        try enterprises.finishTransaction(in: db)
        try flushCounts(in: db)
    }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        let key = RowKey(streamOf: event)
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            // A re-registration replaces the profile and keeps whether it was assessed.
            var row = try enterprises.row(key, in: db) ?? Enterprise()
            row.name = registered.name
            row.city = registered.city
            row.county = registered.county
            row.industry = registered.industry
            (row.division, row.sectors) = classification(of: registered.industry)
            row.chains = Self.chainsText(registered.chains ?? [])
            row.yearEntered = registered.yearEntered
            row.yearLeft = nil
            row.groups = codes.groups(of: row)
            enterprises.set(key, row)
            try recount(key, years: years(in: db), in: db)
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            let known = try enterprises.update(key, in: db) { row in
                row.name = profile.name ?? row.name
                row.city = profile.city ?? row.city
                row.county = profile.county ?? row.county
                if let industry = profile.industry {
                    row.industry = industry
                    (row.division, row.sectors) = classification(of: industry)
                }
                row.chains = profile.chains.map(Self.chainsText) ?? row.chains
                row.groups = codes.groups(of: row)
            }
            if known { try recount(key, years: years(in: db), in: db) }
        case .enterpriseLeftPopulation:
            let left = try event.payload(EnterpriseLeftPopulation.self)
            if try enterprises.update(key, in: db, { $0.yearLeft = left.year }) { try recount(key, years: years(in: db), in: db) }
        case .assessmentRecorded, .stageUpgraded:
            // The stage on each cutoff is what the latest assessment by then found (StageHistory):
            // only the years whose cutoff is on or after this one's date can change.
            guard let change = try stages.record(event, in: db) else { break }
            try enterprises.update(key, in: db) { $0.assessed = true }
            try recount(key, history: change.after, years: years(in: db).filter { $0.cutoff >= event.date }, in: db)
        case .eventRetracted where event.category == "enterprise":
            let retraction = try event.retractionContext()
            guard let retracted = retraction.retracted, let change = try stages.retract(retracted.seq, of: key, in: db) else { break }
            try enterprises.update(key, in: db) { $0.assessed = change.after.isAssessed }
            try recount(key, history: change.after, years: years(in: db), in: db)
        case .annualAssessmentOpened:
            let opened = try event.payload(AnnualAssessmentOpened.self)
            let cutoff = String(opened.cutoff.prefix(10))
            try db.run(
                """
                INSERT INTO assessment_year (year, cutoff, opened_seq) VALUES (?, ?, ?)
                ON CONFLICT (year) DO UPDATE SET cutoff = excluded.cutoff
                """, opened.year, cutoff, event.seq)
            cachedYears = nil
            try recountEveryone(opened.year, cutoff: cutoff, in: db)
        case .annualAssessmentClosed:
            let closed = try event.payload(AnnualAssessmentClosed.self)
            // From the close on, the year's figures as frozen are what is known now; a later
            // change to a contribution keeps the contribution as it was (``recount``).
            let closedBefore = try isClosed(closed.year, in: db)
            try db.run("UPDATE assessment_year SET closed_seq = ? WHERE year = ?", event.seq, closed.year)
            try db.run("DELETE FROM stage_count WHERE basis = 'frozen' AND year = ?", closed.year)
            cachedYears = nil
            try freeze(closed.year, closedBefore: closedBefore, in: db)
        case .planPublished:
            try PlanTargets.store(try event.payload(PlanPublished.self), in: db)
        default:
            break
        }
    }

    /// Whether `year`'s assessment has closed.
    func isClosed(_ year: Int, in db: Database) throws -> Bool {
        _ = try years(in: db)
        return closedYears.contains(year)
    }

    func years(in db: Database) throws -> [(year: Int, cutoff: String)] {
        if let cachedYears { return cachedYears }
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT year, cutoff, closed_seq IS NOT NULL FROM assessment_year ORDER BY year"))
        let years = rows.map { ($0[0] as Int, $0[1] as String) }
        closedYears = rows.filter { $0[2] as Bool }.map { $0[0] as Int }
        cachedYears = years
        return years
    }
}

/// The plan's targets (year → name → value), kept by every read model that reports progress.
enum PlanTargets {
    /// The `plan_target` table, the same in each of those read models.
    static let schema = """
        CREATE TABLE plan_target (
            year INTEGER NOT NULL,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (year, name)
        ) WITHOUT ROWID
        """

    static func store(_ plan: PlanPublished, in db: Database) throws {
        for (year, targets) in plan.targets {
            guard let year = Int(year) else { continue }
            for (name, value) in targets {
                try db.run("INSERT OR REPLACE INTO plan_target VALUES (?, ?, ?)", year, name, value)
            }
        }
    }
}
