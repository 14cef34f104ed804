import GRDB
import Testing

@testable import Projections

@Suite("Writing many rows per statement")
struct BulkInsertTests {
    private func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE fact (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, note TEXT, amount REAL)")
        }
        return queue
    }

    private func rows(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fact ORDER BY id").map {
                "\($0[0] as Int)|\($0[1] as String)|\(($0[2] as String?) ?? "nil")|\(($0[3] as Double?) ?? -1)"
            }
        }
    }

    @Test("Every row is written once, whatever the count against the batch size", arguments: [0, 1, 2, 6, 7, 8, 15, 16, 17, 40])
    func everyRowOnce(count: Int) throws {
        let queue = try database()
        try queue.write { db in
            let insert = try BulkInsert(db, into: "fact", columns: 4, rowsPerStatement: 8)
            for id in 0..<count { try insert.add(id, "名\(id)", id % 3 == 0 ? nil : "note \(id)", id % 2 == 0 ? Double(id) / 4 : nil) }
            try insert.finish()
        }
        let expected = (0..<count).map { id in "\(id)|名\(id)|\(id % 3 == 0 ? "nil" : "note \(id)")|\(id % 2 == 0 ? Double(id) / 4 : -1)" }
        #expect(try rows(queue) == expected)
    }

    @Test("Named columns, a conflict verb, and rows discarded with their rolled-back transaction")
    func namedColumnsAndDiscard() throws {
        let queue = try database()
        try queue.write { db in
            let insert = try BulkInsert(db, "INSERT OR REPLACE", into: "fact", columns: 2, named: ["name", "id"], rowsPerStatement: 4)
            for id in [3, 1, 2, 1] { try insert.add("v\(id)", id) }  // the second 1 replaces the first
            try insert.add("v9", 9)
            try insert.finish()
        }
        #expect(try rows(queue) == ["1|v1|nil|-1.0", "2|v2|nil|-1.0", "3|v3|nil|-1.0", "9|v9|nil|-1.0"])
        let appender = Appender(into: "fact", columns: 4)
        appender.beginBuilding()
        try? queue.inTransaction { db in
            try appender.add(db, 20, "lost", nil as String?, nil as Double?)
            throw CancellationError()
        }
        appender.discard()
        try queue.inTransaction { db in
            try appender.add(db, 21, "kept", nil as String?, 1.5)
            try appender.flush()
            return .commit
        }
        #expect(try rows(queue).suffix(1) == ["21|kept|nil|1.5"])
    }

    @Test("Live, an appender writes each row at once: a statement after it sees the row")
    func liveWritesAtOnce() throws {
        let queue = try database()
        let appender = Appender(into: "fact", columns: 4)
        try queue.write { db in
            try appender.add(db, 1, "a", nil as String?, nil as Double?)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fact") == 1)
            try appender.flush()
        }
    }
}
