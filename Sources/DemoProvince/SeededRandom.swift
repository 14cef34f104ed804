import EventLog

/// A small deterministic generator (SplitMix64): the same seed always gives the same province.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < p
    }

    public mutating func pick<T>(_ items: [T]) -> T {
        items[int(0...(items.count - 1))]
    }

    /// An index drawn with the given weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var point = Double.random(in: 0..<total, using: &self)
        for (index, weight) in weights.enumerated() {
            if point < weight { return index }
            point -= weight
        }
        return weights.count - 1
    }
}

/// Calendar dates as day numbers, so timelines can add days and print `YYYY-MM-DD`.
public struct Day: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let number: Int

    public init(number: Int) {
        self.number = number
    }

    public init(_ year: Int, _ month: Int, _ day: Int) {
        number = Int(Timestamp.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    public static func < (left: Day, right: Day) -> Bool { left.number < right.number }
    public static func + (day: Day, days: Int) -> Day { Day(number: day.number + days) }

    public var description: String {
        let (year, month, day) = Timestamp.civil(fromDays: Int64(number))
        guard (0...9999).contains(year) else {
            return String(year).leftPadded(to: 4) + "-" + String(month).leftPadded(to: 2) + "-" + String(day).leftPadded(to: 2)
        }
        // Every generated event's date: written as ten digits and dashes, without a string per part.
        return String(unsafeUninitializedCapacity: 10) { text in
            func put(_ value: Int64, digits: Int, at start: Int) {
                var value = value
                for position in (start..<start + digits).reversed() {
                    text[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, digits: 4, at: 0)
            text[4] = UInt8(ascii: "-")
            put(month, digits: 2, at: 5)
            text[7] = UInt8(ascii: "-")
            put(day, digits: 2, at: 8)
            return 10
        }
    }

    public var year: Int { Int(Timestamp.civil(fromDays: Int64(number)).0) }
}
