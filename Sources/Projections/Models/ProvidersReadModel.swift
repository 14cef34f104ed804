import Domain
import GRDB

/// 服务商资源池: providers admitted in map batches, their solutions and free-trial offers, the
/// trials started and converted, and leading providers per year.
public final class ProvidersReadModel: Projection {
    public static let name = "providers"
    public static let summary = "服务商资源池: providers, solutions, free-trial offers, trials started/converted, leading providers"
    public static let version = 3
    public static let queryOnlyIndexes = ["trial_by_provider"]

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        PlanTargets.schema,
        """
        CREATE TABLE provider (
            uscc TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            map_batch INTEGER NOT NULL,
            city TEXT,
            admitted_on TEXT NOT NULL,
            removed_on TEXT,
            removal_reason TEXT,
            leading_years TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE solution (
            provider TEXT NOT NULL,
            solution TEXT NOT NULL,
            title TEXT NOT NULL,
            domain TEXT NOT NULL,
            lightweight INTEGER NOT NULL,
            free_trial TEXT,
            listed_on TEXT NOT NULL,
            PRIMARY KEY (provider, solution)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE trial (
            seq INTEGER PRIMARY KEY NOT NULL,
            enterprise TEXT NOT NULL,
            provider TEXT NOT NULL,
            solution TEXT NOT NULL,
            started_on TEXT NOT NULL,
            ended_on TEXT,
            outcome TEXT
        , ended_seq INTEGER)
        """,
        "CREATE INDEX trial_by_provider ON trial (provider)",
        "CREATE INDEX trial_open ON trial (enterprise, provider, solution, ended_on)",
    ]

    public init() {}

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .providerAdmitted:
            let admitted = try event.payload(ProviderAdmitted.self)
            try db.run(
                """
                INSERT INTO provider (uscc, name, map_batch, city, admitted_on) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET name = excluded.name, map_batch = excluded.map_batch, city = excluded.city,
                    admitted_on = excluded.admitted_on, removed_on = NULL, removal_reason = NULL
                """, event.streamID, admitted.name, admitted.mapBatch, admitted.city, event.date)
        case .providerRemoved:
            let removed = try event.payload(ProviderRemoved.self)
            try db.run("UPDATE provider SET removed_on = ?, removal_reason = ? WHERE uscc = ?", event.date, removed.reason, event.streamID)
        case .solutionListed:
            let listed = try event.payload(SolutionListed.self)
            try db.run(
                "INSERT OR REPLACE INTO solution VALUES (?, ?, ?, ?, ?, ?, ?)", event.streamID, listed.solution, listed.title, listed.domain.rawValue,
                listed.lightweight, listed.freeTrial, event.date)
        case .leadingProviderSelected:
            let selected = try event.payload(LeadingProviderSelected.self)
            try db.run(
                """
                UPDATE provider SET leading_years = CASE leading_years WHEN '' THEN ?1 ELSE leading_years || ',' || ?1 END WHERE uscc = ?2
                """, String(selected.year), event.streamID)
        case .trialStarted:
            let trial = try event.payload(TrialStarted.self)
            try db.run(
                "INSERT INTO trial (seq, enterprise, provider, solution, started_on) VALUES (?, ?, ?, ?, ?)", event.seq, event.streamID,
                trial.provider, trial.solution, event.date)
        case .trialEnded:
            let ended = try event.payload(TrialEnded.self)
            try db.run(
                """
                UPDATE trial SET ended_on = ?, outcome = ?, ended_seq = ? WHERE seq = (
                    SELECT seq FROM trial WHERE enterprise = ? AND provider = ? AND solution = ? AND ended_on IS NULL ORDER BY seq LIMIT 1)
                """, event.date, ended.outcome.rawValue, event.seq, event.streamID, ended.provider, ended.solution)
        case .eventCorrected where event.category == "provider":
            // The admission's corrected fields, as if it had carried them (the rules checked them).
            let corrected = try event.payload(EventCorrected.self).corrected
            if let name = corrected["name"]?.stringValue { try db.run("UPDATE provider SET name = ? WHERE uscc = ?", name, event.streamID) }
            if let batch = corrected["mapBatch"]?.integerValue {
                try db.run("UPDATE provider SET map_batch = ? WHERE uscc = ?", batch, event.streamID)
            }
            if let city = corrected["city"] { try db.run("UPDATE provider SET city = ? WHERE uscc = ?", city.stringValue, event.streamID) }
        case .eventRetracted where event.category == "provider":
            // A leading-provider selection withdrawn: the years are those of the selections that stand.
            let years = try event.retractionContext().standing.filter { $0.kind == .leadingProviderSelected }.map {
                String(try $0.payload(LeadingProviderSelected.self).year)
            }
            try db.run("UPDATE provider SET leading_years = ? WHERE uscc = ?", years.joined(separator: ","), event.streamID)
        case .eventRetracted where event.category == "enterprise":
            let retraction = try event.payload(EventRetracted.self)
            try db.run("DELETE FROM trial WHERE seq = ?", retraction.seq)
            try db.run("UPDATE trial SET ended_on = NULL, outcome = NULL, ended_seq = NULL WHERE ended_seq = ?", retraction.seq)
        case .planPublished:
            try PlanTargets.store(try event.payload(PlanPublished.self), in: db)
        default:
            break
        }
    }
}
