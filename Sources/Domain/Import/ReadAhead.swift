import Foundation

/// The parts `read(0)`, `read(1)`, … `read(count - 1)`, in order, each next part read on a
/// thread of its own while the caller works on the one before — so that reading a large file's
/// next rows overlaps checking these, which must run one after another on one thread.
///
/// ```swift
/// for rows in ReadAhead(count: parts) { part in table.readRows(of: part) } { check(rows) }
/// ```
///
/// At most one part is read ahead; a part not taken is read to its end and dropped.
struct ReadAhead<Part: Sendable>: Sequence, IteratorProtocol {
    private let count: Int
    private let read: @Sendable (Int) -> Part
    private var position = 0
    private var ahead: Reading?

    init(count: Int, _ read: @escaping @Sendable (Int) -> Part) {
        self.count = count
        self.read = read
    }

    mutating func next() -> Part? {
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
