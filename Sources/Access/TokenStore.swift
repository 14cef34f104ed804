import Crypto
import Domain
import Foundation
import GRDB
import Synchronization

/// A token as `gongfu token list` shows it (never its secret: only its hash is stored).
public struct TokenRecord: Sendable, Equatable {
    /// The first 12 hex digits of the secret's SHA-256: how operators name a token.
    public var id: String
    public var name: String
    public var role: Role
    public var created: String
    public var revoked: String?
}

/// What went wrong with a token operation, in words an operator can act on.
public enum TokenError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidRole(String)
    case invalidName(String)
    case unknownToken(String)
    case ambiguousToken(String)
    case storage(String)

    public var description: String {
        switch self {
        case .invalidRole(let text):
            "invalid role \"\(text)\": use province, auditor, city:<GB/T 2260 city code> (e.g. city:370200) or county:<county code> (e.g. county:370211)"
        case .invalidName(let reason):
            "invalid token name: \(reason)"
        case .unknownToken(let text):
            "no token has the id or name \"\(text)\"; `gongfu token list` shows them"
        case .ambiguousToken(let text):
            "more than one active token is named \"\(text)\"; revoke it by its id (`gongfu token list`)"
        case .storage(let reason):
            "the token store could not be used: \(reason)"
        }
    }
}

/// Bearer tokens of a data directory, in `DIR/tokens.sqlite` (WAL, so the daemon sees tokens
/// added or revoked by the command line at once). Secrets are 32 random bytes, printed once;
/// only their SHA-256 is kept.
public final class TokenStore: Sendable {
    let database: DatabasePool
    let path: String
    /// Identities looked up, by the secret's hash, valid while the token files are unchanged
    /// (a `token add` or `revoke` from another process changes them, and the cache is dropped).
    private let cache = Mutex<(version: [Int], identities: [String: Identity?])>(([], [:]))
    /// When the token files were last looked at (they are stat'ed at most every 20 ms).
    private let filesChecked = Mutex<(at: ContinuousClock.Instant, version: [Int])?>(nil)

    public static func path(in directory: String) -> String { directory + "/tokens.sqlite" }

    public init(directory: String) throws(TokenError) {
        path = Self.path(in: directory)
        do {
            // Another process (`gongfu token add` beside the daemon, or two daemons' starts) may
            // hold the write lock for a moment: wait for it rather than fail.
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            database = try DatabasePool(path: Self.path(in: directory), configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE token (
                            id TEXT PRIMARY KEY,
                            hash TEXT NOT NULL UNIQUE,
                            name TEXT NOT NULL,
                            role TEXT NOT NULL,
                            created TEXT NOT NULL,
                            revoked TEXT
                        )
                        """)
            }
            try migrator.migrate(database)
            // A pool's writer is opened with `synchronous = NORMAL` (GRDB's WAL set-up runs after
            // `prepareDatabase`): a token added or revoked could then be lost to a power cut after
            // the command said it was done. FULL syncs the WAL at every commit.
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Parses a role a token may carry: `province`, `auditor`, `city:<code>` of a real city or
    /// `county:<code>` of a real county.
    public static func role(_ text: String) throws(TokenError) -> Role {
        let role = Role(text)
        switch role {
        case .province, .auditor:
            return role
        case .city(let code) where ReferenceData.standard.cities.contains(where: { $0.code == code }):
            return role
        case .county(let code) where ReferenceData.standard.cities.contains(where: { $0.counties.contains { $0.code == code } }):
            return role
        default:
            throw .invalidRole(text)
        }
    }

    /// Checks a token's name: 1–100 characters of one line (no control characters or
    /// bidirectional overrides, which would garble `token list` and the logs); returns it in NFC.
    public static func name(_ text: String) throws(TokenError) -> String {
        let name = TextRules.nfc(text)
        guard !name.isEmpty, name.count <= 100 else { throw .invalidName("a token's name has 1 to 100 characters, not \(name.count)") }
        if let refusal = TextRules.refusal(in: name, multiline: false) { throw .invalidName("the name \(refusal)") }
        return name
    }

    /// Issues a token; returns its record and its secret (shown once, never stored).
    public func add(role: Role, name: String, now: Date = Date()) throws(TokenError) -> (record: TokenRecord, secret: String) {
        let name = try Self.name(name)
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secret =
            "gf_"
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let hash = Self.hash(secret)
        let record = TokenRecord(id: String(hash.prefix(12)), name: name, role: role, created: Self.timestamp(now), revoked: nil)
        do {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO token (id, hash, name, role, created) VALUES (?, ?, ?, ?, ?)",
                    arguments: [record.id, hash, record.name, role.name, record.created])
            }
        } catch {
            throw .storage("\(error)")
        }
        return (record, secret)
    }

    /// Every token, oldest first.
    public func list() throws(TokenError) -> [TokenRecord] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT id, name, role, created, revoked FROM token ORDER BY created, id").map(Self.record)
            }
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Revokes the token with this id (or the only active token with this name).
    @discardableResult
    public func revoke(_ idOrName: String, now: Date = Date()) throws(TokenError) -> TokenRecord {
        let result: Result<TokenRecord, TokenError>
        do {
            result = try database.write { db -> Result<TokenRecord, TokenError> in
                var rows = try Row.fetchAll(db, sql: "SELECT id, name, role, created, revoked FROM token WHERE id = ?", arguments: [idOrName])
                if rows.isEmpty {
                    rows = try Row.fetchAll(
                        db, sql: "SELECT id, name, role, created, revoked FROM token WHERE name = ? AND revoked IS NULL", arguments: [idOrName])
                }
                guard let row = rows.first else { return .failure(.unknownToken(idOrName)) }
                guard rows.count == 1 else { return .failure(.ambiguousToken(idOrName)) }
                var record = Self.record(row)
                if record.revoked == nil {
                    record.revoked = Self.timestamp(now)
                    try db.execute(sql: "UPDATE token SET revoked = ? WHERE id = ?", arguments: [record.revoked, record.id])
                }
                return .success(record)
            }
        } catch {
            throw .storage("\(error)")
        }
        cache.withLock { $0 = ([], [:]) }
        filesChecked.withLock { $0 = nil }
        return try result.get()
    }

    /// The identity a secret stands for, or nil if it is unknown or revoked.
    public func identity(secret: String) throws(TokenError) -> Identity? {
        let hash = Self.hash(secret)
        let version = filesVersion()
        if let cached = cache.withLock({ $0.version == version ? $0.identities[hash] : nil }) { return cached }
        let identity: Identity?
        do {
            identity = try database.read { db in
                try Row.fetchOne(db, sql: "SELECT id, name, role FROM token WHERE hash = ? AND revoked IS NULL", arguments: [hash])
                    .map { Identity(tokenID: $0["id"], name: $0["name"], role: Role($0["role"] as String)) }
            }
        } catch {
            throw .storage("\(error)")
        }
        cache.withLock { cache in
            if cache.version != version || cache.identities.count > 10_000 { cache = (version, [:]) }
            cache.identities[hash] = .some(identity)
        }
        return identity
    }

    /// Size and modification time (ns) of the token database and its WAL: any write changes them.
    /// Looked at most every 20 ms: a token added or revoked by another process counts within that.
    private func filesVersion() -> [Int] {
        let now = ContinuousClock.now
        if let checked = filesChecked.withLock({ $0 }), now - checked.at < .milliseconds(20) { return checked.version }
        var version: [Int] = []
        for file in [path, path + "-wal"] {
            var info = stat()
            if stat(file, &info) == 0 {
                version += [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
            } else {
                version += [-1]
            }
        }
        filesChecked.withLock { $0 = (now, version) }
        return version
    }

    static func hash(_ secret: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    static func record(_ row: Row) -> TokenRecord {
        TokenRecord(id: row["id"], name: row["name"], role: Role(row["role"] as String), created: row["created"], revoked: row["revoked"])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
