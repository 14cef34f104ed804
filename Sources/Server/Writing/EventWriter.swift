import Access
import Domain
import EventLog
import Hummingbird

/// The daemon's end of the one intake (``Intake``): every POST's events are read by an
/// ``IntakeReader`` and checked — jurisdiction, idempotency, expected versions, the domain rules
/// as the writer's role, against the log and every event accepted before them — then appended
/// atomically.
///
/// Requests that arrive while an append is being synced wait and are then checked one after
/// the other, in arrival order, and those accepted are appended together: one frame, one
/// `fdatasync` (group commit across requests). A refused request is answered alone and leaves
/// nothing behind; each request is acknowledged only once its events are durable.
actor EventWriter {
    let log: EventLog
    let reader: IntakeReader
    private var intake: Intake

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
        reader = IntakeReader(places: .event, maximumEvents: maximumEvents)
        intake = try Intake(log: log, actor: Role.province.actor(named: "daemon"))
    }

    /// Reads the events of a request body: one JSON object, a JSON array of objects, or NDJSON.
    nonisolated func drafts(from body: [UInt8]) throws(Problem) -> [EventDraft] {
        do {
            return try reader.read(body).map(\.draft)
        } catch {
            throw Self.problem(error)
        }
    }

    /// The problem for an intake error: its status from its code, the event's index beside it.
    nonisolated static func problem(_ error: IntakeError) -> Problem {
        let status: HTTPResponse.Status =
            switch error.code {
            case .empty, .malformed: .badRequest
            case .invalid: .unprocessableContent
            case .tooLarge: .contentTooLarge
            case .forbidden: .forbidden
            case .conflict: .conflict
            default: .serviceUnavailable
            }
        var extensions: [String: String] = [:]
        if let place = error.place { extensions[place.unit.rawValue] = String(place.number) }
        if let rule = error.rule { extensions["rule"] = rule }
        let headers: HTTPFields = status == .serviceUnavailable ? [.retryAfter: "30"] : [:]
        return Problem(status, error.description, extensions: extensions, headers: headers)
    }

    /// Checks and appends `drafts` written by `identity`, all or nothing; returns once they are
    /// durable.
    func append(_ drafts: [EventDraft], by identity: Identity) async throws(Problem) -> [AppendResult] {
        guard identity.mayWrite else {
            throw Problem(.forbidden, "auditors read everything and write nothing; this token is an auditor's")
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
            for request in group {
                if let problem = check(request) {
                    answer(request, .failure(problem))
                    // The intake remembered part of the refused request: start again from the
                    // log and the requests accepted so far in this group.
                    resetIntake()
                    for earlier in accepted {
                        for draft in earlier.drafts { _ = try? intake.check(draft, at: nil, by: earlier.actor) }
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
                resetIntake()
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
    /// when it is accepted.
    private func check(_ request: Pending) -> Problem? {
        for (index, draft) in request.drafts.enumerated() {
            do {
                _ = try intake.check(draft, at: IntakePlace(.event, index), by: request.actor)
            } catch {
                return Self.problem(error)
            }
        }
        return nil
    }

    private func answer(_ request: Pending, _ result: Result<[AppendResult], Problem>) {
        request.reply.yield(result)
        request.reply.finish()
    }

    /// The answer to one request of a group whose append failed.
    private func problem(for error: LogError, offset: Int, count: Int) -> Problem {
        switch error {
        case .versionConflict(_, _, _, let event), .idempotencyKeyReused(_, _, let event), .invalidEvent(let event, _):
            guard (offset..<offset + count).contains(event) else {
                return Problem(
                    .serviceUnavailable, "another request written at the same time was refused, so this one was not appended; retry",
                    headers: [.retryAfter: "1"])
            }
            return Self.problem(Intake.refusal(error, offset: -offset))
        default:
            return Self.problem(Intake.refusal(error, offset: 0))
        }
    }

    /// Forgets what the intake learnt from the log (after the log resumed writes).
    func reset() {
        resetIntake()
    }

    private func resetIntake() {
        try? intake.reset()
    }
}
