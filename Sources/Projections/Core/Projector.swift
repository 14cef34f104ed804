import EventLog
import Foundation

/// Reads the log once and feeds its events to several read models, a chunk at a time: each
/// chunk parses once and every store applies it (and moves its checkpoint) in one transaction,
/// the stores side by side on the machine's cores.
struct Projector {
    let log: EventLog
    /// Events per transaction.
    var chunkEvents = 8192

    /// Projects the log's events `from...through` into `stores`, keeping only the events `asOf`
    /// includes. Calls `progress` with the last seq done after each chunk.
    func project(_ stores: [ReadModelStore], from: UInt64, through: UInt64, asOf: AsOf? = nil,
                 progress: (UInt64) -> Void = { _ in }) throws {
        guard from <= through, !stores.isEmpty else { return }
        var chunk: [ProjectedEvent] = []
        chunk.reserveCapacity(chunkEvents)
        var chunkStart = from
        func flush(through last: UInt64) throws {
            let root = try log.root(size: last)
            let events = chunk
            let label = asOf?.description ?? ""
            let start = chunkStart
            let failures = FailureBox()
            DispatchQueue.concurrentPerform(iterations: stores.count) { index in
                do { try stores[index].apply(events, from: start, through: last, root: root, asOf: label) } catch { failures.record(error) }
            }
            if let failure = failures.first { throw failure }
            chunk.removeAll(keepingCapacity: true)
            chunkStart = last + 1
            progress(last)
        }
        try log.forEachLine(from: from, through: through) { seq, line in
            let event = try ProjectedEvent(line: line)
            if asOf?.includes(event) ?? true { chunk.append(event) }
            if seq - chunkStart + 1 >= UInt64(chunkEvents) || seq == through { try flush(through: seq) }
        }
    }
}

/// The first error from concurrent work.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: (any Error)?

    func record(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        if first == nil { first = error }
    }
}
