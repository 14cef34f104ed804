import Crypto

/// A signed tree head in the C2SP tlog-checkpoint format (a signed note):
///
/// ```
/// <origin>
/// <tree size>
/// <base64 root hash>
///
/// — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>
/// ```
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: MerkleHash

    public init(origin: String, size: UInt64, root: MerkleHash) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// The signed body: origin, size and root, one per line.
    public var body: String { "\(origin)\n\(size)\n\(root.base64)\n" }

    /// The whole note: body, blank line, signature line.
    public func signed(with key: CheckpointSigningKey) throws -> String {
        let signature = try key.privateKey.signature(for: Array(body.utf8))
        return body + "\n— \(key.name) \(Base64.encode(key.keyID + Array(signature)))\n"
    }

    /// Parses and verifies a signed note; throws unless a signature by `verifier` checks out.
    public init(note: String, verifier: CheckpointVerifierKey) throws(CheckpointError) {
        guard let separator = note.range(of: "\n\n") else { throw .malformed("no blank line between body and signatures") }
        let body = String(note[..<separator.lowerBound]) + "\n"
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3 else { throw .malformed("body needs origin, size and root lines") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else { throw .malformed("tree size \"\(lines[1])\" is not a decimal number") }
        guard let root = MerkleHash(base64: String(lines[2])) else { throw .malformed("root is not base64 of 32 bytes") }
        var verified = false
        for line in note[separator.upperBound...].split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "—" else { throw .malformed("bad signature line \"\(line)\"") }
            guard parts[1] == verifier.name, let blob = Base64.decode(String(parts[2])), blob.count == 68,
                Array(blob[0..<4]) == verifier.keyID
            else { continue }
            if verifier.publicKey.isValidSignature(blob[4...], for: Array(body.utf8)) { verified = true }
        }
        guard verified else { throw .badSignature }
        self.init(origin: String(lines[0]), size: size, root: root)
    }
}

/// Why a checkpoint note is not acceptable.
public enum CheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed(String)
    case badSignature
    case wrongOrigin(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "checkpoint malformed: \(reason)"
        case .badSignature: "checkpoint has no valid signature by this log's key"
        case .wrongOrigin(let origin): "checkpoint is for origin \"\(origin)\", not this log"
        }
    }
}

/// An Ed25519 key in the signed-note format: `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`.
public struct CheckpointSigningKey: Sendable {
    public let name: String
    private let seed: [UInt8]
    var privateKey: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: seed) }

    public static func generate(name: String) -> CheckpointSigningKey {
        CheckpointSigningKey(name: name, privateKey: Curve25519.Signing.PrivateKey())
    }

    init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.seed = Array(privateKey.rawRepresentation)
    }

    public init(text: String) throws(CheckpointError) {
        let parts = text.trimmingNewlines.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let blob = Base64.decode(String(parts[4])),
            blob.count == 33, blob[0] == 0x01, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: blob[1...])
        else {
            throw .malformed("signing key is not PRIVATE+KEY+<name>+<id>+<base64 Ed25519 seed>")
        }
        self.init(name: String(parts[2]), privateKey: key)
        guard parts[3] == verifier.keyIDHex else { throw .malformed("signing key id does not match its key") }
    }

    public var text: String {
        "PRIVATE+KEY+\(name)+\(verifier.keyIDHex)+\(Base64.encode([0x01] + Array(privateKey.rawRepresentation)))\n"
    }

    public var verifier: CheckpointVerifierKey {
        CheckpointVerifierKey(name: name, publicKey: privateKey.publicKey)
    }

    var keyID: [UInt8] { verifier.keyID }
}

/// The public half: `<name>+<hex key id>+<base64(0x01 || public key)>`.
public struct CheckpointVerifierKey: Sendable {
    public let name: String
    private let keyBytes: [UInt8]
    var publicKey: Curve25519.Signing.PublicKey { try! Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) }

    init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.keyBytes = Array(publicKey.rawRepresentation)
    }

    public init(text: String) throws(CheckpointError) {
        let parts = text.trimmingNewlines.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let blob = Base64.decode(String(parts[2])), blob.count == 33, blob[0] == 0x01,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: blob[1...])
        else {
            throw .malformed("verifier key is not <name>+<id>+<base64 Ed25519 public key>")
        }
        self.init(name: String(parts[0]), publicKey: key)
        guard parts[1] == keyIDHex else { throw .malformed("verifier key id does not match its key") }
    }

    public var text: String {
        "\(name)+\(keyIDHex)+\(Base64.encode([0x01] + Array(publicKey.rawRepresentation)))\n"
    }

    /// First 4 bytes of SHA-256(name || "\n" || 0x01 || public key).
    var keyID: [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x01] + Array(publicKey.rawRepresentation)).prefix(4))
    }

    var keyIDHex: String { keyID.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
}

extension String {
    var trimmingNewlines: String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
