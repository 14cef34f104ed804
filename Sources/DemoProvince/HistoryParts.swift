import EventLog
import Foundation

/// A generated history cut into the requests it is appended in, shared between the thread that
/// reads the next request's drafts (their payloads parsed) and the task that checks the one
/// before and lets go of what the log holds: the history is hundreds of megabytes at national
/// size, and only this holds it, so what is let go is freed.
///
/// ```swift
/// let history = HistoryParts(generated)
/// for part in history.parts(from: 0, to: history.endIndex, eventsPerPart: 8192, weekly: true) {
///     let drafts = history.drafts(in: part.range)  // on the reading thread
///     history.release(before: durable)  // on the checking task, once the log holds them
/// }
/// ```
final class HistoryParts: @unchecked Sendable {
    /// One request: the positions of its drafts, and the time its week is recorded at on a
    /// simulated timeline.
    struct Part: Sendable {
        var range: Range<Int>
        var recorded: Int64?
    }

    // `history` is guarded by `lock`.
    private let lock = NSLock()
    private var history: GeneratedHistory

    init(_ history: consuming GeneratedHistory) {
        self.history = history
    }

    /// One past the last position.
    var endIndex: Int { lock.withLock { history.endIndex } }

    /// The requests that append the drafts from `start` to `end`, of at most `eventsPerPart`
    /// each; with `weekly`, a request holds one week of the simulated timeline (or part of one)
    /// and is recorded at the end of the week's last recorded day.
    func parts(from start: Int, to end: Int, eventsPerPart: Int, weekly: Bool) -> [Part] {
        lock.withLock {
            var parts: [Part] = []
            var position = start
            while position < end {
                var stop = end
                var recorded: Int64?
                if weekly {
                    let week = ProvinceIngest.week(of: history.recorded(at: position))
                    stop = position
                    while stop < end, ProvinceIngest.week(of: history.recorded(at: stop)) == week { stop += 1 }
                    recorded = ProvinceIngest.endOfDay(history.recorded(at: stop - 1))
                }
                for first in stride(from: position, to: stop, by: max(1, eventsPerPart)) {
                    parts.append(Part(range: first..<min(first + eventsPerPart, stop), recorded: recorded))
                }
                position = stop
            }
            return parts
        }
    }

    /// The drafts at `range`, their payloads read from their bytes (outside the lock: the
    /// checking task lets go of what the log holds meanwhile).
    func drafts(in range: Range<Int>) -> [EventDraft] {
        lock.withLock { history.entries(in: range) }.map(\.draft)
    }

    /// Lets go of the drafts before `end`, once the log holds them.
    func release(before end: Int) {
        lock.withLock { history.release(before: end) }
    }

    /// The stream of the draft at `position`.
    func stream(at position: Int) -> String { lock.withLock { history.stream(at: position) } }

    /// The type of the draft at `position`.
    func type(at position: Int) -> String { lock.withLock { history.type(at: position) } }

    /// The business date of the draft at `position`.
    func occurred(at position: Int) -> String { lock.withLock { history.occurred(at: position) } }

    /// The drafts of the stream of the draft at `position` from `start` on
    /// (``GeneratedHistory/streamListing(at:from:)``).
    func streamListing(at position: Int, from start: Int) -> [String] {
        lock.withLock { history.streamListing(at: position, from: start) }
    }
}
