import Domain
import GRDB

/// 工作推进指标: per year, enterprises served, trainings, roadshows, diagnosis visits, trials,
/// projects, providers and solutions added, and enterprises moved off the pending library (the
/// plan asks ≥1000 a year), next to the plan's targets.
public final class ProgrammeMetrics: Projection {
    public static let name = "programme"
    public static let summary = "programme metrics per year: served, trainings, roadshows, diagnoses, enterprises off the pending library vs target"
    public static let version = 2
    public static let queryOnlyIndexes = ["serving_by_enterprise"]
    public static let retractionIndexes = ["serving_by_enterprise"]

    /// The metrics, in report order, with their Chinese titles and the plan target they answer to.
    public static let metrics: [(metric: String, title: String, target: String?)] = [
        ("enterprisesServed", "服务企业数", nil),
        ("leftPendingLibrary", "迈出转型第一步企业数", "enterprisesStarting"),
        ("diagnosisVisits", "现场诊断次数", nil),
        ("trainingsAttended", "企业家参训人次", nil),
        ("trainingSessions", "培训活动场次", nil),
        ("roadshows", "路演活动场次", "roadshows"),
        ("onsiteMeetings", "现场会场次", nil),
        ("trialsStarted", "免费体验开始数", nil),
        ("trialsPurchased", "体验后购买数", nil),
        ("projectsFiled", "备案项目数", nil),
        ("projectsCompleted", "完成项目数", nil),
        ("providersAdmitted", "入池服务商数", nil),
        ("solutionsListed", "上架解决方案数", nil),
        ("benchmarksAwarded", "标杆认定数", nil),
    ]

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("programme v1") { db in
            try db.execute(sql: """
                CREATE TABLE metric (
                    year INTEGER NOT NULL,
                    metric TEXT NOT NULL,
                    value INTEGER NOT NULL,
                    PRIMARY KEY (year, metric)
                ) WITHOUT ROWID;
                CREATE TABLE tally (
                    seq INTEGER NOT NULL,
                    metric TEXT NOT NULL,
                    year INTEGER NOT NULL,
                    PRIMARY KEY (seq, metric)
                ) WITHOUT ROWID;
                CREATE TABLE served (
                    year INTEGER NOT NULL,
                    uscc TEXT NOT NULL,
                    first_seq INTEGER NOT NULL,
                    PRIMARY KEY (year, uscc)
                ) WITHOUT ROWID;
                CREATE TABLE plan_target (
                    year INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    PRIMARY KEY (year, name)
                ) WITHOUT ROWID;
                """)
        }
        // Each event that serves an enterprise, so that a retraction can tell whether the
        // enterprise is still served that year.
        migrator.registerMigration("programme v2") { db in
            try db.execute(sql: """
                CREATE TABLE serving (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    uscc TEXT NOT NULL,
                    year INTEGER NOT NULL
                );
                CREATE INDEX serving_by_enterprise ON serving (uscc, year);
                """)
        }
    }

    /// Increments of `metric` not yet written, by year and metric: one upsert per metric and
    /// transaction instead of one per event (written before anything reads or lowers them).
    private var increments: [MetricKey: Int] = [:]

    private struct MetricKey: Hashable {
        var year: Int
        var metric: String
    }

    public init() {}

    public func beginTransaction(in db: Database) throws { increments.removeAll(keepingCapacity: true) }
    public func finishTransaction(in db: Database) throws { try writeIncrements(in: db) }

    private func writeIncrements(in db: Database) throws {
        for (key, count) in increments.sorted(by: { ($0.key.year, $0.key.metric) < ($1.key.year, $1.key.metric) }) {
            try db.run("INSERT INTO metric VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET value = value + ?3", key.year, key.metric, count)
        }
        increments.removeAll(keepingCapacity: true)
    }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .diagnosisVisited:
            try serve(event, in: db)
            try tally("diagnosisVisits", event, in: db)
        case .trainingAttended:
            try serve(event, in: db)
            try tally("trainingsAttended", event, in: db)
        case .providerMatched:
            try serve(event, in: db)
        case .trialStarted:
            try serve(event, in: db)
            try tally("trialsStarted", event, in: db)
        case .trialEnded:
            if try event.payload(TrialEnded.self).outcome == .purchased { try tally("trialsPurchased", event, in: db) }
        case .stageUpgraded:
            let upgrade = try event.payload(StageUpgraded.self)
            if upgrade.from == .l0 { try tally("leftPendingLibrary", event, in: db) }
        case .activityHeld:
            switch try event.payload(ActivityHeld.self).kind {
            case .roadshow: try tally("roadshows", event, in: db)
            case .onsiteMeeting: try tally("onsiteMeetings", event, in: db)
            case .training: try tally("trainingSessions", event, in: db)
            }
        case .projectFiled: try tally("projectsFiled", event, in: db)
        case .projectCompleted: try tally("projectsCompleted", event, in: db)
        case .providerAdmitted: try tally("providersAdmitted", event, in: db)
        case .solutionListed: try tally("solutionsListed", event, in: db)
        case .benchmarkAwarded: try tally("benchmarksAwarded", event, in: db)
        case .eventRetracted:
            try writeIncrements(in: db)
            let retracted = try event.payload(EventRetracted.self).seq
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT metric, year FROM tally WHERE seq = ?"), arguments: [retracted]) {
                try db.run("UPDATE metric SET value = value - 1 WHERE year = ? AND metric = ?", row[1] as Int, row[0] as String)
            }
            try db.run("DELETE FROM tally WHERE seq = ?", retracted)
            try unserve(retracted, uscc: event.streamID, in: db)
        case .planPublished:
            try PlanTargets.store(try event.payload(PlanPublished.self), in: db)
        default:
            break
        }
    }

    private func tally(_ metric: String, _ event: ProjectedEvent, in db: Database) throws {
        try db.run("INSERT INTO tally VALUES (?, ?, ?)", event.seq, metric, event.year)
        increments[MetricKey(year: event.year, metric: metric), default: 0] += 1
    }

    /// Counts an enterprise once per year as served.
    private func serve(_ event: ProjectedEvent, in db: Database) throws {
        try db.run("INSERT INTO serving VALUES (?, ?, ?)", event.seq, event.streamID, event.year)
        try db.run("INSERT OR IGNORE INTO served VALUES (?, ?, ?)", event.year, event.streamID, event.seq)
        if db.changesCount > 0 { increments[MetricKey(year: event.year, metric: "enterprisesServed"), default: 0] += 1 }
    }

    /// Undoes `serve` for a retracted event: the enterprise stays served that year while
    /// another of its events serves it (the earliest becomes its first), and is no longer
    /// counted once none does.
    private func unserve(_ seq: UInt64, uscc: String, in db: Database) throws {
        guard let year = try Int.fetchOne(db.cachedStatement(sql: "SELECT year FROM serving WHERE seq = ?"), arguments: [seq]) else { return }
        try db.run("DELETE FROM serving WHERE seq = ?", seq)
        if let next = try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(seq) FROM serving WHERE uscc = ? AND year = ?"), arguments: [uscc, year]) {
            try db.run("UPDATE served SET first_seq = ? WHERE year = ? AND uscc = ?", next, year, uscc)
        } else {
            try db.run("DELETE FROM served WHERE year = ? AND uscc = ?", year, uscc)
            try db.run("UPDATE metric SET value = value - 1 WHERE year = ? AND metric = 'enterprisesServed'", year)
        }
    }
}
