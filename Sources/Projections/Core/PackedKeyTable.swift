/// Row positions by ``PackedKey``: open addressing with linear probing over a power-of-two
/// table, hashed by multiplying the key's three words — a lookup is a few integer operations
/// and usually one cache line, where a `Dictionary` runs SipHash over the key (a build from zero
/// looks up or adds a key for nearly every event of every read model). The multipliers are
/// seeded per table, so keys cannot be chosen to collide in every table.
struct PackedKeyTable {
    private var keys: [PackedKey] = []
    /// Position + 1 per slot; 0: empty.
    private var values: [Int32] = []
    private var mask = -1
    private(set) var count = 0
    private let seed = UInt64.random(in: 1...UInt64.max) | 1

    init() {}

    private func slot(of key: PackedKey) -> Int {
        var hash = key.words.0 &* 0x9E37_79B9_7F4A_7C15
        hash ^= (key.words.1 ^ seed) &* 0xC2B2_AE3D_27D4_EB4F
        hash ^= (key.words.2 &+ seed) &* 0x1656_67B1_9E37_79F9
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash) & mask
    }

    /// The position stored for `key`.
    subscript(key: PackedKey) -> Int? {
        get {
            guard count > 0 else { return nil }
            var index = slot(of: key)
            while true {
                let value = values[index]
                if value == 0 { return nil }
                if keys[index] == key { return Int(value) - 1 }
                index = (index + 1) & mask
            }
        }
        set {
            guard let position = newValue else { preconditionFailure("PackedKeyTable does not remove keys") }
            precondition(position < Int(Int32.max), "more rows than a PackedKeyTable holds")
            if (count + 1) * 4 > values.count * 3 { grow() }
            var index = slot(of: key)
            while values[index] != 0 {
                if keys[index] == key {
                    values[index] = Int32(position + 1)
                    return
                }
                index = (index + 1) & mask
            }
            keys[index] = key
            values[index] = Int32(position + 1)
            count += 1
        }
    }

    private mutating func grow() {
        let old = (keys, values)
        let capacity = Swift.max(16, values.count * 2)
        keys = Array(repeating: PackedKey.zero, count: capacity)
        values = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for index in old.1.indices where old.1[index] != 0 {
            var slot = slot(of: old.0[index])
            while values[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = old.0[index]
            values[slot] = old.1[index]
        }
    }

    mutating func removeAll(keepingCapacity: Bool) {
        count = 0
        if keepingCapacity {
            for index in values.indices { values[index] = 0 }
        } else {
            keys = []
            values = []
            mask = -1
        }
    }
}
