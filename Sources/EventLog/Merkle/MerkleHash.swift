import Crypto

/// A SHA-256 value in the log's Merkle tree (RFC 9162 §2.1), stored inline (no allocation).
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes in memory order.
    private var storage: SIMD4<UInt64>

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "a Merkle hash is 32 bytes")
        storage = bytes.withUnsafeBytes { $0.loadUnaligned(as: SIMD4<UInt64>.self) }
    }

    init(_ buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count == 32, "a Merkle hash is 32 bytes")
        storage = buffer.loadUnaligned(as: SIMD4<UInt64>.self)
    }

    init(_ digest: SHA256.Digest) {
        storage = digest.withUnsafeBytes { $0.loadUnaligned(as: SIMD4<UInt64>.self) }
    }

    /// Decodes standard base64; nil unless it is exactly 32 bytes.
    public init?(base64: String) {
        guard let bytes = Base64.decode(base64), bytes.count == 32 else { return nil }
        self.init(bytes)
    }

    public var bytes: [UInt8] { Swift.withUnsafeBytes(of: storage) { Array($0) } }
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    public var base64: String { Base64.encode(bytes) }
    public var hex: String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
    public var description: String { hex }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let empty = MerkleHash(SHA256.hash(data: [UInt8]()))

    /// Leaf hash: SHA-256(0x00 || entry).
    public static func leaf(_ entry: UnsafeRawBufferPointer) -> MerkleHash {
        var hasher = SHA256()
        Swift.withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: entry)
        return MerkleHash(hasher.finalize())
    }

    public static func leaf<Bytes: Collection>(_ entry: Bytes) -> MerkleHash where Bytes.Element == UInt8 {
        Array(entry).withUnsafeBytes { leaf($0) }
    }

    /// Interior node hash: SHA-256(0x01 || left || right).
    public static func node(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var hasher = SHA256()
        Swift.withUnsafeBytes(of: UInt8(0x01)) { hasher.update(bufferPointer: $0) }
        Swift.withUnsafeBytes(of: left.storage) { hasher.update(bufferPointer: $0) }
        Swift.withUnsafeBytes(of: right.storage) { hasher.update(bufferPointer: $0) }
        return MerkleHash(hasher.finalize())
    }
}

extension String {
    /// The text padded on the left to `width` characters (zero-padded numbers in dates, ids).
    public func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
