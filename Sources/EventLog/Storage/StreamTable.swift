/// The log's streams, numbered densely in the order of their first events, found by name.
///
/// An open-addressing table of 16-byte slots (the name's hash and its number) over the names
/// by number: a lookup reads one slot (neighbours share its cache line) and then the one name
/// it points to, where a `Dictionary<StreamName, Int>` reads a 56-byte key for every probe and
/// the value from another array (the sequencer's lookup under its lock was mostly those cache
/// misses). Only ever grows, except that the newest streams can be taken back (a rejected
/// request's), newest first.
struct StreamTable: Sendable {
    private struct Slot {
        var hash: Int
        /// The stream's number + 1; 0 marks an empty slot.
        var numberPlusOne: Int
    }

    /// The names, by number.
    private(set) var names: [StreamName] = []
    private var slots: [Slot]
    private var mask: Int

    init() {
        slots = Array(repeating: Slot(hash: 0, numberPlusOne: 0), count: 64)
        mask = 63
    }

    var count: Int { names.count }

    /// The stream's number, if it has one.
    func number(of name: StreamName) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            var position = name.hash & mask
            while true {
                let slot = slots[position]
                if slot.numberPlusOne == 0 { return nil }
                if slot.hash == name.hash, names[slot.numberPlusOne - 1] == name { return slot.numberPlusOne - 1 }
                position = (position + 1) & mask
            }
        }
    }

    /// Numbers a stream that has no number yet (the caller has checked) and returns its number.
    mutating func add(_ name: StreamName) -> Int {
        let number = names.count
        names.append(name)
        if names.count * 4 > slots.count * 3 {
            grow()
        } else {
            place(hash: name.hash, number: number)
        }
        return number
    }

    /// Takes back the newest stream's number. Safe with linear probing because no stream was
    /// placed after it: no probe sequence passes through its slot.
    mutating func removeLast() {
        guard let name = names.popLast() else { return }
        var position = name.hash & mask
        while slots[position].numberPlusOne != names.count + 1 { position = (position + 1) & mask }
        slots[position] = Slot(hash: 0, numberPlusOne: 0)
    }

    private mutating func place(hash: Int, number: Int) {
        var position = hash & mask
        while slots[position].numberPlusOne != 0 { position = (position + 1) & mask }
        slots[position] = Slot(hash: hash, numberPlusOne: number + 1)
    }

    /// Doubles the table and places every stream again, in number order (so the newest stream is
    /// still the last placed, for ``removeLast()``).
    private mutating func grow() {
        slots = Array(repeating: Slot(hash: 0, numberPlusOne: 0), count: slots.count * 2)
        mask = slots.count - 1
        for (number, name) in names.enumerated() { place(hash: name.hash, number: number) }
    }
}
