import Foundation

/// The parts `read` makes, in order, each next part made on a thread of its own while the
/// caller works on the one before — so that reading a large file's next rows overlaps checking
/// these, which must run one after another on one thread.
///
/// ```swift
/// let parts = ReadAhead(splitting: rows.count, into: 16_384) { range in read(rows[range]) }
/// for part in parts { check(part) }
/// ```
///
/// At most one part is made ahead; a part not taken is made to its end and dropped.
public struct ReadAhead<Part: Sendable>: Sequence, IteratorProtocol {
    private let count: Int
    private let read: @Sendable (Int) -> Part
    private var position = 0
    private var ahead: Reading?

    /// The parts `0..<count`, part `n` made by `read(n)`.
    public init(parts count: Int, _ read: @escaping @Sendable (Int) -> Part) {
        self.count = Swift.max(0, count)
        self.read = read
    }

    /// The parts of `0..<total` cut into ranges of `size` (the last one shorter).
    public init(splitting total: Int, into size: Int, _ read: @escaping @Sendable (Range<Int>) -> Part) {
        let size = Swift.max(1, size)
        self.init(parts: (total + size - 1) / size) { part in read(part * size..<Swift.min((part + 1) * size, total)) }
    }

    /// The next part, made here when it was not made ahead.
    public mutating func next() -> Part? {
        guard position < count else { return nil }
        let part = ahead?.value() ?? read(position)
        position += 1
        ahead = position < count ? Reading(part: position, read) : nil
        return part
    }

    /// One part being read on a thread of its own.
    private final class Reading: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        // Written once by the reading thread before `done` is signalled, read after waiting.
        private var result: Part?

        init(part: Int, _ read: @escaping @Sendable (Int) -> Part) {
            let thread = Thread { [self] in
                result = read(part)
                done.signal()
            }
            thread.start()
        }

        /// The part, once read.
        func value() -> Part {
            done.wait()
            return result!
        }
    }
}
