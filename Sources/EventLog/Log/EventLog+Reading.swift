import Foundation

/// Read-only file handles to segments, opened on first use and shared by readers (`pread` is
/// safe from many threads).
final class SegmentReaders: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [UInt64: File] = [:]

    func file(base: UInt64, directory: LogDirectory) throws(StorageError) -> File {
        lock.lock()
        defer { lock.unlock() }
        if let file = files[base] { return file }
        let file = try File(path: directory.segmentPath(baseSeq: base), mode: .readOnly)
        files[base] = file
        return file
    }
}

/// Reads batches' content for one reader, reusing its LZ4 context and its frame and content
/// buffers from batch to batch (not thread-safe: one per read).
final class BatchReader {
    private let log: EventLog
    private let codec = LZ4FrameCodec()
    private var frame: [UInt8] = []
    private var content: [UInt8] = []

    init(log: EventLog) {
        self.log = log
    }

    /// Calls `body` with the NDJSON content of `batch`, checked against its trailer's CRC and
    /// LZ4's own checksums. The buffer is only valid during the call.
    func withContent<Result>(of batch: BatchLocation, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let segmentName = LogDirectory.segmentName(baseSeq: batch.segmentBase)
        let frameLength = Int(batch.trailer.frameLength)
        let contentLength = Int(batch.trailer.contentLength)
        do {
            let file = try log.segmentReaders.file(base: batch.segmentBase, directory: log.directory)
            let read = try file.read(at: Int(batch.trailer.frameOffset), count: frameLength, into: &frame)
            try frame.withUnsafeBytes { (whole: UnsafeRawBufferPointer) throws in
                let bytes = UnsafeRawBufferPointer(rebasing: whole[0..<frameLength])
                guard read == frameLength, CRC32.checksum(bytes) == batch.trailer.frameCRC else {
                    throw LogError.corrupted(
                        segment: segmentName, offset: Int(batch.trailer.frameOffset), reason: "batch frame's CRC-32 does not match its trailer")
                }
                try codec.decompress(bytes, expectedContentLength: contentLength, into: &content)
            }
        } catch let error as LogError {
            throw error
        } catch let error as StorageError {
            throw LogError.storage(error)
        } catch {
            throw LogError.corrupted(segment: segmentName, offset: Int(batch.trailer.frameOffset), reason: "\(error)")
        }
        return try content.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<contentLength])) }
    }
}

extension EventLog {
    /// The batches holding `from...through`, clamped to the log.
    private func batches(from: UInt64, through: UInt64) -> ArraySlice<BatchLocation> {
        lock.withLock {
            let last = min(through, catalog.size)
            guard from >= 1, from <= last else { return [] }
            return catalog.batches[catalog.batchIndex(containing: from)...catalog.batchIndex(containing: last)]
        }
    }

    /// The offset of the newline ending the line that starts at `start` in a batch's content
    /// (the content's last byte when it does not end with one).
    private static func lineEnd(in buffer: UnsafeRawBufferPointer, from start: Int) -> Int {
        let base = buffer.baseAddress!
        return memchr(base + start, 0x0A, buffer.count - start).map { UnsafeRawPointer($0) - base } ?? (buffer.count - 1)
    }

    /// Calls `body` with each stored line (with its newline) of events `from...through`, in order.
    public func forEachLine(from: UInt64 = 1, through: UInt64 = .max, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        let reader = BatchReader(log: self)
        for batch in batches(from: from, through: through) {
            try reader.withContent(of: batch) { buffer in
                var seq = batch.trailer.firstSeq
                var start = 0
                while start < buffer.count, seq <= through {
                    let newline = Self.lineEnd(in: buffer, from: start)
                    if seq >= from { try body(seq, UnsafeRawBufferPointer(rebasing: buffer[start...newline])) }
                    seq += 1
                    start = newline + 1
                }
            }
        }
    }

    /// Calls `body` with each whole batch's content (NDJSON lines) overlapping `from...through`.
    /// The fastest full read: no per-line work. The buffer is only valid during the call.
    public func forEachBatch(from: UInt64 = 1, through: UInt64 = .max, _ body: (UInt64, UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        let reader = BatchReader(log: self)
        for batch in batches(from: from, through: through) {
            try reader.withContent(of: batch) { try body(batch.trailer.firstSeq, batch.trailer.lastSeq, $0) }
        }
    }

    /// For each event `from...through` (within the log), its stream's number: dense, in the
    /// order of the streams' first events, the same for as long as this log stays open (a
    /// consumer may index arrays by it instead of hashing stream names).
    public func streamNumbers(from: UInt64, through: UInt64) -> [Int32] {
        lock.withLock {
            let last = min(through, catalog.size)
            guard from >= 1, from <= last else { return [] }
            return catalog.streamNumberOfEvent.array(Int(from - 1)..<Int(last))
        }
    }

    /// Names of the streams that have events, whose names start with `prefix` (e.g. `incentive/`).
    public func streamNames(prefix: String = "") -> [String] {
        // The names are copied under the lock and read as text outside it.
        lock.withLock { catalog.streams.names }.map(\.name).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The parsed envelopes of `stream`, oldest first.
    public func envelopes(stream: String) throws -> [Envelope] {
        var result: [Envelope] = []
        try forEachLine(stream: stream) { _, line in result.append(try Envelope(line: line)) }
        return result
    }

    /// Sequence numbers of `stream`'s events, oldest first.
    public func positions(of stream: String) -> [UInt64] {
        lock.withLock { catalog.positions(of: stream) }
    }

    /// The seqs of the events of the streams `names`, ascending, each with its stream's index in
    /// `names` (a name given twice counts at its first index): what ``forEachLine(seqs:_:)``
    /// reads to go over many streams in one pass.
    public func positions(ofStreams names: [String]) -> [(seq: UInt64, stream: Int)] {
        lock.withLock { catalog.positions(ofStreams: names) }
    }

    /// Calls `body` with each line of `stream`'s events with seq in `from...through`.
    public func forEachLine(stream: String, from: UInt64 = 1, through: UInt64 = .max, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws
    {
        try forEachLine(seqs: positions(of: stream).filter { $0 >= from && $0 <= through }, body)
    }

    /// Calls `body` with the line of each event in `seqs` (ascending, within the log), reading
    /// each batch that holds one of them once.
    public func forEachLine(seqs wanted: [UInt64], _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard !wanted.isEmpty else { return }
        let reader = BatchReader(log: self)
        var next = 0
        while next < wanted.count {
            guard
                let batch = lock.withLock({ () -> BatchLocation? in
                    guard wanted[next] >= 1, wanted[next] <= catalog.size else { return nil }
                    return catalog.batches[catalog.batchIndex(containing: wanted[next])]
                })
            else {
                throw LogError.seqOutOfRange(seq: wanted[next], size: size)
            }
            try reader.withContent(of: batch) { buffer in
                var seq = batch.trailer.firstSeq
                var start = 0
                while start < buffer.count, next < wanted.count, wanted[next] <= batch.trailer.lastSeq {
                    let newline = Self.lineEnd(in: buffer, from: start)
                    if seq == wanted[next] {
                        try body(seq, UnsafeRawBufferPointer(rebasing: buffer[start...newline]))
                        next += 1
                    }
                    seq += 1
                    start = newline + 1
                }
            }
        }
    }

    /// The parsed envelope of event `seq`.
    public func envelope(seq: UInt64) throws -> Envelope {
        let size = self.size
        guard seq >= 1, seq <= size else { throw LogError.seqOutOfRange(seq: seq, size: size) }
        var found: Envelope?
        try forEachLine(from: seq, through: seq) { _, line in found = try Envelope(line: line) }
        guard let found else { throw LogError.seqOutOfRange(seq: seq, size: size) }
        return found
    }

    /// Parsed envelopes `from...through`.
    public func envelopes(from: UInt64 = 1, through: UInt64 = .max) throws -> [Envelope] {
        var result: [Envelope] = []
        try forEachLine(from: from, through: through) { _, line in result.append(try Envelope(line: line)) }
        return result
    }

    /// Follows the log from `seq` on: each `next()` reads at most `maximumEvents` committed
    /// events (seq and line bytes), waiting for the next commit when it has caught up. Nothing is
    /// read ahead of the consumer, so a slow consumer holds one chunk, not the log. Ends when the
    /// log closes or the task is cancelled.
    public func follow(from seq: UInt64, maximumEvents: Int = 1000) -> LogFollower {
        LogFollower(log: self, next: max(seq, 1), maximumEvents: max(1, maximumEvents))
    }
}

/// The events of a log from a seq on, in chunks read as they are asked for (see
/// ``EventLog/follow(from:maximumEvents:)``).
public struct LogFollower: AsyncSequence, Sendable {
    public typealias Element = [(seq: UInt64, line: [UInt8])]
    let log: EventLog
    let next: UInt64
    let maximumEvents: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(log: log, next: next, maximumEvents: maximumEvents)
    }

    /// Reads the next chunk when asked.
    public struct Iterator: AsyncIteratorProtocol {
        let log: EventLog
        var next: UInt64
        let maximumEvents: Int

        public mutating func next() async throws -> Element? {
            while !Task.isCancelled {
                let size = log.size
                if next <= size {
                    let through = Swift.min(size, next + UInt64(maximumEvents) - 1)
                    var events: Element = []
                    events.reserveCapacity(Int(through - next + 1))
                    try log.forEachLine(from: next, through: through) { seq, line in events.append((seq, Array(line))) }
                    next = through + 1
                    return events
                }
                if log.isWritable {
                    await log.waitForCommit(after: size)
                    if log.size == size && !log.isOpenForWriting { return nil }
                } else {
                    try await Task.sleep(for: .milliseconds(200))
                    try log.refresh()
                }
            }
            return nil
        }
    }
}
