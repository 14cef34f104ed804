import Foundation

/// Reads single events and short runs of them by seq for one reader, keeping the batches it
/// read decompressed and split into lines, the least recently used dropped first beyond a byte
/// budget: checks that look up events one at a time — an idempotent retry's originals, the
/// earlier events of each enterprise an import names — ask for events spread over the whole
/// log, each batch of which then costs one decompression instead of one per event.
/// Not thread-safe: one per reader.
public final class LogLookup {
    let log: EventLog
    private let reader: BatchReader
    /// The most decompressed bytes kept.
    let budget: Int

    /// One decompressed batch.
    private struct Batch {
        var firstSeq: UInt64
        var content: [UInt8]
        /// Where each line starts (and, last, where the batch ends).
        var lineStarts: [Int]
        var lastUse: UInt64
    }

    /// By batch index.
    private var batches: [Int: Batch] = [:]
    private var bytes = 0
    private var uses: UInt64 = 0

    public init(log: EventLog, budget: Int = 64 << 20) {
        self.log = log
        self.budget = budget
        reader = BatchReader(log: log)
    }

    /// Calls `body` with the line (without its newline) of each event in `seqs`, in order.
    public func forEachLine(seqs: some Sequence<UInt64>, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        // Runs of seqs in one batch (the common case) look the batch up once.
        var current: Batch?
        for seq in seqs {
            if current.map({ seq < $0.firstSeq || seq - $0.firstSeq >= UInt64($0.lineStarts.count - 1) }) ?? true {
                current = batches[try load(seq)]
            }
            let batch = current!
            let line = Int(seq - batch.firstSeq)
            try batch.content.withUnsafeBytes { content in
                try body(seq, UnsafeRawBufferPointer(rebasing: content[batch.lineStarts[line]..<(batch.lineStarts[line + 1] - 1)]))
            }
        }
    }

    /// The parsed envelope of event `seq`.
    public func envelope(seq: UInt64) throws -> Envelope {
        var found: Envelope?
        try forEachLine(seqs: [seq]) { _, line in found = try Envelope(line: line) }
        return found!
    }

    /// Of the events that may hold idempotency key `key` (a ``KeyTable`` lookup), the one whose
    /// key it is, if any: two keys with one hash are told apart by the stored key.
    func envelope(withKey key: String, among candidates: KeyTable.Candidates) throws -> Envelope? {
        for seq in candidates {
            let event = try envelope(seq: seq)
            if event.key == key { return event }
        }
        return nil
    }

    /// Makes the batch holding `seq` a cached one; returns its index.
    private func load(_ seq: UInt64) throws -> Int {
        let size = log.size
        guard seq >= 1, seq <= size else { throw LogError.seqOutOfRange(seq: seq, size: size) }
        let (index, stored) = log.lock.withLock {
            let index = log.catalog.batchIndex(containing: seq)
            return (index, log.catalog.batches[index])
        }
        uses += 1
        if batches[index] != nil {
            batches[index]!.lastUse = uses
            return index
        }
        var content: [UInt8] = []
        try reader.withContent(of: stored) { buffer in content = Array(buffer) }
        var lineStarts = [0]
        content.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
                let found = rest.baseAddress.flatMap { memchr($0, 0x0A, rest.count) }.map { UnsafeRawPointer($0) - bytes.baseAddress! }
                let newline = found ?? (bytes.count - 1)
                start = newline + 1
                lineStarts.append(start)
            }
        }
        // Room for it: the least recently used go (the one asked for always stays).
        while bytes + content.count > budget, let oldest = batches.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            bytes -= oldest.value.content.count
            batches[oldest.key] = nil
        }
        bytes += content.count
        batches[index] = Batch(firstSeq: stored.trailer.firstSeq, content: content, lineStarts: lineStarts, lastUse: uses)
        return index
    }
}
