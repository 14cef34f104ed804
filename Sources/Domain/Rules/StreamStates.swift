import EventLog

/// What one event tells the rules about its stream — the few facts they fold, not its payload.
/// The rules keep these for the drafts they have checked but not yet seen appended, so what a
/// long input costs in memory is a few dozen bytes per event, not its parsed JSON.
enum StreamFact: Sendable {
    case registered(city: String, county: String)
    /// A profile correction of the city, the county or both.
    case moved(city: String?, county: String?)
    case left
    /// An assessment's finding, or a legacy `StageUpgraded` read as one (``StageHistory``).
    case assessed(date: String, stage: Stage, assessment: String)
    case admitted
    case removed
    case listed(solution: String, freeTrial: Bool)
    case awarded
    case revoked
    case granted(basis: String)
    case filed(enterprise: String)
    /// A plan's ledger items: each task, and each milestone as `task/milestone`.
    case published(items: Set<String>)
    case retracted(seq: UInt64)
    /// An event whose fact needs its payload, read without it (the fold did not ask for it): a
    /// state that would fold it knows it is incomplete.
    case unread
    /// Nothing the rules fold.
    case other

    /// What the fact of an event of `kind` reads of its payload: the members its reader reads
    /// for the kinds every enterprise has many of, all for the other kinds with a payload fact,
    /// none for the rest (their fact is `.other`, or needs no payload).
    static func payload(_ kind: EventKind) -> EnvelopeReader.PayloadPart {
        switch kind {
        case .enterpriseRegistered: .members(EnterpriseRegistered.placeMembers)
        case .assessmentRecorded: .members(AssessmentRecorded.findingMembers)
        case .enterpriseProfileCorrected, .stageUpgraded, .solutionListed, .incentiveGranted, .projectFiled, .eventRetracted, .planPublished:
            .all
        default: .none
        }
    }

    /// The fact of an event of `kind` on `occurred`, read from its typed payload (`.other` when
    /// the payload does not read as its type: such an event tells the rules nothing).
    init(kind: EventKind, payload: PayloadReader, occurred: String) {
        do {
            self = try Self.read(kind, payload, occurred)
        } catch {
            self = .other
        }
    }

    private static func read(_ kind: EventKind, _ payload: PayloadReader, _ occurred: String) throws(PayloadError) -> StreamFact {
        switch kind {
        case .enterpriseRegistered:
            let place = try EnterpriseRegistered.place(reading: payload)
            return .registered(city: place.city, county: place.county)
        case .enterpriseProfileCorrected:
            let corrected = try EnterpriseProfileCorrected(reading: payload)
            return corrected.city == nil && corrected.county == nil ? .other : .moved(city: corrected.city, county: corrected.county)
        case .enterpriseLeftPopulation: return .left
        case .assessmentRecorded:
            let finding = try AssessmentRecorded.finding(reading: payload)
            return .assessed(date: occurred, stage: finding.stage, assessment: finding.assessment)
        case .stageUpgraded:
            let upgraded = try StageUpgraded(reading: payload)
            return .assessed(date: occurred, stage: upgraded.to, assessment: upgraded.assessment)
        case .providerAdmitted: return .admitted
        case .providerRemoved: return .removed
        case .solutionListed:
            let listed = try SolutionListed(reading: payload)
            return .listed(solution: listed.solution, freeTrial: listed.freeTrial != nil)
        case .benchmarkAwarded: return .awarded
        case .benchmarkRevoked: return .revoked
        case .incentiveGranted: return .granted(basis: try IncentiveGranted(reading: payload).basis)
        case .projectFiled: return .filed(enterprise: try ProjectFiled(reading: payload).enterprise)
        case .eventRetracted: return .retracted(seq: try EventRetracted(reading: payload).seq)
        case .planPublished:
            var items: Set<String> = []
            for task in try PlanPublished(reading: payload).ledger {
                items.insert(task.task)
                for milestone in task.milestones ?? [] { items.insert(task.task + "/" + milestone.milestone) }
            }
            return .published(items: items)
        default: return .other
        }
    }
}

/// One event of a stream as the rules see it: its seq, type and fact.
typealias StreamEvent = (seq: UInt64, kind: EventKind, fact: StreamFact)

/// A stream's state as the rules fold it from its events' facts.
protocol FoldedState {
    init()
    /// Folds in the fact of event `seq` (facts come in seq order).
    mutating func apply(_ fact: StreamFact, seq: UInt64)
    /// What a fold of this state reads of the payload of an event of `kind` (a fact whose
    /// payload is not read is `.unread`).
    static func payload(_ kind: EventKind) -> EnvelopeReader.PayloadPart
}

extension FoldedState {
    static func payload(_ kind: EventKind) -> EnvelopeReader.PayloadPart { StreamFact.payload(kind) }
}

/// What the rules need to know of an enterprise, folded from its stream.
struct EnterpriseState: FoldedState {
    var isRegistered = false
    var hasLeft = false
    /// The city and county (GB/T 2260) it is registered in.
    var city: String?
    var county: String?
    /// What its assessments found, and when; nil when an assessment was folded unread. Only the
    /// benchmark rule reads stages, so a fold skips every assessment's payload (most of an
    /// enterprise's events) until that rule asks (a fold with ``payloadWithStages(_:)``); a
    /// stream first folded before its assessments keeps its history from the drafts checked.
    var stages: StageHistory? = StageHistory()

    static func payload(_ kind: EventKind) -> EnvelopeReader.PayloadPart {
        kind == .assessmentRecorded || kind == .stageUpgraded ? .none : StreamFact.payload(kind)
    }

    /// What a fold with stages reads.
    static func payloadWithStages(_ kind: EventKind) -> EnvelopeReader.PayloadPart { StreamFact.payload(kind) }

    mutating func apply(_ fact: StreamFact, seq: UInt64) {
        switch fact {
        case .registered(let city, let county):
            isRegistered = true
            hasLeft = false
            self.city = city
            self.county = county
        case .moved(let city, let county):
            self.city = city ?? self.city
            self.county = county ?? self.county
        case .left:
            hasLeft = true
        case .unread:
            stages = nil
        case .assessed(let date, let stage, let assessment):
            stages?.record(StageHistory.Finding(seq: seq, date: date, stage: stage, assessment: assessment))
        default:
            break
        }
    }
}

/// What the rules need to know of a provider.
struct ProviderState: FoldedState {
    var isInPool = false
    /// Listed solution id → whether it carries a free-trial offer.
    var solutions: [String: Bool] = [:]

    mutating func apply(_ fact: StreamFact, seq: UInt64) {
        switch fact {
        case .admitted: isInPool = true
        case .removed: isInPool = false
        case .listed(let solution, let freeTrial): solutions[solution] = freeTrial
        default: break
        }
    }
}

/// What the rules need to know of an award.
/// What the rules need to know of a plan: the items of its published ledger.
struct PlanState: FoldedState {
    var items: Set<String>?

    mutating func apply(_ fact: StreamFact, seq: UInt64) {
        if case .published(let items) = fact { self.items = items }
    }
}

struct AwardState: FoldedState {
    var isAwarded = false
    var isRevoked = false

    mutating func apply(_ fact: StreamFact, seq: UInt64) {
        switch fact {
        case .awarded: isAwarded = true
        case .revoked: isRevoked = true
        default: break
        }
    }
}
