import Domain
import GRDB

/// 待转型企业库 (一企一档): every enterprise that was at L0, its progress through the five steps
/// (online assessment, on-site diagnosis, entrepreneur training, provider matching, free trial),
/// its last contact, and the date it left the library by reaching L1.
public final class PendingLibrary: Projection {
    public static let name = "pending"
    public static let summary = "待转型企业库: L0 enterprises, their five steps, last contact, leaving the library"
    public static let version = 1
    public static let queryOnlyIndexes = ["enterprise_by_city", "contact_by_enterprise"]

    /// The five steps, in order, with the column holding each one's first date.
    public static let steps: [(step: String, column: String, title: String)] = [
        ("onlineAssessment", "online_assessment_on", "网上评测"),
        ("diagnosis", "diagnosis_on", "现场诊断"),
        ("training", "training_on", "企业家培训"),
        ("matching", "matching_on", "服务商对接"),
        ("trial", "trial_on", "免费体验"),
    ]

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("pending v1") { db in
            try db.execute(sql: """
                CREATE TABLE enterprise (
                    uscc TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    city TEXT NOT NULL,
                    county TEXT NOT NULL,
                    industry TEXT NOT NULL,
                    registered_on TEXT NOT NULL,
                    stage INTEGER NOT NULL DEFAULT 0,
                    online_assessment_on TEXT,
                    diagnosis_on TEXT,
                    training_on TEXT,
                    matching_on TEXT,
                    trial_on TEXT,
                    contacts INTEGER NOT NULL DEFAULT 0,
                    last_contact_on TEXT,
                    left_library_on TEXT,
                    left_population_year INTEGER,
                    assessed INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE INDEX enterprise_by_city ON enterprise (city, county);
                CREATE TABLE contact (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    uscc TEXT NOT NULL,
                    step TEXT,
                    kind TEXT NOT NULL,
                    on_date TEXT NOT NULL
                );
                CREATE INDEX contact_by_enterprise ON contact (uscc, on_date);
                CREATE TABLE stage_change (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    uscc TEXT NOT NULL,
                    on_date TEXT NOT NULL,
                    stage INTEGER NOT NULL,
                    kind TEXT NOT NULL
                );
                CREATE INDEX stage_change_by_enterprise ON stage_change (uscc);
                """)
        }
    }

    public init() {}

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        guard event.category == "enterprise" else { return }
        let uscc = event.streamID
        switch event.type {
        case EnterpriseRegistered.type:
            let registered = try event.payload(EnterpriseRegistered.self)
            try db.run("""
                INSERT INTO enterprise (uscc, name, city, county, industry, registered_on) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, city = excluded.city, county = excluded.county,
                    industry = excluded.industry, left_population_year = NULL
                """, [uscc, registered.name, registered.city, registered.county, registered.industry, event.date])
        case EnterpriseProfileCorrected.type:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try db.run("""
                UPDATE enterprise SET name = coalesce(?, name), city = coalesce(?, city), county = coalesce(?, county),
                    industry = coalesce(?, industry) WHERE uscc = ?
                """, [profile.name, profile.city, profile.county, profile.industry, uscc])
        case EnterpriseLeftPopulation.type:
            let left = try event.payload(EnterpriseLeftPopulation.self)
            try db.run("UPDATE enterprise SET left_population_year = ? WHERE uscc = ?", [left.year, uscc])
        case AssessmentRecorded.type:
            let assessment = try event.payload(AssessmentRecorded.self)
            // The first assessment sets the stage the enterprise starts from: one found above L0
            // was never in the pending library.
            try db.run("UPDATE enterprise SET assessed = 1 WHERE uscc = ? AND assessed = 0", [uscc])
            if db.changesCount > 0, assessment.stage > .l0 {
                try db.run("INSERT INTO stage_change (seq, uscc, on_date, stage, kind) VALUES (?, ?, ?, ?, 'baseline')", [event.seq, uscc, event.date, assessment.stage.level])
                try db.run("UPDATE enterprise SET stage = max(stage, ?) WHERE uscc = ?", [assessment.stage.level, uscc])
            }
            try contact(event, uscc: uscc, step: assessment.kind == .online ? "onlineAssessment" : nil, kind: "assessment:\(assessment.kind.rawValue)", in: db)
        case DiagnosisVisited.type:
            try contact(event, uscc: uscc, step: "diagnosis", kind: "diagnosis", in: db)
        case TrainingAttended.type:
            try contact(event, uscc: uscc, step: "training", kind: "training", in: db)
        case ProviderMatched.type:
            try contact(event, uscc: uscc, step: "matching", kind: "matching", in: db)
        case TrialStarted.type:
            try contact(event, uscc: uscc, step: "trial", kind: "trial", in: db)
        case TrialEnded.type:
            try contact(event, uscc: uscc, step: nil, kind: "trialEnded", in: db)
        case StageUpgraded.type:
            let upgrade = try event.payload(StageUpgraded.self)
            try db.run("INSERT INTO stage_change (seq, uscc, on_date, stage, kind) VALUES (?, ?, ?, ?, 'upgrade')", [event.seq, uscc, event.date, upgrade.to.level])
            try db.run("""
                UPDATE enterprise SET stage = max(stage, ?1),
                    left_library_on = CASE WHEN ?2 = 0 THEN min(coalesce(left_library_on, ?3), ?3) ELSE left_library_on END
                WHERE uscc = ?4
                """, [upgrade.to.level, upgrade.from.level, event.date, uscc])
        case EventRetracted.type:
            let retraction = try event.payload(EventRetracted.self)
            try db.run("DELETE FROM contact WHERE seq = ?", [retraction.seq])
            try db.run("DELETE FROM stage_change WHERE seq = ?", [retraction.seq])
            try recompute(uscc, in: db)
        default:
            break
        }
    }

    private func contact(_ event: ProjectedEvent, uscc: String, step: String?, kind: String, in db: Database) throws {
        try db.run("INSERT INTO contact (seq, uscc, step, kind, on_date) VALUES (?, ?, ?, ?, ?)", [event.seq, uscc, step, kind, event.date])
        if let column = Self.steps.first(where: { $0.step == step })?.column {
            try db.run("""
                UPDATE enterprise SET \(column) = min(coalesce(\(column), ?1), ?1), contacts = contacts + 1,
                    last_contact_on = max(coalesce(last_contact_on, ?1), ?1) WHERE uscc = ?2
                """, [event.date, uscc])
        } else {
            try db.run("""
                UPDATE enterprise SET contacts = contacts + 1, last_contact_on = max(coalesce(last_contact_on, ?1), ?1) WHERE uscc = ?2
                """, [event.date, uscc])
        }
    }

    /// Re-derives an enterprise's steps and stage from its remaining contacts and stage changes
    /// (after a retraction).
    private func recompute(_ uscc: String, in db: Database) throws {
        var assignments = Self.steps.map { "\($0.column) = (SELECT min(on_date) FROM contact WHERE uscc = ?1 AND step = '\($0.step)')" }
        assignments.append("contacts = (SELECT count(*) FROM contact WHERE uscc = ?1)")
        assignments.append("last_contact_on = (SELECT max(on_date) FROM contact WHERE uscc = ?1)")
        assignments.append("stage = coalesce((SELECT max(stage) FROM stage_change WHERE uscc = ?1), 0)")
        assignments.append("left_library_on = (SELECT min(on_date) FROM stage_change WHERE uscc = ?1 AND stage > 0 AND kind = 'upgrade')")
        try db.run("UPDATE enterprise SET \(assignments.joined(separator: ", ")) WHERE uscc = ?1", [uscc])
    }
}
