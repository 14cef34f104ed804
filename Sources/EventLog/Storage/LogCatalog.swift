/// A stream name with its hash computed once (on the appender's thread), so the log's
/// dictionaries neither rehash it nor compare its bytes on every probe.
struct StreamName: Hashable, Sendable, CustomStringConvertible {
    /// The name itself when it is longer than 32 bytes; a shorter one is kept only as its
    /// `inline` bytes (no allocation per stream: the catalogue holds every stream's name).
    private let long: String?
    /// The name's hash (`String.hashValue`: seeded per process).
    let hash: Int
    /// The name's first 32 UTF-8 bytes, zero-padded, and its length: equality is decided from
    /// these without reading the string's storage (a dictionary probe would otherwise follow a
    /// pointer to a cold allocation for every lookup) unless the name is longer than 32 bytes.
    private let inline: (UInt64, UInt64, UInt64, UInt64)
    private let length: Int

    /// The name.
    var name: String {
        long ?? withUnsafeBytes(of: inline) { String(decoding: $0.prefix(length), as: UTF8.self) }
    }

    init(_ name: String) {
        self.init(name, hash: name.hashValue)
    }

    /// A name with the given hash (tests use it to make two names collide).
    init(_ name: String, hash: Int) {
        self.hash = hash
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let count = name.utf8.count
        withUnsafeMutableBytes(of: &words) { buffer in
            let copied: Void? = name.utf8.withContiguousStorageIfAvailable { bytes in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[..<min(bytes.count, 32)]))
            }
            if copied == nil {
                for (index, byte) in name.utf8.prefix(32).enumerated() { buffer[index] = byte }
            }
        }
        inline = words
        length = count
        long = count > 32 ? name : nil
    }

    static func == (left: StreamName, right: StreamName) -> Bool {
        left.hash == right.hash && left.length == right.length && left.inline == right.inline
            && (left.length <= 32 || left.long == right.long)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    var description: String { name }
}

/// Where one committed batch lives.
struct BatchLocation: Equatable, Sendable {
    var segmentBase: UInt64
    var trailer: CommitTrailer
}

/// The log's in-memory model of what is committed: batch locations, the Merkle tree, stream
/// positions and idempotency keys. All of it is derived from the segments.
struct LogCatalog: Sendable {
    var batches: [BatchLocation] = []
    var tree = MerkleTree()
    /// Each stream's number: dense, in the order of the streams' first events.
    var streams = StreamTable()
    /// By stream number: the stream's newest event and version (= its number of events).
    var heads: [(last: UInt64, version: UInt64)] = []
    /// For event `seq`, the seq of the previous event of its stream (0 for its first), at
    /// index `seq - 1`: a stream's positions are a chain walked back from its newest event.
    var previousInStream = ChunkedArray<UInt64>()
    /// For event `seq`, its stream's number, at index `seq - 1`.
    var streamNumberOfEvent = ChunkedArray<Int32>()
    /// The idempotency keys' events (by hash: ``KeyTable``); nil in a log opened without them
    /// (``EventLog/Options/keepsKeys``).
    var keys: KeyTable? = KeyTable()

    var size: UInt64 { tree.size }

    /// One event of a batch as the catalog records it.
    struct Entry: Equatable, Sendable {
        var leafHash: MerkleHash
        /// The stream's number when known: the committer's sequencer and the index give it (they
        /// number streams as the catalog does, in seq order); an event read from a segment has
        /// none, and is found by name.
        var streamNumber: Int?
        /// The stream's name: always for an event read from a segment, otherwise only at the
        /// stream's first event (the one that numbers it).
        var stream: StreamName?
        /// The hash of its idempotency key (``KeyTable/hash(of:)``), when it has one.
        var keyHash: UInt64?
        /// Its key's text, for the index, where the event was written or read from a segment
        /// (an event read from the index has only the hash).
        var key: String?

        init(leafHash: MerkleHash, streamNumber: Int? = nil, stream: StreamName? = nil, key: String? = nil) {
            self.leafHash = leafHash
            self.streamNumber = streamNumber
            self.stream = stream
            self.key = key
            keyHash = key.map(KeyTable.hash(of:))
        }

        init(leafHash: MerkleHash, streamNumber: Int, stream: StreamName?, keyHash: UInt64?) {
            self.leafHash = leafHash
            self.streamNumber = streamNumber
            self.stream = stream
            self.keyHash = keyHash
        }

        /// Where this entry stands in the numbering, `next` being the number the next new stream
        /// takes (advanced past a new one); nil when it breaks the numbering: no number, one
        /// beyond `next`, or a new stream without its name.
        func numbering(next: inout Int) -> StreamNumbering? {
            guard let number = streamNumber, number >= 0, number <= next else { return nil }
            guard number == next else { return .known }
            guard stream != nil else { return nil }
            next += 1
            return .new
        }
    }

    /// Whether numbered `entries` (an index record's) could follow what the catalog holds
    /// (``Entry/numbering(next:)``). A record that fails this is damaged.
    func accepts(_ entries: [Entry]) -> Bool {
        var next = heads.count
        return entries.allSatisfy { $0.numbering(next: &next) != nil }
    }

    /// How an entry stands in the dense numbering of streams.
    enum StreamNumbering {
        /// Its stream already has its number.
        case known
        /// It is its stream's first event, and its stream takes the next number.
        case new
    }

    func version(of stream: String) -> UInt64 {
        streams.number(of: StreamName(stream)).map { heads[$0].version } ?? 0
    }

    /// Sequence numbers of `stream`'s events, oldest first.
    func positions(of stream: String) -> [UInt64] {
        guard let number = streams.number(of: StreamName(stream)) else { return [] }
        var positions: [UInt64] = []
        positions.reserveCapacity(Int(heads[number].version))
        forEachSeqNewestFirst(ofStream: number) { positions.append($0) }
        return positions.reversed()
    }

    /// Calls `body` with the seq of each event of the stream numbered `number`, newest first
    /// (its chain of previous events).
    private func forEachSeqNewestFirst(ofStream number: Int, _ body: (UInt64) -> Void) {
        var seq = heads[number].last
        while seq != 0 {
            body(seq)
            seq = previousInStream[Int(seq - 1)]
        }
    }

    /// The seqs of the events of the streams `names`, ascending, each with its stream's index in
    /// `names` (a name given twice counts at its first index). When they are a fair part of the
    /// log, one scan of the events' stream numbers in seq order finds them (sequential, nothing to
    /// sort); otherwise each stream's chain is walked and the seqs sorted. `scan` forces one way
    /// (tests compare them).
    func positions(ofStreams names: [String], scan: Bool? = nil) -> [(seq: UInt64, stream: Int)] {
        var numbers: [(number: Int, stream: Int)] = []
        var total = 0
        var seen = Set<Int>()
        for (stream, name) in names.enumerated() {
            guard let number = streams.number(of: StreamName(name)), seen.insert(number).inserted else { continue }
            numbers.append((number, stream))
            total += Int(heads[number].version)
        }
        var found: [(seq: UInt64, stream: Int)] = []
        found.reserveCapacity(total)
        if scan ?? (total >= Int(size) / 32) {
            var streamOfNumber = [Int32](repeating: -1, count: heads.count)
            for (number, stream) in numbers { streamOfNumber[number] = Int32(stream) }
            for index in 0..<streamNumberOfEvent.count {
                let stream = streamOfNumber[Int(streamNumberOfEvent[index])]
                if stream >= 0 { found.append((UInt64(index + 1), Int(stream))) }
            }
            return found
        }
        for (number, stream) in numbers { forEachSeqNewestFirst(ofStream: number) { found.append(($0, stream)) } }
        found.sort { $0.seq < $1.seq }
        return found
    }

    /// Sizes the key table for `keys` more events with an idempotency key, so that adding them
    /// does not grow it by doubling (rehashing every key each time).
    mutating func reserveCapacity(keys: Int) {
        self.keys?.reserveCapacity(keys)
    }

    /// Adds a batch. `parents` may hold the interior hashes its leaves complete, in append
    /// order (the committer computed them for the trailer's root); otherwise they are computed.
    mutating func add(_ location: BatchLocation, entries: [Entry], parents: [MerkleHash] = []) {
        var seq = location.trailer.firstSeq
        var next = 0
        // Entries read in place (binding one to a name copies its name and key: a retain and a
        // release each, on the thread that answers appends).
        entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                tree.append(leafHash: entries[index].leafHash, parents: parents, next: &next)
                let number = entries[index].streamNumber ?? entries[index].stream.flatMap(streams.number(of:)) ?? heads.count
                streamNumberOfEvent.append(Int32(truncatingIfNeeded: number))
                if number < heads.count {
                    let previous = heads[number]
                    heads[number] = (seq, previous.version + 1)
                    previousInStream.append(previous.last)
                } else {
                    guard let name = entries[index].stream, number == heads.count else {
                        preconditionFailure("a stream's first event names it and takes the next number")
                    }
                    _ = streams.add(name)
                    heads.append((seq, 1))
                    previousInStream.append(0)
                }
                if let hash = entries[index].keyHash { keys?.add(hash: hash, seq: seq) }
                seq += 1
            }
        }
        batches.append(location)
    }

    /// Index into `batches` of the batch holding `seq` (1 ≤ seq ≤ size).
    func batchIndex(containing seq: UInt64) -> Int {
        var low = 0
        var high = batches.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if batches[middle].trailer.firstSeq <= seq { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
