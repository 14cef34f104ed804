/// Verification of RFC 9162 inclusion and consistency proofs (the algorithms of §2.1.3.2 and
/// §2.1.4.2, in the form used by Certificate Transparency's Go reference implementation).
public enum MerkleProofs {
    /// Why a proof does not verify.
    public enum Failure: Error, Equatable, CustomStringConvertible, Sendable {
        case indexOutOfRange(index: UInt64, size: UInt64)
        case wrongProofLength(got: Int, want: Int)
        case sizesOutOfOrder(size1: UInt64, size2: UInt64)
        case proofNotEmpty
        case emptyProof
        case rootMismatch(which: String)
        case emptyOldTree

        public var description: String {
            switch self {
            case .indexOutOfRange(let index, let size): "leaf index \(index) is not below tree size \(size)"
            case .wrongProofLength(let got, let want): "proof has \(got) hashes, expected \(want)"
            case .sizesOutOfOrder(let size1, let size2): "size1 \(size1) is greater than size2 \(size2)"
            case .proofNotEmpty: "proof must be empty for these sizes"
            case .emptyProof: "proof is empty but the sizes need one"
            case .rootMismatch(let which): "computed \(which) does not match the given one"
            case .emptyOldTree: "a consistency proof from the empty tree (size1 = 0) proves nothing"
            }
        }
    }

    /// Checks that `leafHash` sits at `index` in the tree of `size` leaves whose root is `root`.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]) throws(Failure) {
        let computed = try rootFromInclusion(index: index, size: size, leafHash: leafHash, proof: proof)
        guard computed == root else { throw .rootMismatch(which: "root") }
    }

    /// Checks that the tree of `size1` leaves with root `root1` is a prefix of the tree of
    /// `size2` leaves with root `root2`.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, proof: [[UInt8]], root1: [UInt8], root2: [UInt8]) throws(Failure) {
        if size2 < size1 { throw .sizesOutOfOrder(size1: size1, size2: size2) }
        if size1 == 0 { throw .emptyOldTree }
        if size1 == size2 {
            guard proof.isEmpty else { throw .proofNotEmpty }
            guard root1 == root2 else { throw .rootMismatch(which: "root1") }
            return
        }
        guard !proof.isEmpty else { throw .emptyProof }
        var (inner, border) = decompose(index: size1 - 1, size: size2)
        let shift = size1.trailingZeroBitCount
        inner -= shift
        var seed = proof[0]
        var start = 1
        if size1 == UInt64(1) << shift {
            seed = root1
            start = 0
        }
        guard proof.count == start + inner + border else { throw .wrongProofLength(got: proof.count, want: start + inner + border) }
        let path = Array(proof[start...])
        let mask = (size1 - 1) >> UInt64(shift)
        var hash1 = seed
        for (level, sibling) in path[0..<inner].enumerated() where (mask >> UInt64(level)) & 1 == 1 {
            hash1 = nodeBytes(sibling, hash1)
        }
        for sibling in path[inner...] { hash1 = nodeBytes(sibling, hash1) }
        guard hash1 == root1 else { throw .rootMismatch(which: "root1") }
        var hash2 = seed
        for (level, sibling) in path[0..<inner].enumerated() {
            hash2 = (mask >> UInt64(level)) & 1 == 0 ? nodeBytes(hash2, sibling) : nodeBytes(sibling, hash2)
        }
        for sibling in path[inner...] { hash2 = nodeBytes(sibling, hash2) }
        guard hash2 == root2 else { throw .rootMismatch(which: "root2") }
    }

    static func rootFromInclusion(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]]) throws(Failure) -> [UInt8] {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        guard leafHash.count == 32 else { throw .rootMismatch(which: "leaf hash") }
        let (inner, border) = decompose(index: index, size: size)
        guard proof.count == inner + border else { throw .wrongProofLength(got: proof.count, want: inner + border) }
        var hash = leafHash
        for (level, sibling) in proof[0..<inner].enumerated() {
            hash = (index >> UInt64(level)) & 1 == 0 ? nodeBytes(hash, sibling) : nodeBytes(sibling, hash)
        }
        for sibling in proof[inner...] { hash = nodeBytes(sibling, hash) }
        return hash
    }

    /// Splits an inclusion proof's length into the inner part (below the point where the path
    /// to `index` leaves the right border) and the border part.
    static func decompose(index: UInt64, size: UInt64) -> (inner: Int, border: Int) {
        let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return (inner, border)
    }

    private static func nodeBytes(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        guard left.count == 32, right.count == 32 else {
            // Malformed proof hashes still hash (and so fail to match), never crash.
            var bytes: [UInt8] = [0x01]
            bytes += left
            bytes += right
            return MerkleHash.leaf(bytes).bytes
        }
        return MerkleHash.node(MerkleHash(left), MerkleHash(right)).bytes
    }
}
