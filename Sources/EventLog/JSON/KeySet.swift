/// The keys of one object so far, to refuse a repeated one. Most keys are short: each is kept
/// as its first and last eight UTF-8 bytes and its length, which settle equality for keys of up
/// to 16 bytes (longer ones that agree there are compared as strings). Comparing `String`s
/// pairwise cost more than the rest of parsing an envelope's keys. The first 16 keys' prints
/// live inside the set (no allocation: a set is made for every object parsed, three per stored
/// event); further keys go to an array.
struct KeySet {
    private struct Fingerprint: Equatable {
        var head: UInt64
        var tail: UInt64
        var count: Int
    }

    private typealias Sixteen<Element> = (
        Element, Element, Element, Element, Element, Element, Element, Element,
        Element, Element, Element, Element, Element, Element, Element, Element
    )
    private static let none = Fingerprint(head: 0, tail: 0, count: -1)
    private var inline: Sixteen<Fingerprint> = (
        none, none, none, none, none, none, none, none,
        none, none, none, none, none, none, none, none
    )
    private var inlineCount = 0
    /// Keys past the first 16.
    private var overflow: [Fingerprint] = []
    /// Keys longer than 16 bytes, by their position among all keys.
    private var long: [Int: String] = [:]

    init() {}

    /// Adds `key`; false when it was already there.
    mutating func insert(_ key: String) -> Bool {
        var head: UInt64 = 0
        var tail: UInt64 = 0
        var count = 0
        for byte in key.utf8 {
            if count < 8 {
                head |= UInt64(byte) << (8 * UInt64(count))
            } else {
                tail = (tail >> 8) | (UInt64(byte) << 56)
            }
            count += 1
        }
        let fingerprint = Fingerprint(head: head, tail: tail, count: count)
        let inlineCount = self.inlineCount
        let long = self.long
        let repeated = withUnsafeMutableBytes(of: &inline) { raw in
            let prints = raw.bindMemory(to: Fingerprint.self)
            for index in 0..<inlineCount where prints[index] == fingerprint {
                if count <= 16 || long[index] == key { return true }
            }
            if inlineCount < 16 { prints[inlineCount] = fingerprint }
            return false
        }
        if repeated { return false }
        for index in overflow.indices where overflow[index] == fingerprint {
            if count <= 16 || long[16 + index] == key { return false }
        }
        if count > 16 { self.long[inlineCount + overflow.count] = key }
        if inlineCount < 16 { self.inlineCount += 1 } else { overflow.append(fingerprint) }
        return true
    }
}
