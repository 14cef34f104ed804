import DemoProvince
import Testing

@testable import EventLog

@Suite("Chunked storage of the catalog and the Merkle tree")
struct ChunkedArrayTests {
    @Test("Appends, reads, overwrites and truncates like an array, across chunk boundaries")
    func behavesLikeAnArray() {
        // Chunks of 4 elements, so that every operation crosses boundaries many times.
        var chunked = ChunkedArray<Int>(chunkShift: 2)
        var model: [Int] = []
        var random = SeededRandom(seed: 42)  // seeded: a failure repeats
        for step in 0..<3000 {
            switch random.next() % 10 {
            case 0 where !model.isEmpty:
                let keep = Int(random.next() % UInt64(model.count + 1))
                chunked.truncate(to: keep)
                model.removeSubrange(keep...)
            case 1 where !model.isEmpty:
                let index = Int(random.next() % UInt64(model.count))
                chunked[index] = -step
                model[index] = -step
            default:
                chunked.append(step)
                model.append(step)
            }
            #expect(chunked.count == model.count)
        }
        #expect(Array(chunked) == model)
        for start in stride(from: 0, through: model.count, by: 3) {
            for end in [start, min(model.count, start + 1), min(model.count, start + 4), min(model.count, start + 9), model.count] {
                #expect(chunked.array(start..<end) == Array(model[start..<end]), "elements \(start)..<\(end)")
            }
        }
    }

    @Test("Truncating to a chunk boundary, to nothing, and growing again")
    func truncateAtBoundaries() {
        var chunked = ChunkedArray<Int>(chunkShift: 3)
        for value in 0..<20 { chunked.append(value) }
        chunked.truncate(to: 16)
        #expect(Array(chunked) == Array(0..<16))
        chunked.append(99)
        #expect(chunked[16] == 99 && chunked.count == 17)
        chunked.truncate(to: 8)
        #expect(Array(chunked) == Array(0..<8))
        chunked.truncate(to: 0)
        #expect(chunked.isEmpty)
        for value in 0..<9 { chunked.append(value * 2) }
        #expect(Array(chunked) == (0..<9).map { $0 * 2 })
        chunked.truncate(to: 30)
        #expect(chunked.count == 9, "truncating to more than the count keeps everything")
    }

    @Test("A Merkle tree past one chunk of leaves gives the same roots and proofs as the reference")
    func merkleTreeAcrossChunks() {
        var tree = MerkleTree()
        var leaves: [MerkleHash] = []
        for index in 0..<70_000 {
            let leaf = MerkleHash.leaf(Array("event \(index)".utf8))
            tree.append(leafHash: leaf)
            leaves.append(leaf)
        }
        for size in [1, 2, 3, 32_767, 32_768, 32_769, 65_536, 65_537, 70_000] {
            #expect(tree.root(size: UInt64(size)) == Self.referenceRoot(leaves[0..<size]), "root of \(size) leaves")
        }
        let proof = tree.inclusionProof(index: 40_000, size: 70_000)
        #expect(throws: Never.self) {
            try MerkleProofs.verifyInclusion(
                index: 40_000, size: 70_000, leafHash: leaves[40_000].bytes, proof: proof.map(\.bytes),
                root: tree.root(size: 70_000).bytes)
        }
        tree.truncate(to: 32_768)
        #expect(tree.size == 32_768 && tree.root(size: 32_768) == Self.referenceRoot(leaves[0..<32_768]))
    }

    /// RFC 9162's MTH, computed recursively from the leaves.
    static func referenceRoot(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        if leaves.count == 1 { return leaves.first! }
        let split = Int(MerkleTree.largestPowerOfTwo(below: UInt64(leaves.count)))
        let start = leaves.startIndex
        return .node(referenceRoot(leaves[start..<start + split]), referenceRoot(leaves[(start + split)...]))
    }
}
