import Domain
import EventLog
import GRDB

/// 督查激励: the facts the supervision checks read — stages and what they rest on (assessments,
/// legacy upgrades, retractions; read as ``StageHistory`` reads them, through `stage_finding`), diagnosis visits, trials, the provider pool, annual closes, awards,
/// incentives, last contacts, and writes by city or county actors outside their region. The
/// checks themselves (`SupervisionQuery`) run over these tables with the thresholds of
/// `supervision-rules.json`, each finding naming the events it rests on.
public final class FindingsReadModel: Projection {
    public static let name = "findings"
    public static let summary = "督查激励: the facts the supervision checks read; findings with the events they rest on"
    /// The fold's logic and the supervision rules' version: either changing rebuilds it.
    public static let version = 3 * 1000 + SupervisionRules.standard.version
    /// Indexes for the checks' queries: a build from zero creates them at the end.
    public static let queryOnlyIndexes = ["assessment_by_id", "upgrade_by_enterprise", "diagnosis_by_enterprise"]

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE assessment (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            assessment TEXT NOT NULL,
            stage INTEGER NOT NULL,
            on_date TEXT NOT NULL,
            retracted_seq INTEGER
        )
        """,
        """
        CREATE TABLE assessment_year (
            year INTEGER PRIMARY KEY NOT NULL,
            cutoff TEXT NOT NULL,
            closed_seq INTEGER
        )
        """,
        """
        CREATE TABLE award (
            award TEXT PRIMARY KEY NOT NULL,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            year INTEGER NOT NULL,
            awarded_on TEXT NOT NULL,
            awarded_seq INTEGER NOT NULL,
            revoked_seq INTEGER
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE diagnosis (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            provider TEXT NOT NULL,
            on_date TEXT NOT NULL,
            retracted_seq INTEGER
        )
        """,
        """
        CREATE TABLE enterprise (
            uscc TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            registered_on TEXT NOT NULL,
            in_population INTEGER NOT NULL DEFAULT 1,
            last_contact_on TEXT,
            last_contact_seq INTEGER
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE foreign_write (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            type TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_region TEXT NOT NULL,
            enterprise_region TEXT NOT NULL,
            enterprise_city TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE incentive (
            incentive TEXT PRIMARY KEY NOT NULL,
            recipient TEXT NOT NULL,
            policy TEXT NOT NULL,
            basis TEXT NOT NULL,
            amount_fen INTEGER NOT NULL,
            granted_on TEXT NOT NULL,
            granted_seq INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE provider (
            uscc TEXT PRIMARY KEY NOT NULL,
            admitted_on TEXT NOT NULL,
            removed_on TEXT
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE trial (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            provider TEXT NOT NULL,
            on_date TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE upgrade (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            from_stage INTEGER NOT NULL,
            to_stage INTEGER NOT NULL,
            assessment TEXT NOT NULL,
            on_date TEXT NOT NULL,
            retracted_seq INTEGER
        )
        """,
        """
        CREATE VIEW stage_finding (seq, on_date, stage, assessment, uscc) AS
            SELECT seq, on_date, stage, assessment, uscc FROM assessment WHERE retracted_seq IS NULL
            UNION ALL
            SELECT seq, on_date, to_stage, assessment, uscc FROM upgrade WHERE retracted_seq IS NULL
        """,
        "CREATE INDEX assessment_by_id ON assessment (uscc, assessment)",
        "CREATE INDEX diagnosis_by_enterprise ON diagnosis (uscc, provider)",
        "CREATE INDEX upgrade_by_enterprise ON upgrade (uscc, on_date)",
    ]

    /// The `enterprise` rows, folded in memory (see ``RowBuffer``).
    private let enterprises = RowBuffer<Enterprise>(load: Enterprise.load, insert: Enterprise.insert, add: Enterprise.add)

    public init() {}

    /// Facts as they happen (many rows per statement while building).
    private let assessments = Appender(into: "assessment", columns: 5, named: ["seq", "uscc", "assessment", "stage", "on_date"])
    private let upgrades = Appender(into: "upgrade", columns: 6, named: ["seq", "uscc", "from_stage", "to_stage", "assessment", "on_date"])
    private let diagnoses = Appender(into: "diagnosis", columns: 4, named: ["seq", "uscc", "provider", "on_date"])
    private let trials = Appender(into: "trial", columns: 4)
    private var appenders: [Appender] { [assessments, upgrades, diagnoses, trials] }

    public var tables: [any FoldTable] { [enterprises] + appenders }

    static let contactKinds: Set<EventKind> = [
        .assessmentRecorded, .diagnosisVisited, .trainingAttended, .providerMatched, .trialStarted, .trialEnded,
    ]

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        let uscc = event.streamID
        let key = RowKey(streamOf: event)
        if event.category == "enterprise" {
            try checkJurisdiction(event, in: db)
            if Self.contactKinds.contains(event.kind) {
                // The latest contact (the last one recorded on the latest date).
                let date = event.date
                try enterprises.update(key, in: db) { row in
                    guard row.lastContactOn.map({ $0 <= date }) ?? true else { return }
                    row.lastContactOn = date
                    row.lastContactSeq = Int64(event.seq)
                }
            }
        }
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            // A (re-)registration starts the file afresh.
            enterprises.set(key, Enterprise(name: registered.name, city: registered.city, county: registered.county, registeredOn: event.date))
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try enterprises.update(key, in: db) { row in
                row.name = profile.name ?? row.name
                row.city = profile.city ?? row.city
                row.county = profile.county ?? row.county
            }
        case .enterpriseLeftPopulation:
            try enterprises.update(key, in: db) { $0.inPopulation = false }
        case .assessmentRecorded:
            let assessment = try event.payload(AssessmentRecorded.self)
            try assessments.add(db, event.seq, uscc, assessment.assessment, assessment.stage.level, event.date)
        case .stageUpgraded:
            let upgrade = try event.payload(StageUpgraded.self)
            try upgrades.add(db, event.seq, uscc, upgrade.from.level, upgrade.to.level, upgrade.assessment, event.date)
        case .diagnosisVisited:
            let visit = try event.payload(DiagnosisVisited.self)
            try diagnoses.add(db, event.seq, uscc, visit.provider, event.date)
        case .trialStarted:
            let trial = try event.payload(TrialStarted.self)
            try trials.add(db, event.seq, uscc, trial.provider, event.date)
        case .providerAdmitted:
            try db.run("INSERT OR REPLACE INTO provider (uscc, admitted_on) VALUES (?, ?)", uscc, event.date)
        case .providerRemoved:
            try db.run("UPDATE provider SET removed_on = ? WHERE uscc = ?", event.date, uscc)
        case .annualAssessmentOpened:
            let opened = try event.payload(AnnualAssessmentOpened.self)
            try db.run("INSERT OR REPLACE INTO assessment_year (year, cutoff) VALUES (?, ?)", opened.year, opened.cutoff)
        case .annualAssessmentClosed:
            let closed = try event.payload(AnnualAssessmentClosed.self)
            try db.run("UPDATE assessment_year SET closed_seq = ? WHERE year = ?", event.seq, closed.year)
        case .benchmarkAwarded:
            let award = try event.payload(BenchmarkAwarded.self)
            try db.run(
                "INSERT OR REPLACE INTO award (award, recipient, kind, year, awarded_on, awarded_seq) VALUES (?, ?, ?, ?, ?, ?)", uscc,
                award.recipient, award.kind.rawValue, award.year, event.date, event.seq)
        case .benchmarkRevoked:
            try db.run("UPDATE award SET revoked_seq = ? WHERE award = ?", event.seq, uscc)
        case .incentiveGranted:
            let incentive = try event.payload(IncentiveGranted.self)
            try db.run(
                "INSERT OR REPLACE INTO incentive VALUES (?, ?, ?, ?, ?, ?, ?)", uscc, incentive.recipient, incentive.policy, incentive.basis,
                incentive.amountFen, event.date, event.seq)
        case .eventRetracted:
            let retracted = try event.payload(EventRetracted.self).seq
            for (appender, table) in [(assessments, "assessment"), (upgrades, "upgrade"), (diagnoses, "diagnosis")] {
                try appender.run(db, "UPDATE \(table) SET retracted_seq = ? WHERE seq = ?", event.seq, retracted)
            }
            try trials.run(db, "DELETE FROM trial WHERE seq = ?", retracted)
            try db.run("DELETE FROM award WHERE awarded_seq = ?", retracted)
            try db.run("UPDATE award SET revoked_seq = NULL WHERE revoked_seq = ?", retracted)
            try db.run("DELETE FROM incentive WHERE granted_seq = ?", retracted)
        default:
            break
        }
    }

    /// A city (county) actor writing an enterprise of another city (county): imported history
    /// can hold such writes.
    private func checkJurisdiction(_ event: ProjectedEvent, in db: Database) throws {
        guard let role = event.actorString("role"), ["city", "county"].contains(role), let region = event.actorString("jurisdiction") else { return }
        let place: (city: String, county: String)?
        if event.kind == .enterpriseRegistered {
            let registered = try event.payload(EnterpriseRegistered.self)
            place = (registered.city, registered.county)
        } else {
            place = try enterprises.row(RowKey(streamOf: event), in: db).map { ($0.city, $0.county) }
        }
        guard let place else { return }
        let enterpriseRegion = role == "city" ? place.city : place.county
        guard enterpriseRegion != region else { return }
        try db.run(
            "INSERT OR REPLACE INTO foreign_write VALUES (?, ?, ?, ?, ?, ?, ?, ?)", event.seq, event.streamID, event.type,
            event.actorString("name") ?? "", role, region, enterpriseRegion, place.city)
    }
}

/// One row of the findings' `enterprise` table.
private struct Enterprise {
    var name: String
    var city: String
    var county: String
    var registeredOn: String
    var inPopulation = true
    var lastContactOn: String?
    var lastContactSeq: Int64?

    init(name: String, city: String, county: String, registeredOn: String) {
        self.name = name
        self.city = city
        self.county = county
        self.registeredOn = registeredOn
    }

    static func load(_ uscc: String, in db: Database) throws -> Enterprise? {
        guard
            let stored = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT name, city, county, registered_on, in_population, last_contact_on, last_contact_seq FROM enterprise WHERE uscc = ?
                        """), arguments: [uscc])
        else { return nil }
        var row = Enterprise(name: stored[0], city: stored[1], county: stored[2], registeredOn: stored[3])
        row.inPopulation = stored[4]
        row.lastContactOn = stored[5]
        row.lastContactSeq = stored[6]
        return row
    }

    /// The statement that writes rows of `enterprise` (``BulkInsert``).
    static func insert(_ db: Database) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "enterprise", columns: 8)
    }

    static func add(_ insert: BulkInsert, _ uscc: String, _ row: Enterprise) throws {
        try insert.add(uscc, row.name, row.city, row.county, row.registeredOn, row.inPopulation, row.lastContactOn, row.lastContactSeq)
    }
}
