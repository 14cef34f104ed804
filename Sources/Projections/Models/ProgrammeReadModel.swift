import Domain
import GRDB

/// 工作推进指标: per year and place, enterprises served, trainings, roadshows, diagnosis visits,
/// trials, projects, providers and solutions added, enterprises moved off the pending library
/// (the plan asks ≥1000 a year) and back onto it, and stage downgrades — moves read from each
/// enterprise's ``StageHistory`` — next to the plan's targets.
///
/// A count's place is where its event happened: the enterprise's city and county as registered
/// (or corrected) when the event was folded, a project's enterprise's place at filing, an
/// activity's city; providers, solutions and awards count for the province (place `''`). Each
/// count also carries the sector groups of its enterprise's or activity's industry (the plan
/// leans towards 轻工、纺织、建材), so the figures can be told by sector group.
public final class ProgrammeReadModel: Projection {
    public static let name = "programme"
    public static let summary = "programme metrics per year: served, trainings, roadshows, diagnoses, enterprises off the pending library vs target"
    public static let version = 7

    /// The metrics, in report order, with their Chinese titles and the plan target they answer to.
    public static let metrics: [(metric: String, title: String, target: String?)] = [
        ("enterprisesServed", "服务企业数", nil),
        ("leftPendingLibrary", "迈出转型第一步企业数", "enterprisesStarting"),
        ("returnedToPendingLibrary", "评估退回待转型库企业数", nil),
        ("stageDowngrades", "评估阶段下降次数", nil),
        ("diagnosisVisits", "现场诊断次数", nil),
        ("commissioners", "开展诊断的数字专员人数", nil),
        ("trainingsAttended", "企业家参训人次", nil),
        ("trainingsPopularisation", "普及培训参训人次", nil),
        ("trainingsAdvancement", "提升培训参训人次", nil),
        ("trainingsOnline", "线上培训参训人次", nil),
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

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE metric (
            year INTEGER NOT NULL,
            metric TEXT NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            sectors TEXT NOT NULL,
            value INTEGER NOT NULL,
            PRIMARY KEY (year, metric, city, county, sectors)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE enterprise_place (
            uscc TEXT PRIMARY KEY NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            sectors TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE enterprise_division (
            uscc TEXT PRIMARY KEY NOT NULL,
            division TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE need (
            seq INTEGER NOT NULL,
            need TEXT NOT NULL,
            uscc TEXT NOT NULL,
            year INTEGER NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            division TEXT NOT NULL,
            stage INTEGER NOT NULL,
            PRIMARY KEY (seq, need)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE commissioner_visit (
            seq INTEGER PRIMARY KEY NOT NULL,
            year INTEGER NOT NULL,
            commissioner TEXT NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE project_place (
            project TEXT PRIMARY KEY NOT NULL,
            city TEXT NOT NULL,
            county TEXT NOT NULL,
            sectors TEXT NOT NULL
        ) WITHOUT ROWID
        """,
        PlanTargets.schema,
        """
        CREATE TABLE served (
            year INTEGER NOT NULL,
            uscc TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            PRIMARY KEY (year, uscc)
        ) WITHOUT ROWID
        """,
        StageHistories.schema,
        StageHistories.index,
    ]

    public static let queryOnlyIndexes = [StageHistories.indexName]

    /// Each enterprise's stage history, whose moves the library and downgrade metrics count.
    private let stages = StageHistories()

    /// Each enterprise's place, and each project's (its enterprise's at filing).
    private let enterprisePlaces = RowBuffer<Place>(
        load: Place.loader("enterprise_place"), insert: Place.inserter("enterprise_place"), add: Place.add)
    private let projectPlaces = RowBuffer<Place>(load: Place.loader("project_place"), insert: Place.inserter("project_place"), add: Place.add)

    /// Each enterprise's industry division (GB/T 4754), for the needs by industry.
    private let divisions = RowBuffer<String>(
        load: { uscc, db in try String.fetchOne(db.cachedStatement(sql: "SELECT division FROM enterprise_division WHERE uscc = ?"), arguments: [uscc])
        },
        insert: { db in try BulkInsert(db, "INSERT OR REPLACE", into: "enterprise_division", columns: 2) },
        add: { insert, uscc, division in try insert.add(uscc, division) })

    public var tables: [any FoldTable] { stages.tables + [enterprisePlaces, projectPlaces, divisions] }

    /// Increments of `metric` not yet written, by year, metric and place: one upsert per metric
    /// and transaction instead of one per event (written before anything reads or lowers them).
    private var increments: [MetricKey: Int] = [:]
    /// Each industry code's division and sector groups (``classification(of:)``).
    private var classifications: [String: (division: String, sectors: String)] = [:]

    private struct MetricKey: Hashable {
        var year: Int
        var metric: String
        var place: Place
    }

    /// Building only: each enterprise served per year, with the event that first served it
    /// (written once at the end, in key order; live, each goes to `served` as it happens).
    private var served: [Served: Int64]?

    private struct Served: Hashable {
        var year: Int
        var uscc: String
    }

    public init() {}

    public func beginBuilding() { served = [:] }

    public func finishBuilding(in db: Database) throws {
        guard let served else { return }
        let insert = try BulkInsert(db, into: "served", columns: 3)
        for (key, seq) in served.sorted(by: { ($0.key.year, $0.key.uscc) < ($1.key.year, $1.key.uscc) }) {
            try insert.add(key.year, key.uscc, seq)
        }
        try insert.finish()
        self.served = nil
    }

    public func beginTransaction(in db: Database) throws { increments.removeAll(keepingCapacity: true) }
    public func finishTransaction(in db: Database) throws { try writeIncrements(in: db) }

    private func writeIncrements(in db: Database) throws {
        for (key, count) in increments.sorted(by: { ($0.key.year, $0.key.metric) < ($1.key.year, $1.key.metric) }) where count != 0 {
            try db.run(
                "INSERT INTO metric VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET value = value + ?6", key.year, key.metric,
                key.place.city, key.place.county, key.place.sectors, count)
        }
        // A count taken back to nothing leaves no row, as a build from zero would.
        if increments.values.contains(where: { $0 < 0 }) { try db.run("DELETE FROM metric WHERE value = 0") }
        increments.removeAll(keepingCapacity: true)
    }

    private func count(_ metric: String, year: Int, at place: Place, by amount: Int = 1) {
        increments[MetricKey(year: year, metric: metric, place: place), default: 0] += amount
    }

    /// Where `event` counts (see the type's summary).
    private func place(of event: ProjectedEvent, in db: Database) throws -> Place {
        switch event.category {
        case "enterprise": return try enterprisePlaces.row(RowKey(streamOf: event), in: db) ?? .province
        case "project": return try projectPlaces.row(RowKey(streamOf: event), in: db) ?? .province
        case "plan" where event.kind == .activityHeld:
            let activity = try event.payload(ActivityHeld.self)
            return Place(city: activity.city ?? "", county: "", sectors: sectors(of: activity.industry))
        default: return .province
        }
    }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            enterprisePlaces.set(
                RowKey(streamOf: event), Place(city: registered.city, county: registered.county, sectors: sectors(of: registered.industry)))
            divisions.set(RowKey(streamOf: event), division(of: registered.industry))
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            if let industry = profile.industry { divisions.set(RowKey(streamOf: event), division(of: industry)) }
            guard profile.city != nil || profile.county != nil || profile.industry != nil else { break }
            let known = try enterprisePlaces.row(RowKey(streamOf: event), in: db) ?? .province
            enterprisePlaces.set(
                RowKey(streamOf: event),
                Place(
                    city: profile.city ?? known.city, county: profile.county ?? known.county,
                    sectors: profile.industry.map { self.sectors(of: $0) } ?? known.sectors))
        case .assessmentRecorded, .stageUpgraded:
            if let change = try stages.record(event, in: db) { tally(change, at: try place(of: event, in: db)) }
            if event.kind == .assessmentRecorded, let needs = try event.payload(AssessmentRecorded.self).needs {
                try record(needs, of: event, in: db)
            }
        case .eventRetracted:
            let retraction = try event.retractionContext()
            if let retracted = retraction.retracted, let change = try stages.retract(retracted.seq, of: RowKey(streamOf: event), in: db) {
                tally(change, at: try place(of: event, in: db))
            }
            try undo(retraction, in: db)
        case .planPublished:
            try PlanTargets.store(try event.payload(PlanPublished.self), in: db)
        default:
            if event.kind == .projectFiled {
                let enterprise = try event.payload(ProjectFiled.self).enterprise
                projectPlaces.set(RowKey(streamOf: event), try enterprisePlaces.row(RowKey(enterprise), in: db) ?? .province)
            }
            let tallies = try Self.tallies(of: event)
            guard Self.serves(event) || !tallies.isEmpty else { break }
            let place = try place(of: event, in: db)
            if event.kind == .diagnosisVisited {
                let visit = try event.payload(DiagnosisVisited.self)
                try record(visit.needs ?? [], of: event, in: db)
                try db.run(
                    "INSERT OR REPLACE INTO commissioner_visit VALUES (?, ?, ?, ?, ?)", event.seq, event.year, visit.commissioner, place.city,
                    place.county)
            }
            if Self.serves(event) { try serve(event, at: place, in: db) }
            for metric in tallies { count(metric, year: event.year, at: place) }
        }
    }

    /// The metrics `event` counts one for, in its year (apply and undo both read this).
    private static func tallies(of event: ProjectedEvent) throws -> [String] {
        switch event.kind {
        case .diagnosisVisited: ["diagnosisVisits"]
        case .trainingAttended: trainingTallies(try event.payload(TrainingAttended.self))
        case .trialStarted: ["trialsStarted"]
        case .trialEnded: try event.payload(TrialEnded.self).outcome == .purchased ? ["trialsPurchased"] : []
        case .activityHeld:
            switch try event.payload(ActivityHeld.self).kind {
            case .roadshow: ["roadshows"]
            case .onsiteMeeting: ["onsiteMeetings"]
            case .training: ["trainingSessions"]
            }
        case .projectFiled: ["projectsFiled"]
        case .projectCompleted: ["projectsCompleted"]
        case .providerAdmitted: ["providersAdmitted"]
        case .solutionListed: ["solutionsListed"]
        case .benchmarkAwarded: ["benchmarksAwarded"]
        default: []
        }
    }

    /// A training counts once, and once more by its level and when online.
    private static func trainingTallies(_ training: TrainingAttended) -> [String] {
        var metrics = ["trainingsAttended"]
        switch training.level {
        case .popularisation: metrics.append("trainingsPopularisation")
        case .advancement: metrics.append("trainingsAdvancement")
        case nil: break
        }
        if training.mode == .online { metrics.append("trainingsOnline") }
        return metrics
    }

    /// The sector groups (``ReferenceData/SectorGroup``) of an industry code, comma-joined ("" for none).
    private func sectors(of industry: String?) -> String {
        industry.map { classification(of: $0).sectors } ?? ""
    }

    /// The division (`C34`) of an industry code.
    private func division(of industry: String) -> String {
        classification(of: industry).division
    }

    /// An industry code's division and sector groups, worked out once per code (a few hundred
    /// codes, every registration).
    private func classification(of industry: String) -> (division: String, sectors: String) {
        if let known = classifications[industry] { return known }
        let worked = (
            division: ReferenceData.standard.industry(for: industry)?.industryCode ?? industry,
            sectors: ReferenceData.standard.sectorGroups(for: industry).map(\.id).joined(separator: ",")
        )
        classifications[industry] = worked
        return worked
    }

    /// Records the needs and difficulties an assessment or visit names, with the enterprise's
    /// place, industry and stage on the day.
    private func record(_ needs: [String], of event: ProjectedEvent, in db: Database) throws {
        guard !needs.isEmpty else { return }
        let key = RowKey(streamOf: event)
        let place = try enterprisePlaces.row(key, in: db) ?? .province
        let division = try divisions.row(key, in: db) ?? ""
        let stage = try stages.history(key, in: db).stage(on: event.date)?.stage.level ?? 0
        for need in Set(needs).sorted() {
            try db.run(
                "INSERT OR REPLACE INTO need VALUES (?, ?, ?, ?, ?, ?, ?, ?)", event.seq, need, event.streamID, event.year, place.city, place.county,
                division, stage)
        }
    }

    /// Counts the moves an enterprise's history gained and takes back those it lost (an
    /// assessment recorded late, or retracted, can change the moves after it too).
    private func tally(_ change: StageHistories.Change, at place: Place) {
        for (history, sign) in [(change.before, -1), (change.after, 1)] {
            for move in history.moves {
                let year = Int(move.finding.date.prefix(4)) ?? 0
                if move.from == .l0 { count("leftPendingLibrary", year: year, at: place, by: sign) }
                if move.to == .l0 { count("returnedToPendingLibrary", year: year, at: place, by: sign) }
                if move.isDowngrade { count("stageDowngrades", year: year, at: place, by: sign) }
            }
        }
    }

    /// Whether `event` serves its enterprise (counts it as served that year).
    private static func serves(_ event: ProjectedEvent) -> Bool {
        switch event.kind {
        case .diagnosisVisited, .trainingAttended, .providerMatched, .trialStarted: true
        default: false
        }
    }

    /// Counts an enterprise once per year as served.
    private func serve(_ event: ProjectedEvent, at place: Place, in db: Database) throws {
        let first: Bool
        if served != nil {
            let key = Served(year: event.year, uscc: event.streamID)
            first = served![key] == nil
            if first { served![key] = Int64(event.seq) }
        } else {
            try db.run("INSERT OR IGNORE INTO served VALUES (?, ?, ?)", event.year, event.streamID, event.seq)
            first = db.changesCount > 0
        }
        if first { count("enterprisesServed", year: event.year, at: place) }
    }

    /// Takes back what the retracted event counted. Its enterprise stays served that year while
    /// another of its standing events serves it (the earliest becomes its first), and is no
    /// longer counted once none does.
    private func undo(_ retraction: Retraction, in db: Database) throws {
        guard let retracted = retraction.retracted else { return }
        try writeIncrements(in: db)
        try db.run("DELETE FROM need WHERE seq = ?", retracted.seq)
        try db.run("DELETE FROM commissioner_visit WHERE seq = ?", retracted.seq)
        let year = retracted.year
        let place = try place(of: retracted, in: db)
        for metric in try Self.tallies(of: retracted) {
            try db.run(
                "UPDATE metric SET value = value - 1 WHERE year = ? AND metric = ? AND city = ? AND county = ? AND sectors = ?", year, metric,
                place.city, place.county, place.sectors)
        }
        // A count taken back to nothing leaves no row, as a build from zero would.
        try db.run("DELETE FROM metric WHERE value = 0")
        guard Self.serves(retracted) else { return }
        let key = Served(year: year, uscc: retracted.streamID)
        if let next = retraction.standing.first(where: { Self.serves($0) && $0.year == year }) {
            if served != nil {
                if served![key] != nil { served![key] = Int64(next.seq) }
            } else {
                try db.run("UPDATE served SET first_seq = ? WHERE year = ? AND uscc = ?", next.seq, year, retracted.streamID)
            }
        } else {
            let removed: Bool
            if served != nil {
                removed = served!.removeValue(forKey: key) != nil
            } else {
                try db.run("DELETE FROM served WHERE year = ? AND uscc = ?", year, retracted.streamID)
                removed = db.changesCount > 0
            }
            if removed {
                try db.run(
                    "UPDATE metric SET value = value - 1 WHERE year = ? AND metric = 'enterprisesServed' AND city = ? AND county = ? AND sectors = ?",
                    year, place.city, place.county, place.sectors)
                try db.run("DELETE FROM metric WHERE value = 0")
            }
        }
    }
}

/// Where a count belongs: a city and county code (`''` for the province as a whole), and the
/// sector groups of the enterprise's (or the activity's) industry, comma-joined.
private struct Place: Hashable {
    var city: String
    var county: String
    var sectors: String = ""

    static let province = Place(city: "", county: "")

    static func loader(_ table: String) -> (String, Database) throws -> Place? {
        { key, db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT city, county, sectors FROM \(table) WHERE \(table == "project_place" ? "project" : "uscc") = ?"),
                arguments: [key]
            ).map { Place(city: $0[0], county: $0[1], sectors: $0[2]) }
        }
    }

    /// The statement that writes rows of `table` (``BulkInsert``).
    static func inserter(_ table: String) -> (Database) throws -> BulkInsert {
        { db in try BulkInsert(db, "INSERT OR REPLACE", into: table, columns: 4) }
    }

    static func add(_ insert: BulkInsert, _ key: String, _ place: Place) throws {
        try insert.add(key, place.city, place.county, place.sectors)
    }
}
