import Foundation
import Logging

/// Group commit: a dedicated thread takes every append request queued while the previous batch
/// was syncing, writes them as one LZ4 frame and one trailer, calls `fdatasync` once, and only
/// then answers them all. After a failed write or sync it refuses every further append.
final class GroupCommitter: @unchecked Sendable {
    struct Request {
        var drafts: [PreparedDraft]
        /// Canonical JSON of the actor.
        var actor: [UInt8]
        var continuation: CheckedContinuation<[AppendResult], any Error>
    }

    private unowned let log: EventLog
    private let options: EventLog.Options
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var stopping = false
    private var stopped: CheckedContinuation<Void, Never>?
    private var thread: Thread?

    // Owned by the committer thread.
    private var segment: File?
    private var segmentBase: UInt64 = 0
    private var segmentLength = 0
    private var frontier: MerkleFrontier
    private var indexFile: File?
    private var indexLength = 0
    private let codec: LZ4FrameCodec
    private var random = FastRandom()
    /// Every stream's current version, including batches being written (the committer's view).
    private var streamVersions: [String: UInt64]
    /// The batch being built (NDJSON lines) and its frame; reused so big batches do not fault
    /// in fresh pages every time.
    private var content: [UInt8] = []
    private var bytes: [UInt8] = []

    init(log: EventLog, lastSegment: (base: UInt64, length: Int)?, options: EventLog.Options) throws(LogError) {
        self.log = log
        self.options = options
        codec = LZ4FrameCodec(compressionLevel: options.compressionLevel)
        frontier = MerkleFrontier(tree: log.catalog.tree, size: log.catalog.size)
        streamVersions = log.catalog.streams.mapValues { UInt64($0.count) }
        if let lastSegment {
            do {
                segment = try File(path: log.directory.segmentPath(baseSeq: lastSegment.base), mode: .readWrite)
            } catch {
                throw .storage(error)
            }
            segmentBase = lastSegment.base
            segmentLength = lastSegment.length
        }
        indexFile = try? File(path: log.directory.batchIndex, mode: .readWrite)
        indexLength = (try? indexFile?.size) ?? 0
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "gongfu-commit"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    func enqueue(_ request: Request) {
        condition.lock()
        if stopping {
            condition.unlock()
            request.continuation.resume(throwing: LogError.closed)
            return
        }
        queue.append(request)
        condition.signal()
        condition.unlock()
    }

    /// Lets queued requests finish, then ends the thread.
    func stop() async {
        await withCheckedContinuation { continuation in
            condition.lock()
            stopping = true
            stopped = continuation
            condition.signal()
            condition.unlock()
        }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                let continuation = stopped
                condition.unlock()
                continuation?.resume()
                return
            }
            var taken = 0
            var events = 0
            while taken < queue.count && (taken == 0 || events + queue[taken].drafts.count <= options.maximumBatchEvents) {
                events += queue[taken].drafts.count
                taken += 1
            }
            let batch = Array(queue.prefix(taken))
            queue.removeFirst(taken)
            condition.unlock()
            commit(batch)
        }
    }

    /// Per request: its results, or the error that rejects it whole.
    private enum Outcome {
        case results([AppendResult])
        case failed(LogError)
    }

    private func commit(_ requests: [Request]) {
        if let failure = log.lock.withLock({ log.failure }) {
            for request in requests { request.continuation.resume(throwing: LogError.writesRefused(reason: failure)) }
            return
        }
        // Only this thread mutates the catalog, so it reads it without the lock (and without
        // copying it, which would make the next mutation copy the whole tree).
        let baseSize = log.catalog.size
        let started = DispatchTime.now().uptimeNanoseconds
        let now = Timestamp.nowMicroseconds()
        let recorded = Timestamp.format(microseconds: now)
        var nextSeq = baseSize + 1
        var batchKeys: [String: (seq: UInt64, version: UInt64, draft: PreparedDraft)] = [:]
        content.removeAll(keepingCapacity: true)
        var entries: [LogCatalog.Entry] = []
        var outcomes: [Outcome] = []

        for request in requests {
            // A request is atomic: on failure its versions, keys, lines and entries are undone.
            var previousVersions: [(stream: String, version: UInt64)] = []
            var addedKeys: [String] = []
            let contentMark = content.count
            let entriesMark = entries.count
            var results: [AppendResult] = []
            results.reserveCapacity(request.drafts.count)
            var failure: LogError?
            for draft in request.drafts {
                if let key = draft.key {
                    if let earlier = batchKeys[key] {
                        guard draft.hasSameContent(as: earlier.draft) else { failure = .idempotencyKeyReused(key: key, seq: earlier.seq); break }
                        results.append(AppendResult(seq: earlier.seq, stream: draft.stream, version: earlier.version, isDuplicate: true))
                        continue
                    }
                    if let seq = log.catalog.keys[key] {
                        let original: Envelope
                        do {
                            original = try log.envelope(seq: seq)
                        } catch {
                            failure = error as? LogError ?? .corrupted(segment: "?", offset: 0, reason: "event \(seq) unreadable: \(error)")
                            break
                        }
                        guard draft.hasSameContent(as: original) else {
                            failure = .idempotencyKeyReused(key: key, seq: seq)
                            break
                        }
                        results.append(AppendResult(seq: seq, stream: original.stream, version: original.version, isDuplicate: true))
                        continue
                    }
                }
                let current = streamVersions[draft.stream] ?? 0
                guard draft.expectedVersion.admits(currentVersion: current) else {
                    failure = .versionConflict(stream: draft.stream, expected: draft.expectedVersion, actual: current)
                    break
                }
                let version = current + 1
                let seq = nextSeq
                nextSeq += 1
                previousVersions.append((draft.stream, current))
                streamVersions[draft.stream] = version
                if let key = draft.key {
                    batchKeys[key] = (seq, version, draft)
                    addedKeys.append(key)
                }
                let start = content.count
                draft.writeLine(seq: seq, milliseconds: now / 1000, random: &random, version: version, recorded: recorded,
                                actor: request.actor, into: &content)
                let leaf = content.withUnsafeBytes { MerkleHash.leaf(UnsafeRawBufferPointer(rebasing: $0[start..<($0.count - 1)])) }
                entries.append(LogCatalog.Entry(leafHash: leaf, stream: draft.stream, key: draft.key))
                results.append(AppendResult(seq: seq, stream: draft.stream, version: version, isDuplicate: false))
            }
            if let failure {
                for previous in previousVersions.reversed() {
                    streamVersions[previous.stream] = previous.version == 0 ? nil : previous.version
                }
                for key in addedKeys { batchKeys[key] = nil }
                content.removeSubrange(contentMark...)
                entries.removeSubrange(entriesMark...)
                nextSeq = baseSize + 1 + UInt64(entries.count)
                outcomes.append(.failed(failure))
                continue
            }
            outcomes.append(.results(results))
        }

        if !entries.isEmpty {
            do {
                try write(entries: entries, firstSeq: baseSize + 1, started: started)
            } catch {
                let reason = "\(error)"
                log.logger.critical("log write failed; refusing further writes", metadata: ["log.error": "\(reason)"])
                log.lock.withLock { log.failure = reason }
                log.notifyCommitted()
                for request in requests { request.continuation.resume(throwing: LogError.writesRefused(reason: reason)) }
                return
            }
            log.notifyCommitted()
        }
        log.lock.withLock { log.counters.requests += requests.count }
        for (request, outcome) in zip(requests, outcomes) {
            switch outcome {
            case .results(let results): request.continuation.resume(returning: results)
            case .failed(let error): request.continuation.resume(throwing: error)
            }
        }
    }

    /// Writes one batch durably and adds it to the catalog and the index.
    private func write(entries: [LogCatalog.Entry], firstSeq: UInt64, started: UInt64) throws {
        bytes.removeAll(keepingCapacity: true)
        try content.withUnsafeBytes { buffer in try codec.compress(buffer, into: &bytes) }
        let frameLength = bytes.count
        if segment == nil || (segmentLength + frameLength + SegmentScanner.trailerLength > log.configuration.segmentBytes
                               && segmentLength > SegmentScanner.headerLength) {
            try openSegment(baseSeq: firstSeq)
        }
        var parents: [MerkleHash] = []
        parents.reserveCapacity(entries.count)
        for entry in entries { frontier.append(entry.leafHash, parents: &parents) }
        let trailer = CommitTrailer(
            firstSeq: firstSeq, lastSeq: firstSeq + UInt64(entries.count) - 1,
            frameOffset: UInt64(segmentLength), frameLength: UInt32(frameLength),
            frameCRC: bytes.withUnsafeBytes { CRC32.checksum($0) },
            contentLength: UInt32(content.count), root: frontier.root)
        bytes += trailer.encoded()
        guard let segment else { throw LogError.writesRefused(reason: "no open segment") }
        let encoded = DispatchTime.now().uptimeNanoseconds
        try segment.write(bytes, at: segmentLength)
        try segment.syncData()
        try options.syncFault?()
        let synced = DispatchTime.now().uptimeNanoseconds
        segmentLength += bytes.count
        let location = BatchLocation(segmentBase: segmentBase, trailer: trailer)
        log.lock.withLock {
            log.catalog.add(location, entries: entries, parents: parents)
            log.counters.batches += 1
            log.counters.events += entries.count
            log.counters.bytesWritten += bytes.count
            log.counters.encodeNanoseconds += encoded - started
            log.counters.syncNanoseconds += synced - encoded
            log.counters.maximumSyncNanoseconds = max(log.counters.maximumSyncNanoseconds, synced - encoded)
        }
        writeIndex(BatchIndexFile.Record(location: location, entries: entries))
    }

    /// Starts a new segment: empty LZ4 frame, header, synced, directory entry synced.
    private func openSegment(baseSeq: UInt64) throws {
        let path = log.directory.segmentPath(baseSeq: baseSeq)
        let file = try File(path: path, mode: .createNew)
        let header = SegmentHeader(baseSeq: baseSeq, previousRoot: frontier.root)
        let bytes = LZ4FrameCodec.emptyFrame + header.encoded()
        try file.write(bytes, at: 0)
        try file.syncData()
        try File.syncDirectory(log.directory.segments)
        segment = file
        segmentBase = baseSeq
        segmentLength = bytes.count
        log.logger.info("started segment", metadata: ["log.segment": "\(LogDirectory.segmentName(baseSeq: baseSeq))"])
    }

    /// Appends to the derived index; on failure stops maintaining it (open rebuilds it).
    private func writeIndex(_ record: BatchIndexFile.Record) {
        guard let indexFile else { return }
        let bytes = BatchIndexFile.encode(record)
        do {
            try indexFile.write(bytes, at: indexLength)
            indexLength += bytes.count
        } catch {
            log.logger.warning("log index write failed; it will be rebuilt on next open", metadata: ["log.error": "\(error)"])
            self.indexFile = nil
        }
    }
}
