import GRDB

/// A table a fold keeps rows of in memory (``RowBuffer``) or batches inserts into
/// (``Appender``). A fold lists its tables (``Projection/tables``) and the store drives them:
/// it starts and ends each transaction and each build from zero for them, writing the batched
/// inserts before the rows kept in memory, so a fold's `apply` only reads and changes rows.
public protocol FoldTable: AnyObject {
    /// Where a table's pending writes go at the end of a transaction: inserts first, then rows.
    var writesFirst: Bool { get }
    /// The read model is being built from zero into a new file.
    func beginBuilding()
    /// A transaction starts (anything a rolled-back one left behind is dropped).
    func beginTransaction()
    /// A transaction ends: writes what it changed (while building, only batched inserts).
    func finishTransaction(in db: Database) throws
    /// A build from zero ends: writes whatever was kept in memory.
    func finishBuilding(in db: Database) throws
}

extension RowBuffer: FoldTable {
    var writesFirst: Bool { false }
}

extension Appender: FoldTable {
    var writesFirst: Bool { true }
    func beginTransaction() { discard() }
    func finishTransaction(in db: Database) throws { try flush() }
    func finishBuilding(in db: Database) throws { try flush() }
}

extension Projection {
    /// The fold's tables in the order their rows are written (none by default).
    public var tables: [any FoldTable] { [] }

    /// The tables' lifecycle around the fold's own hooks (called by the store).
    func startBuilding() {
        for table in tables { table.beginBuilding() }
        beginBuilding()
    }

    func startTransaction(in db: Database) throws {
        for table in tables { table.beginTransaction() }
        try beginTransaction(in: db)
    }

    func endTransaction(in db: Database) throws {
        for table in tables where table.writesFirst { try table.finishTransaction(in: db) }
        for table in tables where !table.writesFirst { try table.finishTransaction(in: db) }
        try finishTransaction(in: db)
    }

    func endBuilding(in db: Database) throws {
        for table in tables where table.writesFirst { try table.finishBuilding(in: db) }
        for table in tables where !table.writesFirst { try table.finishBuilding(in: db) }
        try finishBuilding(in: db)
    }
}
