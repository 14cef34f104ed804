import EventLog
import Foundation

/// Reads the log once and feeds its events to several read models, a chunk at a time: each
/// chunk parses once and every store applies it (and moves its checkpoint) in one transaction,
/// the stores side by side on the machine's cores.
struct Projector {
    let log: EventLog
    /// Events per transaction.
    var chunkEvents = 8192
    /// Where the time went, for benchmarks.
    final class Timings: @unchecked Sendable {
        var parseSeconds = 0.0
        var applySeconds = 0.0
    }
    let timings = Timings()

    /// Projects the log's events `from...through` into `stores`, keeping only the events `asOf`
    /// includes. Calls `progress` with the last seq done after each chunk. Each chunk's lines
    /// are parsed (and their payloads decoded) on all cores, then the stores apply it side by
    /// side — on a thread of their own, while this one reads and parses the next chunk.
    func project(
        _ stores: [ReadModelStore], from: UInt64, through: UInt64, asOf: AsOf? = nil,
        progress: (UInt64) -> Void = { _ in }
    ) throws {
        guard from <= through, !stores.isEmpty else { return }
        var batches: [(first: UInt64, content: [UInt8])] = []
        var buffered = 0
        var chunkStart = from
        let applying = DispatchQueue(label: "gongfu.projector.apply")
        // One chunk applies while the next one parses; a third waits for the first to finish.
        let slot = DispatchSemaphore(value: 1)
        let failures = FailureBox()
        let timings = self.timings
        // The applied chunk's events come back here to be freed on this thread, between parses:
        // freed on the applying thread, they made it fight this one for the allocator's locks.
        let retired = Retired()
        var applied: UInt64?
        func waitForApply() throws {
            slot.wait()
            slot.signal()
            retired.drop()
            if let failure = failures.first { throw failure }
            if let last = applied { progress(last) }
            applied = nil
        }
        func flush(through last: UInt64) throws {
            let parseStart = DispatchTime.now().uptimeNanoseconds
            let events = try Self.parse(batches, from: chunkStart, through: last).filter { asOf?.includes($0) ?? true }
            let streams = log.streamNumbers(from: chunkStart, through: last)
            for event in events {
                let index = Int(event.seq - chunkStart)
                event.streamNumber = index < streams.count ? streams[index] : -1  // -1: found by its id instead
                if event.kind == .eventRetracted { event.retraction = try Retraction(of: event, in: log, asOf: asOf) }
            }
            timings.parseSeconds += Double(DispatchTime.now().uptimeNanoseconds - parseStart) / 1e9
            batches.removeAll(keepingCapacity: true)
            buffered = 0
            let root = try log.root(size: last)
            let label = asOf?.description ?? ""
            let start = chunkStart
            try waitForApply()
            slot.wait()
            applying.async {
                defer { slot.signal() }
                let applyStart = DispatchTime.now().uptimeNanoseconds
                defer { timings.applySeconds += Double(DispatchTime.now().uptimeNanoseconds - applyStart) / 1e9 }
                let order = ReadModelStore.longestFirst(stores)
                DispatchQueue.concurrentPerform(iterations: stores.count) { position in
                    let index = order[position]
                    do { try stores[index].apply(events, from: start, through: last, root: root, asOf: label) } catch { failures.record(error) }
                }
                retired.keep(events)
            }
            applied = last
            chunkStart = last + 1
        }
        do {
            try log.forEachBatch(from: from, through: through) { first, last, content in
                try Self.pieces(of: content, first: first, last: last, lines: chunkEvents) { first, last, piece in
                    // A batch holding `from` or `through` is handed whole: skip its pieces outside.
                    guard first <= through, last >= chunkStart else { return }
                    batches.append((first, Array(piece)))
                    buffered += Int(last - first + 1)
                    if buffered >= chunkEvents || last >= through { try flush(through: min(last, through)) }
                }
            }
        } catch {
            // Let a chunk being applied finish before the stores are handed back.
            slot.wait()
            slot.signal()
            throw error
        }
        try waitForApply()
    }

    /// Hands a batch's content to `body` in pieces of at most `lines` whole lines, with each
    /// piece's first and last seq: one request of a large import is one batch of hundreds of
    /// thousands of events, and a chunk parses and applies a bounded number of them at a time.
    static func pieces(
        of content: UnsafeRawBufferPointer, first: UInt64, last: UInt64, lines: Int,
        _ body: (UInt64, UInt64, UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        guard last - first + 1 > UInt64(lines), let base = content.baseAddress else {
            try body(first, last, content)
            return
        }
        var seq = first
        var start = 0
        while seq <= last, start < content.count {
            var end = start
            var count = 0
            while count < lines, end < content.count {
                let newline = memchr(base + end, Int32(UInt8(ascii: "\n")), content.count - end)
                end = newline.map { $0 - UnsafeMutableRawPointer(mutating: base) + 1 } ?? content.count
                count += 1
            }
            // The content's last piece runs to the batch's last seq, as the whole batch would.
            let pieceLast = end >= content.count ? last : min(seq + UInt64(count) - 1, last)
            try body(seq, pieceLast, UnsafeRawBufferPointer(rebasing: content[start..<end]))
            seq = pieceLast + 1
            start = end
        }
    }

    /// Parses the lines of `batches` with seq in `from...through`, on all cores, in order.
    static func parse(_ batches: [(first: UInt64, content: [UInt8])], from: UInt64, through: UInt64) throws -> [ProjectedEvent] {
        var found: [(batch: Int, range: Range<Int>)] = []
        for (index, batch) in batches.enumerated() {
            var seq = batch.first
            var start = 0
            batch.content.withUnsafeBufferPointer { bytes in
                while start < bytes.count, seq <= through {
                    let newline = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
                    let end = newline.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? bytes.count
                    if seq >= from { found.append((index, start..<end)) }
                    seq += 1
                    start = end + 1
                }
            }
        }
        let lines = found
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, lines.count / 256))
        var parsed = [ProjectedEvent?](repeating: nil, count: lines.count)
        let failures = FailureBox()
        // Raw pointers into the batches (alive until we return): touching the arrays themselves
        // from both threads would bounce their reference counts between the cores.
        var bases: [UnsafeRawPointer] = []
        for batch in batches { batch.content.withUnsafeBytes { bases.append($0.baseAddress!) } }
        parsed.withUnsafeMutableBufferPointer { output in
            nonisolated(unsafe) let output = output
            nonisolated(unsafe) let bases = bases
            lines.withUnsafeBufferPointer { lines in
                nonisolated(unsafe) let lines = lines
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let slice = lines.count * worker / workers..<lines.count * (worker + 1) / workers
                    var actors = ActorCache()
                    for index in slice {
                        let line = lines[index]
                        let bytes = UnsafeRawBufferPointer(start: bases[line.batch] + line.range.lowerBound, count: line.range.count)
                        do {
                            output[index] = try ProjectedEvent(line: bytes, actors: &actors)
                        } catch {
                            failures.record(error)
                            return
                        }
                    }
                }
            }
        }
        if let failure = failures.first { throw failure }
        return parsed.map { $0! }
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

/// A chunk of events kept alive until the reading thread drops them.
private final class Retired: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProjectedEvent] = []

    func keep(_ events: [ProjectedEvent]) {
        lock.lock()
        defer { lock.unlock() }
        self.events = events
    }

    /// Frees the kept events on the calling thread.
    func drop() {
        lock.lock()
        let dropped = events
        events = []
        lock.unlock()
        _ = consume dropped
    }
}
