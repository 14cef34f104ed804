import Domain
import GRDB

/// 项目库 (一项一档): every transformation project with its enterprise, domain, providers, status,
/// milestones, outcome and whether it is proposed as a benchmark case.
public final class ProjectLibrary: Projection {
    public static let name = "projects"
    public static let summary = "一项一档: projects, enterprise, domain, providers, status, milestones, outcome"
    public static let version = 1
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
    }

    public init() {}

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            try db.run("INSERT OR REPLACE INTO enterprise VALUES (?, ?, ?, ?, ?)", event.streamID, registered.name, registered.city, registered.county, registered.industry)
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try db.run("""
                UPDATE enterprise SET name = coalesce(?, name), city = coalesce(?, city), county = coalesce(?, county),
                    industry = coalesce(?, industry) WHERE uscc = ?
                """, profile.name, profile.city, profile.county, profile.industry, event.streamID)
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
            try db.run("UPDATE project SET status = 'completed', closed_on = ?, outcome = ?, benchmark_candidate = ? WHERE project = ?", event.date, completed.results, completed.benchmarkCandidate == true, event.streamID)
        case .projectCancelled:
            let cancelled = try event.payload(ProjectCancelled.self)
            try db.run("UPDATE project SET status = 'cancelled', closed_on = ?, outcome = ? WHERE project = ?", event.date, cancelled.reason, event.streamID)
        default:
            break
        }
    }

    /// Statuses as officials read them.
    public static let statusTitles = ["filed": "已备案", "inProgress": "实施中", "completed": "已完成", "cancelled": "已取消"]
}
