import Foundation
import Testing

@testable import EventLog

/// RFC 6962 / 9162 reference vectors (transparency-dev/merkle, Apache-2.0; see Fixtures/merkle/LICENSE).
@Suite struct MerkleVectorTests {
    static func vectorFiles(_ kind: String) -> [URL] {
        let root = Fixtures.root.appendingPathComponent("merkle/\(kind)")
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }

    static func hashes(_ value: JSONValue?) -> [[UInt8]] {
        guard case .array(let items) = value else { return [] }
        return items.map { Base64.decode($0.stringValue ?? "") ?? [] }
    }

    static func bytes(_ value: JSONValue?) -> [UInt8] { Base64.decode(value?.stringValue ?? "") ?? [] }

    /// An unsigned field read from the text itself: some vectors use 2^64 - 1, beyond Int64.
    static func unsigned(_ name: String, in text: String) -> UInt64 {
        let marker = "\"\(name)\": "
        let start = text.range(of: marker)!.upperBound
        return UInt64(text[start...].prefix(while: \.isNumber))!
    }

    /// Runs `verify` on every vector of `kind`: it must fail exactly where `wantErr` is true.
    static func checkEvery(_ kind: String, verify: (_ text: String, _ vector: JSONValue) throws -> Void) throws {
        let files = vectorFiles(kind)
        #expect(files.count > 50)
        for file in files {
            let data = try Data(contentsOf: file)
            let vector = try JSONParser.parse(Array(data))
            var failed = false
            do { try verify(String(decoding: data, as: UTF8.self), vector) } catch { failed = true }
            #expect(failed == (vector["wantErr"] == .bool(true)), "\(file.path): \(vector["desc"]?.stringValue ?? "")")
        }
    }

    @Test func everyInclusionVector() throws {
        try Self.checkEvery("inclusion") { text, vector in
            try MerkleProofs.verifyInclusion(
                index: Self.unsigned("leafIdx", in: text), size: Self.unsigned("treeSize", in: text),
                leafHash: Self.bytes(vector["leafHash"]), proof: Self.hashes(vector["proof"]), root: Self.bytes(vector["root"]))
        }
    }

    @Test func everyConsistencyVector() throws {
        try Self.checkEvery("consistency") { text, vector in
            try MerkleProofs.verifyConsistency(
                size1: Self.unsigned("size1", in: text), size2: Self.unsigned("size2", in: text),
                proof: Self.hashes(vector["proof"]), root1: Self.bytes(vector["root1"]), root2: Self.bytes(vector["root2"]))
        }
    }
}

@Suite struct MerkleTreeTests {
    static let leaves: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57], Array(0x60...0x6F),
    ]
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test func rootsMatchTheReferenceForEverySize() {
        var tree = MerkleTree()
        #expect(tree.root(size: 0).hex == Self.roots[0])
        for (index, leaf) in Self.leaves.enumerated() {
            tree.append(leafHash: .leaf(leaf))
            for size in 0...UInt64(index + 1) { #expect(tree.root(size: size).hex == Self.roots[Int(size)]) }
        }
    }

    @Test func generatedProofsVerifyAndTamperedOnesDoNot() throws {
        var tree = MerkleTree()
        var frontier = MerkleFrontier()
        for index in 0..<70 {
            let leaf = MerkleHash.leaf(Array("event \(index)".utf8))
            tree.append(leafHash: leaf)
            frontier.append(leaf)
            #expect(frontier.root == tree.root(size: tree.size))
        }
        #expect(MerkleFrontier(tree: tree, size: 37).root == tree.root(size: 37))
        for size in UInt64(1)...70 {
            for index in 0..<size {
                let proof = tree.inclusionProof(index: index, size: size)
                try MerkleProofs.verifyInclusion(
                    index: index, size: size, leafHash: tree.leafHash(at: index).bytes,
                    proof: proof.map(\.bytes), root: tree.root(size: size).bytes)
                #expect(throws: MerkleProofs.Failure.self) {
                    try MerkleProofs.verifyInclusion(
                        index: index, size: size, leafHash: MerkleHash.leaf([1]).bytes,
                        proof: proof.map(\.bytes), root: tree.root(size: size).bytes)
                }
            }
            #expect(throws: MerkleProofs.Failure.emptyOldTree) {
                try MerkleProofs.verifyConsistency(
                    size1: 0, size2: size, proof: [], root1: MerkleHash.empty.bytes, root2: tree.root(size: size).bytes)
            }
            for older in 1...size {
                let proof = tree.consistencyProof(size1: older, size2: size)
                try MerkleProofs.verifyConsistency(
                    size1: older, size2: size, proof: proof.map(\.bytes),
                    root1: tree.root(size: older).bytes, root2: tree.root(size: size).bytes)
                if older > 0 && older < size {
                    #expect(throws: MerkleProofs.Failure.self) {
                        try MerkleProofs.verifyConsistency(
                            size1: older, size2: size, proof: proof.map(\.bytes),
                            root1: tree.root(size: older - 1).bytes, root2: tree.root(size: size).bytes)
                    }
                }
            }
        }
    }

    /// RFC 9162's MTH, straight from its definition: what the tree's kept and recomputed levels must give.
    static func plainRoot(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        guard leaves.count > 1 else { return leaves.first ?? .empty }
        let split = Int(MerkleTree.largestPowerOfTwo(below: UInt64(leaves.count)))
        return .node(plainRoot(leaves.prefix(split)), plainRoot(leaves.dropFirst(split)))
    }

    @Test("roots, peaks and proofs are the plain definition's, with parents given (as the log appends) or hashed here")
    func keptAndRecomputedLevelsAgreeWithThePlainTree() throws {
        let leaves = (0..<300).map { MerkleHash.leaf(Array("event \($0)".utf8)) }
        var hashed = MerkleTree()
        var given = MerkleTree()
        var frontier = MerkleFrontier()
        for (index, leaf) in leaves.enumerated() {
            hashed.append(leafHash: leaf)
            // The parents the appender computed, consumed in order as the catalogue does.
            var parents: [MerkleHash] = []
            frontier.append(leaf, parents: &parents)
            var next = 0
            given.append(leafHash: leaf, parents: parents, next: &next)
            #expect(next == parents.count)
            let size = UInt64(index + 1)
            #expect(hashed.root(size: size) == Self.plainRoot(leaves[...index]) && given.root(size: size) == hashed.root(size: size))
        }
        for size in [1, 2, 7, 8, 9, 16, 17, 31, 32, 33, 100, 255, 256, 300] as [UInt64] {
            #expect(given.peaks(size: size) == hashed.peaks(size: size))
            for index in [0, size / 3, size / 2, size - 1] {
                let proof = given.inclusionProof(index: index, size: size)
                #expect(proof == hashed.inclusionProof(index: index, size: size))
                try MerkleProofs.verifyInclusion(
                    index: index, size: size, leafHash: leaves[Int(index)].bytes, proof: proof.map(\.bytes),
                    root: Self.plainRoot(leaves[..<Int(size)]).bytes)
            }
        }
        var truncated = given
        truncated.truncate(to: 100)
        truncated.append(leafHash: leaves[100])
        #expect(truncated.root(size: 101) == Self.plainRoot(leaves[...100]))
    }
}
