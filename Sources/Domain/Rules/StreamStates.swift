import EventLog

/// A stream's state as the rules fold it from its events.
protocol FoldedState {
    init()
    mutating func apply(type: String, data: JSONValue)
}

/// What the rules need to know of an enterprise, folded from its stream.
struct EnterpriseState: FoldedState {
    var isRegistered = false
    var hasLeft = false
    /// The city (GB/T 2260) it is registered in.
    var city: String?
    /// The stage the last upgrade reached, or the first assessment found.
    var stage: String?
    /// Assessment id → the stage it found.
    var assessments: [String: String] = [:]

    mutating func apply(type: String, data: JSONValue) {
        switch type {
        case "EnterpriseRegistered":
            isRegistered = true
            hasLeft = false
            city = data["city"]?.stringValue
        case "EnterpriseProfileCorrected":
            if let corrected = data["city"]?.stringValue { city = corrected }
        case "EnterpriseLeftPopulation":
            hasLeft = true
        case "AssessmentRecorded":
            if let id = data["assessment"]?.stringValue, let stage = data["stage"]?.stringValue {
                assessments[id] = stage
                if self.stage == nil { self.stage = stage }
            }
        case "StageUpgraded":
            if let stage = data["to"]?.stringValue { self.stage = stage }
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

    mutating func apply(type: String, data: JSONValue) {
        switch type {
        case "ProviderAdmitted": isInPool = true
        case "ProviderRemoved": isInPool = false
        case "SolutionListed":
            if let id = data["solution"]?.stringValue { solutions[id] = data["freeTrial"] != nil }
        default: break
        }
    }
}

/// What the rules need to know of an award.
struct AwardState: FoldedState {
    var isAwarded = false
    var isRevoked = false

    mutating func apply(type: String, data: JSONValue) {
        switch type {
        case "BenchmarkAwarded": isAwarded = true
        case "BenchmarkRevoked": isRevoked = true
        default: break
        }
    }
}
