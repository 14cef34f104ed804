import Domain
import GRDB

/// 项目库 (一项一档): every transformation project with its enterprise, domain, providers, status,
/// milestones, outcome and whether it is proposed as a benchmark case.
public final class ProjectsReadModel: Projection {
    public static let name = "projects"
    public static let summary = "一项一档: projects, enterprise, domain, providers, status, milestones, outcome"
    public static let version = 3
    public static let queryOnlyIndexes = ["project_by_enterprise", "milestone_by_project"]

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE enterprise (
            uscc TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            industry TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE milestone (
            seq INTEGER PRIMARY KEY NOT NULL,
            project TEXT NOT NULL,
            milestone TEXT NOT NULL,
            reached_on TEXT NOT NULL,
            note TEXT
        )
        """,
        """
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
        , closed_seq INTEGER) WITHOUT ROWID
        """,
        "CREATE INDEX milestone_by_project ON milestone (project)",
        "CREATE INDEX project_by_enterprise ON project (enterprise)",
    ]

    /// The `enterprise` rows, folded in memory (see ``RowBuffer``): registered in log order,
    /// they would go into the table's B-tree at random places.
    private let enterprises = RowBuffer<Profile>(load: Profile.load, insert: Profile.insert, add: Profile.add)

    /// The `project` rows, folded in memory as well: a project is changed by each of its
    /// milestones and its close.
    private let projects = RowBuffer<Project>(load: Project.load, insert: Project.insert, add: Project.add)
    /// Milestones as they happen (many rows per statement while building).
    private let milestones = Appender(into: "milestone", columns: 5)

    public init() {}

    public var tables: [any FoldTable] { [enterprises, projects, milestones] }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            enterprises.set(
                RowKey(streamOf: event),
                Profile(name: registered.name, city: registered.city, county: registered.county, industry: registered.industry))
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
            projects.set(
                RowKey(streamOf: event),
                Project(
                    enterprise: filed.enterprise, domain: filed.domain.rawValue,
                    providers: filed.providers.joined(separator: ","), budgetFen: filed.budgetFen,
                    targetStage: filed.targetStage.level, filedOn: event.date))
        case .projectMilestoneReached:
            let reached = try event.payload(ProjectMilestoneReached.self)
            try milestones.add(db, event.seq, event.streamID, reached.milestone, event.date, reached.note)
            let date = event.date
            try projects.update(RowKey(streamOf: event), in: db) { project in
                project.milestones += 1
                project.lastMilestone = reached.milestone
                project.lastMilestoneOn = date
                if project.status == "filed" { project.status = "inProgress" }
            }
        case .projectCompleted:
            let completed = try event.payload(ProjectCompleted.self)
            let date = event.date
            try projects.update(RowKey(streamOf: event), in: db) { project in
                project.status = "completed"
                project.closedOn = date
                project.outcome = completed.results
                project.benchmarkCandidate = completed.benchmarkCandidate == true
                project.closedSeq = Int64(event.seq)
            }
        case .projectCancelled:
            let cancelled = try event.payload(ProjectCancelled.self)
            let date = event.date
            try projects.update(RowKey(streamOf: event), in: db) { project in
                project.status = "cancelled"
                project.closedOn = date
                project.outcome = cancelled.reason
                project.closedSeq = Int64(event.seq)
            }
        case .eventCorrected where event.category == "project":
            // The filing's corrected fields, as if it had carried them (the rules checked them).
            let corrected = try event.payload(EventCorrected.self).corrected
            try projects.update(RowKey(streamOf: event), in: db) { project in
                if let domain = corrected["domain"]?.stringValue { project.domain = domain }
                if case .array(let providers)? = corrected["providers"] {
                    project.providers = providers.compactMap(\.stringValue).joined(separator: ",")
                }
                if let budget = corrected["budgetFen"]?.integerValue { project.budgetFen = budget }
                if let stage = corrected["targetStage"]?.stringValue.flatMap(Stage.init(rawValue:)) { project.targetStage = stage.level }
            }
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
        let key = RowKey(project)
        try milestones.run(db, "DELETE FROM milestone WHERE seq = ?", seq)
        if db.changesCount > 0 {
            let last = try Row.fetchOne(
                db, sql: "SELECT milestone, reached_on FROM milestone WHERE project = ? ORDER BY seq DESC LIMIT 1", arguments: [project])
            try projects.update(key, in: db) { row in
                row.milestones -= 1
                row.lastMilestone = last.map { $0[0] }
                row.lastMilestoneOn = last.map { $0[1] }
                if row.status == "inProgress", row.lastMilestone == nil { row.status = "filed" }
            }
        }
        try projects.update(key, in: db) { row in
            guard row.closedSeq == Int64(seq) else { return }
            row.status = row.milestones > 0 ? "inProgress" : "filed"
            row.closedOn = nil
            row.outcome = nil
            row.benchmarkCandidate = false
            row.closedSeq = nil
        }
    }

}

/// One row of the project library's `project` table.
private struct Project {
    var enterprise: String
    var domain: String
    var providers: String
    var budgetFen: Int64
    var targetStage: Int
    var status = "filed"
    var filedOn: String
    var milestones = 0
    var lastMilestone: String?
    var lastMilestoneOn: String?
    var closedOn: String?
    var outcome: String?
    var benchmarkCandidate = false
    var closedSeq: Int64?

    init(enterprise: String, domain: String, providers: String, budgetFen: Int64, targetStage: Int, filedOn: String) {
        self.enterprise = enterprise
        self.domain = domain
        self.providers = providers
        self.budgetFen = budgetFen
        self.targetStage = targetStage
        self.filedOn = filedOn
    }

    static func load(_ project: String, in db: Database) throws -> Project? {
        guard
            let stored = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT enterprise, domain, providers, budget_fen, target_stage, status, filed_on, milestones, last_milestone,
                            last_milestone_on, closed_on, outcome, benchmark_candidate, closed_seq
                        FROM project WHERE project = ?
                        """), arguments: [project])
        else { return nil }
        var row = Project(
            enterprise: stored[0], domain: stored[1], providers: stored[2], budgetFen: stored[3], targetStage: stored[4], filedOn: stored[6])
        row.status = stored[5]
        row.milestones = stored[7]
        row.lastMilestone = stored[8]
        row.lastMilestoneOn = stored[9]
        row.closedOn = stored[10]
        row.outcome = stored[11]
        row.benchmarkCandidate = stored[12]
        row.closedSeq = stored[13]
        return row
    }

    /// The statement that writes rows of `project` (``BulkInsert``).
    static func insert(_ db: Database) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "project", columns: 15, named: columns)
    }

    static let columns = [
        "project", "enterprise", "domain", "providers", "budget_fen", "target_stage", "status", "filed_on", "milestones",
        "last_milestone", "last_milestone_on", "closed_on", "outcome", "benchmark_candidate", "closed_seq",
    ]

    static func add(_ insert: BulkInsert, _ project: String, _ row: Project) throws {
        try insert.add(
            project, row.enterprise, row.domain, row.providers, row.budgetFen, row.targetStage, row.status, row.filedOn, row.milestones,
            row.lastMilestone, row.lastMilestoneOn, row.closedOn, row.outcome, row.benchmarkCandidate, row.closedSeq)
    }
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

    /// The statement that writes rows of `enterprise` (``BulkInsert``).
    static func insert(_ db: Database) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "enterprise", columns: 5)
    }

    static func add(_ insert: BulkInsert, _ uscc: String, _ row: Profile) throws {
        try insert.add(uscc, row.name, row.city, row.county, row.industry)
    }
}
