import Domain
import GRDB

/// 待转型企业库 (一企一档): every enterprise that was at L0, its progress through the five steps
/// (online assessment, on-site diagnosis, entrepreneur training, provider matching, free trial),
/// its last contact, the date it left the library by an assessment above L0, and the date it came
/// back when a later assessment found L0 again (stages read as ``StageHistory`` reads them).
public final class PendingReadModel: Projection {
    public static let name = "pending"
    public static let summary = "待转型企业库: L0 enterprises, their five steps, last contact, leaving and re-entering the library"
    public static let version = 6
    public static let queryOnlyIndexes = ["enterprise_by_city", StageHistories.indexName]

    /// The five steps, in order, with the column holding each one's first date.
    public static let steps: [(step: String, column: String, title: String)] = [
        ("onlineAssessment", "online_assessment_on", "网上评测"),
        ("diagnosis", "diagnosis_on", "现场诊断"),
        ("training", "training_on", "企业家培训"),
        ("matching", "matching_on", "服务商对接"),
        ("trial", "trial_on", "免费体验"),
    ]

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE contact (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            step TEXT,
            kind TEXT NOT NULL,
            on_date TEXT NOT NULL
        )
        """,
        """
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
            assessed INTEGER NOT NULL DEFAULT 0,
            reentered_library_on TEXT,
            chains TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID
        """,
        StageHistories.schema,
        "CREATE INDEX enterprise_by_city ON enterprise (city, county)",
        StageHistories.index,
    ]

    /// The `enterprise` rows, folded in memory (see ``RowBuffer``).
    private let enterprises = RowBuffer<Enterprise>(load: Enterprise.load, insert: Enterprise.insert, add: Enterprise.add)

    /// Contacts as they happen (many rows per statement while building).
    private let contacts = Appender(into: "contact", columns: 5, named: ["seq", "uscc", "step", "kind", "on_date"])

    /// Each enterprise's stage history.
    private let stages = StageHistories()

    public init() {
        precondition(Self.steps.count == Enterprise.Steps.count, "a step added to PendingReadModel.steps needs its place in Enterprise.Steps")
    }

    public var tables: [any FoldTable] { [enterprises, contacts] + stages.tables }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        guard event.category == "enterprise" else { return }
        let key = RowKey(streamOf: event)
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            // A re-registration keeps the file (dates, steps) and refreshes the profile.
            var row = try enterprises.row(key, in: db) ?? Enterprise(registeredOn: event.date)
            row.name = registered.name
            row.city = registered.city
            row.county = registered.county
            row.industry = registered.industry
            row.chains = (registered.chains ?? []).joined(separator: ",")
            row.leftPopulationYear = nil
            enterprises.set(key, row)
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try enterprises.update(key, in: db) { row in
                row.name = profile.name ?? row.name
                row.city = profile.city ?? row.city
                row.county = profile.county ?? row.county
                row.industry = profile.industry ?? row.industry
                row.chains = profile.chains.map { $0.joined(separator: ",") } ?? row.chains
            }
        case .enterpriseLeftPopulation:
            let left = try event.payload(EnterpriseLeftPopulation.self)
            try enterprises.update(key, in: db) { $0.leftPopulationYear = left.year }
        case .assessmentRecorded, .stageUpgraded:
            if let change = try stages.record(event, in: db) { try enterprises.update(key, in: db) { $0.follow(change.after) } }
        case .eventRetracted:
            let retraction = try event.retractionContext()
            guard let retracted = retraction.retracted else { break }
            try contacts.run(db, "DELETE FROM contact WHERE seq = ?", retracted.seq)
            let history = try stages.retract(retracted.seq, of: key, in: db)?.after
            try recompute(key, from: retraction.standing, in: db)
            if let history { try enterprises.update(key, in: db) { $0.follow(history) } }
        default:
            break
        }
        if let contact = try Self.contact(of: event) { try record(contact, of: event, in: db) }
    }

    /// What a contact records: the step it is (when one of the five) and its kind.
    private struct Contact {
        var step: Step?
        var kind: String
    }

    /// The contact `event` is; nil for an event that is not one (applying an event and
    /// re-deriving an enterprise after a retraction both read this).
    private static func contact(of event: ProjectedEvent) throws -> Contact? {
        switch event.kind {
        case .assessmentRecorded:
            let assessment = try event.payload(AssessmentRecorded.self)
            return Contact(step: assessment.kind == .online ? .onlineAssessment : nil, kind: contactKind(of: assessment.kind))
        case .diagnosisVisited: return Contact(step: .diagnosis, kind: "diagnosis")
        case .trainingAttended: return Contact(step: .training, kind: "training")
        case .providerMatched: return Contact(step: .matching, kind: "matching")
        case .trialStarted: return Contact(step: .trial, kind: "trial")
        case .trialEnded: return Contact(step: nil, kind: "trialEnded")
        default: return nil
        }
    }

    /// An assessment's contact kind (a literal: no string built per event).
    private static func contactKind(of kind: AssessmentRecorded.Kind) -> String {
        switch kind {
        case .online: "assessment:online"
        case .onsite: "assessment:onsite"
        case .annual: "assessment:annual"
        }
    }

    /// The five steps, as positions in ``steps``.
    private enum Step: Int {
        case onlineAssessment, diagnosis, training, matching, trial
    }

    /// Records `event`'s contact, and the step it is when it is one of the five.
    private func record(_ contact: Contact, of event: ProjectedEvent, in db: Database) throws {
        let date = event.date
        let key = RowKey(streamOf: event)
        try contacts.add(db, event.seq, key.text, contact.step.map { Self.steps[$0.rawValue].step }, contact.kind, date)
        try enterprises.update(key, in: db) { row in
            if let step = contact.step { row.steps[step.rawValue] = min(row.steps[step.rawValue] ?? date, date) }
            row.contacts += 1
            row.lastContactOn = max(row.lastContactOn ?? date, date)
        }
    }

    /// Re-derives an enterprise's steps and contacts from its standing events (after a
    /// retraction, ``Retraction/standing``: the stream's events that still count).
    private func recompute(_ key: RowKey, from standing: [ProjectedEvent], in db: Database) throws {
        guard try enterprises.row(key, in: db) != nil else { return }
        var steps = Enterprise.Steps()
        var contacts = 0
        var last: String?
        for event in standing {
            guard let contact = try Self.contact(of: event) else { continue }
            let date = event.date
            if let step = contact.step { steps[step.rawValue] = min(steps[step.rawValue] ?? date, date) }
            contacts += 1
            last = max(last ?? date, date)
        }
        try enterprises.update(key, in: db) { row in
            row.steps = steps
            row.contacts = contacts
            row.lastContactOn = last
        }
    }
}

/// One row of the pending library's `enterprise` table.
private struct Enterprise {
    var name = ""
    var city = ""
    var county = ""
    var industry = ""
    var registeredOn: String
    var stage = 0
    /// The first date of each of the five steps (``PendingReadModel/steps`` order), held inline:
    /// an array would be an allocation per enterprise.
    var steps = Steps()
    var contacts = 0
    var lastContactOn: String?
    var leftLibraryOn: String?
    var leftPopulationYear: Int?
    var assessed = false
    var reenteredLibraryOn: String?
    /// Its industrial chains, comma-joined.
    var chains = ""

    /// One date (or none) for each of ``PendingReadModel/steps``, by position.
    struct Steps {
        static let count = 5
        private var dates: (String?, String?, String?, String?, String?)

        init(_ dates: (String?, String?, String?, String?, String?) = (nil, nil, nil, nil, nil)) {
            self.dates = dates
        }

        subscript(position: Int) -> String? {
            get {
                switch position {
                case 0: dates.0
                case 1: dates.1
                case 2: dates.2
                case 3: dates.3
                case 4: dates.4
                default: preconditionFailure("step \(position) of \(Self.count)")
                }
            }
            set {
                switch position {
                case 0: dates.0 = newValue
                case 1: dates.1 = newValue
                case 2: dates.2 = newValue
                case 3: dates.3 = newValue
                case 4: dates.4 = newValue
                default: preconditionFailure("step \(position) of \(Self.count)")
                }
            }
        }
    }

    init(registeredOn: String) { self.registeredOn = registeredOn }

    /// Takes the stage and the library dates from the enterprise's stage history: it is in the
    /// library while its stage is L0 (one whose first assessment found more never was); it left
    /// on the last move up from L0 and came back on the last move down to L0.
    mutating func follow(_ history: StageHistory) {
        stage = history.current?.stage.level ?? 0
        assessed = history.isAssessed
        let moves = history.moves
        leftLibraryOn = stage > 0 ? moves.last { $0.from == .l0 }?.finding.date : nil
        reenteredLibraryOn = stage == 0 ? moves.last { $0.to == .l0 }?.finding.date : nil
    }

    static func load(_ uscc: String, in db: Database) throws -> Enterprise? {
        guard
            let stored = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT name, city, county, industry, registered_on, stage, online_assessment_on, diagnosis_on, training_on,
                            matching_on, trial_on, contacts, last_contact_on, left_library_on, left_population_year, assessed,
                            reentered_library_on, chains
                        FROM enterprise WHERE uscc = ?
                        """), arguments: [uscc])
        else { return nil }
        var row = Enterprise(registeredOn: stored[4])
        row.name = stored[0]
        row.city = stored[1]
        row.county = stored[2]
        row.industry = stored[3]
        row.stage = stored[5]
        row.steps = Enterprise.Steps((stored[6], stored[7], stored[8], stored[9], stored[10]))
        row.contacts = stored[11]
        row.lastContactOn = stored[12]
        row.leftLibraryOn = stored[13]
        row.leftPopulationYear = stored[14]
        row.assessed = stored[15]
        row.reenteredLibraryOn = stored[16]
        row.chains = stored[17]
        return row
    }

    /// The statement that writes rows of `enterprise` (``BulkInsert``).
    static func insert(_ db: Database) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "enterprise", columns: 19)
    }

    static func add(_ insert: BulkInsert, _ uscc: String, _ row: Enterprise) throws {
        try insert.add(
            uscc, row.name, row.city, row.county, row.industry, row.registeredOn, row.stage, row.steps[0], row.steps[1], row.steps[2], row.steps[3],
            row.steps[4], row.contacts, row.lastContactOn, row.leftLibraryOn, row.leftPopulationYear, row.assessed, row.reenteredLibraryOn, row.chains
        )
    }
}
