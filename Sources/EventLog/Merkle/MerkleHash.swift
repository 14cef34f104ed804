import CLibCrypto

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
    public static let empty = MerkleHash.sha256 { _ in }

    /// Leaf hash: SHA-256(0x00 || entry).
    public static func leaf(_ entry: UnsafeRawBufferPointer) -> MerkleHash {
        sha256 { context in
            var prefix: UInt8 = 0x00
            SHA256_Update(&context, &prefix, 1)
            SHA256_Update(&context, entry.baseAddress, entry.count)
        }
    }

    public static func leaf<Bytes: Collection>(_ entry: Bytes) -> MerkleHash where Bytes.Element == UInt8 {
        Array(entry).withUnsafeBytes { leaf($0) }
    }

    /// Interior node hash: SHA-256(0x01 || left || right).
    public static func node(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        sha256 { context in
            var prefix: UInt8 = 0x01
            SHA256_Update(&context, &prefix, 1)
            Swift.withUnsafeBytes(of: left.storage) { SHA256_Update(&context, $0.baseAddress, 32) }
            Swift.withUnsafeBytes(of: right.storage) { SHA256_Update(&context, $0.baseAddress, 32) }
        }
    }

    /// SHA-256 of what `feed` passes to `SHA256_Update`, with the context on the stack.
    private static func sha256(_ feed: (inout SHA256_CTX) -> Void) -> MerkleHash {
        var context = SHA256_CTX()
        SHA256_Init(&context)
        feed(&context)
        var hash = MerkleHash(storage: .zero)
        Swift.withUnsafeMutableBytes(of: &hash.storage) { SHA256_Final($0.baseAddress!.assumingMemoryBound(to: UInt8.self), &context) }
        return hash
    }

    private init(storage: SIMD4<UInt64>) {
        self.storage = storage
    }
}

extension String {
    /// The text padded on the left to `width` characters (zero-padded numbers in dates, ids).
    public func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
