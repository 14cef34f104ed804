import EventLog
import Foundation

/// A domain rule an event breaks, with the stream and a message a person can act on.
public struct RuleViolation: Error, Equatable, Sendable, CustomStringConvertible {
    public let rule: String
    public let message: String
    public var description: String { "\(message) [rule: \(rule)]" }
}

/// The plan's rules that depend on what the log already holds: events only for registered
/// enterprises still in the population; stages set by assessments only (``StageHistory``, so
/// no new `StageUpgraded`); trials only with pool providers and listed free-trial offers; benchmarks only for
/// eligible enterprises; incentives not granted twice for one basis nor for a revoked award; no
/// business dates in the future; retractions only of earlier events of their own stream that the
/// read models can undo (``retractable``); corrections only of the fields the read models apply
/// (``correctable``).
/// Drafts are checked in order, each seeing those before it.
public struct DomainRules {
    let log: EventLog
    /// Reads streams' earlier events, keeping the batch read last.
    let lookup: LogLookup
    let eligibility: [String: String]
    let today: String
    /// Checks a corrected event as the catalogue would.
    let validator = EventValidator()
    private var enterprises: [String: EnterpriseState] = [:]
    private var providers: [String: ProviderState] = [:]
    private var awards: [String: AwardState] = [:]
    /// Plan streams' states (their ledgers), by stream: every ledger report reads one.
    private var plans: [String: PlanState] = [:]
    private var incentiveBases: Set<String>?
    /// The seqs the drafts checked will get (drafts are appended in the order they are
    /// checked), and where the log is read up to; those drafts are held by stream in
    /// ``pending``, so a retraction may name an event checked earlier in the same batch.
    private var seqs: PendingSeqs
    private var pending: [String: [StreamEvent]] = [:]
    /// Whether the drafts checked are being appended while more are checked
    /// (``PendingSeqs/appendsWhileChecking``): no fold then reads one of them twice.
    var appendsWhileChecking: Bool {
        get { seqs.appendsWhileChecking }
        set { seqs.appendsWhileChecking = newValue }
    }
    /// How far the log grows, while ``appendsWhileChecking``, before the drafts it holds are let
    /// go (``PendingSeqs/forgetsEvery``).
    var forgetsEvery: UInt64 {
        get { seqs.forgetsEvery }
        set { seqs.forgetsEvery = newValue }
    }
    /// The drafts among those of a ``correctable`` type, by the seq they will get: a correction
    /// may name one checked earlier in the same input.
    private var pendingCorrectable: [UInt64: EventDraft] = [:]
    /// How many batches in a row ``prefetch(for:)`` found (nearly) nothing to read for, or
    /// skipped since.
    private var quietPrefetches = 0

    /// - Parameter today: the latest acceptable business date (default: today in China, UTC+8).
    public init(log: EventLog, today: String? = nil) throws {
        self.log = log
        lookup = LogLookup(log: log)
        seqs = PendingSeqs(size: log.size)
        self.eligibility = try BenchmarkEligibility.standard.get()
        self.today = today ?? Timestamp.format(microseconds: Timestamp.nowMicroseconds() + 8 * 3_600_000_000).prefix(10).description
    }

    /// Checks `draft`, written by `actor`, against the log and the drafts checked before it,
    /// then remembers it.
    public mutating func check(_ draft: EventDraft, by actor: Actor = Actor(name: "rules", role: Role.province.name)) throws(RuleViolation) {
        let id = draft.streamParts.id
        forgetAppendedDrafts()
        try checkJurisdiction(draft, id: id, actor: actor)
        guard Timestamp.datePart(draft.occurred) <= today else {
            throw RuleViolation(
                rule: "no-future-dates", message: "occurred \(draft.occurred) is after today (\(today)); record events when they have happened")
        }
        let kind = EventKind(type: draft.type)
        switch kind {
        case .enterpriseRegistered:
            let state = try enterprise(id)
            guard !state.isRegistered || state.hasLeft else {
                throw RuleViolation(rule: "register-once", message: "enterprise \(id) is already registered in the population")
            }
        case _ where draft.stream.hasPrefix("enterprise/") && kind != .eventRetracted && kind != .eventCorrected:
            try requireInPopulation(id, for: draft.type)
        default:
            break
        }
        switch kind {
        case .enterpriseProfileCorrected:
            let state = try enterprise(id)
            let corrected = try payload(EnterpriseProfileCorrected.self, of: draft)
            let city = corrected.city ?? state.city
            if let moved = corrected.city, moved != state.city, corrected.county == nil {
                throw RuleViolation(
                    rule: "county-in-city", message: "moving enterprise \(id) to city \(moved) needs its new county too (data.county)")
            }
            if let county = corrected.county, let owner = ReferenceData.standard.city(containing: county), owner.code != city {
                throw RuleViolation(
                    rule: "county-in-city",
                    message: "county \(county) belongs to \(owner.name) (\(owner.code)), not to the enterprise's city \(city ?? "?")")
            }
        case .planMilestoneReported:
            let report = try payload(PlanMilestoneReported.self, of: draft)
            let state = try plan(draft.stream)
            guard let items = state.items else {
                throw RuleViolation(
                    rule: "ledger-item", message: "\(draft.stream) has no published plan (PlanPublished) whose ledger the report could answer")
            }
            let item = report.milestone.map { report.task + "/" + $0 } ?? report.task
            guard items.contains(item) else {
                let tasks = items.filter { !$0.contains("/") }.sorted { ($0.count, $0) < ($1.count, $1) }
                let milestones = items.filter { $0.hasPrefix(report.task + "/") }.map { String($0.dropFirst(report.task.count + 1)) }.sorted()
                throw RuleViolation(
                    rule: "ledger-item",
                    message: items.contains(report.task)
                        ? "task \(report.task) of \(draft.stream) has no milestone \"\(report.milestone ?? "")\"; its milestones are \(milestones.isEmpty ? "none (report the task)" : milestones.joined(separator: "、"))"
                        : "\(draft.stream)'s ledger has no task \(report.task); its tasks are \(tasks.joined(separator: ", "))")
            }
        case .stageUpgraded:
            throw RuleViolation(
                rule: "stage-from-assessment",
                message:
                    "an enterprise's stage is what its latest assessment found, up or down; record the assessment (AssessmentRecorded) instead of StageUpgraded"
            )
        case .eventRetracted, .eventCorrected:
            let seq = kind == .eventRetracted ? try payload(EventRetracted.self, of: draft).seq : try payload(EventCorrected.self, of: draft).seq
            let named: String?
            if let event = pending[draft.stream]?.first(where: { $0.seq == seq }) {
                named = event.kind.rawValue
            } else if inLog(log.positions(of: draft.stream)).contains(seq) {
                named = (try? lookup.envelope(seq: seq))?.type ?? ""
            } else {
                named = nil
            }
            guard let named else {
                throw RuleViolation(
                    rule: "correction-names-event",
                    message: "event \(seq) is not an event of \(draft.stream); a correction names an earlier event of its own stream")
            }
            if kind == .eventRetracted {
                try Self.checkUndoable(kind, names: named, seq: seq)
            } else {
                try checkCorrection(draft, names: named, seq: seq)
            }
        case .diagnosisVisited, .providerMatched, .trialEnded:
            for provider in try poolProviders(of: draft, kind: kind) { try requireInPool(provider) }
        case .trialStarted:
            let trial = try payload(TrialStarted.self, of: draft)
            let (provider, solution) = (trial.provider, trial.solution)
            let state = try requireInPool(provider)
            guard state.solutions[solution] == true else {
                throw RuleViolation(
                    rule: "trial-needs-offer", message: "provider \(provider) has no listed solution \"\(solution)\" with a free-trial offer")
            }
        case .projectFiled:
            let project = try payload(ProjectFiled.self, of: draft)
            try requireInPopulation(project.enterprise, for: draft.type)
            for provider in project.providers { try requireInPool(provider) }
        case .benchmarkAwarded:
            let awarded = try payload(BenchmarkAwarded.self, of: draft)
            let (kind, recipient) = (awarded.kind.rawValue, awarded.recipient)
            if let minimum = eligibility[kind] {
                try requireInPopulation(recipient, for: draft.type)
                let stage = try stages(of: recipient).stage(on: draft.occurred)?.stage ?? .l0
                guard stage.rawValue >= minimum else {
                    throw RuleViolation(
                        rule: "benchmark-eligibility",
                        message: "\(kind) needs stage \(minimum) or above; enterprise \(recipient) is at \(stage.rawValue)")
                }
            }
            guard try !award(id).isAwarded else {
                throw RuleViolation(rule: "award-once", message: "\(draft.stream) is already awarded; use a new award id")
            }
        case .benchmarkRevoked:
            let state = try award(id)
            guard state.isAwarded, !state.isRevoked else {
                throw RuleViolation(rule: "revoke-awarded", message: "\(draft.stream) is \(state.isRevoked ? "already revoked" : "not awarded")")
            }
        case .incentiveGranted:
            let basis = try payload(IncentiveGranted.self, of: draft).basis
            if basis.hasPrefix("award/") {
                let state = try award(String(basis.dropFirst(6)))
                guard state.isAwarded, !state.isRevoked else {
                    throw RuleViolation(
                        rule: "incentive-basis", message: "\(basis) is \(state.isRevoked ? "revoked" : "not awarded"): no incentive can rest on it")
                }
            }
            guard try !grantedBases().contains(basis) else {
                throw RuleViolation(rule: "incentive-once", message: "an incentive for \(basis) was already granted")
            }
        default:
            break
        }
        remember(draft, kind: kind, id: id)
    }

    /// The providers `draft` (of `kind`) names that must be in the pool: a visit's, a match's or
    /// a trial's provider, a project's providers — what ``check(_:by:)`` asks about and
    /// ``prefetch(for:)`` reads ahead.
    private func poolProviders(of draft: EventDraft, kind: EventKind) throws(RuleViolation) -> [String] {
        switch kind {
        case .diagnosisVisited: [try payload(DiagnosisVisited.self, of: draft).provider]
        case .providerMatched: [try payload(ProviderMatched.self, of: draft).provider]
        case .trialStarted: [try payload(TrialStarted.self, of: draft).provider]
        case .trialEnded: [try payload(TrialEnded.self, of: draft).provider]
        case .projectFiled: try payload(ProjectFiled.self, of: draft).providers
        default: []
        }
    }

    /// The draft's typed payload (the catalogue has checked it; a draft that skipped the catalogue
    /// is refused here with what is wrong).
    private func payload<Payload: EventPayload>(_ type: Payload.Type, of draft: EventDraft) throws(RuleViolation) -> Payload {
        do {
            return try Payload(reading: PayloadReader(draft.data))
        } catch {
            throw RuleViolation(rule: "catalogue", message: "\(draft.type): \(error)")
        }
    }

    /// Whether `actor` may write `draft` at all — the first check of every write, so that
    /// another city's enterprise and an unknown one are refused alike, before anything else
    /// about the stream (its version, its keys) is looked at.
    public mutating func checkJurisdiction(_ draft: EventDraft, by actor: Actor) throws(RuleViolation) {
        forgetAppendedDrafts()
        return try checkJurisdiction(draft, id: draft.streamParts.id, actor: actor)
    }

    /// Auditors write nothing; a city (a county) writes only its own enterprises' events and
    /// projects, and cannot move an enterprise to another city (county) — the province (the
    /// city) does; providers, awards, incentives and the plan are the province's.
    private mutating func checkJurisdiction(_ draft: EventDraft, id: String, actor: Actor) throws(RuleViolation) {
        switch Role(actor) {
        case .province, .dataOperator:
            return
        case .auditor:
            throw RuleViolation(rule: "jurisdiction", message: "auditors read everything and write nothing")
        case .city(let code), .county(let code):
            let role = Role(actor)
            let level = role == .city(code) ? "city" : "county"
            if draft.stream.hasPrefix("plan/"), EventKind(type: draft.type) == .planMilestoneReported {
                // A city or county reports its own part of a ledger task (市县落实).
                let region = (try? payload(PlanMilestoneReported.self, of: draft))?.region
                let inside = region.map { level == "city" ? ReferenceData.standard.city(containing: $0)?.code == code : $0 == code } ?? false
                guard inside else {
                    throw RuleViolation(
                        rule: "jurisdiction",
                        message:
                            "a \(level) \(code) actor reports its own part of a ledger task: give data.region \(code)\(level == "city" ? " (or one of its counties)" : "")"
                    )
                }
                return
            }
            let enterprise: String
            if draft.stream.hasPrefix("enterprise/") {
                enterprise = id
            } else if draft.stream.hasPrefix("project/"), let owner = try projectEnterprise(draft) {
                enterprise = owner
            } else {
                throw RuleViolation(
                    rule: "jurisdiction",
                    message: "\(draft.streamParts.category) streams are written by the province, not by \(level) \(code)")
            }
            let registering = EventKind(type: draft.type) == .enterpriseRegistered
            let state = registering ? nil : try self.enterprise(enterprise)
            let registered = registering ? try? payload(EnterpriseRegistered.self, of: draft) : nil
            let (city, county) = registering ? (registered?.city, registered?.county) : (state?.city, state?.county)
            guard role.covers(city: city, county: county) else {
                throw RuleViolation(
                    rule: "jurisdiction",
                    message: "a \(level) \(code) actor writes only its own enterprises' events; this one is not in its jurisdiction")
            }
            if EventKind(type: draft.type) == .enterpriseProfileCorrected {
                let moved = try? payload(EnterpriseProfileCorrected.self, of: draft)
                let (movedCity, movedCounty) = (moved?.city, moved?.county)
                if let movedCity, movedCity != city {
                    throw RuleViolation(
                        rule: "jurisdiction",
                        message:
                            "moving an enterprise to another city (\(movedCity)) is the province's act; a \(level) \(code) actor corrects its own enterprises within \(code)"
                    )
                }
                if level == "county", let movedCounty, movedCounty != code {
                    throw RuleViolation(
                        rule: "jurisdiction",
                        message:
                            "moving an enterprise to another county (\(movedCounty)) is its city's or the province's act; a county \(code) actor corrects its own enterprises within \(code)"
                    )
                }
            }
        case .unknown(let role):
            throw RuleViolation(rule: "jurisdiction", message: "unknown role \"\(role)\"; roles are province, city:<code>, county:<code>, auditor")
        }
    }

    /// The enterprise a project belongs to: from the draft filing it, or its ProjectFiled event.
    private func projectEnterprise(_ draft: EventDraft) throws(RuleViolation) -> String? {
        if EventKind(type: draft.type) == .projectFiled { return (try? payload(ProjectFiled.self, of: draft))?.enterprise }
        for event in try facts(draft.stream, payload: StreamFact.payload) { if case .filed(let enterprise) = event.fact { return enterprise } }
        return nil
    }

    @discardableResult
    private mutating func requireInPool(_ provider: String) throws(RuleViolation) -> ProviderState {
        let state = try self.provider(provider)
        guard state.isInPool else {
            throw RuleViolation(rule: "provider-in-pool", message: "provider \(provider) is not in the provider pool (服务商资源池)")
        }
        return state
    }

    private mutating func requireInPopulation(_ enterprise: String, for type: String) throws(RuleViolation) {
        let state = try self.enterprise(enterprise)
        guard state.isRegistered else {
            throw RuleViolation(
                rule: "registered-enterprise", message: "enterprise \(enterprise) is not registered; \(type) needs EnterpriseRegistered first")
        }
        guard !state.hasLeft else {
            throw RuleViolation(rule: "in-population", message: "enterprise \(enterprise) has left the population; no \(type) after that")
        }
    }

    /// The event types whose retraction every read model undoes: facts about an enterprise,
    /// a project's milestones and closing, awards, revocations, incentives, plan reports and
    /// activities.
    public static let retractable: Set<EventKind> = [
        .assessmentRecorded, .stageUpgraded, .diagnosisVisited, .trainingAttended, .providerMatched, .trialStarted, .trialEnded,
        .projectMilestoneReached, .projectCompleted, .projectCancelled, .benchmarkAwarded, .benchmarkRevoked, .incentiveGranted,
        .planMilestoneReported, .activityHeld, .leadingProviderSelected,
    ]

    /// The event types whose fields a correction (`EventCorrected`) may change, with those
    /// fields: every read model applies them as if the event had carried them. (An enterprise's
    /// profile has its own correction, `EnterpriseProfileCorrected`; the project's enterprise and
    /// the provider's identity are its stream and are not corrected.)
    public static let correctable: [EventKind: Set<String>] = [
        .projectFiled: ["domain", "providers", "budgetFen", "targetStage"],
        .providerAdmitted: ["name", "mapBatch", "city"],
    ]

    /// What to record instead of retracting an event of a type no read model can undo.
    static let instead: [EventKind: String] = [
        .enterpriseRegistered:
            "an enterprise that is not in the population leaves it (EnterpriseLeftPopulation); wrong profile fields are corrected with EnterpriseProfileCorrected",
        .enterpriseProfileCorrected: "record another EnterpriseProfileCorrected with the right values",
        .enterpriseLeftPopulation: "register the enterprise again (EnterpriseRegistered)",
        .projectFiled: "cancel the project (ProjectCancelled)",
        .providerAdmitted: "remove the provider from the pool (ProviderRemoved)",
        .providerRemoved: "admit the provider again (ProviderAdmitted)",
        .solutionListed: "list the solution again with the right fields (a listing replaces the earlier one)",
        .planPublished: "publish the plan again (PlanPublished replaces its ledger and targets)",
        .annualAssessmentClosed:
            "close the year again when its assessment really closes (AnnualAssessmentClosed): the figures as frozen are those of the last close",
        .annualAssessmentOpened: "open the year again with the right cutoff (AnnualAssessmentOpened replaces it)",
        .eventCorrected: "record another EventCorrected with the right values",
        .eventRetracted: "record the retracted event again",
    ]

    /// Refuses a retraction the read models could not undo, saying what to record instead.
    static func checkUndoable(_ kind: EventKind, names target: String, seq: UInt64) throws(RuleViolation) {
        let targetKind = EventKind(type: target)
        guard !retractable.contains(targetKind) else { return }
        let advice = instead[targetKind] ?? "record the event that changes it instead"
        throw RuleViolation(rule: "retraction-undoable", message: "event \(seq) (\(target)) is not one the read models can undo: \(advice)")
    }

    /// A correction names a recorded event of a ``correctable`` type, changes only its
    /// correctable fields, and leaves an event that would itself be valid (and, for a project,
    /// rests on pool providers); otherwise it is refused with what to record instead.
    private mutating func checkCorrection(_ draft: EventDraft, names target: String, seq: UInt64) throws(RuleViolation) {
        let targetKind = EventKind(type: target)
        guard let fields = Self.correctable[targetKind] else {
            let remedy =
                Self.retractable.contains(targetKind)
                ? "retract it (EventRetracted) and record the \(target) again with the right fields"
                : Self.instead[targetKind] ?? "record the event that changes it instead"
            throw RuleViolation(
                rule: "correction-applied",
                message: "corrections apply to ProjectFiled and ProviderAdmitted; event \(seq) is a \(target): \(remedy)")
        }
        let correction = try payload(EventCorrected.self, of: draft)
        let refused = correction.corrected.keys.filter { !fields.contains($0) }.sorted()
        guard !correction.corrected.isEmpty, refused.isEmpty else {
            throw RuleViolation(
                rule: "correction-fields",
                message:
                    "a correction of \(target) changes \(fields.sorted().joined(separator: ", "))\(refused.isEmpty ? "" : ", not \(refused.joined(separator: ", "))")"
            )
        }
        let original =
            pendingCorrectable[seq]
            ?? (try? lookup.envelope(seq: seq)).map { EventDraft(stream: $0.stream, type: $0.type, occurred: $0.occurred, data: $0.data) }
        guard let original, original.stream == draft.stream, case .object(var data) = original.data else {
            throw RuleViolation(rule: "correction-names-event", message: "event \(seq) is not a \(target) of \(draft.stream)")
        }
        for (field, value) in correction.corrected { data[field] = value }
        var corrected = EventDraft(stream: original.stream, type: target, occurred: original.occurred, data: .object(data))
        do {
            try validator.validate(&corrected)
        } catch {
            throw RuleViolation(rule: "correction-valid", message: "the corrected \(target) would not be valid: \(error)")
        }
        if targetKind == .projectFiled {
            for provider in try payload(ProjectFiled.self, of: corrected).providers { try requireInPool(provider) }
        }
    }

    private mutating func remember(_ draft: EventDraft, kind: EventKind, id: String) {
        let fact = (try? PayloadReader(draft.data)).map { StreamFact(kind: kind, payload: $0, occurred: draft.occurred) } ?? .other
        let seq = seqs.next()
        pending[draft.stream, default: []].append((seq, kind, fact))
        if Self.correctable[kind] != nil { pendingCorrectable[seq] = draft }
        let category = Category(of: draft.stream)
        if kind == .eventRetracted {
            // The stream's state no longer includes the retracted event: fold it again when next needed.
            switch category {
            case .enterprise: enterprises[id] = nil
            case .provider: providers[id] = nil
            case .award: awards[id] = nil
            case .incentive: incentiveBases = nil
            case .plan: plans[draft.stream] = nil
            case .other: break
            }
            return
        }
        // A state not cached yet is folded now, from the log and the drafts so far (this one
        // included): cheap for a stream the log does not hold yet, and done once per stream.
        // (`state[id]?.apply` finds the state once and changes it in place.)
        switch category {
        case .enterprise: if enterprises[id]?.apply(fact, seq: seq) == nil { enterprises[id] = try? fold(draft.stream) }
        case .provider: if providers[id]?.apply(fact, seq: seq) == nil { providers[id] = try? fold(draft.stream) }
        case .award: if awards[id]?.apply(fact, seq: seq) == nil { awards[id] = try? fold(draft.stream) }
        case .plan: if plans[draft.stream]?.apply(fact, seq: seq) == nil { plans[draft.stream] = try? fold(draft.stream) }
        case .incentive, .other: break
        }
        if case .granted(let basis) = fact { incentiveBases?.insert(basis) }
    }

    /// The streams whose states the rules keep, by their category.
    private enum Category {
        case enterprise, provider, award, incentive, plan, other

        init(of stream: String) {
            self = Self.byPrefix.first { stream.hasPrefix($0.prefix) }?.category ?? .other
        }

        private static let byPrefix: [(prefix: String, category: Category)] = [
            ("enterprise/", .enterprise), ("provider/", .provider), ("award/", .award), ("incentive/", .incentive), ("plan/", .plan),
        ]
    }

    /// Sizes the table of drafts checked for `count` more streams, so that checking a large
    /// input does not grow it by doubling.
    mutating func reserveCapacity(streams count: Int) {
        pending.reserveCapacity(pending.count + count)
    }

    private mutating func enterprise(_ id: String) throws(RuleViolation) -> EnterpriseState {
        if let cached = enterprises[id] { return cached }
        let state: EnterpriseState = try fold("enterprise/" + id)
        enterprises[id] = state
        return state
    }

    /// An enterprise's stage history: its cached state's, or folded again with its assessments
    /// when the state was folded without them.
    private mutating func stages(of id: String) throws(RuleViolation) -> StageHistory {
        if let stages = enterprises[id]?.stages { return stages }
        var state = EnterpriseState()
        for event in try standing("enterprise/" + id, payload: EnterpriseState.payloadWithStages) { state.apply(event.fact, seq: event.seq) }
        enterprises[id] = state
        return state.stages ?? StageHistory()
    }

    private mutating func provider(_ id: String) throws(RuleViolation) -> ProviderState {
        if let cached = providers[id] { return cached }
        let state: ProviderState = try fold("provider/" + id)
        providers[id] = state
        return state
    }

    private mutating func plan(_ stream: String) throws(RuleViolation) -> PlanState {
        if let cached = plans[stream] { return cached }
        let state: PlanState = try fold(stream)
        plans[stream] = state
        return state
    }

    private mutating func award(_ id: String) throws(RuleViolation) -> AwardState {
        if let cached = awards[id] { return cached }
        let state: AwardState = try fold("award/" + id)
        awards[id] = state
        return state
    }

    /// A stream's state folded from the log and the drafts checked since. (Callers cache it;
    /// they must not pass the cache inout from a non-mutating method: that copies the whole
    /// dictionary on every check.)
    private func fold<State: FoldedState>(_ stream: String) throws(RuleViolation) -> State {
        var state = State()
        for event in try standing(stream, payload: State.payload) { state.apply(event.fact, seq: event.seq) }
        return state
    }

    /// The facts of a stream's events that stand: those in the log and the drafts checked since,
    /// without the retractions and the events they retract (a retraction names an event of its
    /// own stream).
    private func standing(
        _ stream: String, payload: (EventKind) -> EnvelopeReader.PayloadPart = StreamFact.payload
    ) throws(RuleViolation) -> [StreamEvent] {
        Self.standing(try facts(stream, payload: payload))
    }

    /// The seqs (ascending) of `positions` that come before the drafts checked since: those
    /// after are drafts appended while checking, which ``pending`` holds.
    private func inLog(_ positions: [UInt64]) -> [UInt64] {
        guard let last = positions.last, last > seqs.base else { return positions }
        return Array(positions.prefix { $0 <= seqs.base })
    }

    /// `events` without the retractions and the events they retract.
    private static func standing(
        _ events: [StreamEvent]
    ) -> [StreamEvent] {
        guard events.contains(where: { $0.kind == .eventRetracted }) else { return events }
        var retracted: Set<UInt64> = []
        for event in events { if case .retracted(let seq) = event.fact { retracted.insert(seq) } }
        return events.filter { $0.kind != .eventRetracted && !retracted.contains($0.seq) }
    }

    /// Every event of a stream, in the log (reading of each payload what `payload` asks for) and
    /// among the drafts checked since, as facts.
    private func facts(_ stream: String, payload: (EventKind) -> EnvelopeReader.PayloadPart) throws(RuleViolation) -> [StreamEvent] {
        var events: [StreamEvent] = []
        let read: (Int, StreamEvent) -> Void = { events.append($1) }
        try Self.readFacts(seqs: inLog(log.positions(of: stream)), from: .lookup(lookup), payload: { payload($1) }, of: stream, read)
        return events + (pending[stream] ?? [])
    }

    /// Where ``readFacts(seqs:from:payload:of:_:)`` reads lines.
    private enum LineSource {
        /// Through a cached lookup: for the events of one stream, spread over the log.
        case lookup(LogLookup)
        /// Straight from the log, each batch once: for ascending seqs of many streams.
        case inOrder(EventLog)
    }

    /// Reads the facts of the log's events `seqs` (in this order; ascending for `.inOrder`)
    /// from `source`, reading of each payload what `payload` asks for (by the place in `seqs`
    /// and the type), and hands each to `body` with its place in `seqs`; `streams` names what
    /// is read, for the error.
    private static func readFacts(
        seqs: [UInt64], from source: LineSource, payload: (Int, EventKind) -> EnvelopeReader.PayloadPart, of streams: String,
        _ body: (Int, StreamEvent) -> Void
    ) throws(RuleViolation) {
        var actors = ActorCache(slots: 0)
        var index = 0
        do {
            // The type, date and the part of the payload asked for (not the whole envelope).
            func read(_ seq: UInt64, _ line: UnsafeRawBufferPointer) throws {
                let kind: EventKind
                let occurred: String
                let data: [(key: String, value: JSONValue)]?
                if let fact = try EnvelopeReader.readFact(line, kinds: EventKind.self, payload: { payload(index, $0) }) {
                    (kind, occurred, data) = (fact.kind, fact.occurred, fact.data)
                } else {
                    var read: Int64?
                    guard let members = try EnvelopeReader.read(line, kinds: EventKind.self, actors: &actors, seq: &read) else {
                        throw LogError.corrupted(segment: "event \(seq)", offset: 0, reason: "the stored line is not an envelope")
                    }
                    (kind, occurred) = (members.kind, members.occurred)
                    if case .none = payload(index, kind) { data = nil } else { data = members.data }
                }
                // A fact whose payload was not read is `.unread` (a kind whose fact needs none is read whole).
                let fact: StreamFact
                switch (data, StreamFact.payload(kind)) {
                case (nil, .all), (nil, .members): fact = .unread
                default: fact = StreamFact(kind: kind, payload: PayloadReader(members: data ?? []), occurred: occurred)
                }
                body(index, (seq, kind, fact))
                index += 1
            }
            switch source {
            case .lookup(let lookup): try lookup.forEachLine(seqs: seqs, read)
            case .inOrder(let log): try log.forEachLine(seqs: seqs, read)
            }
        } catch {
            throw RuleViolation(rule: "readable-log", message: "cannot read \(streams) to check the rules: \(error)")
        }
    }

    /// Once the log has grown since the drafts were checked, they are in it (those
    /// ``PendingSeqs`` says): forgets them, so that no fold reads an event twice.
    private mutating func forgetAppendedDrafts() {
        switch seqs.landed(size: log.size) {
        case .none: break
        case .all:
            pending.removeAll(keepingCapacity: true)
            pendingCorrectable = [:]
        case .through(let size):
            pending = pending.compactMapValuesKeepingCapacity { events in
                guard let first = events.first, first.seq <= size else { return events }
                let held = events.filter { $0.seq > size }
                return held.isEmpty ? nil : held
            }
            pendingCorrectable = pendingCorrectable.filter { $0.key > size }
        }
    }

    /// How many checked drafts are held (not known to be in the log).
    var heldDrafts: Int { pending.values.reduce(0) { $0 + $1.count } }

    /// Folds the states of the enterprises `ids` not folded yet from one pass over their events
    /// in seq order, split between the cores, so that checking an input that names many
    /// enterprises (a year's assessment results) reads each batch of the log once, not once per
    /// enterprise. The enterprises `staged` are folded with their stage histories (which a
    /// plain fold skips). The checks that follow give the same answers with or without it.
    /// Returns how many it folded.
    @discardableResult
    public mutating func prefetch(enterprises ids: some Sequence<String>, staged: some Sequence<String> = [String]()) throws(RuleViolation) -> Int {
        forgetAppendedDrafts()
        var names: [(id: String, stages: Bool)] = []
        var position: [String: Int] = [:]
        for id in staged where enterprises[id]?.stages == nil {
            if position[id] == nil {
                position[id] = names.count
                names.append((id, true))
            }
        }
        for id in ids where enterprises[id] == nil && position[id] == nil {
            position[id] = names.count
            names.append((id, false))
        }
        guard !names.isEmpty else { return 0 }
        enterprises.reserveCapacity(enterprises.count + names.count)
        let stages = names.map(\.stages)
        let states: [EnterpriseState] = try foldInOnePass(names.map { "enterprise/" + $0.id }, of: "\(names.count) enterprises") { stream, kind in
            stages[stream] ? EnterpriseState.payloadWithStages(kind) : EnterpriseState.payload(kind)
        }
        for (name, entry) in names.enumerated() { enterprises[entry.id] = states[name] }
        return names.count
    }

    /// Folds the states of the providers `ids` not folded yet from one pass over their events
    /// (as ``prefetch(enterprises:staged:)`` does for enterprises).
    /// Returns how many it folded.
    @discardableResult
    public mutating func prefetch(providers ids: some Sequence<String>) throws(RuleViolation) -> Int {
        forgetAppendedDrafts()
        var names: [String] = []
        var seen: Set<String> = []
        for id in ids where providers[id] == nil && seen.insert(id).inserted { names.append(id) }
        guard !names.isEmpty else { return 0 }
        let states: [ProviderState] = try foldInOnePass(names.map { "provider/" + $0 }, of: "\(names.count) providers") { ProviderState.payload($1) }
        for (name, id) in names.enumerated() { providers[id] = states[name] }
        return names.count
    }

    /// The states of `streams` folded from one pass over their events in seq order, split
    /// between the cores (each batch of the log read once, not once per stream), then the drafts
    /// checked since; `payload` says what to read of an event of kind `kind` of `streams[stream]`.
    private func foldInOnePass<State: FoldedState>(
        _ streams: [String], of what: String, payload: @escaping @Sendable (_ stream: Int, _ kind: EventKind) -> EnvelopeReader.PayloadPart
    ) throws(RuleViolation) -> [State] {
        var wanted = log.positions(ofStreams: streams)
        if let last = wanted.last, last.seq > seqs.base { wanted.removeAll { $0.seq > seqs.base } }
        // Each core reads a run of ascending seqs, each batch once and in order, with a reader
        // of its own (no cache: a batch is not read again).
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, wanted.count / 4096))
        var parts = [Result<[StreamEvent], RuleViolation>](repeating: .success([]), count: workers)
        let log = log
        parts.withUnsafeMutableBufferPointer { output in
            nonisolated(unsafe) let output = output
            wanted.withUnsafeBufferPointer { wanted in
                nonisolated(unsafe) let wanted = wanted
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let slice = wanted.count * worker / workers..<wanted.count * (worker + 1) / workers
                    var events: [StreamEvent] = []
                    events.reserveCapacity(slice.count)
                    output[worker] = Result { () throws(RuleViolation) in
                        try Self.readFacts(
                            seqs: wanted[slice].map(\.seq), from: .inOrder(log),
                            payload: { index, kind in payload(wanted[slice.lowerBound + index].stream, kind) }, of: what,
                            { events.append($1) })
                        return events
                    }
                }
            }
        }
        // The facts come back in seq order and are folded into their streams' states as they
        // come, then the drafts checked since; what stands is what ``standing(_:)`` keeps (seqs
        // are unique across streams, so one set holds every retracted one).
        let drafts = pending.isEmpty ? [] : streams.map { pending[$0] ?? [] }
        var retracted: Set<UInt64> = []
        for part in parts { for event in try part.get() { if case .retracted(let seq) = event.fact { retracted.insert(seq) } } }
        for events in drafts { for event in events { if case .retracted(let seq) = event.fact { retracted.insert(seq) } } }
        func stands(_ event: StreamEvent) -> Bool {
            event.kind != .eventRetracted && (retracted.isEmpty || !retracted.contains(event.seq))
        }
        var states = [State](repeating: State(), count: streams.count)
        var next = 0
        for part in parts {
            for event in try part.get() {
                if stands(event) { states[wanted[next].stream].apply(event.fact, seq: event.seq) }
                next += 1
            }
        }
        if !drafts.isEmpty {
            for (stream, events) in drafts.enumerated() {
                for event in events where stands(event) { states[stream].apply(event.fact, seq: event.seq) }
            }
        }
        return states
    }

    /// Prefetches (``prefetch(enterprises:staged:)``, ``prefetch(providers:)``) what checking
    /// `drafts` will read: the enterprise each one's stream names, the stage history of each a
    /// benchmark award names, and the providers the pool rule asks about.
    ///
    /// A writer that checks a long run of batches with one set of rules (the demo's history)
    /// soon knows nearly every enterprise and provider its batches name, and a prefetch that
    /// finds almost nothing to read costs as much as the checks' own lookups: after two batches
    /// in a row of which under 1% was unknown, only every eighth batch is prefetched whole (the
    /// others only their award recipients' stage histories); a check reads what a skipped
    /// prefetch would have, one stream at a time.
    public mutating func prefetch(for drafts: [EventDraft]) throws(RuleViolation) {
        let onlyAwards = quietPrefetches >= 2 && quietPrefetches % 8 != 0
        var ids: [String] = []
        var staged: [String] = []
        var providers: [String] = []
        // (Read in place: a draft bound to a name is a copy, a retain and a release of each string.)
        drafts.withUnsafeBufferPointer { drafts in
            for index in drafts.indices {
                let kind = EventKind(type: drafts[index].type)
                if kind == .benchmarkAwarded, let awarded = try? payload(BenchmarkAwarded.self, of: drafts[index]) {
                    staged.append(awarded.recipient)
                }
                guard !onlyAwards else { continue }
                let (category, id) = drafts[index].streamParts
                if category == "enterprise" { ids.append(id) }
                providers += (try? poolProviders(of: drafts[index], kind: kind)) ?? []
            }
        }
        let folded = try prefetch(enterprises: ids, staged: staged) + prefetch(providers: providers)
        if onlyAwards {
            quietPrefetches += 1
        } else {
            quietPrefetches = folded * 100 < ids.count + providers.count ? quietPrefetches + 1 : 0
        }
    }

    private mutating func grantedBases() throws(RuleViolation) -> Set<String> {
        if let incentiveBases { return incentiveBases }
        var bases: Set<String> = []
        for stream in Set(log.streamNames(prefix: "incentive/")).union(pending.keys.filter { $0.hasPrefix("incentive/") }) {
            for event in try standing(stream) { if case .granted(let basis) = event.fact { bases.insert(basis) } }
        }
        incentiveBases = bases
        return bases
    }
}

/// Each benchmark kind's minimum stage (`benchmark-eligibility.json`: project data, not code).
public enum BenchmarkEligibility {
    /// The file as shipped, read once.
    public static let standard = Result { try load() }

    public static func load() throws -> [String: String] {
        guard let url = Bundle.module.url(forResource: "benchmark-eligibility", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "benchmark-eligibility.json"])
        }
        struct File: Decodable { let minimumStage: [String: String] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).minimumStage
    }
}
