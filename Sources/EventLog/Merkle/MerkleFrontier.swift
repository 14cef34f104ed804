/// The right edge of a Merkle tree: the roots of its perfect subtrees, largest first. Enough to
/// append leaves and compute the new root without the whole tree (O(log n) memory).
struct MerkleFrontier {
    /// (height, hash) from the left, heights strictly decreasing.
    private var subtrees: [(height: Int, hash: MerkleHash)] = []
    private(set) var size: UInt64 = 0

    init() {}

    /// The frontier of `tree`'s first `size` leaves.
    init(tree: MerkleTree, size: UInt64) {
        var start: UInt64 = 0
        for height in stride(from: 63, through: 0, by: -1) where size & (UInt64(1) << UInt64(height)) != 0 {
            // A perfect subtree of 2^height leaves starting at `start`, which is aligned.
            let count = UInt64(1) << UInt64(height)
            subtrees.append((height, tree.perfectSubtree(height: height, index: Int(start >> UInt64(height)))))
            start += count
        }
        self.size = size
    }

    /// Appends a leaf; the perfect-subtree hashes it completes (lowest first) are added to
    /// `parents`, in the order ``MerkleTree/append(leafHash:parents:)`` wants them.
    mutating func append(_ leaf: MerkleHash, parents: inout [MerkleHash]) {
        var hash = leaf
        var height = 0
        while let last = subtrees.last, last.height == height {
            subtrees.removeLast()
            hash = .node(last.hash, hash)
            parents.append(hash)
            height += 1
        }
        subtrees.append((height, hash))
        size += 1
    }

    mutating func append(_ leaf: MerkleHash) {
        var ignored: [MerkleHash] = []
        append(leaf, parents: &ignored)
    }

    var root: MerkleHash {
        guard var hash = subtrees.last?.hash else { return .empty }
        for subtree in subtrees.dropLast().reversed() {
            hash = .node(subtree.hash, hash)
        }
        return hash
    }
}
