import EventLog

/// The one way into the log, for every writer (`gongfu append`, `gongfu import`,
/// `POST /v1/events`, the demo generator): drafts read by an ``IntakeReader`` are checked here
/// in order, each against the log and the drafts before it —
///
/// 1. **jurisdiction**: may this writer write this stream at all (first, so that another
///    city's stream and an unknown one answer alike, whatever the version or key);
/// 2. **idempotency**: a draft whose key the log (or this input) already holds with the same
///    content is a *repeat*: it is answered with the first result, and no rule runs — a retry
///    after a timeout or a crash succeeds; the same key with other content is refused;
/// 3. **the domain rules** as the writer's role;
/// 4. **expected versions**, counting the drafts before it —
///
/// and only then appended (``append(_:batchEvents:progress:)``), durable before it returns.
/// A writer checks every draft of an input before appending any, so an input is taken whole or
/// not at all.
///
/// ```swift
/// var intake = try Intake(log: log, actor: actor)
/// for (draft, place) in try IntakeReader().read(bytes) { _ = try intake.check(draft, at: place) }
/// let results = try await intake.append(drafts)
/// ```
public struct Intake {
    /// What a checked draft is.
    public enum Disposition: Equatable, Sendable {
        /// To be appended.
        case new
        /// Its key was used for this same event before: appending it returns the first result.
        case repeated
    }

    public let log: EventLog
    public let actor: Actor
    let today: String?
    private var rules: DomainRules
    /// Streams' versions counting the drafts accepted so far, each with the seq of the draft
    /// that set it (0 for a version read from the log).
    private var versions: [String: (version: UInt64, seq: UInt64)] = [:]
    /// Keys of the drafts accepted so far (not yet in the log), with a digest of their content
    /// and the seq the draft will get.
    private var keys: [String: (digest: Int, seq: UInt64)] = [:]
    /// The seqs the drafts above will get, and where the log is read up to.
    private var seqs: PendingSeqs
    /// Whether checked drafts are being appended while more are checked
    /// (``checkAndAppend(_:by:batchEvents:progress:)``; ``PendingSeqs/appendsWhileChecking``).
    var appendsWhileChecking: Bool {
        get { seqs.appendsWhileChecking }
        set {
            seqs.appendsWhileChecking = newValue
            rules.appendsWhileChecking = newValue
        }
    }
    /// How far the log grows, while ``appendsWhileChecking``, before the drafts it holds are
    /// let go, here and in the rules (``PendingSeqs/forgetsEvery``).
    var forgetsEvery: UInt64 {
        get { seqs.forgetsEvery }
        set {
            seqs.forgetsEvery = newValue
            rules.forgetsEvery = newValue
        }
    }

    /// - Parameter today: the latest business date accepted (default: today in China).
    public init(log: EventLog, actor: Actor, today: String? = nil) throws {
        self.log = log
        self.actor = actor
        self.today = today
        rules = try DomainRules(log: log, today: today)
        seqs = PendingSeqs(size: log.size)
    }

    /// Checks one draft written by ``actor``, in order after those checked before; throws with
    /// `place` when it is refused.
    public mutating func check(_ draft: EventDraft, at place: IntakePlace?) throws(IntakeError) -> Disposition {
        try check(draft, at: place, by: actor)
    }

    /// Checks one draft written by `writer` (a daemon's intake serves many writers).
    public mutating func check(_ draft: EventDraft, at place: IntakePlace?, by writer: Actor) throws(IntakeError) -> Disposition {
        forgetAppendedDrafts()
        do {
            try rules.checkJurisdiction(draft, by: writer)
        } catch {
            throw IntakeError(.forbidden, at: place, error.message, rule: error.rule)
        }
        if let key = draft.key {
            let original: Envelope?
            do { original = try log.event(forKey: key, reading: rules.lookup) } catch {
                throw IntakeError(.unavailable, at: place, "cannot read the log to check idempotency key \"\(key)\": \(error)")
            }
            if let original {
                guard draft.hasSameContent(as: original) else {
                    throw IntakeError(.conflict, at: place, LogError.idempotencyKeyReused(key: key, seq: original.seq, event: 0).description)
                }
                return .repeated
            }
            if let digest = keys[key]?.digest {
                guard digest == Self.digest(draft) else {
                    throw IntakeError(
                        .conflict, at: place, "idempotency key \"\(key)\" is used by an earlier event of this input with different content")
                }
                return .repeated
            }
        }
        do {
            try rules.check(draft, by: writer)
        } catch {
            throw IntakeError(error.rule == "jurisdiction" ? .forbidden : .conflict, at: place, error.message, rule: error.rule)
        }
        // One lookup of the stream's entry for both reading and raising its version.
        let entry = versionEntry(of: draft.stream)
        let current = versions.values[entry].version
        guard draft.expectedVersion.admits(currentVersion: current) else {
            try? reset()  // the rules remembered the draft
            throw IntakeError(
                .conflict, at: place,
                LogError.versionConflict(stream: draft.stream, expected: draft.expectedVersion, actual: current, event: 0).description
                    + "; read it again and retry")
        }
        let seq = seqs.next()
        versions.values[entry] = (current + 1, seq)
        if let key = draft.key { keys[key] = (Self.digest(draft), seq) }
        return .new
    }

    /// `stream`'s version, counting the drafts accepted so far.
    public mutating func version(of stream: String) -> UInt64 {
        forgetAppendedDrafts()
        return versions.values[versionEntry(of: stream)].version
    }

    /// Where `stream`'s version is in ``versions``, read from the log into it when not there
    /// (kept: the check that follows looks it up again).
    private mutating func versionEntry(of stream: String) -> [String: (version: UInt64, seq: UInt64)].Index {
        if let entry = versions.index(forKey: stream) { return entry }
        versions[stream] = (log.version(of: stream), 0)
        return versions.index(forKey: stream)!
    }

    /// Sizes the intake's tables for `count` more drafts (an input whose size is known before it
    /// is checked), so that checking them does not grow the tables by doubling.
    public mutating func reserveCapacity(_ count: Int) {
        versions.reserveCapacity(versions.count + count)
        keys.reserveCapacity(keys.count + count)
        rules.reserveCapacity(streams: count)
    }

    /// Reads what the rules will need to check `drafts` in one pass over the log, ahead of
    /// checking them (see ``DomainRules/prefetch(for:)``).
    public mutating func prefetch(for drafts: [EventDraft]) throws(IntakeError) {
        try prefetching { rules throws(RuleViolation) in try rules.prefetch(for: drafts) }
    }

    /// Reads the states of the enterprises `ids` (USCCs) in one pass over the log, ahead of
    /// checking drafts that name them (see ``DomainRules/prefetch(enterprises:staged:)``).
    public mutating func prefetch(enterprises ids: some Sequence<String>) throws(IntakeError) {
        try prefetching { rules throws(RuleViolation) in try rules.prefetch(enterprises: ids) }
    }

    /// Runs a prefetch of the rules; a log it cannot read makes the intake unavailable.
    private mutating func prefetching(_ body: (inout DomainRules) throws(RuleViolation) -> Void) throws(IntakeError) {
        do {
            try body(&rules)
        } catch {
            throw IntakeError(.unavailable, at: nil, error.message, rule: error.rule)
        }
    }

    /// Once the log has grown, the drafts checked are in it (those ``PendingSeqs`` says): the
    /// log's versions and keys count them.
    private mutating func forgetAppendedDrafts() {
        switch seqs.landed(size: log.size) {
        case .none: break
        case .all:
            versions.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
        case .through(let size):
            versions = versions.compactMapValuesKeepingCapacity { $0.seq > size ? $0 : nil }
            keys = keys.compactMapValuesKeepingCapacity { $0.seq > size ? $0 : nil }
        }
    }

    /// How many checked drafts' versions, keys and facts are held (not known to be in the log).
    var heldDrafts: (versions: Int, keys: Int, facts: Int) { (versions.count, keys.count, rules.heldDrafts) }

    /// Forgets every draft checked and not appended (after a refused input, whose drafts must
    /// not be seen by the next).
    public mutating func reset() throws {
        rules = try DomainRules(log: log, today: today)
        rules.appendsWhileChecking = appendsWhileChecking
        rules.forgetsEvery = forgetsEvery
        seqs = PendingSeqs(size: log.size, settings: seqs)
        versions = [:]
        keys = [:]
    }

    /// How many checked events a bulk writer (`gongfu append`, the demo's imports) sends per
    /// request, two requests in flight (the next queued while the one before is synced): one
    /// `fdatasync` per request, and each request is one batch of the log, which a reader
    /// decompresses whole to read any of its events (a chunk's 30,000 in one request held
    /// 70 MB more at the peak, for the same time).
    public static let eventsPerRequest = 8_192

    /// Appends checked drafts in batches of at most `batchEvents`, in order, and calls `progress`
    /// with the count durable so far. Repeats come back with their first results
    /// (`isDuplicate`). With `inFlight` 1 each batch is durable before the next is sent; with
    /// more, the next batches are queued behind one not yet durable (the log makes batches
    /// durable in order: a batch is never durable without those before it), so that one batch
    /// is sequenced and its lines built while the one before is written and synced.
    ///
    /// `eventsBefore` events of the same input were appended by earlier calls: a refusal's place
    /// and the count of what was stored before it are counted from the input's start.
    public func append(
        _ drafts: [EventDraft], batchEvents: Int = 2000, inFlight: Int = 1, eventsBefore: Int = 0,
        progress: (Int) -> Void = { _ in }
    ) async throws(IntakeError) -> [AppendResult] {
        var results: [AppendResult] = []
        results.reserveCapacity(drafts.count)
        var pending: [InFlight] = []
        var start = 0
        while start < drafts.count {
            let end = min(start + batchEvents, drafts.count)
            // (One batch of all the drafts is the array itself: a copy would retain every string.)
            let batch = end - start == drafts.count ? drafts : Array(drafts[start..<end])
            defer { start = end }
            guard inFlight > 1 else {
                do { results += try await log.append(batch, actor: actor) } catch { throw Self.refusal(error, offset: eventsBefore + start) }
                progress(results.count)
                continue
            }
            pending.append(await send(batch, offset: eventsBefore + start))
            if pending.count >= inFlight { try await Self.finishOldest(&pending, into: &results, progress: progress) }
        }
        while !pending.isEmpty { try await Self.finishOldest(&pending, into: &results, progress: progress) }
        return results
    }

    /// A batch sent and not yet known durable, from `offset` in its input.
    private struct InFlight {
        var offset: Int
        var task: Task<[AppendResult], any Error>
    }

    /// Waits for the oldest batch in flight; when it was refused, for the later ones too (a log
    /// that refuses a write refuses every later one), then reports it.
    private static func finishOldest(
        _ pending: inout [InFlight], into results: inout [AppendResult], progress: (Int) -> Void
    ) async throws(IntakeError) {
        let oldest = pending.removeFirst()
        switch await oldest.task.result {
        case .success(let batch):
            results += batch
            progress(results.count)
        case .failure(let error):
            for later in pending { _ = await later.task.result }
            pending = []
            throw refusal(error as? LogError ?? .closed, offset: oldest.offset)
        }
    }

    /// Checks and appends `drafts` a batch at a time (each batch checked whole, then appended
    /// durable), for a writer whose every event must pass, such as the demo's generator: a
    /// refused event (its place is its index in `drafts`) stops it; the batches before it stay.
    /// Each batch is checked while the ones before it are written and synced (the log must have
    /// no other writer meanwhile), and the batch after it taken from `drafts`: only a few
    /// batches of drafts are held at a time.
    /// `writer` writes them when not ``actor`` (one intake, and what its rules have read, serves
    /// the offices of a whole province).
    public mutating func checkAndAppend(
        _ drafts: some RandomAccessCollection<EventDraft> & Sendable, by writer: Actor? = nil, batchEvents: Int = 2000,
        progress: (Int) -> Void = { _ in }
    ) async throws(IntakeError) -> [AppendResult] {
        let writer = writer ?? actor
        // The next batch is taken from `drafts` (for the demo's history, its payloads parsed)
        // while this one is checked.
        let batches = ReadAhead(splitting: drafts.count, into: batchEvents) { range in
            let start = drafts.index(drafts.startIndex, offsetBy: range.lowerBound)
            return Array(drafts[start..<drafts.index(start, offsetBy: range.count)])
        }
        var offset = 0
        return try await checkAndAppend(parts: batches, by: writer, progress: progress) { intake, batch throws(IntakeError) in
            try intake.check(batch: batch, placedFrom: offset, by: writer)
            offset += batch.count
            return batch
        }
    }

    /// Checks the drafts of `batch` in order, each placed as event `first` + its index, once
    /// what the rules will read for them (their enterprises, and the stage histories of their
    /// award recipients) is read in one pass (``prefetch(for:)``), not one stream at a time as
    /// each is first checked; a log that cannot be read is reported by the checks.
    public mutating func check(batch: [EventDraft], placedFrom first: Int, by writer: Actor? = nil) throws(IntakeError) {
        let writer = writer ?? actor
        try? prefetch(for: batch)
        for (index, draft) in batch.enumerated() { _ = try check(draft, at: IntakePlace(.event, first + index), by: writer) }
    }

    /// How many batches ``checkAndAppend(parts:by:inFlight:eventsBefore:progress:checking:)`` keeps sent
    /// and not yet durable while it checks the next: the log syncs one while it takes the next.
    public static let batchesInFlight = 2

    /// Checks and appends an input a part at a time, for a writer whose every event must pass:
    /// `checking` checks one part through the intake (throwing where it is refused) and returns
    /// its drafts to append, in order, as one request. Each part is checked while up to
    /// `inFlight` parts before it are written and synced (the log must have no other writer
    /// meanwhile). A refusal stops it: every part before the refused one is durable and
    /// reported to `progress`, none after it, and the intake forgets what it checked since.
    /// `eventsBefore` events of the same input were appended before: a refusal by the log is
    /// placed counting from the input's start.
    public mutating func checkAndAppend<Part>(
        parts: some Sequence<Part>, by writer: Actor? = nil, inFlight: Int = batchesInFlight, eventsBefore: Int = 0,
        progress: (Int) -> Void = { _ in }, checking: (inout Intake, Part) throws(IntakeError) -> [EventDraft]
    ) async throws(IntakeError) -> [AppendResult] {
        let writer = writer ?? actor
        var results: [AppendResult] = []
        var sent: [InFlight] = []
        var offset = eventsBefore
        appendsWhileChecking = true
        defer { appendsWhileChecking = false }
        for part in parts {
            let batch: [EventDraft]
            do throws(IntakeError) { batch = try checking(&self, part) } catch {
                // The batches sent before this part passed, and are reported once durable; the
                // drafts checked since will not be appended, so the intake forgets them. (A
                // batch the log refused meanwhile is the first thing wrong, and is reported.)
                let refused = await Self.land(&sent, into: &results, progress: progress)
                try? reset()
                throw refused ?? error
            }
            if sent.count >= max(1, inFlight) {
                if case .success(let landed) = await sent[0].task.result {
                    sent.removeFirst()
                    results += landed
                    progress(results.count)
                } else if let refused = await Self.land(&sent, into: &results, progress: progress) {
                    try? reset()
                    throw refused
                }
            }
            if !batch.isEmpty {
                sent.append(await send(batch, offset: offset, by: writer))
                offset += batch.count
            }
        }
        if let refused = await Self.land(&sent, into: &results, progress: progress) {
            try? reset()
            throw refused
        }
        return results
    }

    /// Waits for every batch in `sent`, in order, adding the results of each durable one to
    /// `results` (and reporting them) until the first the log refused, which is returned: the
    /// batches after it are waited for too, and those the log took nonetheless (a refusal of one
    /// request, such as a version another writer moved, leaves the log taking the next) are
    /// named in its message.
    private static func land(_ sent: inout [InFlight], into results: inout [AppendResult], progress: (Int) -> Void) async -> IntakeError? {
        var first: IntakeError?
        var storedAfter: [AppendResult] = []
        for batch in sent {
            switch await batch.task.result {
            case .success(let landed) where first == nil:
                results += landed
                progress(results.count)
            case .success(let landed):
                storedAfter += landed
            case .failure(let error):
                if first == nil { first = refusal(error as? LogError ?? .closed, offset: batch.offset) }
            }
        }
        sent = []
        if var refused = first, let firstAfter = storedAfter.first, let lastAfter = storedAfter.last {
            refused.message += "; \(storedAfter.count) events sent after it were stored nonetheless (seqs \(firstAfter.seq)–\(lastAfter.seq))"
            return refused
        }
        return first
    }

    /// Sends `batch` to the log (written by `writer`, by default ``actor``) from a task of its
    /// own, returning once it has its place in the log's order (not yet durable).
    private func send(_ batch: [EventDraft], offset: Int, by writer: Actor? = nil) async -> InFlight {
        let (log, actor) = (log, writer ?? actor)
        var task: Task<[AppendResult], any Error>?
        await withCheckedContinuation { (queued: CheckedContinuation<Void, Never>) in
            task = Task { try await log.append(batch, actor: actor) { queued.resume() } }
        }
        return InFlight(offset: offset, task: task!)
    }

    /// The error for a batch the log refused (from `offset` in the input: the events before it
    /// were stored, in order, before it was refused).
    public static func refusal(_ error: LogError, offset: Int) -> IntakeError {
        switch error {
        case .versionConflict(_, _, _, let event), .idempotencyKeyReused(_, _, let event):
            IntakeError(.conflict, at: IntakePlace(.event, offset + event), error.description)
        case .invalidEvent(let index, let reason):
            IntakeError(.invalid, at: IntakePlace(.event, offset + index), reason)
        default:
            IntakeError(.unavailable, at: nil, Self.unavailableMessage(error, stored: max(0, offset)))
        }
    }

    /// What a writer is told when the log refuses a write, `stored` events of its input having
    /// been stored before: a full disk says so.
    public static func unavailableMessage(_ error: LogError, stored: Int = 0) -> String {
        let text = "\(error)"
        let kept = stored == 0 ? "nothing of this input was stored" : "the first \(stored) events of this input were stored, none after them"
        if text.contains("No space left on device") || text.contains("Disk quota exceeded") {
            return "the disk holding the log is full; \(kept). Writes resume once the operator frees space; retry then with the same idempotency keys"
        }
        return "the log refused the write: \(error); \(kept)"
    }

    /// A digest of a draft's content, for keys repeated within one input: the same for drafts
    /// whose canonical JSON is the same (members in any order, 98.0 as 98), whichever way each
    /// holds its payload. A draft read by a bulk writer carries the bytes already; for another,
    /// writing them and hashing them costs less than walking its tree with a hasher per member.
    static func digest(_ draft: EventDraft) -> Int {
        var hasher = Hasher()
        combine(text: draft.stream, into: &hasher)
        combine(text: draft.type, into: &hasher)
        hasher.combine(draft.schema)
        combine(text: draft.occurred, into: &hasher)
        draft.canonicalPayloadBytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }

    /// Text by its UTF-8 bytes, as the canonical form writes them (`String`'s own hash
    /// normalizes each string first, which costs more than the rest of the digest).
    private static func combine(text: String, into hasher: inout Hasher) {
        let utf8 = text.utf8
        hasher.combine(utf8.count)
        if utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in utf8 { hasher.combine(byte) }
        }
    }
}
