import Access
import Domain
import EventLog
import Hummingbird

/// The daemon's one way into the log: every POST's events are read, checked against the event
/// catalogue and the domain rules (as the writer's role, against the log and the events before
/// them), and appended atomically. Writes are serialised so each request is checked against
/// everything acknowledged before it; a request's events share one frame and one `fdatasync`.
actor EventWriter {
    let log: EventLog
    let maximumEvents: Int
    private let validator = EventValidator()
    private var rules: DomainRules
    private var busy = false
    private var queue: [CheckedContinuation<Void, Never>] = []

    init(log: EventLog, maximumEvents: Int) throws {
        self.log = log
        self.maximumEvents = maximumEvents
        rules = try DomainRules(log: log)
    }

    /// Reads the events of a request body: one JSON object, a JSON array of objects, or NDJSON.
    func drafts(from body: [UInt8]) throws(Problem) -> [EventDraft] {
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
                    throw Problem(.unprocessableContent, "event \(index): \(error)", extensions: ["event": "\(index)"])
                }
                index += 1
                guard drafts.count <= maximumEvents else { throw tooMany() }
            }
        }
        for (index, draft) in drafts.enumerated() {
            do { try validator.validate(draft) } catch {
                throw Problem(.unprocessableContent, "event \(index) (\(draft.type) on \(draft.stream)): \(error)", extensions: ["event": "\(index)"])
            }
        }
        return drafts
    }

    private func tooMany() -> Problem {
        Problem(.contentTooLarge, "a request carries at most \(maximumEvents) events; split the batch")
    }

    /// Checks and appends `drafts` written by `identity`; all or nothing. Drafts whose
    /// idempotency key the log already holds are not checked again: the log answers them with
    /// their first result.
    func append(_ drafts: [EventDraft], by identity: Identity) async throws(Problem) -> [AppendResult] {
        guard identity.mayWrite else {
            throw Problem(.forbidden, "role \(identity.role.name) reads everything and writes nothing")
        }
        await acquire()
        defer { release() }
        let actor = identity.role.actor(named: identity.name)
        for (index, draft) in drafts.enumerated() {
            if let key = draft.key, log.seq(forKey: key) != nil { continue }
            do {
                try rules.check(draft, by: actor)
            } catch {
                resetRules()
                let status: HTTPResponse.Status = error.rule == "jurisdiction" ? .forbidden : .conflict
                throw Problem(status, "event \(index) (\(draft.type) on \(draft.stream)): \(error.message)",
                              extensions: ["event": "\(index)", "rule": error.rule])
            }
        }
        do {
            return try await log.append(drafts, actor: actor)
        } catch {
            resetRules()
            switch error {
            case .versionConflict(_, _, _, let event), .idempotencyKeyReused(_, _, let event):
                throw Problem(.conflict, "event \(event): \(error)", extensions: ["event": "\(event)"])
            case .invalidEvent(let index, _):
                throw Problem(.unprocessableContent, "\(error)", extensions: ["event": "\(index)"])
            default:
                throw Problem(.serviceUnavailable, "the log refused the write: \(error)")
            }
        }
    }

    private func resetRules() {
        if let fresh = try? DomainRules(log: log) { rules = fresh }
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { queue.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if queue.isEmpty { busy = false } else { queue.removeFirst().resume() }
    }
}
