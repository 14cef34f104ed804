/// One event type of the plan: its name, the stream category it belongs to, its schema version
/// and its payload fields.
public struct EventSpec: Sendable {
    public let kind: EventKind
    /// The stream category: `enterprise`, `project`, `provider`, `award`, `incentive`, `plan`,
    /// or nil for corrections, which belong to the stream of the event they correct.
    public let category: String?
    public let schema: Int
    public let summary: String
    public let fields: [Field]

    /// The event type's name.
    public var type: String { kind.rawValue }
}

/// Every event type of the plan (v1). The JSON Schemas in `schemas/events/` are written from
/// these (`gongfu schemas --write`); a test keeps the two in step.
public enum EventCatalogue {
    /// Free text (reasons, findings, notes): line breaks allowed.
    static let text = FieldKind.string(multiline: true)
    /// Names and identifiers: one line.
    static let shortText = FieldKind.string(maxLength: 120)
    static let year = FieldKind.integer(minimum: 2000, maximum: 2100)
    static let fen = FieldKind.integer(minimum: 1)
    static let projectDomains = ["经营管理", "生产制造", "研发设计", "供应链管理", "协同办公"]
    /// The enterprise's needs and difficulties (``Needs``), by id.
    static let needs = FieldKind.array(.choice(Needs.standard.ids))
    static let benchmarkKinds = ["数字领航", "智能工厂", "5G工厂", "晨星工厂", "工赋百景", "产业大脑", "数字经济总部", "工业互联网平台"]

    public static let all: [EventSpec] = enterprise + project + provider + recognition + programme + corrections

    public static func spec(for type: String) -> EventSpec? { byType[type] }

    private static let byType = Dictionary(uniqueKeysWithValues: all.map { ($0.type, $0) })

    static let enterprise: [EventSpec] = [
        EventSpec(
            kind: .enterpriseRegistered, category: "enterprise", schema: 1,
            summary: "An enterprise entered the population of industrial enterprises above designated size (规上工业企业).",
            fields: [
                .required("name", shortText, "registered name"),
                .required("uscc", .uscc, "unified social credit code; the stream is enterprise/<uscc>"),
                .required("city", .city, "city code (GB/T 2260)"),
                .required("county", .county, "county-level code (GB/T 2260)"),
                .required("industry", .industry, "GB/T 4754-2017 class of section B, C or D, e.g. C3484, B0610, D4411"),
                .optional("chains", .array(shortText), "industrial chains (产业链) it belongs to"),
                .required("yearEntered", year, "year it entered the population"),
            ]),
        EventSpec(
            kind: .enterpriseProfileCorrected, category: "enterprise", schema: 1,
            summary: "The enterprise's registered profile was corrected.",
            fields: [
                .optional("name", shortText, "registered name"),
                .optional("city", .city, "city code"),
                .optional("county", .county, "county-level code"),
                .optional("industry", .industry, "GB/T 4754-2017 class"),
                .optional("chains", .array(shortText), "industrial chains"),
                .required("reason", text, "why the profile changed"),
            ]),
        EventSpec(
            kind: .enterpriseLeftPopulation, category: "enterprise", schema: 1,
            summary: "The enterprise left the population (fell below the size threshold, deregistered, moved away).",
            fields: [
                .required("year", year, "first year it is no longer counted"),
                .required("reason", .choice(["belowThreshold", "deregistered", "relocated", "other"]), "why it left"),
            ]),
        EventSpec(
            kind: .assessmentRecorded, category: "enterprise", schema: 1,
            summary: "An assessment of the enterprise's transformation stage: online (网上评测), on-site, or the annual assessment (年度评估).",
            fields: [
                .required("assessment", shortText, "identifier of this assessment, referenced by upgrades"),
                .required("kind", .choice(["online", "onsite", "annual"]), "how it was assessed"),
                .required("instrument", shortText, "version of the assessment instrument"),
                .optional("scores", .map(.number(minimum: 0, maximum: 100)), "score per dimension, 0–100"),
                .required("stage", .stage, "resulting stage"),
                .optional("needs", needs, "needs and difficulties the enterprise reported (ids of needs.json)"),
                .optional("needsNote", text, "needs and difficulties in its own words"),
            ]),
        EventSpec(
            kind: .stageUpgraded, category: "enterprise", schema: 1,
            summary: "The enterprise moved up a transformation stage, resting on a recorded assessment.",
            fields: [
                .required("from", .stage, "stage before"),
                .required("to", .stage, "stage after"),
                .required("assessment", shortText, "the assessment it rests on"),
            ]),
        EventSpec(
            kind: .diagnosisVisited, category: "enterprise", schema: 1,
            summary: "An on-site diagnosis (现场诊断) by a pool provider with a digital commissioner (数字专员).",
            fields: [
                .required("provider", .uscc, "the diagnosing provider"),
                .required("commissioner", shortText, "the digital commissioner"),
                .required("findings", text, "what was found"),
                .optional("recommended", .array(shortText), "recommended solutions"),
                .optional("needs", needs, "needs and difficulties the enterprise reported (ids of needs.json)"),
                .optional("needsNote", text, "needs and difficulties in its own words"),
            ]),
        EventSpec(
            kind: .trainingAttended, category: "enterprise", schema: 1,
            summary: "The entrepreneur attended a transformation training (企业家培训).",
            fields: [
                .required("session", shortText, "the training session"),
                .optional("attendee", shortText, "who attended"),
                .optional(
                    "level", .choice(["popularisation", "advancement"]),
                    "普及 (for enterprises not yet transforming) or 提升 (for those at a key stage), as the plan's 提升数字素养 asks"),
                .optional("mode", .choice(["online", "offline"]), "线上 or 线下"),
            ]),
        EventSpec(
            kind: .providerMatched, category: "enterprise", schema: 1,
            summary: "The enterprise was matched with a provider (服务商对接).",
            fields: [
                .required("provider", .uscc, "the provider"),
                .optional("solution", shortText, "the solution discussed"),
            ]),
        EventSpec(
            kind: .trialStarted, category: "enterprise", schema: 1,
            summary: "A free trial (免费体验, 先免费试用再购买) of a listed offer started.",
            fields: [
                .required("provider", .uscc, "the provider"),
                .required("solution", shortText, "the listed solution with the free-trial offer"),
            ]),
        EventSpec(
            kind: .trialEnded, category: "enterprise", schema: 1,
            summary: "A free trial ended: purchased or declined.",
            fields: [
                .required("provider", .uscc, "the provider"),
                .required("solution", shortText, "the solution trialled"),
                .required("outcome", .choice(["purchased", "declined"]), "what the enterprise decided"),
            ]),
    ]

    static let project: [EventSpec] = [
        EventSpec(
            kind: .projectFiled, category: "project", schema: 1,
            summary: "A transformation project was filed (一项一档).",
            fields: [
                .required("enterprise", .uscc, "the enterprise"),
                .required("domain", .choice(projectDomains), "the domain transformed"),
                .required("providers", .array(.uscc, minItems: 1), "providers delivering it"),
                .required("budgetFen", fen, "budget in fen (分)"),
                .required("targetStage", .stage, "stage it aims for"),
            ]),
        EventSpec(
            kind: .projectMilestoneReached, category: "project", schema: 1,
            summary: "A project milestone was reached.",
            fields: [
                .required("milestone", shortText, "the milestone"),
                .optional("note", text, "remarks"),
            ]),
        EventSpec(
            kind: .projectCompleted, category: "project", schema: 1,
            summary: "The project was completed.",
            fields: [
                .required("results", text, "what it achieved"),
                .optional("benchmarkCandidate", .boolean, "proposed as a benchmark case"),
            ]),
        EventSpec(
            kind: .projectCancelled, category: "project", schema: 1,
            summary: "The project was cancelled.", fields: [.required("reason", text, "why")]),
    ]

    static let provider: [EventSpec] = [
        EventSpec(
            kind: .providerAdmitted, category: "provider", schema: 1,
            summary: "A provider was admitted to the pool (服务商资源池) in a provider-map batch.",
            fields: [
                .required("name", shortText, "registered name"),
                .required("mapBatch", .integer(minimum: 1), "provider-map batch number"),
                .optional("city", .city, "city of its seat"),
            ]),
        EventSpec(
            kind: .providerRemoved, category: "provider", schema: 1,
            summary: "A provider was removed from the pool.", fields: [.required("reason", text, "why")]),
        EventSpec(
            kind: .solutionListed, category: "provider", schema: 1,
            summary: "A provider listed a solution, possibly 小快轻准 and with a free-trial offer.",
            fields: [
                .required("solution", shortText, "identifier of the solution"),
                .required("title", shortText, "title"),
                .required("domain", .choice(projectDomains), "domain it serves"),
                .required("lightweight", .boolean, "小快轻准 (small, fast, light, precise)"),
                .optional("freeTrial", text, "the free-trial offer, if any"),
            ]),
        EventSpec(
            kind: .leadingProviderSelected, category: "provider", schema: 1,
            summary: "The provider was selected as a leading provider (领军服务商) for a year.",
            fields: [
                .required("year", year, "the year")
            ]),
    ]

    static let recognition: [EventSpec] = [
        EventSpec(
            kind: .benchmarkAwarded, category: "award", schema: 1,
            summary: "A benchmark (点线面标杆) was awarded: 数字领航, 智能工厂, 5G工厂, 晨星工厂, 工赋百景, 产业大脑, 数字经济总部, industrial-internet platform.",
            fields: [
                .required("recipient", .uscc, "the enterprise or organisation"),
                .required("kind", .choice(benchmarkKinds), "kind of benchmark"),
                .optional("tier", shortText, "tier within the kind, e.g. 智能工厂 先进级"),
                .required("level", .choice(["provincial", "national"]), "who awarded it"),
                .required("year", year, "award year"),
            ]),
        EventSpec(
            kind: .benchmarkRevoked, category: "award", schema: 1,
            summary: "An award was revoked.", fields: [.required("reason", text, "why")]),
        EventSpec(
            kind: .incentiveGranted, category: "incentive", schema: 1,
            summary: "An incentive or subsidy (奖补) was granted.",
            fields: [
                .required("recipient", .uscc, "who receives it"),
                .required("amountFen", fen, "amount in fen (分)"),
                .required("policy", shortText, "the policy it is granted under"),
                .required(
                    "basis", .string(maxLength: 200, pattern: #"(award|project|provider|enterprise|plan)/[A-Za-z0-9._:/-]+"#),
                    "the stream it rewards, e.g. award/2024-SF-0012"),
            ]),
    ]

    static let ledgerTask = FieldKind.object([
        .required("task", shortText, "task number in the ledger"),
        .required("title", text, "what is to be done"),
        .required("deadline", .date, "deadline"),
        .required("units", .array(shortText, minItems: 1), "responsible units"),
        .optional(
            "milestones",
            .array(
                .object([
                    .required("milestone", shortText, "milestone name"),
                    .required("deadline", .date, "deadline"),
                ])), "milestones with their own deadlines"),
    ])

    static let programme: [EventSpec] = [
        EventSpec(
            kind: .planPublished, category: "plan", schema: 1,
            summary: "The plan was published with its work ledger (工作台账) and yearly targets.",
            fields: [
                .required("title", text, "title of the plan"),
                .required("ledger", .array(ledgerTask, minItems: 1), "tasks of the work ledger"),
                .required("targets", .map(.map(.number(minimum: 0))), "per year, the quantitative targets, e.g. {\"2026\":{\"coverage\":98}}"),
            ]),
        EventSpec(
            kind: .planMilestoneReported, category: "plan", schema: 1,
            summary: "A responsible unit reported a ledger task or milestone done: the province's, or a city's or county's part of it.",
            fields: [
                .required("task", shortText, "task number"),
                .optional("milestone", shortText, "milestone, if not the whole task"),
                .required("completedOn", .date, "when it was completed"),
                .required("unit", shortText, "reporting unit"),
                .optional("region", .region, "the city or county whose part is reported (市县落实); absent: the task as a whole"),
            ]),
        EventSpec(
            kind: .activityHeld, category: "plan", schema: 1,
            summary: "A roadshow, on-site meeting or training session was held.",
            fields: [
                .required("kind", .choice(["roadshow", "onsiteMeeting", "training"]), "kind of activity"),
                .required("title", text, "title"),
                .optional("city", .city, "where"),
                .optional("participants", .integer(minimum: 0), "number of participants"),
                .optional("industry", .industry, "the industry it is organised for (按行业), a GB/T 4754 code"),
                .optional("chain", shortText, "the industrial chain it is organised for (按产业链)"),
                .optional("mode", .choice(["online", "offline"]), "线上 or 线下"),
            ]),
        EventSpec(
            kind: .annualAssessmentOpened, category: "plan", schema: 1,
            summary: "The annual assessment (年度评估) opened; its figures freeze at the cutoff.",
            fields: [
                .required("year", year, "assessment year"),
                .required("cutoff", .date, "cutoff date"),
            ]),
        EventSpec(
            kind: .annualAssessmentClosed, category: "plan", schema: 1,
            summary: "The annual assessment closed.", fields: [.required("year", year, "assessment year")]),
    ]

    static let corrections: [EventSpec] = [
        EventSpec(
            kind: .eventRetracted, category: nil, schema: 1,
            summary: "An earlier event of the same stream is withdrawn (nothing is edited in place).",
            fields: [
                .required("seq", .integer(minimum: 1), "seq of the retracted event"),
                .required("reason", text, "why"),
            ]),
        EventSpec(
            kind: .eventCorrected, category: nil, schema: 1,
            summary: "An earlier event of the same stream is superseded by corrected fields.",
            fields: [
                .required("seq", .integer(minimum: 1), "seq of the corrected event"),
                .required("reason", text, "why"),
                .required("corrected", .map(.anyValue), "the corrected fields and their new values"),
            ]),
    ]
}
