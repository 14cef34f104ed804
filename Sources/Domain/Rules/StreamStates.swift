import EventLog

/// What one event tells the rules about its stream — the few facts they fold, not its payload.
/// The rules keep these for the drafts they have checked but not yet seen appended, so what a
/// long input costs in memory is a few dozen bytes per event, not its parsed JSON.
enum StreamFact: Sendable {
    case registered(city: String)
    case moved(city: String)
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
    case retracted(seq: UInt64)
    /// Nothing the rules fold.
    case other

    /// Whether the fact of an event of `kind` reads its payload (the others are `.other`, or
    /// need none).
    static func needsData(_ kind: EventKind) -> Bool {
        switch kind {
        case .enterpriseRegistered, .enterpriseProfileCorrected, .assessmentRecorded, .stageUpgraded, .solutionListed, .incentiveGranted,
            .projectFiled, .eventRetracted:
            true
        default: false
        }
    }

    init(kind: EventKind, data: JSONValue, occurred: String) {
        switch kind {
        case .enterpriseRegistered: self = .registered(city: data["city"]?.stringValue ?? "")
        case .enterpriseProfileCorrected: self = data["city"]?.stringValue.map { .moved(city: $0) } ?? .other
        case .enterpriseLeftPopulation: self = .left
        case .assessmentRecorded, .stageUpgraded:
            let stage = data[kind == .assessmentRecorded ? "stage" : "to"]?.stringValue.flatMap(Stage.init(rawValue:))
            if let stage, let assessment = data["assessment"]?.stringValue {
                self = .assessed(date: occurred, stage: stage, assessment: assessment)
            } else {
                self = .other
            }
        case .providerAdmitted: self = .admitted
        case .providerRemoved: self = .removed
        case .solutionListed: self = data["solution"]?.stringValue.map { .listed(solution: $0, freeTrial: data["freeTrial"] != nil) } ?? .other
        case .benchmarkAwarded: self = .awarded
        case .benchmarkRevoked: self = .revoked
        case .incentiveGranted: self = data["basis"]?.stringValue.map { .granted(basis: $0) } ?? .other
        case .projectFiled: self = data["enterprise"]?.stringValue.map { .filed(enterprise: $0) } ?? .other
        case .eventRetracted: self = .retracted(seq: UInt64(data["seq"]?.integerValue ?? 0))
        default: self = .other
        }
    }
}

/// A stream's state as the rules fold it from its events' facts.
protocol FoldedState {
    init()
    /// Folds in the fact of event `seq` (facts come in seq order).
    mutating func apply(_ fact: StreamFact, seq: UInt64)
}

/// What the rules need to know of an enterprise, folded from its stream.
struct EnterpriseState: FoldedState {
    var isRegistered = false
    var hasLeft = false
    /// The city (GB/T 2260) it is registered in.
    var city: String?
    /// What its assessments found, and when.
    var stages = StageHistory()

    mutating func apply(_ fact: StreamFact, seq: UInt64) {
        switch fact {
        case .registered(let city):
            isRegistered = true
            hasLeft = false
            self.city = city
        case .moved(let city):
            self.city = city
        case .left:
            hasLeft = true
        case .assessed(let date, let stage, let assessment):
            stages.record(StageHistory.Finding(seq: seq, date: date, stage: stage, assessment: assessment))
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
