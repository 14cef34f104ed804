import Domain
import EventLog
import GRDB
import GRDBSQLite

extension Database {
    /// Runs one write statement through the connection's statement cache, binding `values` to
    /// its `?` parameters in order. Folds run the same few statements millions of times while
    /// a read model is rebuilt, so the values go straight to SQLite: no `StatementArguments`
    /// array, no boxing of each value. (The statements are ours, their parameter counts fixed.)
    @inline(__always)
    func run<each Value: SQLBindable>(_ sql: String, _ values: repeat each Value) throws {
        try cachedStatement(sql: sql).run(repeat each values)
    }
}

extension Statement {
    /// Runs this write statement once with `values` bound to its parameters in order (a loop
    /// writing many rows prepares its statement once and calls this for each).
    @inline(__always)
    func run<each Value: SQLBindable>(_ values: repeat each Value) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        var index: Int32 = 0
        func bind<V: SQLBindable>(_ value: V) {
            index += 1
            value.bindParameter(to: handle, at: index)
        }
        repeat bind(each values)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
        sqlite3_reset(handle)
    }
}

/// A value a fold binds to a statement parameter (stored as GRDB would store it).
protocol SQLBindable {
    func bindParameter(to statement: OpaquePointer, at index: Int32)
}

/// SQLite copies the bytes before `sqlite3_bind_text` returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension String: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) {
        withUTF8Bytes { bytes in
            // An empty string may have no storage: bind an empty blob of text, not NULL.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(statement, index, "", 0, transient)
                return
            }
            _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, index, $0, Int32(bytes.count), transient)
            }
        }
    }
}

/// Text whose bytes stay where they are for as long as any statement may read them: bound
/// without a copy (`SQLITE_STATIC`). A statement only reads a parameter while stepping, and
/// ``Statement/run(_:)`` binds every parameter before each step.
struct StaticText: SQLBindable {
    let bytes: UnsafeBufferPointer<UInt8>

    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            _ = sqlite3_bind_text(statement, index, "", 0, transient)
            return
        }
        _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(statement, index, $0, Int32(bytes.count), nil) }
    }
}

extension Substring: SQLBindable {
    func bindParameter(to statement: OpaquePointer, at index: Int32) { String(self).bindParameter(to: statement, at: index) }
}

extension Int: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Int64: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self) }
}

extension UInt64: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Bool: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self ? 1 : 0) }
}

extension Double: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_double(statement, index, self) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    @inline(__always)
    func bindParameter(to statement: OpaquePointer, at index: Int32) {
        if let self { self.bindParameter(to: statement, at: index) } else { sqlite3_bind_null(statement, index) }
    }
}
