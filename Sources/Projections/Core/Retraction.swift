import Domain
import EventLog

/// What a fold needs to undo a retraction, read from the log — the source of truth — instead
/// of from tables each read model would otherwise keep only for undoing: the event taken back,
/// and the events of its stream that still stand.
///
/// The ``Projector`` attaches one to every `EventRetracted` before any fold sees it
/// (``ProjectedEvent/retraction``). Both lists hold only events the read model's view includes
/// (an as-of build filters them as it filters the events it applies).
public struct Retraction: Sendable {
    /// The event taken back; nil when the view does not include it or an earlier retraction
    /// already took it back (then there is nothing to undo).
    public let retracted: ProjectedEvent?
    /// The stream's events before the retraction that still stand — neither retracted (by this
    /// retraction or an earlier one) nor retractions themselves — in log order.
    public let standing: [ProjectedEvent]

    /// Reads the history of `retraction`'s stream from `log` (through the stream's index: a few
    /// frames per retraction).
    init(of retraction: ProjectedEvent, in log: EventLog, asOf: AsOf?) throws {
        let target = try retraction.payload(EventRetracted.self).seq
        var history: [ProjectedEvent] = []
        if retraction.seq > 1 {
            try log.forEachLine(stream: retraction.stream, through: retraction.seq - 1) { _, line in
                let event = try ProjectedEvent(line: line)
                if asOf?.includes(event) ?? true { history.append(event) }
            }
        }
        self.init(target: target, history: history)
    }

    /// The retraction of `target` after `history` (the stream's earlier events in the view).
    init(target: UInt64, history: [ProjectedEvent]) {
        var takenBack = Set<UInt64>()
        for event in history where event.kind == .eventRetracted {
            if let seq = try? event.payload(EventRetracted.self).seq { takenBack.insert(seq) }
        }
        retracted = takenBack.contains(target) ? nil : history.first { $0.seq == target }
        takenBack.insert(target)
        standing = history.filter { $0.kind != .eventRetracted && !takenBack.contains($0.seq) }
    }
}

extension ProjectedEvent {
    /// The retraction's event and stream history (``Retraction``); throws for an event that
    /// is not an `EventRetracted` handed over by the ``Projector``.
    public func retractionContext() throws(ProjectionError) -> Retraction {
        guard let retraction else {
            throw .unreadableEvent(
                seq: seq,
                reason:
                    "\(type) reached a read model without its stream's history (events are applied through the Projector, which reads it from the log)"
            )
        }
        return retraction
    }
}
