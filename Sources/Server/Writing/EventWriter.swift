import Access
import Domain
import EventLog
import Hummingbird

/// The daemon's one way into the log: every POST's events are read, checked against the event
/// catalogue and the domain rules (as the writer's role, against the log and every event
/// accepted before them), and appended atomically.
///
/// Requests that arrive while an append is being synced wait and are then checked one after
/// the other, in arrival order — expected versions, idempotency keys and rules, each request
/// against everything before it — and those accepted are appended together: one frame, one
/// `fdatasync` (group commit across requests). A refused request is answered alone and leaves
/// nothing behind; each request is acknowledged only once its events are durable.
actor EventWriter {
    let log: EventLog
    let maximumEvents: Int
    private let validator = EventValidator()
    private var rules: DomainRules

    /// A request waiting to be checked and appended, with where to send its answer.
    private struct Pending {
        var drafts: [EventDraft]
        var actor: Actor
        var reply: AsyncStream<Result<[AppendResult], Problem>>.Continuation
    }

    private var queue: [Pending] = []
    private var draining = false
    /// The most events one group of requests appends at once.
    private let maximumGroupEvents = 8192

    init(log: EventLog, maximumEvents: Int) throws {
        self.log = log
        self.maximumEvents = maximumEvents
        rules = try DomainRules(log: log)
    }

    /// Reads the events of a request body: one JSON object, a JSON array of objects, or NDJSON.
    nonisolated func drafts(from body: [UInt8]) throws(Problem) -> [EventDraft] {
        let trimmed = body.drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard let first = trimmed.first else {
            throw Problem(.badRequest, "the body is empty; send one event object, an array of them, or NDJSON")
        }
        var drafts: [EventDraft] = []
        if first == UInt8(ascii: "[") {
            let value: JSONValue
            do { value = try JSONParser.parse(trimmed) } catch {
                throw Problem(.badRequest, "the body is not valid JSON: \(error)")
            }
            guard case .array(let items) = value else { throw Problem(.badRequest, "the body is not a JSON array") }
            for (index, item) in items.enumerated() {
                do { drafts.append(try EventDraft(input: item)) } catch {
                    throw Problem(.unprocessableContent, "event \(index): \(error)", extensions: ["event": "\(index)"])
                }
                guard drafts.count <= maximumEvents else { throw tooMany() }
            }
        } else {
            var index = 0
            for line in trimmed.split(separator: 0x0A) where !line.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) {
                do { drafts.append(try EventDraft(inputLine: line)) } catch {
                    // Malformed JSON is a 400 whether it came as one object, NDJSON or an array.
                    if case .invalidJSON = error {
                        throw Problem(.badRequest, "event \(index) is not valid JSON: \(error)", extensions: ["event": "\(index)"])
                    }
                    throw Problem(.unprocessableContent, "event \(index): \(error)", extensions: ["event": "\(index)"])
                }
                index += 1
                guard drafts.count <= maximumEvents else { throw tooMany() }
            }
        }
        for index in drafts.indices {
            do { try validator.validate(&drafts[index]) } catch {
                throw Problem(.unprocessableContent, "event \(index) (\(drafts[index].type) on \(drafts[index].stream)): \(error)", extensions: ["event": "\(index)"])
            }
        }
        return drafts
    }

    nonisolated private func tooMany() -> Problem {
        Problem(.contentTooLarge, "a request carries at most \(maximumEvents) events; split the batch")
    }

    /// Checks and appends `drafts` written by `identity`, all or nothing; returns once they are
    /// durable.
    func append(_ drafts: [EventDraft], by identity: Identity) async throws(Problem) -> [AppendResult] {
        guard identity.mayWrite else {
            throw Problem(.forbidden, "role \(identity.role.name) reads everything and writes nothing")
        }
        let (answers, reply) = AsyncStream<Result<[AppendResult], Problem>>.makeStream()
        queue.append(Pending(drafts: drafts, actor: identity.role.actor(named: identity.name), reply: reply))
        if !draining {
            draining = true
            Task { await drain() }
        }
        for await answer in answers { return try answer.get() }
        throw Problem(.serviceUnavailable, "the writer stopped before answering; retry with the same idempotency keys")
    }

    /// Appends queued requests, a group at a time (consecutive requests by the same actor),
    /// until the queue is empty.
    private func drain() async {
        while let first = queue.first {
            var group: [Pending] = []
            var events = 0
            while let next = queue.first, next.actor == first.actor, group.isEmpty || events + next.drafts.count <= maximumGroupEvents {
                group.append(queue.removeFirst())
                events += next.drafts.count
            }
            var accepted: [Pending] = []
            var versions: [String: UInt64] = [:]
            var keys: Set<String> = []
            for request in group {
                if let problem = check(request, versions: &versions, keys: &keys) {
                    answer(request, .failure(problem))
                    // The rules remembered part of the refused request: start again from the log
                    // and the requests accepted so far in this group.
                    resetRules()
                    for earlier in accepted {
                        for draft in earlier.drafts where !isRepeat(draft) { try? rules.check(draft, by: earlier.actor) }
                    }
                } else {
                    accepted.append(request)
                }
            }
            guard !accepted.isEmpty else { continue }
            do {
                let results = try await log.append(accepted.flatMap(\.drafts), actor: first.actor)
                var offset = 0
                for request in accepted {
                    answer(request, .success(Array(results[offset..<offset + request.drafts.count])))
                    offset += request.drafts.count
                }
            } catch {
                resetRules()
                var offset = 0
                for request in accepted {
                    answer(request, .failure(problem(for: error, offset: offset, count: request.drafts.count)))
                    offset += request.drafts.count
                }
            }
        }
        draining = false
    }

    /// Checks one request against the log, the requests accepted before it and the rules; nil
    /// when it is accepted (and then counted in `versions` and `keys`).
    private func check(_ request: Pending, versions: inout [String: UInt64], keys: inout Set<String>) -> Problem? {
        var localVersions = versions
        var localKeys = keys
        // Jurisdiction first, for every event: another city's stream and an unknown one are
        // refused alike, before versions or keys could tell whether it exists.
        for (index, draft) in request.drafts.enumerated() {
            do {
                try rules.checkJurisdiction(draft, by: request.actor)
            } catch {
                return Problem(.forbidden, "event \(index) (\(draft.type) on \(draft.stream)): \(error.message)",
                               extensions: ["event": "\(index)", "rule": error.rule])
            }
        }
        for (index, draft) in request.drafts.enumerated() {
            if isRepeat(draft) { continue }  // the log answers it with its first result
            if let key = draft.key {
                guard localKeys.insert(key).inserted else {
                    return Problem(.conflict, "event \(index): idempotency key \(key) is used by another event being written now; retry",
                                   extensions: ["event": "\(index)"])
                }
            }
            let current = localVersions[draft.stream] ?? log.version(of: draft.stream)
            guard draft.expectedVersion.admits(currentVersion: current) else {
                return Problem(.conflict, "event \(index): \(draft.stream) is at version \(current), not \(draft.expectedVersion) as expected; read it again and retry",
                               extensions: ["event": "\(index)"])
            }
            do {
                try rules.check(draft, by: request.actor)
            } catch {
                let status: HTTPResponse.Status = error.rule == "jurisdiction" ? .forbidden : .conflict
                return Problem(status, "event \(index) (\(draft.type) on \(draft.stream)): \(error.message)",
                               extensions: ["event": "\(index)", "rule": error.rule])
            }
            localVersions[draft.stream] = current + 1
        }
        versions = localVersions
        keys = localKeys
        return nil
    }

    /// A draft whose idempotency key the log already holds.
    private func isRepeat(_ draft: EventDraft) -> Bool {
        draft.key.map { log.seq(forKey: $0) != nil } ?? false
    }

    private func answer(_ request: Pending, _ result: Result<[AppendResult], Problem>) {
        request.reply.yield(result)
        request.reply.finish()
    }

    /// The answer to one request of a group whose append failed.
    private func problem(for error: LogError, offset: Int, count: Int) -> Problem {
        switch error {
        case .versionConflict(_, _, _, let event), .idempotencyKeyReused(_, _, let event):
            guard (offset..<offset + count).contains(event) else {
                return Problem(.serviceUnavailable, "another request written at the same time was refused, so this one was not appended; retry")
            }
            return Problem(.conflict, "event \(event - offset): \(error)", extensions: ["event": "\(event - offset)"])
        case .invalidEvent(let index, _) where (offset..<offset + count).contains(index):
            return Problem(.unprocessableContent, "\(error)", extensions: ["event": "\(index - offset)"])
        default:
            return Self.refusal(error)
        }
    }

    /// The 503 for a write the log refused as a whole: a full disk says so.
    static func refusal(_ error: LogError) -> Problem {
        let text = "\(error)"
        if text.contains("No space left on device") || text.contains("ENOSPC") || text.contains("Disc quota exceeded") {
            return Problem(.serviceUnavailable, "the disk holding the log is full; nothing of this request was stored. Writes resume once the operator frees space; retry then with the same idempotency keys",
                           headers: [.retryAfter: "60"])
        }
        return Problem(.serviceUnavailable, "the log refused the write: \(error); nothing of this request was stored", headers: [.retryAfter: "30"])
    }

    /// Forgets what the rules learnt from the log (after the log resumed writes).
    func reset() {
        resetRules()
    }

    private func resetRules() {
        if let fresh = try? DomainRules(log: log) { rules = fresh }
    }
}
