import Foundation
import Logging

/// The second half of group commit: syncs every batch the encoder has written since the last
/// sync with one `fdatasync` per segment involved, then, in order, adds them to the catalog and
/// the derived index and answers their requests.
final class BatchSyncer: @unchecked Sendable {
    /// A batch the encoder wrote (or rejected whole), waiting to be synced and answered.
    struct Batch {
        var slots: [GroupCommitter.Slot]
        /// Nil when the batch appended nothing (only duplicates or rejected requests).
        var location: BatchLocation?
        var entries: [LogCatalog.Entry] = []
        /// Interior Merkle hashes the encoder computed, in append order.
        var parents: [MerkleHash] = []
        var segment: File?
        var bytesWritten = 0
        var encodeNanoseconds: UInt64 = 0

        init(slots: [GroupCommitter.Slot]) {
            self.slots = slots
        }
    }

    private unowned let log: EventLog
    private let syncFault: (@Sendable () throws -> Void)?
    private let condition = NSCondition()
    private var queue: [Batch] = []
    /// A sync is in progress (on the syncer's thread or the encoder's): batches are synced and
    /// answered one sync at a time, in order.
    private var syncing = false
    private var encoderFinished = false
    private var stopped = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    // Used by whichever thread syncs (one at a time: ``syncing``).
    private var indexFile: File?
    private var indexLength = 0
    /// The number the index's next new stream takes (see ``BatchIndexFile/encode(_:nextNewStream:)``).
    private var indexNextNewStream = 0

    init(log: EventLog, syncFault: (@Sendable () throws -> Void)?) {
        self.log = log
        self.syncFault = syncFault
        indexFile = try? File(path: log.directory.batchIndex, mode: .readWrite)
        indexLength = (try? indexFile?.size) ?? 0
        indexNextNewStream = log.catalog.heads.count
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Queues `batch` for the syncer's thread — or, with `syncHereIfIdle` when no sync is in
    /// progress and none is queued, syncs and answers it on the calling (encoder's) thread: a
    /// lone append then costs one thread hand-off fewer. Under load the encoder keeps handing
    /// batches over, so that it encodes the next one while this one syncs.
    func submit(_ batch: Batch, syncHereIfIdle: Bool = false) {
        condition.lock()
        if syncHereIfIdle, !syncing, queue.isEmpty {
            syncTakingTurn([batch])
            condition.unlock()
            return
        }
        queue.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// The encoder has stopped: sync what is queued, then stop.
    func finish() {
        condition.lock()
        encoderFinished = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume()
            } else {
                stopWaiters.append(continuation)
                condition.unlock()
            }
        }
    }

    private func run() {
        while true {
            condition.lock()
            while syncing || (queue.isEmpty && !encoderFinished) { condition.wait() }
            if queue.isEmpty {
                stopped = true
                let waiters = stopWaiters
                stopWaiters.removeAll()
                condition.unlock()
                for waiter in waiters { waiter.resume() }
                return
            }
            let batches = queue
            queue.removeAll()
            syncTakingTurn(batches)
            condition.unlock()
        }
    }

    /// Syncs and answers `batches` as the one sync in progress (``syncing``), then wakes whoever
    /// waits for the turn. Called with the lock held; returns with it held again, released
    /// meanwhile.
    private func syncTakingTurn(_ batches: [Batch]) {
        syncing = true
        condition.unlock()
        sync(batches)
        condition.lock()
        syncing = false
        condition.broadcast()
    }

    private func sync(_ batches: [Batch]) {
        let started = DispatchTime.now().uptimeNanoseconds
        // After a failed sync nothing is synced again (a retried fsync can report success for
        // data the kernel already dropped): these batches fail too.
        var failure: String? = log.writeFailure
        // One fdatasync per segment written to, oldest first.
        var synced: [ObjectIdentifier] = []
        for batch in batches {
            guard failure == nil, let segment = batch.segment, !synced.contains(ObjectIdentifier(segment)) else { continue }
            do {
                try segment.syncData()
                try syncFault?()
                synced.append(ObjectIdentifier(segment))
            } catch {
                failure = "\(error)"
            }
        }
        if let failure {
            log.logger.critical("log sync failed; refusing further writes", metadata: ["log.error": "\(failure)"])
            log.recordFailure(failure)
            log.notifyCommitted()
            for batch in batches {
                for slot in batch.slots { slot.continuation.resume(throwing: LogError.writesRefused(reason: failure)) }
            }
            return
        }
        let syncNanoseconds = DispatchTime.now().uptimeNanoseconds - started
        log.lock.withLock {
            for batch in batches {
                log.counters.requests += batch.slots.count
                log.counters.encodeNanoseconds += batch.encodeNanoseconds
                guard let location = batch.location else { continue }
                log.catalog.add(location, entries: batch.entries, parents: batch.parents)
                log.counters.batches += 1
                log.counters.events += batch.entries.count
                log.counters.bytesWritten += batch.bytesWritten
            }
            log.publishSize()
            log.counters.syncs += 1
            log.counters.syncNanoseconds += syncNanoseconds
            log.counters.maximumSyncNanoseconds = max(log.counters.maximumSyncNanoseconds, syncNanoseconds)
        }
        for batch in batches {
            if let location = batch.location {
                writeIndex(BatchIndexFile.Record(location: location, entries: batch.entries))
            }
        }
        log.notifyCommitted()
        for batch in batches {
            for slot in batch.slots {
                switch slot.outcome {
                case .results(let results): slot.continuation.resume(returning: results)
                case .failed(let error): slot.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Appends to the derived index; on failure stops maintaining it (open rebuilds it).
    private func writeIndex(_ record: BatchIndexFile.Record) {
        guard let indexFile else { return }
        guard let bytes = BatchIndexFile.encode(record, nextNewStream: &indexNextNewStream) else {
            log.logger.warning("a batch's stream numbers do not follow the index's; the index will be rebuilt on next open")
            self.indexFile = nil
            return
        }
        do {
            try indexFile.write(bytes, at: indexLength)
            indexLength += bytes.count
        } catch {
            log.logger.warning("log index write failed; it will be rebuilt on next open", metadata: ["log.error": "\(error)"])
            self.indexFile = nil
        }
    }
}
