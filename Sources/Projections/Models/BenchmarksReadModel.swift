import Domain
import GRDB

/// 标杆与激励: benchmark awards by kind, level, year and city, their revocations, and the
/// incentives granted.
public final class BenchmarksReadModel: Projection {
    public static let name = "benchmarks"
    public static let summary = "标杆与激励: awards by kind/level/year/city, revocations, incentives granted"
    public static let version = 3
    public static let queryOnlyIndexes = ["award_by_recipient", "incentive_by_basis"]

    /// The tables, views and indexes of this version (``Projection/schema``).
    public static let schema = [
        """
        CREATE TABLE award (
            award TEXT PRIMARY KEY NOT NULL,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            tier TEXT,
            level TEXT NOT NULL,
            year INTEGER NOT NULL,
            awarded_on TEXT NOT NULL,
            awarded_seq INTEGER NOT NULL,
            revoked_on TEXT,
            revocation_reason TEXT,
            revoked_seq INTEGER
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE incentive (
            incentive TEXT PRIMARY KEY NOT NULL,
            recipient TEXT NOT NULL,
            amount_fen INTEGER NOT NULL,
            policy TEXT NOT NULL,
            basis TEXT NOT NULL,
            granted_on TEXT NOT NULL,
            granted_seq INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE party (
            uscc TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            city TEXT,
            county TEXT
        ) WITHOUT ROWID
        """,
        "CREATE INDEX award_by_recipient ON award (recipient)",
        "CREATE INDEX incentive_by_basis ON incentive (basis)",
    ]

    /// The `party` rows, folded in memory (see ``RowBuffer``): registered in log order, they
    /// would go into the table's B-tree at random places.
    private let parties = RowBuffer<Party>(load: Party.load, insert: Party.insert, add: Party.add)

    public init() {}

    public var tables: [any FoldTable] { [parties] }

    public func apply(_ event: ProjectedEvent, in db: Database) throws {
        switch event.kind {
        case .enterpriseRegistered:
            let registered = try event.payload(EnterpriseRegistered.self)
            parties.set(RowKey(streamOf: event), Party(name: registered.name, city: registered.city, county: registered.county))
        case .enterpriseProfileCorrected:
            let profile = try event.payload(EnterpriseProfileCorrected.self)
            try parties.update(RowKey(streamOf: event), in: db) { row in
                row.name = profile.name ?? row.name
                row.city = profile.city ?? row.city
                row.county = profile.county ?? row.county
            }
        case .providerAdmitted:
            // A provider admitted again keeps the party it was first admitted as.
            let admitted = try event.payload(ProviderAdmitted.self)
            if try parties.row(RowKey(streamOf: event), in: db) == nil {
                parties.set(RowKey(streamOf: event), Party(name: admitted.name, city: admitted.city, county: nil))
            }
        case .benchmarkAwarded:
            let award = try event.payload(BenchmarkAwarded.self)
            try db.run(
                "INSERT OR REPLACE INTO award (award, recipient, kind, tier, level, year, awarded_on, awarded_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                event.streamID, award.recipient, award.kind.rawValue, award.tier, award.level.rawValue, award.year, event.date, event.seq)
        case .benchmarkRevoked:
            let revoked = try event.payload(BenchmarkRevoked.self)
            try db.run(
                "UPDATE award SET revoked_on = ?, revocation_reason = ?, revoked_seq = ? WHERE award = ?", event.date, revoked.reason, event.seq,
                event.streamID)
        case .incentiveGranted:
            let incentive = try event.payload(IncentiveGranted.self)
            try db.run(
                "INSERT OR REPLACE INTO incentive VALUES (?, ?, ?, ?, ?, ?, ?)", event.streamID, incentive.recipient, incentive.amountFen,
                incentive.policy, incentive.basis, event.date, event.seq)
        case .eventCorrected where event.category == "provider":
            let corrected = try event.payload(EventCorrected.self).corrected
            try parties.update(RowKey(streamOf: event), in: db) { row in
                row.name = corrected["name"]?.stringValue ?? row.name
                if let city = corrected["city"] { row.city = city.stringValue }
            }
        case .eventRetracted:
            let retraction = try event.payload(EventRetracted.self)
            try db.run("DELETE FROM award WHERE awarded_seq = ?", retraction.seq)
            try db.run("UPDATE award SET revoked_on = NULL, revocation_reason = NULL, revoked_seq = NULL WHERE revoked_seq = ?", retraction.seq)
            try db.run("DELETE FROM incentive WHERE granted_seq = ?", retraction.seq)
        default:
            break
        }
    }
}

/// One row of the `party` table: an award or incentive recipient's name, city and county
/// (none for a provider).
private struct Party {
    var name: String
    var city: String?
    var county: String?

    static func load(_ uscc: String, in db: Database) throws -> Party? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT name, city, county FROM party WHERE uscc = ?"), arguments: [uscc]).map {
            Party(name: $0[0], city: $0[1], county: $0[2])
        }
    }

    /// The statement that writes rows of `party` (``BulkInsert``).
    static func insert(_ db: Database) throws -> BulkInsert {
        try BulkInsert(db, "INSERT OR REPLACE", into: "party", columns: 4)
    }

    static func add(_ insert: BulkInsert, _ uscc: String, _ row: Party) throws {
        try insert.add(uscc, row.name, row.city, row.county)
    }
}
