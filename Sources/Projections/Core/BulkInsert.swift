import GRDB
import GRDBSQLite

/// Writes many rows into one table, `rowsPerStatement` rows per statement run: a build from
/// zero writes millions of rows, and a statement run once per row opens the table's cursor,
/// seeks from the root of its B-tree and closes it again for each — more work than storing the
/// row. Run once per batch, the cursor stays where the last row went (rows come in key order:
/// each insert lands just after the one before).
///
/// The statement is `INSERT … SELECT * FROM (VALUES (?, …), …) WHERE column1 IS NOT NULL`: the
/// last, partly filled batch leaves its unused rows NULL, and the filter drops them. So the
/// table's first column must never be NULL (every key column is `NOT NULL`).
final class BulkInsert {
    private let statement: Statement
    private let columns: Int
    private let rowsPerStatement: Int
    /// Rows bound to the statement and not yet run.
    fileprivate var pending = 0

    /// The statement is the connection's cached one for its text: use one `BulkInsert` per
    /// table at a time.
    ///
    /// - Parameters:
    ///   - verb: `INSERT`, `INSERT OR REPLACE`, …
    ///   - columns: how many values each row gives; the first must never be NULL.
    ///   - names: the columns they go to, in order (default: all the table's, in its order).
    ///   - rowsPerStatement: 1 for a few rows at a time (maintaining a live file).
    init(
        _ db: Database, _ verb: String = "INSERT", into table: String, columns: Int, named names: [String]? = nil,
        rowsPerStatement: Int = 64
    ) throws {
        precondition(columns > 0 && rowsPerStatement > 0 && (names?.count ?? columns) == columns)
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        statement = try db.cachedStatement(
            sql: """
                \(verb) INTO \(table)\(names.map { " (" + $0.joined(separator: ", ") + ")" } ?? "")
                SELECT * FROM (VALUES \(Array(repeating: row, count: rowsPerStatement).joined(separator: ", "))) WHERE column1 IS NOT NULL
                """)
        self.columns = columns
        self.rowsPerStatement = rowsPerStatement
    }

    /// Adds a row (its values in the order of `columns`); runs the statement when a batch is full.
    @inline(__always)
    func add<each Value: SQLBindable>(_ values: repeat each Value) throws {
        let handle = statement.sqliteStatement
        var index = Int32(pending * columns)
        func bind<V: SQLBindable>(_ value: V) {
            index += 1
            value.bindParameter(to: handle, at: index)
        }
        repeat bind(each values)
        assert(index == Int32((pending + 1) * columns), "a row of \(columns) values was expected")
        pending += 1
        if pending == rowsPerStatement { try run() }
    }

    /// Writes the rows added since the last full batch. Call it once all rows are added.
    func finish() throws {
        guard pending > 0 else { return }
        // The unused rows become NULL — all their values, so that nothing bound for an earlier
        // batch (text bound in place may be gone by now) is left for SQLite to read.
        let handle = statement.sqliteStatement
        for parameter in pending * columns..<rowsPerStatement * columns {
            sqlite3_bind_null(handle, Int32(parameter + 1))
        }
        try run()
    }

    private func run() throws {
        try statement.run()
        pending = 0
    }
}

extension BulkInsert {
    /// Forgets the rows added since the last full batch (their transaction rolled back).
    func discard() { pending = 0 }
}

/// Rows a fold adds to one table as it applies events. Building from zero, they are written
/// many per statement (``BulkInsert``) at the end of each transaction (the store calls
/// ``flush()``); live, each row is written when added. Any other statement a fold runs on the
/// table goes through ``run(_:_:_:)``, which writes the rows still waiting first, so that an
/// `UPDATE` or a `DELETE` never misses one.
final class Appender {
    private let verb: String
    private let table: String
    private let columns: Int
    private let names: [String]?
    private var building = false
    private var insert: BulkInsert?

    init(_ verb: String = "INSERT", into table: String, columns: Int, named names: [String]? = nil) {
        self.verb = verb
        self.table = table
        self.columns = columns
        self.names = names
    }

    func beginBuilding() { building = true }

    /// Adds a row.
    @inline(__always)
    func add<each Value: SQLBindable>(_ db: Database, _ values: repeat each Value) throws {
        if insert == nil {
            insert = try BulkInsert(db, verb, into: table, columns: columns, named: names, rowsPerStatement: building ? 64 : 1)
        }
        try insert!.add(repeat each values)
    }

    /// Runs a statement that reads or changes this table (``Database/run(_:_:)``), once the rows
    /// added so far are written.
    func run<each Value: SQLBindable>(_ db: Database, _ sql: String, _ values: repeat each Value) throws {
        try flush()
        try db.run(sql, repeat each values)
    }

    /// Writes the rows added so far (building): at the end of each transaction, and before
    /// set-based statements that read the table.
    func flush() throws {
        try insert?.finish()
        insert = nil
    }

    /// Forgets rows not written yet (call at the start of each transaction: a transaction rolled
    /// back may have left some).
    func discard() {
        insert?.discard()
        insert = nil
    }
}
