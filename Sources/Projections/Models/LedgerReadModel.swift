import Domain
import GRDB

/// 工作台账: each task and milestone of the published plan with its deadline, responsible units
/// and reported completion, and each city's and county's report of its own part (`part`).
/// Status (done on time, done late, overdue, open) is a function of the date asked about, so
/// queries derive it (``LedgerReadModel/status(deadline:completedOn:asOf:)``).
public final class LedgerReadModel: Projection {
    public static let name = "ledger"
    public static let summary = "工作台账: the plan's tasks and milestones, deadlines, units, reported completion"
    public static let version = 3

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE item (
            plan TEXT NOT NULL,
            task TEXT NOT NULL,
            milestone TEXT NOT NULL,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            deadline TEXT NOT NULL,
            units TEXT NOT NULL,
            completed_on TEXT,
            reported_by TEXT,
            reported_seq INTEGER,
            PRIMARY KEY (plan, task, milestone)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE part (
            plan TEXT NOT NULL,
            task TEXT NOT NULL,
            milestone TEXT NOT NULL,
            region TEXT NOT NULL,
            completed_on TEXT NOT NULL,
            reported_by TEXT NOT NULL,
            reported_seq INTEGER NOT NULL,
            PRIMARY KEY (plan, task, milestone, region, reported_seq)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE plan (
            plan TEXT PRIMARY KEY NOT NULL,
            title TEXT NOT NULL,
            published_on TEXT NOT NULL
        ) WITHOUT ROWID
        """,
    ]

    public init() {}

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .planPublished:
            let plan = try event.payload(PlanPublished.self)
            try db.run("INSERT OR REPLACE INTO plan VALUES (?, ?, ?)", event.streamID, plan.title, event.date)
            var position = 0
            for task in plan.ledger {
                position += 1
                try upsert(
                    plan: event.streamID, task: task.task, milestone: "", position: position, title: task.title,
                    deadline: task.deadline, units: task.units, in: db)
                for milestone in task.milestones ?? [] {
                    position += 1
                    try upsert(
                        plan: event.streamID, task: task.task, milestone: milestone.milestone, position: position,
                        title: milestone.milestone, deadline: milestone.deadline, units: task.units, in: db)
                }
            }
        case .planMilestoneReported:
            let report = try event.payload(PlanMilestoneReported.self)
            // The first report of completion counts; a later one does not move the date. A
            // place's reports are all kept, so that retracting the first leaves the next standing.
            if let region = report.region {
                try db.run(
                    "INSERT OR REPLACE INTO part VALUES (?, ?, ?, ?, ?, ?, ?)", event.streamID, report.task, report.milestone ?? "", region,
                    report.completedOn, report.unit, event.seq)
                return
            }
            try db.run(
                """
                UPDATE item SET completed_on = ?, reported_by = ?, reported_seq = ?
                WHERE plan = ? AND task = ? AND milestone = ? AND completed_on IS NULL
                """, report.completedOn, report.unit, event.seq, event.streamID, report.task, report.milestone ?? "")
        case .eventRetracted where event.category == "plan":
            let retraction = try event.payload(EventRetracted.self)
            try db.run("UPDATE item SET completed_on = NULL, reported_by = NULL, reported_seq = NULL WHERE reported_seq = ?", retraction.seq)
            try db.run("DELETE FROM part WHERE reported_seq = ?", retraction.seq)
        default:
            break
        }
    }

    private func upsert(
        plan: String, task: String, milestone: String, position: Int, title: String, deadline: String, units: [String], in db: Database
    ) throws {
        try db.run(
            """
            INSERT INTO item (plan, task, milestone, position, title, deadline, units) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET position = excluded.position, title = excluded.title, deadline = excluded.deadline, units = excluded.units
            """, plan, task, milestone, position, title, deadline, units.joined(separator: "、"))
    }

    /// The status of an item as of a date.
    public enum Status: String, Sendable, CaseIterable {
        case doneOnTime = "done on time"
        case doneLate = "done late"
        case overdue
        case open

        public var chinese: String {
            switch self {
            case .doneOnTime: "按期完成"
            case .doneLate: "逾期完成"
            case .overdue: "已逾期"
            case .open: "进行中"
            }
        }
    }

    /// Done on time (completed by its deadline), done late, overdue (not completed and the
    /// deadline has passed), or open — as known on `asOf` (`YYYY-MM-DD`).
    public static func status(deadline: String, completedOn: String?, asOf: String) -> Status {
        if let completedOn, completedOn <= asOf {
            return completedOn <= deadline ? .doneOnTime : .doneLate
        }
        return asOf > deadline ? .overdue : .open
    }
}
