import EventLog

/// The catalogue's event types as an enumeration: what folds switch on. Matching a kind is an
/// integer comparison; matching a type name is a string comparison per `case`, per event, per
/// read model.
public enum EventKind: String, CaseIterable, Sendable, EventTypeVocabulary {
    case enterpriseRegistered = "EnterpriseRegistered"
    case enterpriseProfileCorrected = "EnterpriseProfileCorrected"
    case enterpriseLeftPopulation = "EnterpriseLeftPopulation"
    case assessmentRecorded = "AssessmentRecorded"
    case stageUpgraded = "StageUpgraded"
    case diagnosisVisited = "DiagnosisVisited"
    case trainingAttended = "TrainingAttended"
    case providerMatched = "ProviderMatched"
    case trialStarted = "TrialStarted"
    case trialEnded = "TrialEnded"
    case projectFiled = "ProjectFiled"
    case projectMilestoneReached = "ProjectMilestoneReached"
    case projectCompleted = "ProjectCompleted"
    case projectCancelled = "ProjectCancelled"
    case providerAdmitted = "ProviderAdmitted"
    case providerRemoved = "ProviderRemoved"
    case solutionListed = "SolutionListed"
    case leadingProviderSelected = "LeadingProviderSelected"
    case benchmarkAwarded = "BenchmarkAwarded"
    case benchmarkRevoked = "BenchmarkRevoked"
    case incentiveGranted = "IncentiveGranted"
    case planPublished = "PlanPublished"
    case planMilestoneReported = "PlanMilestoneReported"
    case activityHeld = "ActivityHeld"
    case annualAssessmentOpened = "AnnualAssessmentOpened"
    case annualAssessmentClosed = "AnnualAssessmentClosed"
    case eventRetracted = "EventRetracted"
    case eventCorrected = "EventCorrected"
    /// A type outside the catalogue.
    case unknown = ""

    /// The kind of an event type name (``unknown`` for a name outside the catalogue).
    public init(type: String) {
        self = Self.byType[type] ?? .unknown
    }

    /// The kind whose type name is the UTF-8 `bytes` (``unknown`` for a name outside the
    /// catalogue), without building a `String`.
    public init(typeBytes bytes: UnsafeRawBufferPointer) {
        for (kind, name) in Self.names where name.count == bytes.count && name.elementsEqual(bytes) {
            self = kind
            return
        }
        self = .unknown
    }

    /// The type name; nil for ``unknown``.
    public var knownName: String? { self == .unknown ? nil : rawValue }

    private static let names = allCases.filter { $0 != .unknown }.map { ($0, Array($0.rawValue.utf8)) }

    private static let byType = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
}
