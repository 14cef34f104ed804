import GRDB

/// One table's rows, keyed by a text key, held in memory by a fold so that an event costs a
/// dictionary lookup instead of SQL statements.
///
/// - Maintaining a live read model, the buffer loads a row on first use in a transaction, the
///   fold changes it in memory, and ``finishTransaction(in:)`` writes the changed rows back, in
///   the same transaction as the events and the checkpoint (exactly-once is unchanged). The
///   buffer is emptied at every transaction's start, so a rolled-back one leaves nothing behind.
/// - Building a read model from zero (``beginBuilding()``), the table starts empty and every row
///   stays in memory until ``finishBuilding(in:)`` writes them all once, in key order (B-tree
///   appends) — the file is installed only after that, so nothing half-written is ever read.
final class RowBuffer<Row> {
    private let load: (String, Database) throws -> Row?
    private let save: (String, Row, Database) throws -> Void
    private var rows: [String: Row] = [:]
    private var changed: Set<String> = []
    /// The keys in order, while no key has been added since they were sorted.
    private var sortedKeys: [String]?
    private(set) var building = false

    /// `load` reads a stored row (nil when absent); `save` writes one (insert or replace).
    init(load: @escaping (String, Database) throws -> Row?, save: @escaping (String, Row, Database) throws -> Void) {
        self.load = load
        self.save = save
    }

    func beginBuilding() {
        building = true
        rows.removeAll()
    }

    /// The row for `key`, or nil when there is none.
    func row(_ key: String, in db: Database) throws -> Row? {
        if let row = rows[key] { return row }
        guard !building, let row = try load(key, db) else { return nil }
        rows[key] = row
        sortedKeys = nil
        return row
    }

    /// Stores `row` under `key` (new or replacing).
    func set(_ key: String, _ row: Row) {
        if rows.updateValue(row, forKey: key) == nil { sortedKeys = nil }
        if !building { changed.insert(key) }
    }

    /// Changes the row for `key` in place; returns false (and changes nothing) when there is none.
    @discardableResult
    func update(_ key: String, in db: Database, _ change: (inout Row) throws -> Void) throws -> Bool {
        if rows[key] == nil {
            guard !building, let row = try load(key, db) else { return false }
            rows[key] = row
            sortedKeys = nil
        }
        try change(&rows[key]!)
        if !building { changed.insert(key) }
        return true
    }

    /// Changes every row in place (building only: then every row is in memory).
    func updateAll(_ change: (String, inout Row) throws -> Void) rethrows {
        precondition(building, "updateAll visits the rows in memory: only a build from zero holds them all")
        var index = rows.startIndex
        while index != rows.endIndex {
            try change(rows.keys[index], &rows.values[index])
            rows.formIndex(after: &index)
        }
    }

    /// Visits every row in key order (building only; the order is sorted again only after
    /// keys were added).
    func forEachSorted(_ body: (String, Row) throws -> Void) rethrows {
        precondition(building, "forEachSorted visits the rows in memory: only a build from zero holds them all")
        let keys = sortedKeys ?? rows.keys.sorted()
        sortedKeys = keys
        for key in keys { try body(key, rows[key]!) }
    }

    func beginTransaction() {
        guard !building else { return }
        rows.removeAll(keepingCapacity: true)
        changed.removeAll(keepingCapacity: true)
        sortedKeys = nil
    }

    func finishTransaction(in db: Database) throws {
        guard !building else { return }
        for key in changed.sorted() { try save(key, rows[key]!, db) }
        rows.removeAll(keepingCapacity: true)
        changed.removeAll(keepingCapacity: true)
    }

    func finishBuilding(in db: Database) throws {
        guard building else { return }
        try forEachSorted { key, row in try save(key, row, db) }
        rows.removeAll()
        sortedKeys = nil
        building = false
    }
}
