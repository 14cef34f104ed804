import Foundation
import Logging

/// Group commit, spread over the appenders' threads and two threads of its own:
///
/// - an **appender**, under the queue's lock, has its request *sequenced*: expected versions and
///   idempotency keys checked, seqs and versions assigned, in arrival order; then, on its own
///   thread, it builds its NDJSON lines and Merkle leaves;
/// - the **encoder** takes the ready requests at the head of the queue, compresses their lines
///   into one LZ4 frame, computes the root, writes frame and trailer, and hands the batch to
/// - the **syncer** (``BatchSyncer``), which calls `fdatasync` once for every batch written
///   since its last sync, then adds them to the catalog and index and only then answers them.
///   A batch written while nothing else waits is synced by the encoder itself (one thread
///   hand-off fewer for a lone append); under load the two overlap.
///
/// No append is answered before its batch is durable. After a failed write or sync every
/// further append is refused.
final class GroupCommitter: @unchecked Sendable {
    /// One append request in the queue.
    final class Slot: @unchecked Sendable {
        let continuation: CheckedContinuation<[AppendResult], any Error>
        var outcome: Outcome
        /// Its lines (canonical envelopes, in parts in seq order) and their catalog entries, once built.
        var contents: [WrittenBytes] = []
        var entries: [LogCatalog.Entry] = []
        var isReady = false

        init(continuation: CheckedContinuation<[AppendResult], any Error>, outcome: Outcome) {
            self.continuation = continuation
            self.outcome = outcome
        }
    }

    /// An event the sequencer accepted (by its position in the request), with what it assigned.
    struct Sequenced {
        var index: Int
        var seq: UInt64
        var version: UInt64
        var streamNumber: Int
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

    // Guarded by `condition`: the queue and the sequencer's view of the log, which includes
    // requests not yet durable.
    private var queue: [Slot] = []
    private var stopping = false
    private var nextSeq: UInt64
    /// Stream numbers as the catalog will assign them, and each stream's version by number.
    private var streams: StreamTable
    private var streamVersions: [UInt64]
    /// Keys of events sequenced and not yet known durable (this request's among them), with
    /// their drafts for comparison (the keys of durable events are the catalog's).
    private var pendingKeys: [String: (seq: UInt64, version: UInt64, draft: EventDraft)] = [:]
    /// Reads the originals of repeated keys (a retried input repeats a run of neighbours);
    /// released when the committer stops (it holds the log).
    private var originals: LogLookup?

    // Owned by the encoder thread.
    private var segment: File?
    private var segmentBase: UInt64 = 0
    private var segmentLength = 0
    private var frontier: MerkleFrontier
    private let codec: LZ4FrameCodec
    /// A batch's lines, then its frame and trailer, are put here; both only grow.
    private var content: [UInt8] = []
    private var scratch: [UInt8] = []

    init(log: EventLog, lastSegment: (base: UInt64, length: Int)?, options: EventLog.Options) throws(LogError) {
        self.log = log
        self.options = options
        codec = LZ4FrameCodec(compressionLevel: options.compressionLevel)
        frontier = MerkleFrontier(tree: log.catalog.tree, size: log.catalog.size)
        nextSeq = log.catalog.size + 1
        streams = log.catalog.streams
        streamVersions = log.catalog.heads.map(\.version)
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

    /// Sequences a request (validated drafts, and their stream names in the same order) and
    /// builds its lines on the caller's thread; the continuation is resumed once its batch is
    /// durable (or it is rejected). `sequenced` is called once the request has its place in the
    /// log's order (or was refused), before its lines are built.
    func submit(
        _ drafts: [EventDraft], names: [StreamName], actor: [UInt8], continuation: CheckedContinuation<[AppendResult], any Error>,
        sequenced: () -> Void = {}
    ) {
        condition.lock()
        if stopping {
            condition.unlock()
            sequenced()
            continuation.resume(throwing: LogError.closed)
            return
        }
        if let failure = log.writeFailure {
            condition.unlock()
            sequenced()
            continuation.resume(throwing: LogError.writesRefused(reason: failure))
            return
        }
        let recordedMicroseconds = log.recordedNow()
        let sequencing = sequence(drafts, names: names)
        let slot = Slot(continuation: continuation, outcome: sequencing.outcome)
        slot.isReady = sequencing.accepted.isEmpty
        queue.append(slot)
        if slot.isReady, queue[0] === slot { condition.signal() }
        condition.unlock()
        sequenced()
        guard !sequencing.accepted.isEmpty else { return }

        // Outside the lock, in parallel with other appenders: the lines and their leaf hashes; a
        // large request's in parts on the cores, each part's lines after the one before it.
        let recorded = Timestamp.format(microseconds: recordedMicroseconds)
        let accepted = sequencing.accepted
        let count = min(ProcessInfo.processInfo.activeProcessorCount, max(1, accepted.count / Self.eventsPerLinePart))
        var parts = [(content: WrittenBytes, entries: [LogCatalog.Entry])?](repeating: nil, count: count)
        // (Drafts are read in place, through a buffer pointer: binding one to a name, or reading
        // it through the array's subscript, copies it — a retain and a release of each string.)
        drafts.withUnsafeBufferPointer { drafts in
            func part(_ part: Int) -> (content: WrittenBytes, entries: [LogCatalog.Entry]) {
                Self.lines(
                    of: accepted[accepted.count * part / count..<accepted.count * (part + 1) / count], drafts: drafts, names: names,
                    recordedMicroseconds: recordedMicroseconds, recorded: recorded, actor: actor)
            }
            guard count > 1 else {
                parts[0] = part(0)
                return
            }
            parts.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let output = output
                nonisolated(unsafe) let part = part
                DispatchQueue.concurrentPerform(iterations: count) { output[$0] = part($0) }
            }
        }
        condition.lock()
        slot.contents = parts.map { $0!.content }
        slot.entries = count == 1 ? parts[0]!.entries : parts.flatMap { $0!.entries }
        slot.isReady = true
        // The encoder waits for the head of the queue only: a request ready behind an unready
        // one is taken when the head is (whose submitter then signals), or when the encoder next
        // looks at the queue.
        if queue[0] === slot { condition.signal() }
        condition.unlock()
    }

    /// Room reserved per event for its line (lines are ~300–700 bytes; the buffer grows past it).
    static let typicalLineBytes = 768

    /// A request's lines are built in parts of at least this many events, one per core.
    static let eventsPerLinePart = 8_192

    /// The lines of `events` (in seq order), and their catalog entries.
    private static func lines(
        of events: ArraySlice<Sequenced>, drafts: UnsafeBufferPointer<EventDraft>, names: [StreamName], recordedMicroseconds: Int64,
        recorded: String, actor: [UInt8]
    ) -> (content: WrittenBytes, entries: [LogCatalog.Entry]) {
        var random = FastRandom()
        var entries: [LogCatalog.Entry] = []
        entries.reserveCapacity(events.count)
        var lines = CanonicalWriter(capacity: events.count * typicalLineBytes)
        for event in events {
            let start = lines.count
            drafts[event.index].writeLine(
                seq: event.seq, milliseconds: recordedMicroseconds / 1000, random: &random,
                version: event.version, recorded: recorded, actor: actor, into: &lines)
            let leaf = lines.withBytes { MerkleHash.leaf(UnsafeRawBufferPointer(rebasing: $0[start..<($0.count - 1)])) }
            entries.append(
                LogCatalog.Entry(
                    leafHash: leaf, streamNumber: event.streamNumber,
                    stream: event.version == 1 ? names[event.index] : nil, key: drafts[event.index].key))
        }
        return (lines.finish(), entries)
    }

    /// Checks a request against the sequencer's view and, if it passes, assigns its seqs and
    /// versions (called under the lock; a request is all or nothing).
    private func sequence(_ drafts: [EventDraft], names: [StreamName]) -> (outcome: Outcome, accepted: [Sequenced]) {
        forgetDurableKeys()
        var accepted: [Sequenced] = []
        accepted.reserveCapacity(drafts.count)
        var results: [AppendResult] = []
        results.reserveCapacity(drafts.count)
        // Versions are advanced in place, one hash lookup per event; a rejected request puts
        // back what its accepted events changed, newest first (a stream numbered by this
        // request is at version 1 and was the last numbered), and forgets the keys they added.
        func reject(_ error: LogError) -> (outcome: Outcome, accepted: [Sequenced]) {
            for event in accepted.reversed() {
                if let key = drafts[event.index].key { pendingKeys[key] = nil }
                if event.version == 1 {
                    streams.removeLast()
                    streamVersions.removeLast()
                } else {
                    streamVersions[event.streamNumber] = event.version - 1
                }
            }
            return (.failed(error), [])
        }
        // The streams' numbers in one tight pass first: its lookups' cache misses overlap, where
        // in the loop below they would stall the sequencer (and its lock) one at a time. A stream
        // this request numbers is not found here, and is looked up again below.
        let numbers = names.map { streams.number(of: $0) ?? -1 }
        // The durable events that may hold the keys, read under the log's lock once: a key
        // sequenced before is either still pending or was durable when ``forgetDurableKeys()``
        // dropped it above.
        var keyed = 0
        let durableKeys: [KeyTable.Candidates?] =
            drafts.contains(where: { $0.key != nil })
            ? log.lock.withLock {
                drafts.map { draft in
                    draft.key.map { key in
                        keyed += 1
                        // (A writable log always keeps its keys.)
                        return log.catalog.keys!.candidates(for: key)
                    }
                }
            } : []
        pendingKeys.reserveCapacity(pendingKeys.count + keyed)
        for index in drafts.indices {
            // A repeat of an earlier event of this request, of one not yet durable, or of a durable one.
            if let key = drafts[index].key, !options.writesRepeatedKeys,
                let repeated = repeated(drafts[index], key: key, durable: durableKeys[index], event: index)
            {
                switch repeated {
                case .success(let result): results.append(result)
                case .failure(let error): return reject(error)
                }
                continue
            }
            let known = numbers[index] >= 0 ? numbers[index] : streams.number(of: names[index])
            let current = known.map { streamVersions[$0] } ?? 0
            guard drafts[index].expectedVersion.admits(currentVersion: current) else {
                return reject(.versionConflict(stream: drafts[index].stream, expected: drafts[index].expectedVersion, actual: current, event: index))
            }
            let number: Int
            if let known {
                number = known
                streamVersions[number] = current + 1
            } else {
                number = streams.add(names[index])
                streamVersions.append(1)
            }
            let seq = nextSeq + UInt64(accepted.count)
            if let key = drafts[index].key { pendingKeys[key] = (seq, current + 1, drafts[index]) }
            accepted.append(Sequenced(index: index, seq: seq, version: current + 1, streamNumber: number))
            results.append(AppendResult(seq: seq, stream: drafts[index].stream, version: current + 1, isDuplicate: false))
        }
        nextSeq += UInt64(accepted.count)
        return (.results(results), accepted)
    }

    /// The first result for a repeated idempotency key, or why the repeat is refused; nil when
    /// no event holds `key` (pending, or among the `durable` events that may hold it).
    private func repeated(_ draft: EventDraft, key: String, durable: KeyTable.Candidates?, event: Int) -> Result<AppendResult, LogError>? {
        if let pending = pendingKeys[key] {
            guard draft.hasSameContent(as: pending.draft) else { return .failure(.idempotencyKeyReused(key: key, seq: pending.seq, event: event)) }
            return .success(AppendResult(seq: pending.seq, stream: draft.stream, version: pending.version, isDuplicate: true))
        }
        guard let durable, !durable.isEmpty else { return nil }
        let lookup = originals ?? LogLookup(log: log, budget: 8 << 20)
        originals = lookup
        let found: Envelope?
        do {
            found = try lookup.envelope(withKey: key, among: durable)
        } catch {
            return .failure(error as? LogError ?? .corrupted(segment: "?", offset: 0, reason: "the event of key \"\(key)\" unreadable: \(error)"))
        }
        guard let original = found else { return nil }
        guard draft.hasSameContent(as: original) else { return .failure(.idempotencyKeyReused(key: key, seq: original.seq, event: event)) }
        return .success(AppendResult(seq: original.seq, stream: original.stream, version: original.version, isDuplicate: true))
    }

    /// Drops the drafts kept for keys whose events are now durable (the log can read them back).
    private func forgetDurableKeys() {
        guard pendingKeys.count > 4096 else { return }
        let durable = log.size
        pendingKeys = pendingKeys.filter { $0.value.seq > durable }
    }

    /// Lets queued requests finish, then ends both threads.
    func stop() async {
        requestStop()
        await syncer.waitUntilStopped()
    }

    private func requestStop() {
        condition.lock()
        stopping = true
        originals = nil
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while (queue.isEmpty && !stopping) || (!queue.isEmpty && !queue[0].isReady) { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                syncer.finish()
                return
            }
            var taken = 0
            var events = 0
            while taken < queue.count, queue[taken].isReady,
                taken == 0 || events + queue[taken].entries.count <= options.maximumBatchEvents
            {
                events += queue[taken].entries.count
                taken += 1
            }
            let slots = Array(queue.prefix(taken))
            queue.removeFirst(taken)
            // Nothing else waiting: this batch may be synced on this thread (no hand-off).
            let alone = queue.isEmpty
            condition.unlock()
            encode(slots, alone: alone)
        }
    }

    private func encode(_ slots: [Slot], alone: Bool) {
        let started = DispatchTime.now().uptimeNanoseconds
        var batch = BatchSyncer.Batch(slots: slots)
        if let failure = log.writeFailure {
            for slot in slots { slot.outcome = .failed(.writesRefused(reason: failure)) }
            syncer.submit(batch)
            return
        }
        var entries: [LogCatalog.Entry] = []
        var contents: [WrittenBytes] = []
        for slot in slots where !slot.entries.isEmpty {
            contents += slot.contents
            entries += slot.entries
            slot.contents = []
        }
        if let firstSeq = slots.lazy.compactMap(\.firstSeq).first {
            do {
                try write(contents, entries: entries, firstSeq: firstSeq, into: &batch)
            } catch {
                // Nothing after this batch can be trusted to land in order: refuse everything.
                let reason = "\(error)"
                log.logger.critical("log write failed; refusing further writes", metadata: ["log.error": "\(reason)"])
                log.recordFailure(reason)
                for slot in slots { slot.outcome = .failed(.writesRefused(reason: reason)) }
                batch.location = nil
            }
        }
        batch.encodeNanoseconds = DispatchTime.now().uptimeNanoseconds - started
        syncer.submit(batch, syncHereIfIdle: alone)
    }

    /// Compresses the requests' lines into one frame, writes frame and trailer (not yet synced).
    private func write(_ contents: [WrittenBytes], entries: [LogCatalog.Entry], firstSeq: UInt64, into batch: inout BatchSyncer.Batch) throws {
        precondition(firstSeq == frontier.size + 1, "batches reach the encoder in seq order")
        content.removeAll(keepingCapacity: true)
        for part in contents { content.append(contentsOf: part.buffer) }
        let frameLength = try content.withUnsafeBytes { try codec.compressFrame($0, into: &scratch) }
        if segment == nil
            || (segmentLength + frameLength + SegmentScanner.trailerLength > log.configuration.segmentBytes
                && segmentLength > SegmentScanner.headerLength)
        {
            try openSegment(baseSeq: firstSeq)
        }
        var parents: [MerkleHash] = []
        parents.reserveCapacity(entries.count)
        for entry in entries { frontier.append(entry.leafHash, parents: &parents) }
        let trailer = CommitTrailer(
            firstSeq: firstSeq, lastSeq: firstSeq + UInt64(entries.count) - 1,
            frameOffset: UInt64(segmentLength), frameLength: UInt32(frameLength),
            frameCRC: scratch.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<frameLength])) },
            contentLength: UInt32(content.count), root: frontier.root)
        let trailerBytes = trailer.encoded()
        let length = frameLength + trailerBytes.count
        if scratch.count < length { scratch.appendZeros(length - scratch.count) }
        scratch.replaceSubrange(frameLength..<length, with: trailerBytes)
        guard let segment else { throw LogError.writesRefused(reason: "no open segment") }
        try scratch.withUnsafeBytes { buffer in try segment.write(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), at: segmentLength) }
        segmentLength += length
        batch.location = BatchLocation(segmentBase: segmentBase, trailer: trailer)
        batch.entries = entries
        batch.parents = parents
        batch.segment = segment
        batch.bytesWritten = length
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

extension GroupCommitter.Slot {
    /// The first seq this request appends, if it appends anything.
    var firstSeq: UInt64? {
        guard !entries.isEmpty, case .results(let results) = outcome else { return nil }
        return results.first(where: { !$0.isDuplicate })?.seq
    }
}
