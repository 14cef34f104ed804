/// Row positions by ``PackedKey``: open addressing with linear probing over a power-of-two
/// table, hashed by multiplying the key's three words — a lookup is a few integer operations
/// and a read of the one key whose hash bits match, where a `Dictionary` runs SipHash over the
/// key (a build from zero looks up or adds a key for nearly every event of every read model).
/// The multipliers are seeded per table, so keys cannot be chosen to collide in every table.
///
/// A slot holds 32 bits of the key's hash and its position, not the key: the caller keeps each
/// position's key (a ``RowBuffer`` has them already) and hands it over as `keyAt`, which is
/// asked only when the hash bits match. At national size a build holds a dozen tables of half
/// a million keys each, and a slot of 8 bytes instead of 28 is most of their memory.
///
/// ```swift
/// var table = PackedKeyTable()
/// let keys = [PackedKey("91370202100000040B")!]
/// table.insert(keys[0], at: 0) { keys[$0] }
/// table.position(of: keys[0]) { keys[$0] }  // 0
/// ```
struct PackedKeyTable {
    /// Per slot: the hash bits in the high 32 bits and the position + 1 in the low 32; 0: empty.
    private var slots: [UInt64] = []
    private var mask = -1
    private(set) var count = 0
    private let seed = UInt64.random(in: 1...UInt64.max) | 1

    init() {}

    /// The key's hash bits: its home slot is their low bits, so growing needs no key.
    private func hash(of key: PackedKey) -> UInt32 {
        var hash = key.words.0 &* 0x9E37_79B9_7F4A_7C15
        hash ^= (key.words.1 ^ seed) &* 0xC2B2_AE3D_27D4_EB4F
        hash ^= (key.words.2 &+ seed) &* 0x1656_67B1_9E37_79F9
        hash ^= hash >> 29
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    /// The slot holding `key`, or the empty slot where it goes.
    private func index(of key: PackedKey, hash: UInt32, keyAt: (Int) -> PackedKey) -> Int {
        var index = Int(hash) & mask
        while slots[index] != 0 {
            let slot = slots[index]
            if UInt32(truncatingIfNeeded: slot >> 32) == hash, keyAt(Self.position(in: slot)) == key { return index }
            index = (index + 1) & mask
        }
        return index
    }

    private static func position(in slot: UInt64) -> Int { Int(UInt32(truncatingIfNeeded: slot)) - 1 }

    /// The position stored for `key`; `keyAt` gives the key stored at a position.
    func position(of key: PackedKey, keyAt: (Int) -> PackedKey) -> Int? {
        guard count > 0 else { return nil }
        let slot = slots[index(of: key, hash: hash(of: key), keyAt: keyAt)]
        return slot == 0 ? nil : Self.position(in: slot)
    }

    /// Stores `position` for `key` (replacing the one it had); from then on `keyAt(position)`
    /// must give `key`. Each position belongs to one key.
    mutating func insert(_ key: PackedKey, at position: Int, keyAt: (Int) -> PackedKey) {
        precondition(position >= 0 && position < Int(Int32.max), "more rows than a PackedKeyTable holds")
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let hash = hash(of: key)
        let index = index(of: key, hash: hash, keyAt: keyAt)
        if slots[index] == 0 { count += 1 }
        slots[index] = UInt64(hash) << 32 | UInt64(position + 1)
    }

    private mutating func grow() {
        let old = slots
        let capacity = Swift.max(16, slots.count * 2)
        slots = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for slot in old where slot != 0 {
            var index = Int(UInt32(truncatingIfNeeded: slot >> 32)) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    mutating func removeAll(keepingCapacity: Bool) {
        count = 0
        if keepingCapacity {
            for index in slots.indices { slots[index] = 0 }
        } else {
            slots = []
            mask = -1
        }
    }
}
