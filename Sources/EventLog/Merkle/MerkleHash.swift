import Crypto

/// A SHA-256 value in the log's Merkle tree (RFC 9162 §2.1).
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "a Merkle hash is 32 bytes")
        self.bytes = bytes
    }

    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(Array(buffer))
    }

    /// Decodes standard base64; nil unless it is exactly 32 bytes.
    public init?(base64: String) {
        guard let bytes = Base64.decode(base64), bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var base64: String { Base64.encode(bytes) }
    public var hex: String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
    public var description: String { hex }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let empty = MerkleHash(Array(SHA256.hash(data: [UInt8]())))

    /// Leaf hash: SHA-256(0x00 || entry).
    public static func leaf(_ entry: UnsafeRawBufferPointer) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(bufferPointer: entry)
        return MerkleHash(Array(hasher.finalize()))
    }

    public static func leaf<Bytes: Collection>(_ entry: Bytes) -> MerkleHash where Bytes.Element == UInt8 {
        Array(entry).withUnsafeBytes { leaf($0) }
    }

    /// Interior node hash: SHA-256(0x01 || left || right).
    public static func node(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.bytes)
        hasher.update(data: right.bytes)
        return MerkleHash(Array(hasher.finalize()))
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
