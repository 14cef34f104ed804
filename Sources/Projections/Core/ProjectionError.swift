/// What can go wrong while projecting the log into read models, with what to do about it.
public enum ProjectionError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadableEvent(seq: UInt64?, reason: String)
    case unknownProjection(String)
    case gap(projection: String, checkpoint: UInt64, next: UInt64)
    case ahead(projection: String, checkpoint: UInt64, logSize: UInt64)
    case rootMismatch(projection: String, seq: UInt64, stored: String, log: String)
    case busy(path: String)
    case notBuilt(projection: String, path: String)
    case invalidSnapshot(path: String, reason: String)
    case database(String)

    public var description: String {
        switch self {
        case .unreadableEvent(let seq, let reason):
            "event \(seq.map(String.init) ?? "?") cannot be projected: \(reason)"
        case .unknownProjection(let name):
            "no read model is called \"\(name)\"; the read models are: \(ReadModelCatalogue.names.joined(separator: ", "))"
        case .gap(let projection, let checkpoint, let next):
            "read model \(projection) is at seq \(checkpoint) but was handed seq \(next) next; run `gongfu rebuild --projection \(projection)`"
        case .ahead(let projection, let checkpoint, let logSize):
            "read model \(projection) reflects seq \(checkpoint) but the log holds only \(logSize) events: it belongs to another log; run `gongfu rebuild --projection \(projection)`"
        case .rootMismatch(let projection, let seq, let stored, let log):
            "read model \(projection) was built from a log whose Merkle root at seq \(seq) is \(stored), but this log's root there is \(log): it does not reflect this log"
        case .busy(let path):
            "the read models in \(path) are being maintained by another process (a running `gongfu serve`?); stop it first or ask it instead"
        case .notBuilt(let projection, let path):
            "read model \(projection) has not been built yet (\(path)); run `gongfu rebuild --data DIR` first"
        case .invalidSnapshot(let path, let reason):
            "\(path) is not a usable snapshot: \(reason)"
        case .database(let message):
            "read-model database error: \(message)"
        }
    }
}
