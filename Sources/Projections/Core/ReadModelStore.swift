import EventLog
import Foundation
import GRDB
import Synchronization

/// Where a read model stands: the last log position it reflects and the log's Merkle root there.
public struct ReadModelCheckpoint: Sendable, Equatable {
    /// Last seq applied (0: nothing yet).
    public var seq: UInt64
    /// Base64 Merkle root of the log's first `seq` events ("" at 0).
    public var root: String
    /// The fold's code version that built it.
    public var version: Int
    /// "" for a live read model, else the as-of point it was built at (e.g. `date 2024-10-31`).
    public var asOf: String
}

/// One read model's SQLite file: its schema, its checkpoint, and transactions that apply events
/// and move the checkpoint together.
public final class ReadModelStore: @unchecked Sendable {
    public let projectionType: any Projection.Type
    public let path: String
    /// The connection(s). Live stores use a WAL `DatabasePool` (readers never block the writer);
    /// files being built from zero use a `DatabaseQueue` without a journal.
    public let writer: any DatabaseWriter
    private let projection: any Projection
    /// The `CREATE INDEX` statements of query-only indexes dropped while building, re-run by ``seal(asOf:)``.
    private var deferredIndexes: [(name: String, sql: String)] = []
    /// Whether this is a file being built from zero (see ``Mode/building``).
    private let isBuilding: Bool
    /// Time spent in ``apply(_:from:through:root:asOf:)`` since the store was opened (one writer
    /// thread at a time, so no lock).
    public private(set) var applySeconds = 0.0
    /// The seq this store's data reflects, as this process last committed it (or read it on
    /// open): a lock-free read for caches of query answers in the daemon, which is the only
    /// process applying events to its read models while it runs.
    private let committedSeq = Atomic<UInt64>(0)
    public var appliedSeq: UInt64 { committedSeq.load(ordering: .acquiring) }

    public var name: String { projectionType.name }

    public enum Mode: Sendable {
        /// An installed read model: WAL, `synchronous=NORMAL` (derived data: a power cut may lose
        /// the last transactions, never mix them; they are re-applied from the log).
        case live
        /// A file built from zero and installed only when complete: no journal, no syncs until
        /// ``ReadModelStore/seal()``.
        case building
        /// Read-only access (queries on a read model someone else maintains).
        case readOnly
    }

    public init(path: String, projection: any Projection.Type, mode: Mode) throws(ProjectionError) {
        _ = SQLiteSettings.applied
        self.projectionType = projection
        self.path = path
        self.projection = projection.init()
        isBuilding = mode == .building
        do {
            var configuration = Configuration()
            configuration.label = projection.name
            configuration.busyMode = .timeout(10)
            configuration.foreignKeysEnabled = false
            switch mode {
            case .live:
                configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                writer = try DatabasePool(path: path, configuration: configuration)
            case .building:
                // A small page cache: a build writes its rows in key order (appends to the
                // B-trees), so a page is rarely read again, and eight builds side by side each
                // filled a large cache. The sorts of the indexes built at sealing spill to
                // temporary files (in the OS's cache) rather than to this process's heap.
                configuration.prepareDatabase { db in
                    try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -4096")
                }
                writer = try DatabaseQueue(path: path, configuration: configuration)
            case .readOnly:
                guard FileManager.default.fileExists(atPath: path) else { throw ProjectionError.notBuilt(projection: projection.name, path: path) }
                configuration.readonly = true
                writer = try DatabaseQueue(path: path, configuration: configuration)
            }
            if mode != .readOnly {
                // A new file gets this version's schema. A stored read model of any version
                // keeps its schema: one of other logic is rebuilt from zero into a new file
                // (``ReadModels``) and reads as it did until the new one replaces it.
                try writer.write { db in
                    guard try !db.tableExists("gongfu_checkpoint") else { return }
                    try db.execute(sql: Self.checkpointSchema)
                    for statement in projection.schema { try db.execute(sql: statement) }
                    try db.execute(
                        sql: "INSERT INTO gongfu_checkpoint VALUES (?, ?, 0, '', '')",
                        arguments: [projection.name, projection.version])
                }
                if mode == .building { self.projection.startBuilding() }
                if mode == .building, !projection.queryOnlyIndexes.isEmpty {
                    deferredIndexes = try writer.write { db in
                        var statements: [(name: String, sql: String)] = []
                        for name in projection.queryOnlyIndexes {
                            guard
                                let sql = try String.fetchOne(
                                    db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [name])
                            else {
                                throw ProjectionError.database(
                                    "\(projection.name) declares query-only index \(name), which its schema does not create")
                            }
                            statements.append((name, sql))
                            try db.execute(sql: "DROP INDEX \"\(name)\"")
                        }
                        return statements
                    }
                }
            }
        } catch let error as ProjectionError {
            throw error
        } catch {
            throw .database("\(path): \(error)")
        }
        if let seq = try? checkpoint().seq { committedSeq.store(seq, ordering: .releasing) }
    }

    /// The table holding the read model's position in the log, in every read model's file.
    static let checkpointSchema = """
        CREATE TABLE gongfu_checkpoint (
            projection TEXT PRIMARY KEY NOT NULL,
            version INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            root TEXT NOT NULL,
            as_of TEXT NOT NULL
        )
        """

    /// The stored checkpoint.
    public func checkpoint() throws(ProjectionError) -> ReadModelCheckpoint {
        try perform { try writer.read(Self.checkpoint(in:)) }
    }

    /// The checkpoint stored in `db` (a read model's file), for reading it in the same transaction as its rows.
    public static func checkpoint(in db: Database) throws -> ReadModelCheckpoint {
        guard let row = try Row.fetchOne(db, sql: "SELECT version, seq, root, as_of FROM gongfu_checkpoint") else {
            return ReadModelCheckpoint(seq: 0, root: "", version: 0, asOf: "")
        }
        return ReadModelCheckpoint(seq: UInt64(row[1] as Int64), root: row[2], version: row[0], asOf: row[3])
    }

    /// Applies `events` — the log's events `from...through`, possibly filtered (as-of builds) —
    /// and moves the checkpoint to `through`, all in one transaction. Events the read model
    /// already reflects are skipped, so a batch handed twice is applied once.
    public func apply(_ events: [ProjectedEvent], from: UInt64, through: UInt64, root: MerkleHash, asOf: String = "") throws(ProjectionError) {
        let name = projectionType.name
        let started = DispatchTime.now().uptimeNanoseconds
        defer { applySeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        try perform {
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let checkpoint = try Self.checkpoint(in: db)
                    guard through > checkpoint.seq else { return .rollback }
                    guard from <= checkpoint.seq + 1 else { throw ProjectionError.gap(projection: name, checkpoint: checkpoint.seq, next: from) }
                    try projection.startTransaction(in: db)
                    for event in events where event.seq > checkpoint.seq {
                        try projection.apply(event, in: db)
                    }
                    try projection.endTransaction(in: db)
                    try db.execute(
                        sql: "UPDATE gongfu_checkpoint SET seq = ?, root = ?, as_of = ?",
                        arguments: [Int64(through), root.base64, asOf])
                    return .commit
                }
            }
        }
        committedSeq.store(max(through, committedSeq.load(ordering: .relaxed)), ordering: .releasing)
    }

    /// Reads with a consistent view of the read model.
    public func read<Result>(_ body: (Database) throws -> Result) throws(ProjectionError) -> Result {
        try perform { try writer.read(body) }
    }

    /// Makes a built file durable and ready to install: switches it to WAL and syncs it.
    public func seal(asOf: String = "") throws(ProjectionError) {
        try perform {
            let indexes = deferredIndexes.map(\.sql)
            if isBuilding { try writer.write { db in try projection.endBuilding(in: db) } }
            try writer.writeWithoutTransaction { db in
                for sql in indexes { try db.execute(sql: sql) }
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                try db.execute(sql: "UPDATE gongfu_checkpoint SET as_of = ?", arguments: [asOf])
            }
            try writer.close()
        }
    }

    /// Positions of `stores`, longest first by the time each has spent applying so far: run side
    /// by side in this order, the cores finish together rather than one running the largest
    /// fold (or its seal) alone at the end.
    static func longestFirst(_ stores: [ReadModelStore]) -> [Int] {
        stores.indices.sorted { stores[$0].applySeconds > stores[$1].applySeconds }
    }

    /// Closes the connections.
    public func close() {
        try? writer.close()
    }

    private func perform<Result>(_ body: () throws -> Result) throws(ProjectionError) -> Result {
        do {
            return try body()
        } catch let error as ProjectionError {
            throw error
        } catch let error as DatabaseError {
            throw .database("\(path): \(error.message ?? error.description)")
        } catch {
            throw .database("\(path): \(error)")
        }
    }
}
