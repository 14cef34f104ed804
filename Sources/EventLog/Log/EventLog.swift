import Foundation
import Logging
import Synchronization

/// The append-only event log: segmented LZ4-framed NDJSON with commit trailers, group commit
/// with `fdatasync`, a Merkle tree over every event, and signed checkpoints.
///
/// Open it for writing (one process at a time; appends, proofs, checkpoints) or read-only (any
/// number of processes; a torn tail left by a running writer is ignored, not repaired).
public final class EventLog: @unchecked Sendable {
    public let directory: LogDirectory
    public let configuration: LogConfiguration
    public let isWritable: Bool
    let logger: Logger

    /// The simulated time events are recorded at, once set (simulations only).
    private let simulatedTime = Mutex<Int64?>(nil)

    /// Records the next appends at `microseconds` since the epoch (UTC) instead of the clock's
    /// time: only a log initialised as a simulation (`gongfu demo`) takes it, so no other log's
    /// recorded times can be set.
    public func setSimulatedTime(_ microseconds: Int64) throws(LogError) {
        guard configuration.simulation else {
            throw .badConfiguration(path: directory.config, reason: "this log is not a simulation: its recorded times come from the clock")
        }
        simulatedTime.withLock { $0 = microseconds }
    }

    /// The time an append is recorded at: the clock's, or a simulation's simulated time.
    func recordedNow() -> Int64 {
        simulatedTime.withLock { $0 } ?? Timestamp.nowMicroseconds()
    }

    /// Guards `catalog`, `failure`, `counters` and `waiters`. Only the syncer thread (after
    /// `fdatasync`) and `refresh()` change `catalog`, each then calling ``publishSize()``.
    let lock = NSLock()
    var catalog: LogCatalog
    /// `catalog.size` as last published, readable without `lock`: a writer's checks ask the
    /// size for every draft, and the syncer holds `lock` while it adds a batch to the catalog.
    private let publishedSize = Atomic<UInt64>(0)

    /// Publishes `catalog.size` for ``size``; called with `lock` held, after the catalog changed.
    func publishSize() {
        publishedSize.store(catalog.size, ordering: .releasing)
    }
    /// Why writes are refused (set once, by ``recordFailure(_:)``).
    private(set) var failure: String?
    /// Whether `failure` is set, readable without `lock` (which the syncer holds while it adds
    /// batches to the catalog: every append checking `failure` under it used to wait there).
    private let hasFailed = Atomic<Bool>(false)
    var counters = LogStatistics()
    private var waiters: [(id: UInt64, after: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    private var nextWaiterID: UInt64 = 0
    var committer: GroupCommitter?
    /// Group-commit tuning, kept for a committer started again by ``resumeWrites()``.
    let options: Options
    private var lockFile: File?
    let segmentReaders = SegmentReaders()
    private var signingKey: CheckpointSigningKey?

    /// Why writes are refused, if they are. Takes `lock` only once something failed.
    var writeFailure: String? {
        guard hasFailed.load(ordering: .acquiring) else { return nil }
        return lock.withLock { failure }
    }

    /// Refuses every further write, for `reason` (the first reason recorded is kept).
    func recordFailure(_ reason: String) {
        lock.withLock { failure = failure ?? reason }
        hasFailed.store(true, ordering: .releasing)
    }

    /// Accepts writes again (``resumeWrites()``, once a new committer runs).
    func clearFailure() {
        lock.withLock { failure = nil }
        hasFailed.store(false, ordering: .releasing)
    }

    /// Why the log refuses writes, or nil while it accepts them.
    public var refusal: String? { writeFailure }

    /// Tuning of group commit.
    public struct Options: Sendable {
        /// A batch takes ready requests from the head of the queue while it holds at most this
        /// many events (a larger request goes alone). Smaller batches keep the appenders busy
        /// while the encoder works: at 64 appenders of 100 events, 8192 let one batch take
        /// nearly every request in flight and left the appenders idle until it was synced
        /// (`LogBenchmark --appenders 64`, medians of 4: 8192 → 462k events/s, 1.77 cores busy;
        /// 4096 → 480k; 2048 → 519k, 1.88; 1536 → 522k, 1.89).
        public var maximumBatchEvents = 2048
        /// LZ4 compression level: negative values are LZ4's fast mode with that acceleration,
        /// 0 its default, 3…12 LZ4-HC. The default, −2, measured on 400k demo-shaped events at
        /// 64 appenders (`LogBenchmark --lz4-level`): 4.80 → 4.44 µs of CPU per event appended,
        /// 23.3% → 23.9% of the raw NDJSON bytes (−4: 4.4 µs, 24.3%; −16: 29.6%).
        public var compressionLevel: Int32 = -2
        /// Test hook: runs after each segment's `fdatasync`, to simulate a failing disk.
        /// Throwing from it counts as a failed sync.
        var syncFault: (@Sendable () throws -> Void)?
        /// Test hook: how many bits of each idempotency key's hash the catalogue keeps (fewer
        /// make keys share hashes, which a log must tell apart).
        var keyHashBits = 64
        /// Test hook: the sequencer takes every key as unused, writing the repeats a log must
        /// never hold (for the verifier's tests).
        var writesRepeatedKeys = false
        /// Whether a read-only log keeps its events' idempotency keys (by hash, 16 bytes an
        /// event with a key), to answer ``EventLog/event(forKey:reading:)``. A reader that only
        /// reads events (a read-model build) opens without them; a writable log always keeps
        /// them.
        public var keepsKeys = true
        public init() {}
    }

    /// Creates an empty log in `directory` with its checkpoint signing key; a `simulation`
    /// (`gongfu demo`) records its events at the simulated timeline's times.
    public static func initialize(
        directory: LogDirectory, origin: String, segmentBytes: Int = LogConfiguration.defaultSegmentBytes, simulation: Bool = false
    ) throws(LogError) {
        if File.exists(directory.config) { throw .alreadyInitialized(directory: directory.root) }
        let configuration = LogConfiguration(origin: origin, segmentBytes: segmentBytes, simulation: simulation)
        do {
            try File.makeDirectories(directory.root)
            for path in [directory.log, directory.segments, directory.index, directory.checkpoints, directory.keys] {
                try File.makeDirectory(path)
            }
            let key = CheckpointSigningKey.generate(name: origin)
            try File.writeAtomically(Array(key.text.utf8), to: directory.signingKey, permissions: 0o600)
            try File.writeAtomically(Array(key.verifier.text.utf8), to: directory.verifierKey)
            try File.writeAtomically(configuration.json.canonicalBytes + [0x0A], to: directory.config)
        } catch {
            throw .storage(error)
        }
    }

    /// Opens the log in `directory`, recovering from a crash if needed.
    public init(directory: LogDirectory, writable: Bool, options: Options = Options(), logger: Logger = Logger(label: "gongfu.log")) throws(LogError)
    {
        self.directory = directory
        self.isWritable = writable
        self.logger = logger
        self.options = options
        guard File.exists(directory.config) else { throw .notInitialized(directory: directory.root) }
        do {
            let text = try File(path: directory.config, mode: .readOnly).readAll()
            let json: JSONValue
            do { json = try JSONParser.parse(text) } catch { throw LogError.badConfiguration(path: directory.config, reason: error.description) }
            configuration = try LogConfiguration(json: json, path: directory.config)
            if writable {
                let lockFile =
                    File.exists(directory.lock) ? try File(path: directory.lock, mode: .readWrite) : try File(path: directory.lock, mode: .createNew)
                guard lockFile.tryLockExclusive() else { throw LogError.locked(path: directory.lock) }
                self.lockFile = lockFile
            } else {
                lockFile = nil
            }
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw error as! LogError
        }
        let outcome = try Recovery(
            directory: directory, writable: writable, logger: logger, keyHashBits: options.keyHashBits, keepsKeys: writable || options.keepsKeys
        ).run()
        catalog = outcome.catalog
        publishSize()
        if writable {
            committer = try GroupCommitter(log: self, lastSegment: outcome.lastSegment, options: options)
            committer?.start()
        }
    }

    /// Number of committed events (the Merkle tree size).
    public var size: UInt64 {
        publishedSize.load(ordering: .acquiring)
    }

    /// What the committer has done since the log was opened (for metrics and benchmarks).
    public var statistics: LogStatistics {
        lock.withLock { counters }
    }

    /// Current version of `stream` (0 if it has no events).
    public func version(of stream: String) -> UInt64 {
        lock.withLock { catalog.version(of: stream) }
    }

    /// Appends `drafts` atomically (all in one batch or none) and returns once they are durable.
    /// Events whose idempotency key was seen before are not appended again: their first result
    /// comes back with `isDuplicate` set.
    public func append(_ drafts: [EventDraft], actor: Actor) async throws(LogError) -> [AppendResult] {
        try await append(drafts, actor: actor, queued: {})
    }

    /// ``append(_:actor:)`` that calls `queued` once the request has its place in the log's
    /// order (sequenced) or was refused before it — before it is durable, so that a writer with
    /// more to append can check or queue its next request while this one's lines are built,
    /// written and synced.
    public func append(_ drafts: [EventDraft], actor: Actor, queued: () -> Void) async throws(LogError) -> [AppendResult] {
        var queuedCalled = false
        defer { if !queuedCalled { queued() } }
        guard let committer else { throw .writesRefused(reason: "the log was opened read-only") }
        if drafts.isEmpty { return [] }
        // The drafts are read in place (through a buffer pointer: an element read through the
        // array's subscript was copied, a retain and a release of each of its strings).
        let names = try drafts.withUnsafeBufferPointer { drafts throws(LogError) in
            var names: [StreamName] = []
            names.reserveCapacity(drafts.count)
            for index in drafts.indices {
                do throws(EventDraftError) { try drafts[index].validate() } catch { throw .invalidEvent(index: index, reason: error.description) }
                names.append(StreamName(drafts[index].stream))
            }
            return names
        }
        let actorBytes = actor.json.canonicalBytes
        do {
            return try await withCheckedThrowingContinuation { continuation in
                committer.submit(drafts, names: names, actor: actorBytes, continuation: continuation) {
                    queuedCalled = true
                    queued()
                }
            }
        } catch {
            throw error as! LogError
        }
    }

    /// Waits until the log holds more than `size` events, the log is closed, or the task is
    /// cancelled. A log that refuses writes keeps its waiters until writes resume.
    public func waitForCommit(after size: UInt64) async {
        let id = lock.withLock {
            nextWaiterID += 1
            return nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                lock.lock()
                if catalog.size > size || committer == nil || Task.isCancelled {
                    lock.unlock()
                    continuation.resume()
                } else {
                    waiters.append((id, size, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            lock.unlock()
            waiter?.continuation.resume()
        }
    }

    /// The event appended with idempotency key `key`, if any, read through `lookup`. (The log
    /// keeps a hash of each key: the events it points at are read to find the one whose key
    /// this is — almost always the only one.)
    public func event(forKey key: String, reading lookup: LogLookup) throws -> Envelope? {
        let candidates = lock.withLock { catalog.keys?.candidates(for: key) }
        guard let candidates else {
            preconditionFailure("the log was opened without its idempotency keys (Options.keepsKeys); open it with them to look one up")
        }
        return try lookup.envelope(withKey: key, among: candidates)
    }

    /// Called by the committer after it added a batch to the catalog.
    func notifyCommitted() {
        lock.lock()
        let size = catalog.size
        let ready = waiters.filter { $0.after < size }
        waiters.removeAll { $0.after < size }
        lock.unlock()
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Finishes queued appends, stops the committer and releases the writer lock.
    public func close() async {
        guard let committer else { return }
        await committer.stop()
        for waiter in detachWaiters() { waiter.continuation.resume() }
    }

    private func detachWaiters() -> [(id: UInt64, after: UInt64, continuation: CheckedContinuation<Void, Never>)] {
        lock.lock()
        defer { lock.unlock() }
        committer = nil
        lockFile = nil  // closing the descriptor releases the writer lock
        let pending = waiters
        waiters.removeAll()
        return pending
    }

    /// Re-reads the segments for batches another process committed since this log was opened
    /// (read-only logs; a writable log is always current).
    public func refresh() throws(LogError) {
        guard !isWritable else { return }
        lock.lock()
        defer { lock.unlock() }
        // (Published even when catching up stopped part way: what it added is in the catalog.)
        defer { publishSize() }
        try Recovery(directory: directory, writable: false, logger: logger).catchUp(&catalog)
    }

    /// The checkpoint signing key, loaded on first use.
    func checkpointKey() throws(LogError) -> CheckpointSigningKey {
        if let signingKey { return signingKey }
        do {
            let text = String(decoding: try File(path: directory.signingKey, mode: .readOnly).readAll(), as: UTF8.self)
            let key = try CheckpointSigningKey(text: text)
            signingKey = key
            return key
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .badConfiguration(path: directory.signingKey, reason: "\(error)")
        }
    }
}

/// Counters of the group committer since the log was opened.
public struct LogStatistics: Sendable, Equatable {
    /// Batches committed (frames written and synced).
    public var batches = 0
    /// Events committed.
    public var events = 0
    /// Append requests answered (committed, duplicate or rejected).
    public var requests = 0
    /// Bytes written to segments (frames and trailers).
    public var bytesWritten = 0
    /// Time the encoder spent building and writing batches (validation, encoding, hashing,
    /// compression, write), nanoseconds.
    public var encodeNanoseconds: UInt64 = 0
    /// `fdatasync` rounds (each covers every batch written since the previous one).
    public var syncs = 0
    /// Time spent in fdatasync, nanoseconds.
    public var syncNanoseconds: UInt64 = 0
    /// The slowest fdatasync round, nanoseconds.
    public var maximumSyncNanoseconds: UInt64 = 0
}

/// The outcome of appending one event.
public struct AppendResult: Sendable, Equatable {
    public var seq: UInt64
    public var stream: String
    public var version: UInt64
    /// True when the idempotency key had been used: nothing was appended, this is the first result.
    public var isDuplicate: Bool
}
