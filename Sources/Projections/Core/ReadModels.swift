import EventLog
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The read models of one data directory (`DIR/readmodels/<name>.sqlite`): opened, caught up
/// with the log, rebuilt from zero, built as of a past point, snapshotted. One process at a time
/// maintains them (an exclusive lock on `DIR/readmodels/LOCK`); any number may read them.
public final class ReadModels: @unchecked Sendable {
    public let log: EventLog
    public let directory: String
    public let logger: Logger
    public internal(set) var stores: [ReadModelStore] = []
    private let lockDescriptor: Int32

    /// Where a data directory keeps its read models.
    public static func directory(of data: LogDirectory) -> String { data.root + "/readmodels" }

    /// Where as-of builds go unless told otherwise (`DIR/readmodels/as-of`).
    public static func asOfDirectory(of data: LogDirectory) -> String { directory(of: data) + "/as-of" }

    /// Opens (creating when missing) every read model in `only` (default: all) for maintenance.
    /// A stored read model built by other logic (another projection version) is rebuilt; one
    /// that does not reflect this log (its Merkle root differs) is refused.
    public init(log: EventLog, only: [String]? = nil, logger: Logger = Logger(label: "gongfu.projections")) throws(ProjectionError) {
        self.log = log
        self.logger = logger
        directory = Self.directory(of: log.directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        lockDescriptor = open(directory + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            if lockDescriptor >= 0 { close(lockDescriptor) }
            throw .busy(path: directory)
        }
        let types = try ReadModelCatalogue.projections(named: only)
        for type in types {
            let path = self.path(of: type.name)
            var store = try ReadModelStore(path: path, projection: type, mode: .live)
            let checkpoint = try store.checkpoint()
            if checkpoint.version != type.version {
                logger.notice(
                    "read model logic changed: rebuilding",
                    metadata: [
                        "projection.name": "\(type.name)", "projection.stored_version": "\(checkpoint.version)",
                        "projection.version": "\(type.version)",
                    ])
                store.close()
                store = try rebuild(type)
            } else {
                try checkMatchesLog(checkpoint, name: type.name)
            }
            stores.append(store)
        }
    }

    deinit {
        for store in stores { store.close() }
        // Unlock before closing: a child process forked elsewhere in this process holds a copy
        // of the descriptor until it execs, and the lock lives as long as any copy does (seen as
        // a spurious "being maintained by another process" when reopening right after).
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// Events per transaction when building from zero (two chunks are in memory at a time: one
    /// parsed while the one before is applied).
    static let buildChunkEvents = 16384

    public func path(of name: String) -> String { directory + "/\(name).sqlite" }

    public func store(named name: String) throws(ProjectionError) -> ReadModelStore {
        guard let store = stores.first(where: { $0.name == name }) else { throw .unknownProjection(name) }
        return store
    }

    /// Builds from zero every read model that reflects nothing yet while the log holds events (a
    /// fresh data directory, a read model added since): folded in memory, written once and
    /// installed when complete — far faster than catching up chunk by chunk. It replaces
    /// ``stores``' entries, so call it before anyone else reads them (the daemon does before it
    /// serves). Returns the names built.
    @discardableResult
    public func buildEmpty(progress: (UInt64, UInt64) -> Void = { _, _ in }) throws(ProjectionError) -> [String] {
        do { try log.refresh() } catch { throw .unreadableEvent(seq: nil, reason: "\(error)") }
        guard log.size > 0 else { return [] }
        var empty: [String] = []
        for store in stores where try store.checkpoint().seq == 0 { empty.append(store.name) }
        if !empty.isEmpty { try rebuildAll(only: empty, progress: progress) }
        return empty
    }

    /// Applies every event the read models do not reflect yet, `chunkEvents` per transaction.
    /// Returns the log size reached.
    @discardableResult
    public func catchUp(chunkEvents: Int = 8192, progress: (UInt64, UInt64) -> Void = { _, _ in }) throws(ProjectionError) -> UInt64 {
        do { try log.refresh() } catch { throw .unreadableEvent(seq: nil, reason: "\(error)") }
        let size = log.size
        var behind: [ReadModelStore] = []
        var from = size + 1
        for store in stores {
            let checkpoint = try store.checkpoint()
            guard checkpoint.seq <= size else { throw .ahead(projection: store.name, checkpoint: checkpoint.seq, logSize: size) }
            if checkpoint.seq < size {
                behind.append(store)
                from = min(from, checkpoint.seq + 1)
            }
        }
        try run { try Projector(log: log, chunkEvents: max(1, chunkEvents)).project(behind, from: from, through: size) { progress($0, size) } }
        return size
    }

    /// Where the last ``rebuildAll(only:progress:)`` spent its time: `projecting` and `sealing`
    /// (wall seconds of the whole build's two phases: all events applied, then all files
    /// sealed), `parse` and `apply` (wall seconds of the two steps of each chunk, summed), and
    /// each read model's own apply and seal seconds.
    public private(set) var lastRebuildTimings: [(String, Double)] = []

    /// Rebuilds read models (all, or those named) from zero into new files and installs them
    /// when complete; the live files stay readable (and unchanged) until then.
    public func rebuildAll(only names: [String]? = nil, progress: (UInt64, UInt64) -> Void = { _, _ in }) throws(ProjectionError) {
        let chosen = stores.filter { names?.contains($0.name) ?? true }
        let types = chosen.map(\.projectionType)
        for store in chosen { store.close() }
        let size = log.size
        let building = try types.map { type throws(ProjectionError) in try Self.startBuilding(at: path(of: type.name), type) }
        let projector = Projector(log: log, chunkEvents: Self.buildChunkEvents)
        let started = DispatchTime.now().uptimeNanoseconds
        try run { try projector.project(building, from: 1, through: size) { progress($0, size) } }
        let applied = DispatchTime.now().uptimeNanoseconds
        let sealing = try Self.install(building, at: types.map { path(of: $0.name) })
        let sealed = DispatchTime.now().uptimeNanoseconds
        for type in types {
            let store = try ReadModelStore(path: path(of: type.name), projection: type, mode: .live)
            stores[stores.firstIndex { $0.name == type.name }!] = store
        }
        lastRebuildTimings =
            [
                ("projecting", Double(applied - started) / 1e9), ("sealing", Double(sealed - applied) / 1e9),
                ("parse", projector.timings.parseSeconds), ("apply", projector.timings.applySeconds),
            ]
            + building.map { ($0.name, $0.applySeconds) } + sealing
    }

    private func rebuild(_ type: any Projection.Type) throws(ProjectionError) -> ReadModelStore {
        let building = try Self.startBuilding(at: path(of: type.name), type)
        let size = log.size
        try run { try Projector(log: log, chunkEvents: Self.buildChunkEvents).project([building], from: 1, through: size) }
        try Self.install(building, at: path(of: type.name))
        return try ReadModelStore(path: path(of: type.name), projection: type, mode: .live)
    }

    /// Builds read models as of a past point into `outputDirectory` (`<name>.<label>.sqlite`),
    /// leaving the live ones alone. Returns the files written.
    public static func build(
        asOf: AsOf, log: EventLog, names: [String]? = nil, outputDirectory: String,
        progress: (UInt64, UInt64) -> Void = { _, _ in }
    ) throws(ProjectionError) -> [String] {
        let types = try ReadModelCatalogue.projections(named: names)
        try? FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let through: UInt64
        if case .seq(let seq) = asOf { through = min(seq, log.size) } else { through = log.size }
        let paths = types.map { outputDirectory + "/\($0.name).\(asOf.label).sqlite" }
        let building = try types.enumerated().map { index, type throws(ProjectionError) in try startBuilding(at: paths[index], type) }
        try run {
            try Projector(log: log, chunkEvents: Self.buildChunkEvents).project(building, from: 1, through: through, asOf: asOf) {
                progress($0, through)
            }
        }
        try install(building, at: paths, asOf: asOf.description)
        return paths
    }

    /// Builds read models as of a past point into `outputDirectory` (``build(asOf:log:names:outputDirectory:progress:)``)
    /// and opens them read-only, by name; the caller closes them.
    public static func stores(
        asOf: AsOf, log: EventLog, names: [String], outputDirectory: String
    ) throws(ProjectionError) -> [String: ReadModelStore] {
        var stores: [String: ReadModelStore] = [:]
        // Each file is `<name>.<point>.sqlite`.
        for path in try build(asOf: asOf, log: log, names: names, outputDirectory: outputDirectory) {
            let name = String(URL(fileURLWithPath: path).lastPathComponent.prefix { $0 != "." })
            stores[name] = try ReadModelStore(path: path, projection: try ReadModelCatalogue.projection(named: name), mode: .readOnly)
        }
        return stores
    }

    /// Checks that a stored checkpoint's Merkle root is this log's root at that position.
    func checkMatchesLog(_ checkpoint: ReadModelCheckpoint, name: String) throws(ProjectionError) {
        guard checkpoint.seq > 0 else { return }
        guard checkpoint.seq <= log.size else { throw .ahead(projection: name, checkpoint: checkpoint.seq, logSize: log.size) }
        let root: String
        do { root = try log.root(size: checkpoint.seq).base64 } catch { throw .database("\(error)") }
        guard root == checkpoint.root else { throw .rootMismatch(projection: name, seq: checkpoint.seq, stored: checkpoint.root, log: root) }
    }

    static func startBuilding(at path: String, _ type: any Projection.Type) throws(ProjectionError) -> ReadModelStore {
        let building = path + ".building"
        try? FileManager.default.removeItem(atPath: building)
        return try ReadModelStore(path: building, projection: type, mode: .building)
    }

    /// Seals a built file and moves it over `path` (atomically; stale WAL files of the old one
    /// are removed first so they can never be applied to the new one).
    static func install(_ store: ReadModelStore, at path: String, asOf: String = "") throws(ProjectionError) {
        try store.seal(asOf: asOf)
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        guard rename(store.path, path) == 0 else { throw .database("cannot move \(store.path) to \(path): \(String(cString: strerror(errno)))") }
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }

    /// Seals and installs built files side by side on the machine's cores; returns each one's
    /// seconds (`<name> seal`).
    @discardableResult
    static func install(_ stores: [ReadModelStore], at paths: [String], asOf: String = "") throws(ProjectionError) -> [(String, Double)] {
        let failures = FailureBox()
        let seconds = SecondsBox(count: stores.count)
        let order = ReadModelStore.longestFirst(stores)  // a store's apply time foretells its seal's
        DispatchQueue.concurrentPerform(iterations: stores.count) { position in
            let index = order[position]
            let started = DispatchTime.now().uptimeNanoseconds
            do { try install(stores[index], at: paths[index], asOf: asOf) } catch { failures.record(error) }
            seconds.set(index, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        if let failure = failures.first { throw failure as? ProjectionError ?? .database("\(failure)") }
        return stores.enumerated().map { ("\($0.element.name) seal", seconds.values[$0.offset]) }
    }

    static func run(_ body: () throws -> Void) throws(ProjectionError) {
        do { try body() } catch let error as ProjectionError { throw error } catch { throw .unreadableEvent(seq: nil, reason: "\(error)") }
    }

    func run(_ body: () throws -> Void) throws(ProjectionError) { try Self.run(body) }
}

/// Per-index results written from concurrent work.
final class SecondsBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Double]

    init(count: Int) { values = Array(repeating: 0, count: count) }

    func set(_ index: Int, _ value: Double) {
        lock.lock()
        defer { lock.unlock() }
        values[index] = value
    }
}
