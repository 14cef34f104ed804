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
    /// Nothing the rules fold.
    case other

    /// Whether the fact of an event of `kind` reads its payload (the others are `.other`, or
    /// need none).
    static func needsData(_ kind: EventKind) -> Bool {
        switch kind {
        case .enterpriseRegistered, .enterpriseProfileCorrected, .assessmentRecorded, .stageUpgraded, .solutionListed, .incentiveGranted,
            .projectFiled, .eventRetracted, .planPublished:
            true
        default: false
        }
    }

    init(kind: EventKind, data: JSONValue, occurred: String) {
        switch kind {
        case .enterpriseRegistered: self = .registered(city: data["city"]?.stringValue ?? "", county: data["county"]?.stringValue ?? "")
        case .enterpriseProfileCorrected:
            let (city, county) = (data["city"]?.stringValue, data["county"]?.stringValue)
            self = city == nil && county == nil ? .other : .moved(city: city, county: county)
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
        case .planPublished:
            var items: Set<String> = []
            if case .array(let tasks) = data["ledger"] ?? .null {
                for task in tasks {
                    guard let number = task["task"]?.stringValue else { continue }
                    items.insert(number)
                    guard case .array(let milestones) = task["milestones"] ?? .null else { continue }
                    for milestone in milestones {
                        if let name = milestone["milestone"]?.stringValue { items.insert(number + "/" + name) }
                    }
                }
            }
            self = .published(items: items)
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
    /// The city and county (GB/T 2260) it is registered in.
    var city: String?
    var county: String?
    /// What its assessments found, and when.
    var stages = StageHistory()

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
