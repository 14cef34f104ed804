/// An append-only Merkle tree (RFC 9162 §2.1) that keeps the hash of every complete, aligned
/// subtree of one leaf or of 16 and more, so roots and proofs for any earlier size cost
/// O(log n) lookups; a subtree of 2, 4 or 8 leaves is hashed again from its leaves when asked
/// (at most 7 hashes).
///
/// Memory: about 36 bytes per leaf (32 for the leaf, 4 spread over the levels kept above it),
/// in chunks that never move as the tree grows (``ChunkedArray``). Keeping every level would
/// take 64: the three lowest levels above the leaves hold 28 of those.
public struct MerkleTree: Sendable {
    /// `levels[k]` holds the hashes of the subtrees of `2^k` leaves that start at multiples of
    /// `2^k`; empty for the levels hashed again when asked (``recomputedLevels``).
    private var levels: [ChunkedArray<MerkleHash>] = [ChunkedArray()]

    /// The levels above the leaves whose hashes are not kept.
    static let recomputedLevels = 1...3

    public init() {}

    /// Number of leaves.
    public var size: UInt64 { UInt64(levels[0].count) }

    /// Appends one leaf hash.
    public mutating func append(leafHash: MerkleHash) {
        var none = 0
        append(leafHash: leafHash, parents: [], next: &none)
    }

    /// Appends one leaf hash, taking the parent hashes it completes from `parents[next...]`
    /// (as ``MerkleFrontier`` computed them) instead of hashing again.
    mutating func append(leafHash: MerkleHash, parents: [MerkleHash], next: inout Int) {
        levels[0].append(leafHash)
        let size = levels[0].count
        // The subtree just completed at `level`, number `(size >> level) - 1`: when that number
        // is odd, it completes its parent with the one before it.
        var level = 0
        var completed = leafHash
        while (size >> level) % 2 == 0 {
            if next < parents.count {
                completed = parents[next]
                next += 1
            } else {
                completed = MerkleHash.node(hash(level: level, index: (size >> level) - 2), completed)
            }
            level += 1
            if levels.count == level { levels.append(ChunkedArray()) }
            if !Self.recomputedLevels.contains(level) { levels[level].append(completed) }
        }
    }

    /// The leaf hash at `index`.
    public func leafHash(at index: UInt64) -> MerkleHash {
        hash(level: 0, index: Int(index))
    }

    /// Drops leaves beyond `newSize` (used when recovery truncates a torn tail).
    public mutating func truncate(to newSize: UInt64) {
        for level in levels.indices {
            let keep = Int(newSize >> UInt64(level))
            levels[level].truncate(to: keep)
        }
    }

    /// The root of the tree's first `size` leaves.
    public func root(size: UInt64) -> MerkleHash {
        precondition(size <= self.size, "tree has \(self.size) leaves, asked for the root of \(size)")
        return size == 0 ? .empty : subtreeHash(start: 0, count: size)
    }

    /// The audit path for leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1).
    public func inclusionProof(index: UInt64, size: UInt64) -> [MerkleHash] {
        precondition(index < size && size <= self.size)
        var proof: [MerkleHash] = []
        path(index: index, start: 0, count: size, into: &proof)
        return proof
    }

    /// The consistency proof between the trees of `size1` and `size2` leaves (RFC 9162 §2.1.4.1).
    public func consistencyProof(size1: UInt64, size2: UInt64) -> [MerkleHash] {
        precondition(size1 <= size2 && size2 <= self.size)
        guard size1 > 0, size1 < size2 else { return [] }
        var proof: [MerkleHash] = []
        subproof(size1, start: 0, count: size2, isWholeOldTree: true, into: &proof)
        return proof
    }

    private func path(index: UInt64, start: UInt64, count: UInt64, into proof: inout [MerkleHash]) {
        guard count > 1 else { return }
        let split = Self.largestPowerOfTwo(below: count)
        if index < split {
            path(index: index, start: start, count: split, into: &proof)
            proof.append(subtreeHash(start: start + split, count: count - split))
        } else {
            path(index: index - split, start: start + split, count: count - split, into: &proof)
            proof.append(subtreeHash(start: start, count: split))
        }
    }

    private func subproof(_ size1: UInt64, start: UInt64, count: UInt64, isWholeOldTree: Bool, into proof: inout [MerkleHash]) {
        if size1 == count {
            if !isWholeOldTree { proof.append(subtreeHash(start: start, count: count)) }
            return
        }
        let split = Self.largestPowerOfTwo(below: count)
        if size1 <= split {
            subproof(size1, start: start, count: split, isWholeOldTree: isWholeOldTree, into: &proof)
            proof.append(subtreeHash(start: start + split, count: count - split))
        } else {
            subproof(size1 - split, start: start + split, count: count - split, isWholeOldTree: false, into: &proof)
            proof.append(subtreeHash(start: start, count: split))
        }
    }

    /// MTH of leaves `start ..< start + count`; `start` is always aligned as RFC 9162's recursion
    /// produces it.
    private func subtreeHash(start: UInt64, count: UInt64) -> MerkleHash {
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            if start % count == 0 { return hash(level: level, index: Int(start >> UInt64(level))) }
        }
        let split = Self.largestPowerOfTwo(below: count)
        return .node(subtreeHash(start: start, count: split), subtreeHash(start: start + split, count: count - split))
    }

    /// The roots of the perfect subtrees that make up the first `size` leaves, largest (leftmost)
    /// first: a compact commitment to that prefix from which a verifier can extend the tree leaf
    /// by leaf and recompute later roots.
    public func peaks(size: UInt64) -> [MerkleHash] {
        var result: [MerkleHash] = []
        var start: UInt64 = 0
        var remaining = size
        while remaining > 0 {
            let height = 63 - remaining.leadingZeroBitCount
            result.append(perfectSubtree(height: height, index: Int(start >> UInt64(height))))
            start += UInt64(1) << UInt64(height)
            remaining -= UInt64(1) << UInt64(height)
        }
        return result
    }

    /// The hash of the aligned perfect subtree of `2^height` leaves numbered `index` at that height.
    func perfectSubtree(height: Int, index: Int) -> MerkleHash {
        hash(level: height, index: index)
    }

    private func hash(level: Int, index: Int) -> MerkleHash {
        guard Self.recomputedLevels.contains(level) else { return levels[level][index] }
        return .node(hash(level: level - 1, index: 2 * index), hash(level: level - 1, index: 2 * index + 1))
    }

    /// The largest power of two strictly below `count` (count ≥ 2).
    static func largestPowerOfTwo(below count: UInt64) -> UInt64 {
        UInt64(1) << UInt64(63 - (count - 1).leadingZeroBitCount)
    }
}
