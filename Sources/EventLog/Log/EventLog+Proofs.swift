/// An inclusion proof, with the same field names and base64 encoding as the RFC 6962 vectors.
public struct InclusionProof: Sendable, Equatable {
    public var leafIndex: UInt64
    public var treeSize: UInt64
    public var root: MerkleHash
    public var leafHash: MerkleHash
    public var proof: [MerkleHash]

    public var json: JSONValue {
        [
            "leafIdx": .integer(Int64(leafIndex)), "treeSize": .integer(Int64(treeSize)), "root": .string(root.base64),
            "leafHash": .string(leafHash.base64), "proof": .array(proof.map { .string($0.base64) }),
        ]
    }

    public func verify() throws(MerkleProofs.Failure) {
        try MerkleProofs.verifyInclusion(index: leafIndex, size: treeSize, leafHash: leafHash.bytes, proof: proof.map(\.bytes), root: root.bytes)
    }
}

/// A consistency proof between two tree sizes (vector field names).
public struct ConsistencyProof: Sendable, Equatable {
    public var size1: UInt64
    public var size2: UInt64
    public var root1: MerkleHash
    public var root2: MerkleHash
    public var proof: [MerkleHash]

    public var json: JSONValue {
        [
            "size1": .integer(Int64(size1)), "size2": .integer(Int64(size2)), "root1": .string(root1.base64),
            "root2": .string(root2.base64), "proof": .array(proof.map { .string($0.base64) }),
        ]
    }

    public func verify() throws(MerkleProofs.Failure) {
        try MerkleProofs.verifyConsistency(size1: size1, size2: size2, proof: proof.map(\.bytes), root1: root1.bytes, root2: root2.bytes)
    }
}

extension EventLog {
    /// The Merkle root of the first `size` events (the whole log by default).
    public func root(size: UInt64? = nil) throws(LogError) -> MerkleHash {
        lock.lock()
        defer { lock.unlock() }
        do {
            let size = size ?? catalog.size
            guard size <= catalog.size else { throw .seqOutOfRange(seq: size, size: catalog.size) }
            return catalog.tree.root(size: size)
        }
    }

    /// The peaks (perfect-subtree roots, leftmost first) of the tree of the first `size` events.
    public func peaks(size: UInt64) throws(LogError) -> [MerkleHash] {
        lock.lock()
        defer { lock.unlock() }
        guard size <= catalog.size else { throw .seqOutOfRange(seq: size, size: catalog.size) }
        return catalog.tree.peaks(size: size)
    }

    /// Proof that event `seq` is in the tree of `treeSize` events (default: the whole log).
    public func inclusionProof(seq: UInt64, treeSize: UInt64? = nil) throws(LogError) -> InclusionProof {
        lock.lock()
        defer { lock.unlock() }
        do {
            let treeSize = treeSize ?? catalog.size
            guard treeSize <= catalog.size else { throw .seqOutOfRange(seq: treeSize, size: catalog.size) }
            guard seq >= 1, seq <= treeSize else { throw .seqOutOfRange(seq: seq, size: treeSize) }
            return InclusionProof(
                leafIndex: seq - 1, treeSize: treeSize, root: catalog.tree.root(size: treeSize),
                leafHash: catalog.tree.leafHash(at: seq - 1), proof: catalog.tree.inclusionProof(index: seq - 1, size: treeSize))
        }
    }

    /// Proof that the log of `size1` events is a prefix of the log of `size2` events.
    public func consistencyProof(from size1: UInt64, to size2: UInt64) throws(LogError) -> ConsistencyProof {
        lock.lock()
        defer { lock.unlock() }
        do {
            guard size2 <= catalog.size else { throw .seqOutOfRange(seq: size2, size: catalog.size) }
            guard size1 <= size2 else { throw .seqOutOfRange(seq: size1, size: size2) }
            return ConsistencyProof(
                size1: size1, size2: size2, root1: catalog.tree.root(size: size1), root2: catalog.tree.root(size: size2),
                proof: catalog.tree.consistencyProof(size1: size1, size2: size2))
        }
    }

    /// The log's verifier key (public half of the checkpoint key).
    public func verifierKey() throws(LogError) -> CheckpointVerifierKey {
        do {
            let text = String(decoding: try File(path: directory.verifierKey, mode: .readOnly).readAll(), as: UTF8.self)
            return try CheckpointVerifierKey(text: text)
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .badConfiguration(path: directory.verifierKey, reason: "\(error)")
        }
    }

    /// The signed checkpoint for the current tree, signing and storing a new one if the newest
    /// stored checkpoint is older. Needs the signing key (kept in the data directory).
    @discardableResult
    public func checkpoint() throws(LogError) -> String {
        try checkpoint(size: self.size)
    }

    /// The signed checkpoint of the tree of the first `size` events: the stored one, or a new one
    /// signed now with the log's key (and stored).
    public func checkpoint(size: UInt64) throws(LogError) -> String {
        guard size <= self.size else { throw .seqOutOfRange(seq: size, size: self.size) }
        let path = directory.checkpointPath(size: size)
        do {
            if File.exists(path) {
                return String(decoding: try File(path: path, mode: .readOnly).readAll(), as: UTF8.self)
            }
            let key = try checkpointKey()
            let note = try Checkpoint(origin: configuration.origin, size: size, root: try root(size: size)).signed(with: key)
            try File.makeDirectories(directory.checkpoints)
            try File.writeAtomically(Array(note.utf8), to: path)
            return note
        } catch let error as LogError {
            throw error
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .badConfiguration(path: directory.signingKey, reason: "cannot sign: \(error)")
        }
    }

    /// Sizes of the stored checkpoints, oldest first.
    public func storedCheckpointSizes() throws(LogError) -> [UInt64] {
        do {
            return try File.listDirectory(directory.checkpoints).compactMap { name in
                name.hasSuffix(".txt") && name.count == 24 ? UInt64(name.prefix(20)) : nil
            }.sorted()
        } catch {
            throw .storage(error)
        }
    }
}
