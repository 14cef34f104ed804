import Foundation
import Logging

/// Group commit, pipelined over two threads:
///
/// - the **encoder** takes every append request queued meanwhile, checks expected versions and
///   idempotency keys, builds the batch's NDJSON lines, Merkle leaves and root, compresses it into
///   one LZ4 frame, writes frame and trailer to the segment, and hands the batch to
/// - the **syncer**, which calls `fdatasync` once for every batch written since its last sync,
///   then adds them to the catalog and index and only then answers their requests.
///
/// So the next batch is encoded while the previous one syncs, and no append is answered before
/// its batch is durable. After a failed write or sync every further append is refused.
final class GroupCommitter: @unchecked Sendable {
    struct Request {
        var drafts: [PreparedDraft]
        /// Canonical JSON of the actor.
        var actor: [UInt8]
        var continuation: CheckedContinuation<[AppendResult], any Error>
    }

    /// Per request: its results, or the error that rejects it whole.
    enum Outcome {
        case results([AppendResult])
        case failed(LogError)
    }

    private unowned let log: EventLog
    private let options: EventLog.Options
    private let syncer: BatchSyncer
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var stopping = false

    // Owned by the encoder thread.
    private var segment: File?
    private var segmentBase: UInt64 = 0
    private var segmentLength = 0
    private var frontier: MerkleFrontier
    private let codec: LZ4FrameCodec
    private var random = FastRandom()
    /// Every stream's version including batches not yet durable (the encoder's view).
    private var streamVersions: [String: UInt64]
    /// Every idempotency key's event, including batches not yet durable.
    private var keySeqs: [String: UInt64]
    /// Keys of batches written but maybe not yet durable, with their drafts for comparison.
    private var pendingKeys: [String: (seq: UInt64, version: UInt64, draft: PreparedDraft)] = [:]
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
        keySeqs = log.catalog.keys
        if let lastSegment {
            do {
                segment = try File(path: log.directory.segmentPath(baseSeq: lastSegment.base), mode: .readWrite)
            } catch {
                throw .storage(error)
            }
            segmentBase = lastSegment.base
            segmentLength = lastSegment.length
        }
        syncer = BatchSyncer(log: log, syncFault: options.syncFault)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
        syncer.start()
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

    /// Lets queued requests finish, then ends both threads.
    func stop() async {
        requestStop()
        await syncer.waitUntilStopped()
    }

    private func requestStop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                syncer.finish()
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
            encode(batch)
        }
    }

    private func encode(_ requests: [Request]) {
        if let failure = log.lock.withLock({ log.failure }) {
            for request in requests { request.continuation.resume(throwing: LogError.writesRefused(reason: failure)) }
            return
        }
        let started = DispatchTime.now().uptimeNanoseconds
        forgetDurableKeys()
        let now = Timestamp.nowMicroseconds()
        let recorded = Timestamp.format(microseconds: now)
        let firstSeq = frontier.size + 1
        var nextSeq = firstSeq
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
                if let key = draft.key, let seq = keySeqs[key] {
                    switch duplicate(of: draft, key: key, seq: seq) {
                    case .success(let result): results.append(result)
                    case .failure(let error): failure = error
                    }
                    if failure != nil { break }
                    continue
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
                    keySeqs[key] = seq
                    pendingKeys[key] = (seq, version, draft)
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
                for key in addedKeys {
                    keySeqs[key] = nil
                    pendingKeys[key] = nil
                }
                content.removeSubrange(contentMark...)
                entries.removeSubrange(entriesMark...)
                nextSeq = firstSeq + UInt64(entries.count)
                outcomes.append(.failed(failure))
                continue
            }
            outcomes.append(.results(results))
        }

        var batch = BatchSyncer.Batch(requests: requests, outcomes: outcomes)
        if !entries.isEmpty {
            do {
                try write(entries: entries, firstSeq: firstSeq, into: &batch)
            } catch {
                // Nothing after this batch can be trusted to land in order: refuse everything.
                let reason = "\(error)"
                log.logger.critical("log write failed; refusing further writes", metadata: ["log.error": "\(reason)"])
                log.lock.withLock { log.failure = log.failure ?? reason }
                batch.outcomes = requests.map { _ in .failed(.writesRefused(reason: reason)) }
                batch.location = nil
            }
        }
        batch.encodeNanoseconds = DispatchTime.now().uptimeNanoseconds - started
        syncer.submit(batch)
    }

    /// The first result for a repeated idempotency key, or why the repeat is refused.
    private func duplicate(of draft: PreparedDraft, key: String, seq: UInt64) -> Result<AppendResult, LogError> {
        if let pending = pendingKeys[key] {
            guard draft.hasSameContent(as: pending.draft) else { return .failure(.idempotencyKeyReused(key: key, seq: seq)) }
            return .success(AppendResult(seq: seq, stream: draft.stream, version: pending.version, isDuplicate: true))
        }
        let original: Envelope
        do {
            original = try log.envelope(seq: seq)
        } catch {
            return .failure(error as? LogError ?? .corrupted(segment: "?", offset: 0, reason: "event \(seq) unreadable: \(error)"))
        }
        guard draft.hasSameContent(as: original) else { return .failure(.idempotencyKeyReused(key: key, seq: seq)) }
        return .success(AppendResult(seq: seq, stream: original.stream, version: original.version, isDuplicate: true))
    }

    /// Drops the drafts kept for keys whose events are now durable (the log can read them).
    private func forgetDurableKeys() {
        guard !pendingKeys.isEmpty else { return }
        let durable = log.size
        pendingKeys = pendingKeys.filter { $0.value.seq > durable }
    }

    /// Compresses the batch into one frame, writes frame and trailer (not yet synced).
    private func write(entries: [LogCatalog.Entry], firstSeq: UInt64, into batch: inout BatchSyncer.Batch) throws {
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
        try segment.write(bytes, at: segmentLength)
        segmentLength += bytes.count
        batch.location = BatchLocation(segmentBase: segmentBase, trailer: trailer)
        batch.entries = entries
        batch.parents = parents
        batch.segment = segment
        batch.bytesWritten = bytes.count
    }

    /// Starts a new segment: empty LZ4 frame, header, synced, directory entry synced. The old
    /// segment's last batches are synced by the syncer before anything is answered.
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
}
