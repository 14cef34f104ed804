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
    /// Sequence numbers of each stream's events; a stream's version is its count.
    var streams: [String: [UInt64]] = [:]
    var keys: [String: UInt64] = [:]

    var size: UInt64 { tree.size }

    /// One event of a batch as the catalog records it.
    struct Entry: Equatable, Sendable {
        var leafHash: MerkleHash
        var stream: String
        var key: String?
    }

    func version(of stream: String) -> UInt64 {
        UInt64(streams[stream]?.count ?? 0)
    }

    /// Adds a batch. `parents` may hold the interior hashes its leaves complete, in append
    /// order (the committer computed them for the trailer's root); otherwise they are computed.
    mutating func add(_ location: BatchLocation, entries: [Entry], parents: [MerkleHash] = []) {
        var seq = location.trailer.firstSeq
        var next = 0
        for entry in entries {
            tree.append(leafHash: entry.leafHash, parents: parents, next: &next)
            streams[entry.stream, default: []].append(seq)
            if let key = entry.key { keys[key] = seq }
            seq += 1
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
