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

    private let reference = ReferenceData.standard

    public init() {}

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.type {
        case EnterpriseRegistered.type:
            let registered = try event.payload(EnterpriseRegistered.self)
            try db.run("""
                INSERT INTO enterprise VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)
                ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, city = excluded.city, county = excluded.county,
                    industry = excluded.industry, division = excluded.division, sectors = excluded.sectors,
                    chains = excluded.chains, year_entered = excluded.year_entered, year_left = NULL
                """, [event.streamID, registered.name, registered.city, registered.county, registered.industry,
                      division(of: registered.industry), sectors(of: registered.industry),
                      Self.chainsText(registered.chains ?? []), registered.yearEntered])
            try recount(event.streamID, years: years(in: db), in: db)
        case EnterpriseProfileCorrected.type:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try db.run("""
                UPDATE enterprise SET name = coalesce(?, name), city = coalesce(?, city), county = coalesce(?, county),
                    industry = coalesce(?, industry), division = coalesce(?, division), sectors = coalesce(?, sectors),
                    chains = coalesce(?, chains) WHERE uscc = ?
                """, [profile.name, profile.city, profile.county, profile.industry, profile.industry.map(division(of:)),
                      profile.industry.map(sectors(of:)), profile.chains.map(Self.chainsText), event.streamID])
            try recount(event.streamID, years: years(in: db), in: db)
        case EnterpriseLeftPopulation.type:
            let left = try event.payload(EnterpriseLeftPopulation.self)
            try db.run("UPDATE enterprise SET year_left = ? WHERE uscc = ?", [left.year, event.streamID])
            try recount(event.streamID, years: years(in: db), in: db)
        case AssessmentRecorded.type:
            // An enterprise's first assessment sets the stage it starts from (the domain rules
            // read stages the same way); later ones only matter through upgrades.
            let assessment = try event.payload(AssessmentRecorded.self)
            try db.run("UPDATE enterprise SET assessed = 1 WHERE uscc = ? AND assessed = 0", [event.streamID])
            if db.changesCount > 0, assessment.stage > .l0 {
                try db.run("INSERT INTO stage_change VALUES (?, ?, ?, ?, ?)", [event.seq, event.streamID, event.date, assessment.stage.level, assessment.assessment])
                try recount(event.streamID, years: years(in: db).filter { $0.cutoff >= event.date }, in: db)
            }
        case StageUpgraded.type:
            let upgrade = try event.payload(StageUpgraded.self)
            try db.run("INSERT INTO stage_change VALUES (?, ?, ?, ?, ?)", [event.seq, event.streamID, event.date, upgrade.to.level, upgrade.assessment])
            try recount(event.streamID, years: years(in: db).filter { $0.cutoff >= event.date }, in: db)
        case EventRetracted.type where event.category == "enterprise":
            let retraction = try event.payload(EventRetracted.self)
            try db.run("DELETE FROM stage_change WHERE seq = ?", [retraction.seq])
            if db.changesCount > 0 { try recount(event.streamID, years: years(in: db), in: db) }
        case AnnualAssessmentOpened.type:
            let opened = try event.payload(AnnualAssessmentOpened.self)
            try db.run("""
                INSERT INTO assessment_year (year, cutoff, opened_seq) VALUES (?, ?, ?)
                ON CONFLICT (year) DO UPDATE SET cutoff = excluded.cutoff
                """, [opened.year, String(opened.cutoff.prefix(10)), event.seq])
            try flushCounts(in: db)
            try recountYear(opened.year, cutoff: String(opened.cutoff.prefix(10)), in: db)
        case AnnualAssessmentClosed.type:
            try flushCounts(in: db)
            let closed = try event.payload(AnnualAssessmentClosed.self)
            try db.run("UPDATE assessment_year SET closed_seq = ? WHERE year = ?", [event.seq, closed.year])
            try db.run("DELETE FROM enterprise_year WHERE basis = 'frozen' AND year = ?", [closed.year])
            try db.run("DELETE FROM stage_count WHERE basis = 'frozen' AND year = ?", [closed.year])
            try db.run("""
                INSERT INTO enterprise_year SELECT 'frozen', year, uscc, stage, stage_seq, city, county, division, sectors, chains
                FROM enterprise_year WHERE basis = 'known' AND year = ?
                """, [closed.year])
            try db.run("""
                INSERT INTO stage_count SELECT 'frozen', year, dimension, code, stage, count
                FROM stage_count WHERE basis = 'known' AND year = ?
                """, [closed.year])
        case PlanPublished.type:
            try PlanTargets.store(try event.payload(PlanPublished.self), in: db)
        default:
            break
        }
    }

    private func years(in db: Database) throws -> [(year: Int, cutoff: String)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT year, cutoff FROM assessment_year ORDER BY year")).map { ($0[0], $0[1]) }
    }

    /// One enterprise's place in one year's figures: its stage and the groups it is counted in.
    private struct Contribution: Equatable {
        var stage: Int
        var stageSeq: Int64?
        var city: String
        var county: String
        var division: String
        var sectors: String
        var chains: String
    }

    /// Recomputes an enterprise's contribution to `years` (known basis) and moves the counts.
    private func recount(_ uscc: String, years: [(year: Int, cutoff: String)], in db: Database) throws {
        guard !years.isEmpty else { return }
        let profile = try Row.fetchOne(db.cachedStatement(sql: "SELECT city, county, division, sectors, chains, year_entered, year_left FROM enterprise WHERE uscc = ?"), arguments: [uscc])
        for (year, cutoff) in years {
            var new: Contribution?
            if let profile, (profile[5] as Int) <= year, (profile[6] as Int?).map({ $0 > year }) ?? true {
                let stage = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT stage, seq FROM stage_change WHERE uscc = ? AND on_date <= ? ORDER BY stage DESC, seq LIMIT 1
                    """), arguments: [uscc, cutoff])
                new = Contribution(
                    stage: stage?[0] ?? 0, stageSeq: stage?[1], city: profile[0], county: profile[1], division: profile[2],
                    sectors: profile[3], chains: profile[4])
            }
            let stored = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT stage, stage_seq, city, county, division, sectors, chains FROM enterprise_year WHERE basis = 'known' AND year = ? AND uscc = ?
                """), arguments: [year, uscc])
            let old = stored.map { Contribution(stage: $0[0], stageSeq: $0[1], city: $0[2], county: $0[3], division: $0[4], sectors: $0[5], chains: $0[6]) }
            guard old != new else { continue }
            if let old {
                try count(old, year: year, delta: -1, in: db)
                try db.run("DELETE FROM enterprise_year WHERE basis = 'known' AND year = ? AND uscc = ?", [year, uscc])
            }
            if let new {
                try count(new, year: year, delta: 1, in: db)
                try db.run("INSERT INTO enterprise_year VALUES ('known', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [year, uscc, new.stage, new.stageSeq, new.city, new.county, new.division, new.sectors, new.chains])
            }
        }
    }

    /// Recomputes one year's known figures from scratch, set-based (when a year opens, every
    /// enterprise's contribution changes at once). Gives exactly what per-enterprise recounts give.
    private func recountYear(_ year: Int, cutoff: String, in db: Database) throws {
        try db.run("DELETE FROM enterprise_year WHERE basis = 'known' AND year = ?", [year])
        try db.run("DELETE FROM stage_count WHERE basis = 'known' AND year = ?", [year])
        try db.run("""
            INSERT INTO enterprise_year (basis, year, uscc, stage, stage_seq, city, county, division, sectors, chains)
            SELECT 'known', ?1, e.uscc, coalesce(s.stage, 0), s.seq, e.city, e.county, e.division, e.sectors, e.chains
            FROM enterprise e LEFT JOIN stage_change s ON s.seq = (
                SELECT seq FROM stage_change WHERE uscc = e.uscc AND on_date <= ?2 ORDER BY stage DESC, seq LIMIT 1)
            WHERE e.year_entered <= ?1 AND (e.year_left IS NULL OR e.year_left > ?1)
            """, [year, cutoff])
        var counts: [GroupKey: Int] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT city, county, division, sectors, chains, stage, count(*) FROM enterprise_year
            WHERE basis = 'known' AND year = ? GROUP BY city, county, division, sectors, chains, stage
            """, arguments: [year])
        while let row = try rows.next() {
            let contribution = Contribution(stage: row[5], stageSeq: nil, city: row[0], county: row[1], division: row[2], sectors: row[3], chains: row[4])
            for (dimension, code) in groups(of: contribution) {
                counts[GroupKey(dimension: dimension, code: code, stage: contribution.stage), default: 0] += row[6] as Int
            }
        }
        for (key, count) in counts {
            try db.run("INSERT INTO stage_count VALUES ('known', ?, ?, ?, ?, ?)", [year, key.dimension, key.code, key.stage, count])
        }
    }

    private struct GroupKey: Hashable {
        var dimension: String
        var code: String
        var stage: Int
    }

    /// The groups an enterprise's contribution is counted in.
    private func groups(of contribution: Contribution) -> [(String, String)] {
        var groups = [("province", Self.province), ("city", contribution.city), ("county", contribution.county), ("industry", contribution.division)]
        for sector in contribution.sectors.split(separator: ",") { groups.append(("sector", String(sector))) }
        for chain in Self.chains(contribution.chains) { groups.append(("chain", chain)) }
        return groups
    }

    private func division(of industry: String) -> String {
        reference.industry(for: industry).map { "C" + $0.code } ?? industry
    }

    private func sectors(of industry: String) -> String {
        reference.sectorGroups(for: industry).map(\.id).joined(separator: ",")
    }

    /// Moves the known counts of `contribution`'s groups by `delta`: buffered in memory and
    /// written once per group and transaction (``flushCounts(in:)``).
    private func count(_ contribution: Contribution, year: Int, delta: Int, in db: Database) throws {
        for (dimension, code) in groups(of: contribution) {
            pendingCounts[CountKey(year: year, dimension: dimension, code: code, stage: contribution.stage), default: 0] += delta
        }
    }

    private struct CountKey: Hashable {
        var year: Int
        var dimension: String
        var code: String
        var stage: Int
    }

    /// Count changes not yet written to `stage_count`.
    private var pendingCounts: [CountKey: Int] = [:]

    /// Writes the buffered count changes; a group whose count reaches 0 is removed.
    private func flushCounts(in db: Database) throws {
        for (key, delta) in pendingCounts where delta != 0 {
            try db.run("""
                INSERT INTO stage_count VALUES ('known', ?1, ?2, ?3, ?4, ?5)
                ON CONFLICT DO UPDATE SET count = count + ?5
                """, [key.year, key.dimension, key.code, key.stage, delta])
            if delta < 0 {
                try db.run("DELETE FROM stage_count WHERE basis = 'known' AND year = ? AND dimension = ? AND code = ? AND stage = ? AND count = 0",
                           [key.year, key.dimension, key.code, key.stage])
            }
        }
        pendingCounts.removeAll(keepingCapacity: true)
    }

    public func beginTransaction(in db: Database) throws {
        pendingCounts.removeAll(keepingCapacity: true)
    }

    public func finishTransaction(in db: Database) throws {
        try flushCounts(in: db)
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
                try db.run("INSERT OR REPLACE INTO plan_target VALUES (?, ?, ?)", [year, name, value])
            }
        }
    }
}
