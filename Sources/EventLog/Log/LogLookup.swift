import Foundation

/// Reads single events and short runs of them by seq for one reader, keeping the batch it read
/// last decompressed and split into lines: checks that look up events one at a time — an
/// idempotent retry's originals, a stream's earlier events — mostly ask for neighbours, which
/// then cost a lookup instead of decompressing and scanning the whole batch again.
/// Not thread-safe: one per reader.
public final class LogLookup {
    let log: EventLog
    private let reader: BatchReader
    private var firstSeq: UInt64 = 0
    private var content: [UInt8] = []
    /// Where each line of the cached batch starts (and, last, where the batch ends).
    private var lineStarts: [Int] = []

    public init(log: EventLog) {
        self.log = log
        reader = BatchReader(log: log)
    }

    /// Calls `body` with the line (without its newline) of each event in `seqs`, in order.
    public func forEachLine(seqs: [UInt64], _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        for seq in seqs {
            try load(seq)
            let index = Int(seq - firstSeq)
            try content.withUnsafeBytes { bytes in
                try body(seq, UnsafeRawBufferPointer(rebasing: bytes[lineStarts[index]..<(lineStarts[index + 1] - 1)]))
            }
        }
    }

    /// The parsed envelope of event `seq`.
    public func envelope(seq: UInt64) throws -> Envelope {
        var found: Envelope?
        try forEachLine(seqs: [seq]) { _, line in found = try Envelope(line: line) }
        return found!
    }

    /// Makes the batch holding `seq` the cached one.
    private func load(_ seq: UInt64) throws {
        if seq >= firstSeq, seq - firstSeq + 1 < UInt64(lineStarts.count) { return }
        let size = log.size
        guard seq >= 1, seq <= size else { throw LogError.seqOutOfRange(seq: seq, size: size) }
        let batch = log.lock.withLock { log.catalog.batches[log.catalog.batchIndex(containing: seq)] }
        try reader.withContent(of: batch) { buffer in
            content = Array(buffer)
        }
        lineStarts = [0]
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
        firstSeq = batch.trailer.firstSeq
    }
}
