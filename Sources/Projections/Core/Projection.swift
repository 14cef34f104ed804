import GRDB

/// A read model's fold: a pure function of the events, applied in log order. Its SQLite
/// changes and the read model's checkpoint commit in one transaction, so every event is applied
/// exactly once however the process stops.
public protocol Projection: AnyObject, SendableMetatype {
    /// The read model's name: its file name and the name `gongfu query`/`rebuild` take.
    static var name: String { get }
    /// What it holds, in a sentence.
    static var summary: String { get }
    /// The version of the fold's logic. Bump it whenever `apply` changes what it writes: a
    /// stored read model of another version is rebuilt rather than silently mixed.
    static var version: Int { get }
    /// The tables, views and indexes of this ``version``, created in a new file. A read model is
    /// derived from the log, so a schema is never migrated: changing it is a change of
    /// ``version``, and a stored read model of another version is rebuilt from zero.
    static var schema: [String] { get }

    init()

    /// The tables whose rows the fold keeps in memory or batches (``FoldTable``): the store
    /// begins and ends transactions and builds for them, so `apply` only changes rows.
    var tables: [any FoldTable] { get }

    /// Secondary indexes that serve queries and that the fold does not read while building (a
    /// retraction is undone from the log, ``Retraction``): a read model built from zero creates
    /// them once at the end instead of maintaining them on every insert.
    static var queryOnlyIndexes: [String] { get }

    /// Applies one event (most events are ignored by most read models).
    func apply(_ event: ProjectedEvent, in db: Database) throws

    /// Called once at the start of each transaction, before its events (a fold that buffers
    /// changes in memory drops anything a failed transaction left behind).
    func beginTransaction(in db: Database) throws

    /// Called once at the end of each transaction, after its events.
    func finishTransaction(in db: Database) throws

    /// Called before the first event when the read model is built from zero into a new file
    /// (installed only when complete): the fold may keep its rows in memory until
    /// ``finishBuilding(in:)``.
    func beginBuilding()

    /// Called once after the last event of a build from zero, in a transaction of its own,
    /// before the file is sealed: writes whatever the fold kept in memory.
    func finishBuilding(in db: Database) throws
}

extension Projection {
    public func beginTransaction(in db: Database) throws {}
    public func finishTransaction(in db: Database) throws {}
    public func beginBuilding() {}
    public func finishBuilding(in db: Database) throws {}
    public static var queryOnlyIndexes: [String] { [] }
}

/// The read models Gongfu maintains, in the order they are listed.
public enum ReadModelCatalogue {
    public static let all: [any Projection.Type] = [
        PendingReadModel.self, ProjectsReadModel.self, CoverageReadModel.self, LedgerReadModel.self,
        ProvidersReadModel.self, BenchmarksReadModel.self, ProgrammeReadModel.self, FindingsReadModel.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    public static func projection(named name: String) throws(ProjectionError) -> any Projection.Type {
        guard let type = all.first(where: { $0.name == name }) else { throw .unknownProjection(name) }
        return type
    }

    /// The projections named (all of them for nil), in the order given.
    public static func projections(named names: [String]?) throws(ProjectionError) -> [any Projection.Type] {
        guard let names else { return all }
        return try names.map { name throws(ProjectionError) in try projection(named: name) }
    }
}
