import Foundation

extension BatchIndexFile {
    /// Decodes an index's records on a thread of its own, a few runs of records ahead of the
    /// reader, so that checking and decoding them overlaps with what the reader does with each
    /// (opening a log adds each to the catalog). With each record come the Merkle tree's interior
    /// hashes its leaves complete, the records before it being the tree's first leaves (what
    /// `LogCatalog.add` would hash again). It stops at the first record that is short, fails its
    /// CRC-32 or does not decode, as a plain loop would.
    ///
    /// ```swift
    /// let decoder = Decoder(records: buffer)
    /// defer { decoder.finish() }  // before `buffer` goes away
    /// while let (record, parents, end) = decoder.next() { … }
    /// ```
    final class Decoder: @unchecked Sendable {
        /// Records are handed over in runs of about this many events (one hand-over per
        /// single-event batch would cost more than decoding it).
        static let runEvents = 4096
        /// How many runs the decoder may hold ahead of the reader (bounds the memory).
        static let lookahead = 4

        private let runEvents: Int
        private let lookahead: Int

        private let condition = NSCondition()
        // Guarded by `condition`.
        private var runs: [[Decoded]] = []
        private var decoded = false
        private var stopping = false
        private var exited = false
        // The reader's own: the run it is taking records from.
        private var current: [Decoded] = []
        private var taken = 0

        /// Starts decoding `records` (the bytes after the header), which must stay valid until
        /// ``finish()`` returns.
        init(records: UnsafeRawBufferPointer, runEvents: Int = Decoder.runEvents, lookahead: Int = Decoder.lookahead) {
            self.runEvents = runEvents
            self.lookahead = lookahead
            nonisolated(unsafe) let records = records
            let thread = Thread { [self] in
                decode(records)
                condition.withLock {
                    decoded = true
                    exited = true
                    condition.broadcast()
                }
            }
            thread.name = "gongfu.index-decoder"
            thread.start()
        }

        /// A record, the interior hashes its leaves complete, and the offset just past it.
        typealias Decoded = (record: Record, parents: [MerkleHash], end: Int)

        /// The next record; nil after the last valid one.
        func next() -> Decoded? {
            if taken == current.count {
                condition.lock()
                while runs.isEmpty && !decoded { condition.wait() }
                guard !runs.isEmpty else {
                    condition.unlock()
                    return nil
                }
                current = runs.removeFirst()
                condition.signal()
                condition.unlock()
                taken = 0
            }
            defer { taken += 1 }
            return current[taken]
        }

        /// Stops the decoder and waits until it no longer reads the records.
        func finish() {
            condition.lock()
            stopping = true
            condition.broadcast()
            while !exited { condition.wait() }
            condition.unlock()
        }

        private func decode(_ records: UnsafeRawBufferPointer) {
            var run: [Decoded] = []
            var frontier = MerkleFrontier()
            var events = 0
            var position = 0
            while position + 8 <= records.count {
                let length = Int(records.littleEndian(at: position, as: UInt32.self))
                let crc: UInt32 = records.littleEndian(at: position + 4)
                guard position + 8 + length <= records.count else { break }
                let payload = UnsafeRawBufferPointer(rebasing: records[(position + 8)..<(position + 8 + length)])
                guard CRC32.checksum(payload) == crc, let record = BatchIndexFile.decode(payload) else { break }
                position += 8 + length
                events += record.entries.count
                var parents: [MerkleHash] = []
                parents.reserveCapacity(record.entries.count)
                for entry in record.entries { frontier.append(entry.leafHash, parents: &parents) }
                run.append((record, parents, position))
                if events >= runEvents {
                    guard hand(run) else { return }
                    (run, events) = ([], 0)
                }
            }
            if !run.isEmpty { _ = hand(run) }
        }

        /// Queues a run for the reader, waiting while it is `lookahead` runs behind; false once
        /// the reader wants no more.
        private func hand(_ run: [Decoded]) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while runs.count >= lookahead && !stopping { condition.wait() }
            guard !stopping else { return false }
            runs.append(run)
            condition.broadcast()
            return true
        }
    }
}
