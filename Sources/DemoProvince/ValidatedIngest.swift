import Domain
import EventLog

/// Appends drafts through the same checks as `gongfu append` — the event catalogue, then the
/// domain rules against the log and the drafts before — in batches, each durable before the next.
public struct ValidatedIngest {
    public struct Rejected: Error, CustomStringConvertible {
        public let index: Int
        public let stream: String
        public let type: String
        public let reason: String
        public var description: String { "event \(index + 1) (\(type) on \(stream)) was refused: \(reason)" }
    }

    public let log: EventLog
    public var batchSize = 2000
    private var rules: DomainRules
    private let validator = EventValidator()

    public init(log: EventLog, today: String? = nil) throws {
        self.log = log
        rules = try DomainRules(log: log, today: today)
    }

    /// Checks and appends `drafts` as `actor`; calls `progress` with the count appended so far.
    /// Stops at the first refused draft (batches before it stay appended).
    public mutating func append(_ drafts: [EventDraft], actor: Actor, progress: (Int) -> Void = { _ in }) async throws -> Int {
        var appended = 0
        var start = 0
        while start < drafts.count {
            let batch = Array(drafts[start..<min(start + batchSize, drafts.count)])
            for (offset, draft) in batch.enumerated() {
                do {
                    // The generator writes NFC text; validated as it is, so that the batch appended is the batch checked.
                    try validator.validate(draft)
                    try rules.check(draft, by: actor)
                } catch {
                    throw Rejected(index: start + offset, stream: draft.stream, type: draft.type, reason: "\(error)")
                }
            }
            appended += try await log.append(batch, actor: actor).count
            start += batch.count
            progress(appended)
        }
        return appended
    }
}
