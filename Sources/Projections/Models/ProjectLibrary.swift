import Domain
import GRDB

/// 项目库 (一项一档): every transformation project with its enterprise, domain, providers, status,
/// milestones, outcome and whether it is proposed as a benchmark case.
public final class ProjectLibrary: Projection {
    public static let name = "projects"
    public static let summary = "一项一档: projects, enterprise, domain, providers, status, milestones, outcome"
    public static let version = 2
    public static let queryOnlyIndexes = ["project_by_enterprise", "milestone_by_project"]

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("projects v1") { db in
            try db.execute(sql: """
                CREATE TABLE enterprise (
                    uscc TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    city TEXT NOT NULL,
                    county TEXT NOT NULL,
                    industry TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE project (
                    project TEXT PRIMARY KEY NOT NULL,
                    enterprise TEXT NOT NULL,
                    domain TEXT NOT NULL,
                    providers TEXT NOT NULL,
                    budget_fen INTEGER NOT NULL,
                    target_stage INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    filed_on TEXT NOT NULL,
                    milestones INTEGER NOT NULL DEFAULT 0,
                    last_milestone TEXT,
                    last_milestone_on TEXT,
                    closed_on TEXT,
                    outcome TEXT,
                    benchmark_candidate INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE INDEX project_by_enterprise ON project (enterprise);
                CREATE TABLE milestone (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    project TEXT NOT NULL,
                    milestone TEXT NOT NULL,
                    reached_on TEXT NOT NULL,
                    note TEXT
                );
                CREATE INDEX milestone_by_project ON milestone (project);
                """)
        }
        // Which event closed a project, so that retracting it reopens the project.
        migrator.registerMigration("projects v2") { db in
            try db.execute(sql: "ALTER TABLE project ADD COLUMN closed_seq INTEGER")
        }
    }

    /// The `enterprise` rows, folded in memory (see ``RowBuffer``): registered in log order,
    /// they would go into the table's B-tree at random places.
    private let enterprises = RowBuffer<Profile>(load: Profile.load, save: Profile.save)

    public init() {}

    public func beginBuilding() { enterprises.beginBuilding() }
    public func finishBuilding(in db: Database) throws { try enterprises.finishBuilding(into: Profile.insert(db)) { try Profile.add($1, $2, to: $0) } }
    public func beginTransaction(in db: Database) throws { enterprises.beginTransaction() }
    public func finishTransaction(in db: Database) throws { try enterprises.finishTransaction(in: db) }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            enterprises.set(RowKey(streamOf: event), Profile(name: registered.name, city: registered.city, county: registered.county, industry: registered.industry))
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try enterprises.update(RowKey(streamOf: event), in: db) { row in
                row.name = profile.name ?? row.name
                row.city = profile.city ?? row.city
                row.county = profile.county ?? row.county
                row.industry = profile.industry ?? row.industry
            }
        case .projectFiled:
            let filed = try event.payload(ProjectFiled.self)
            try db.run("""
                INSERT OR REPLACE INTO project (project, enterprise, domain, providers, budget_fen, target_stage, status, filed_on)
                VALUES (?, ?, ?, ?, ?, ?, 'filed', ?)
                """, event.streamID, filed.enterprise, filed.domain.rawValue, filed.providers.joined(separator: ","), filed.budgetFen, filed.targetStage.level, event.date)
        case .projectMilestoneReached:
            let reached = try event.payload(ProjectMilestoneReached.self)
            try db.run("INSERT INTO milestone VALUES (?, ?, ?, ?, ?)", event.seq, event.streamID, reached.milestone, event.date, reached.note)
            try db.run("""
                UPDATE project SET milestones = milestones + 1, last_milestone = ?, last_milestone_on = ?,
                    status = CASE status WHEN 'filed' THEN 'inProgress' ELSE status END WHERE project = ?
                """, reached.milestone, event.date, event.streamID)
        case .projectCompleted:
            let completed = try event.payload(ProjectCompleted.self)
            try db.run("UPDATE project SET status = 'completed', closed_on = ?, outcome = ?, benchmark_candidate = ?, closed_seq = ? WHERE project = ?",
                       event.date, completed.results, completed.benchmarkCandidate == true, event.seq, event.streamID)
        case .projectCancelled:
            let cancelled = try event.payload(ProjectCancelled.self)
            try db.run("UPDATE project SET status = 'cancelled', closed_on = ?, outcome = ?, closed_seq = ? WHERE project = ?", event.date, cancelled.reason, event.seq, event.streamID)
        case .eventRetracted where event.category == "project":
            try retract(try event.payload(EventRetracted.self).seq, project: event.streamID, in: db)
        default:
            break
        }
    }

    /// Undoes a retracted milestone (the project's count, last milestone and status follow
    /// from those left) or a retracted completion or cancellation (the project is open again).
    /// A filing is not retracted: a project filed in error is cancelled (``ProjectCancelled``).
    private func retract(_ seq: UInt64, project: String, in db: Database) throws {
        try db.run("DELETE FROM milestone WHERE seq = ?", seq)
        if db.changesCount > 0 {
            let last = try Row.fetchOne(db, sql: "SELECT milestone, reached_on FROM milestone WHERE project = ? ORDER BY seq DESC LIMIT 1", arguments: [project])
            let milestone: String? = last.map { $0[0] }, reachedOn: String? = last.map { $0[1] }
            try db.run("""
                UPDATE project SET milestones = milestones - 1, last_milestone = ?1, last_milestone_on = ?2,
                    status = CASE WHEN status = 'inProgress' AND ?1 IS NULL THEN 'filed' ELSE status END WHERE project = ?3
                """, milestone, reachedOn, project)
        }
        try db.run("""
            UPDATE project SET status = CASE WHEN milestones > 0 THEN 'inProgress' ELSE 'filed' END,
                closed_on = NULL, outcome = NULL, benchmark_candidate = 0, closed_seq = NULL
            WHERE project = ? AND closed_seq = ?
            """, project, seq)
    }

    /// Statuses as officials read them.
    public static let statusTitles = ["filed": "已备案", "inProgress": "实施中", "completed": "已完成", "cancelled": "已取消"]
}

/// One row of the project library's `enterprise` table.
private struct Profile {
    var name: String
    var city: String
    var county: String
    var industry: String

    static func load(_ uscc: String, in db: Database) throws -> Profile? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT name, city, county, industry FROM enterprise WHERE uscc = ?"), arguments: [uscc])
            .map { Profile(name: $0[0], city: $0[1], county: $0[2], industry: $0[3]) }
    }

    /// Writes a row (one at a time when live; many per statement when building).
    static func save(_ uscc: String, _ row: Profile, in db: Database) throws {
        try add(uscc, row, to: insert(db, rowsPerStatement: 1))
    }

    /// The statement that writes rows of `enterprise` (``BulkInsert``).
    static func insert(_ db: Database, rowsPerStatement: Int = 64) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "enterprise", columns: 5, rowsPerStatement: rowsPerStatement)
    }

    static func add(_ uscc: String, _ row: Profile, to insert: BulkInsert) throws {
        try insert.add(uscc, row.name, row.city, row.county, row.industry)
    }
}
