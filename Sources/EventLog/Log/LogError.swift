/// Everything the log can refuse or fail with, each with a message an operator can act on.
public enum LogError: Error, CustomStringConvertible, Sendable {
    case notInitialized(directory: String)
    case alreadyInitialized(directory: String)
    case badConfiguration(path: String, reason: String)
    /// Damage to committed data: the log refuses to append until an operator acts.
    case corrupted(segment: String, offset: Int, reason: String)
    case locked(path: String)
    /// A write or sync failed earlier; the log refuses further writes.
    case writesRefused(reason: String)
    case storage(StorageError)
    /// `event` is the conflicting event's index (from 0) in its append request.
    case versionConflict(stream: String, expected: ExpectedVersion, actual: UInt64, event: Int)
    /// `event` is the index (from 0) in its append request of the event repeating the key.
    case idempotencyKeyReused(key: String, seq: UInt64, event: Int)
    case invalidEvent(index: Int, reason: String)
    case seqOutOfRange(seq: UInt64, size: UInt64)
    case closed

    public var description: String {
        switch self {
        case .notInitialized(let directory):
            "no log in \(directory): run `gongfu init --data \(directory)` first"
        case .alreadyInitialized(let directory):
            "\(directory) already holds a log; choose an empty directory"
        case .badConfiguration(let path, let reason):
            "\(path): \(reason)"
        case .corrupted(let segment, let offset, let reason):
            "log damaged in segment \(segment) at byte offset \(offset): \(reason). Appends are refused until an operator restores the segment from a replica or backup (`gongfu verify` reports the full state)"
        case .locked(let path):
            "another process is writing to this log (lock \(path) is held); stop it or use read-only commands"
        case .writesRefused(let reason):
            "writes refused after an earlier failure (\(reason)); free the disk and resume writes (the daemon does so by itself) or restart the process so recovery re-reads the log from disk"
        case .storage(let error):
            error.description
        case .versionConflict(let stream, let expected, let actual, _):
            "version conflict on \(stream): expected \(expected), but the stream is at version \(actual)"
        case .idempotencyKeyReused(let key, let seq, _):
            "idempotency key \"\(key)\" was already used by event \(seq) with different content"
        case .invalidEvent(let index, let reason):
            "event \(index + 1): \(reason)"
        case .seqOutOfRange(let seq, let size):
            "sequence number \(seq) is outside the log (1…\(size))"
        case .closed:
            "the log is closed"
        }
    }
}
