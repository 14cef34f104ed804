import Foundation

/// The log's idempotency keys, each with the seq of the event that used it.
///
/// A key is kept as a 64-bit hash of its UTF-8 bytes (in NFC), not as text: a log holds millions of keys,
/// and a table of hashes takes a fifth of the memory and builds without a string per key when
/// the log opens. A lookup therefore gives the events that *may* hold a key — one or none but
/// for a hash shared by two keys — and the caller reads the event (which it reads anyway, to
/// compare it with a retry) to be sure; a miss is certain. Two keys with one hash are both kept:
/// the later one's seq among the hash's others.
///
/// ```swift
/// var keys = KeyTable()
/// keys.add(hash: KeyTable.hash(of: "import/assessment/9137…/A-1"), seq: 42)
/// for seq in keys.candidates(for: "import/assessment/9137…/A-1") { /* read event seq, compare its key */ }
/// ```
struct KeyTable: Sendable, Equatable {
    /// By hash, the seq of the first event whose key has it.
    private var first: [UInt64: UInt64] = [:]
    /// By hash, the seqs of later events whose (different) keys have it too: the log holds a key
    /// once, so a hash seen again is another key's.
    private var more: [UInt64: [UInt64]] = [:]
    /// The bits of a hash kept: all but in tests, which keep a few to make keys collide.
    private let mask: UInt64

    init() {
        mask = .max
    }

    /// A table that keeps only `bits` bits of each hash (tests: keys collide often).
    init(hashBits bits: Int) {
        mask = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
    }

    /// How many keys the table holds.
    var count: Int { first.count + more.values.reduce(0) { $0 + $1.count } }

    /// The hash of a key: of its UTF-8 bytes in NFC, so that keys equal as strings (canonically
    /// equivalent, as the intake and the verifier compare them) hash alike. Seeded per process,
    /// like `Hasher`: the table is never stored.
    static func hash(of key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { hash(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The hash of a key given as its UTF-8 bytes (``hash(of:)``).
    static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        // ASCII, nearly every key, is its own NFC.
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            var normalized = String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping
            return normalized.withUTF8 { hashOfBytes(UnsafeRawBufferPointer($0)) }
        }
        return hashOfBytes(bytes)
    }

    private static func hashOfBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Sizes the table for `count` more keys.
    mutating func reserveCapacity(_ count: Int) {
        first.reserveCapacity(first.count + count)
    }

    /// Adds the key hashed to `hash`, used by event `seq`: a key the table does not hold (the log
    /// takes a key once; a repeat is answered, not appended).
    mutating func add(hash: UInt64, seq: UInt64) {
        let hash = hash & mask
        if first[hash] == nil { first[hash] = seq } else { more[hash, default: []].append(seq) }
    }

    /// The seqs of the events that may have used `key`, oldest first: every event whose key has
    /// its hash. Empty: no event has.
    func candidates(for key: String) -> Candidates {
        let hash = Self.hash(of: key) & mask
        guard let seq = first[hash] else { return Candidates(first: nil, more: []) }
        return Candidates(first: seq, more: more.isEmpty ? [] : more[hash] ?? [])
    }

    /// The seqs a lookup gives: almost always one or none, so no array is made for them.
    struct Candidates: Sequence {
        let first: UInt64?
        let more: [UInt64]

        /// Whether there are none (the key is certainly unused).
        var isEmpty: Bool { first == nil }

        func makeIterator() -> Iterator { Iterator(candidates: self) }

        struct Iterator: IteratorProtocol {
            let candidates: Candidates
            var position = -1

            mutating func next() -> UInt64? {
                defer { position += 1 }
                if position < 0 { return candidates.first }
                return position < candidates.more.count ? candidates.more[position] : nil
            }
        }
    }
}
