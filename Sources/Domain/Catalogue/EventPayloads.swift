import EventLog
import Foundation

/// A typed event payload: what projections and the rules read `data` as. Each type is named as
/// its ``EventKind``'s type name, and its stored properties are its catalogue fields (tests
/// check both against ``EventCatalogue``).
public protocol EventPayload: Sendable {
    /// The event type whose payload this is.
    static var kind: EventKind { get }
    /// Reads the payload from parsed `data`.
    init(reading reader: PayloadReader) throws(PayloadError)
}

extension EventPayload {
    /// The event type's name (``EventKind``'s raw value).
    public static var type: String { kind.rawValue }

    /// Decodes an envelope's or draft's `data` (straight from the parsed tree).
    public static func decode(_ data: JSONValue) throws -> Self {
        try Self(reading: PayloadReader(data))
    }

    /// Decodes `data` read as a member list (``JSONParser/readMembers()``).
    public static func decode(members: [(key: String, value: JSONValue)]) throws -> Self {
        try Self(reading: PayloadReader(members: members))
    }
}

/// A transformation stage, L0 (not started) … L5 (ecosystem collaboration).
public enum Stage: String, Sendable, Comparable, CaseIterable {
    case l0 = "L0"
    case l1 = "L1"
    case l2 = "L2"
    case l3 = "L3"
    case l4 = "L4"
    case l5 = "L5"
    public static func < (left: Stage, right: Stage) -> Bool { left.rawValue < right.rawValue }
}

public enum ProjectDomain: String, Sendable {
    case management = "经营管理"
    case production = "生产制造"
    case research = "研发设计"
    case supplyChain = "供应链管理"
    case collaboration = "协同办公"
}

public enum BenchmarkKind: String, Sendable {
    case digitalPilot = "数字领航"
    case smartFactory = "智能工厂"
    case fiveGFactory = "5G工厂"
    case morningStarFactory = "晨星工厂"
    case scenario = "工赋百景"
    case industryBrain = "产业大脑"
    case digitalEconomyHeadquarters = "数字经济总部"
    case platform = "工业互联网平台"
}

// MARK: enterprise/<USCC>

public struct EnterpriseRegistered: EventPayload {
    public static let kind = EventKind.enterpriseRegistered
    public let name: String
    public let uscc: String
    public let city: String
    public let county: String
    public let industry: String
    public let chains: [String]?
    public let yearEntered: Int
}

public struct EnterpriseProfileCorrected: EventPayload {
    public static let kind = EventKind.enterpriseProfileCorrected
    public let name: String?
    public let city: String?
    public let county: String?
    public let industry: String?
    public let chains: [String]?
    public let reason: String
}

public struct EnterpriseLeftPopulation: EventPayload {
    public static let kind = EventKind.enterpriseLeftPopulation
    public enum Reason: String, Sendable { case belowThreshold, deregistered, relocated, other }
    public let year: Int
    public let reason: Reason
}

public struct AssessmentRecorded: EventPayload {
    public static let kind = EventKind.assessmentRecorded
    public enum Kind: String, Sendable { case online, onsite, annual }
    public let assessment: String
    public let kind: Kind
    public let instrument: String
    public let scores: [String: Double]?
    public let stage: Stage
    public let needs: [String]?
    public let needsNote: String?
}

public struct StageUpgraded: EventPayload {
    public static let kind = EventKind.stageUpgraded
    public let from: Stage
    public let to: Stage
    public let assessment: String
}

public struct DiagnosisVisited: EventPayload {
    public static let kind = EventKind.diagnosisVisited
    public let provider: String
    public let commissioner: String
    public let findings: String
    public let recommended: [String]?
    public let needs: [String]?
    public let needsNote: String?
}

public struct TrainingAttended: EventPayload {
    public static let kind = EventKind.trainingAttended
    public let session: String
    public let attendee: String?
    public let level: TrainingLevel?
    public let mode: ActivityMode?
}

/// 普及 or 提升 training (提升数字素养).
public enum TrainingLevel: String, Sendable { case popularisation, advancement }

/// 线上 or 线下.
public enum ActivityMode: String, Sendable { case online, offline }

public struct ProviderMatched: EventPayload {
    public static let kind = EventKind.providerMatched
    public let provider: String
    public let solution: String?
}

public struct TrialStarted: EventPayload {
    public static let kind = EventKind.trialStarted
    public let provider: String
    public let solution: String
}

public struct TrialEnded: EventPayload {
    public static let kind = EventKind.trialEnded
    public enum Outcome: String, Sendable { case purchased, declined }
    public let provider: String
    public let solution: String
    public let outcome: Outcome
}

// MARK: project/<id>

public struct ProjectFiled: EventPayload {
    public static let kind = EventKind.projectFiled
    public let enterprise: String
    public let domain: ProjectDomain
    public let providers: [String]
    public let budgetFen: Int64
    public let targetStage: Stage
}

public struct ProjectMilestoneReached: EventPayload {
    public static let kind = EventKind.projectMilestoneReached
    public let milestone: String
    public let note: String?
}

public struct ProjectCompleted: EventPayload {
    public static let kind = EventKind.projectCompleted
    public let results: String
    public let benchmarkCandidate: Bool?
}

public struct ProjectCancelled: EventPayload {
    public static let kind = EventKind.projectCancelled
    public let reason: String
}

// MARK: provider/<USCC>

public struct ProviderAdmitted: EventPayload {
    public static let kind = EventKind.providerAdmitted
    public let name: String
    public let mapBatch: Int
    public let city: String?
}

public struct ProviderRemoved: EventPayload {
    public static let kind = EventKind.providerRemoved
    public let reason: String
}

public struct SolutionListed: EventPayload {
    public static let kind = EventKind.solutionListed
    public let solution: String
    public let title: String
    public let domain: ProjectDomain
    public let lightweight: Bool
    public let freeTrial: String?
}

public struct LeadingProviderSelected: EventPayload {
    public static let kind = EventKind.leadingProviderSelected
    public let year: Int
}

// MARK: award/<id>, incentive/<id>

public struct BenchmarkAwarded: EventPayload {
    public static let kind = EventKind.benchmarkAwarded
    public enum Level: String, Sendable { case provincial, national }
    public let recipient: String
    public let kind: BenchmarkKind
    public let tier: String?
    public let level: Level
    public let year: Int
}

public struct BenchmarkRevoked: EventPayload {
    public static let kind = EventKind.benchmarkRevoked
    public let reason: String
}

public struct IncentiveGranted: EventPayload {
    public static let kind = EventKind.incentiveGranted
    public let recipient: String
    public let amountFen: Int64
    public let policy: String
    public let basis: String
}

// MARK: plan/<id>

public struct PlanPublished: EventPayload {
    public static let kind = EventKind.planPublished
    public struct Task: Decodable, Sendable {
        public struct Milestone: Decodable, Sendable {
            public let milestone: String
            public let deadline: String
        }
        public let task: String
        public let title: String
        public let deadline: String
        public let units: [String]
        public let milestones: [Milestone]?
    }
    public let title: String
    public let ledger: [Task]
    /// Year → target name → value (e.g. "2026" → "coverage" → 98).
    public let targets: [String: [String: Double]]
}

public struct PlanMilestoneReported: EventPayload {
    public static let kind = EventKind.planMilestoneReported
    public let task: String
    public let milestone: String?
    public let completedOn: String
    public let unit: String
    public let region: String?
}

public struct ActivityHeld: EventPayload {
    public static let kind = EventKind.activityHeld
    public enum Kind: String, Sendable { case roadshow, onsiteMeeting, training }
    public let kind: Kind
    public let title: String
    public let city: String?
    public let participants: Int?
    public let industry: String?
    public let chain: String?
    public let mode: ActivityMode?
}

public struct AnnualAssessmentOpened: EventPayload {
    public static let kind = EventKind.annualAssessmentOpened
    public let year: Int
    public let cutoff: String
}

public struct AnnualAssessmentClosed: EventPayload {
    public static let kind = EventKind.annualAssessmentClosed
    public let year: Int
}

// MARK: corrections

public struct EventRetracted: EventPayload {
    public static let kind = EventKind.eventRetracted
    public let seq: UInt64
    public let reason: String
}

public struct EventCorrected: EventPayload {
    public static let kind = EventKind.eventCorrected
    public let seq: UInt64
    public let reason: String
    public let corrected: JSONObject
}

extension EventCatalogue {
    /// The typed payload of every event type.
    public static let payloadTypes: [any EventPayload.Type] = [
        EnterpriseRegistered.self, EnterpriseProfileCorrected.self, EnterpriseLeftPopulation.self, AssessmentRecorded.self,
        StageUpgraded.self, DiagnosisVisited.self, TrainingAttended.self, ProviderMatched.self, TrialStarted.self, TrialEnded.self,
        ProjectFiled.self, ProjectMilestoneReached.self, ProjectCompleted.self, ProjectCancelled.self,
        ProviderAdmitted.self, ProviderRemoved.self, SolutionListed.self, LeadingProviderSelected.self,
        BenchmarkAwarded.self, BenchmarkRevoked.self, IncentiveGranted.self,
        PlanPublished.self, PlanMilestoneReported.self, ActivityHeld.self, AnnualAssessmentOpened.self, AnnualAssessmentClosed.self,
        EventRetracted.self, EventCorrected.self,
    ]

    /// The typed payload for an event type.
    public static func payloadType(for type: String) -> (any EventPayload.Type)? {
        payloadTypesByName[type]
    }

    /// The typed payload for an event kind (nil for ``EventKind/unknown``).
    public static func payloadType(for kind: EventKind) -> (any EventPayload.Type)? {
        payloadTypesByKind[kind]
    }

    private static let payloadTypesByName = Dictionary(uniqueKeysWithValues: payloadTypes.map { ($0.type, $0) })
    private static let payloadTypesByKind = Dictionary(uniqueKeysWithValues: payloadTypes.map { ($0.kind, $0) })
}
