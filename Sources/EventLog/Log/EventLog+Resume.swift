import Foundation

extension EventLog {
    /// Whether the log has a running writer (it was opened for writing and is not closed).
    public var isOpenForWriting: Bool {
        lock.withLock { committer != nil }
    }

    /// Accepts writes again after a failed write or sync (a full disk, say), without reopening
    /// the log: stops the failed committer, cuts every segment back to the end of the last
    /// batch that was synced and acknowledged (what failed was never acknowledged, and after a
    /// failed `fdatasync` its pages cannot be trusted), syncs that, checks the segments by
    /// recovery against the catalog, and starts a new committer there.
    ///
    /// Throws, and keeps refusing writes, if the cut or the check fails (the disk is still
    /// full, or what is on disk is not what was acknowledged). Does nothing while writes are
    /// accepted.
    public func resumeWrites() async throws(LogError) {
        let current: GroupCommitter? = lock.withLock { self.committer }
        guard isWritable, let failed = current, writeFailure != nil else { return }
        await failed.stop()
        let (last, size) = lock.withLock { (catalog.batches.last, catalog.size) }
        do {
            for base in try directory.segmentBases() where base > (last?.segmentBase ?? 0) {
                try File.remove(directory.segmentPath(baseSeq: base))
            }
            if let last {
                let end = Int(last.trailer.frameOffset) + Int(last.trailer.frameLength) + SegmentScanner.trailerLength
                let file = try File(path: directory.segmentPath(baseSeq: last.segmentBase), mode: .readWrite)
                try file.truncate(to: end)
                try file.syncData()
            }
            try File.syncDirectory(directory.segments)
        } catch {
            throw .storage(error)
        }
        let outcome = try Recovery(directory: directory, writable: true, logger: logger, keyHashBits: options.keyHashBits).run()
        guard outcome.catalog.size == size, outcome.catalog.tree.root(size: size) == lock.withLock({ catalog.tree.root(size: size) }) else {
            throw .writesRefused(
                reason:
                    "after cutting back to the last acknowledged batch the segments hold \(outcome.catalog.size) events, not \(size); reopen the log")
        }
        let fresh = try GroupCommitter(log: self, lastSegment: outcome.lastSegment, options: options)
        let stillOpen = lock.withLock { () -> Bool in
            guard self.committer === failed else { return false }
            self.committer = fresh
            return true
        }
        guard stillOpen else { return }
        clearFailure()
        fresh.start()
        logger.notice("log writes resumed", metadata: ["log.size": "\(size)"])
    }
}
