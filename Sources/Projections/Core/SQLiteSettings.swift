import CSQLiteSettings
import GRDB
import GRDBSQLite

/// How this process runs SQLite.
public enum SQLiteSettings {
    /// Turns SQLite's memory statistics off for the process, once, before the first connection
    /// opens (read models, snapshots and token stores open theirs after it). With them on,
    /// every SQLite allocation takes one process-wide mutex, which the read models' threads
    /// fought over while rebuilding: about a tenth of the rebuild's CPU went to that lock and
    /// its futex waits (1M-event rebuild 11.3–11.9 s → 9.5 s). Nothing here reads the
    /// statistics. False when SQLite had already initialised (the setting then stays on).
    public static let applied: Bool = gongfu_sqlite_disable_memory_statistics() == SQLITE_OK

    /// Whether SQLite counts its memory in this process: it does iff an open connection shows
    /// memory in use.
    public static var memoryStatisticsOn: Bool {
        guard let connection = try? DatabaseQueue() else { return false }
        return withExtendedLifetime(connection) { sqlite3_memory_used() > 0 }
    }

    /// The SQLite library in use and its setting, for `gongfu --version`.
    public static var description: String {
        _ = applied
        return "SQLite \(String(cString: sqlite3_libversion())), memory statistics \(memoryStatisticsOn ? "on" : "off")"
    }
}
