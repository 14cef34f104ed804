import EventLog

// Each payload read from its parsed JSON (see ``PayloadReader``); a test reads every example.

extension EnterpriseRegistered {
    public init(reading r: PayloadReader) throws(PayloadError) {
        name = try r.string("name")
        uscc = try r.string("uscc")
        city = try r.string("city")
        county = try r.string("county")
        industry = try r.string("industry")
        chains = try r.optionalStrings("chains")
        yearEntered = try r.integer("yearEntered")
    }

    /// The members ``place(reading:)`` reads.
    public static let placeMembers = ["city", "county"]

    /// Where the enterprise is registered, without reading the rest (what the rules keep of it,
    /// read for every enterprise an input names; the catalogue checked the rest when the event
    /// was written).
    public static func place(reading r: PayloadReader) throws(PayloadError) -> (city: String, county: String) {
        (try r.string("city"), try r.string("county"))
    }
}

extension EnterpriseProfileCorrected {
    public init(reading r: PayloadReader) throws(PayloadError) {
        name = try r.optionalString("name")
        city = try r.optionalString("city")
        county = try r.optionalString("county")
        industry = try r.optionalString("industry")
        chains = try r.optionalStrings("chains")
        reason = try r.string("reason")
    }
}

extension EnterpriseLeftPopulation {
    public init(reading r: PayloadReader) throws(PayloadError) {
        year = try r.integer("year")
        reason = try r.choice("reason")
    }
}

extension AssessmentRecorded {
    public init(reading r: PayloadReader) throws(PayloadError) {
        assessment = try r.string("assessment")
        kind = try r.choice("kind")
        instrument = try r.string("instrument")
        scores = try r.optionalNumbers("scores")
        stage = try r.choice("stage")
        needs = try r.optionalStrings("needs")
        needsNote = try r.optionalString("needsNote")
    }

    /// The members ``finding(reading:)`` reads.
    public static let findingMembers = ["assessment", "stage"]

    /// What the assessment found and its id, without reading the rest (what a stage history
    /// keeps of it, read for every assessment of every enterprise an input names).
    public static func finding(reading r: PayloadReader) throws(PayloadError) -> (stage: Stage, assessment: String) {
        (try r.choice("stage"), try r.string("assessment"))
    }
}

extension StageUpgraded {
    public init(reading r: PayloadReader) throws(PayloadError) {
        from = try r.choice("from")
        to = try r.choice("to")
        assessment = try r.string("assessment")
    }
}

extension DiagnosisVisited {
    public init(reading r: PayloadReader) throws(PayloadError) {
        provider = try r.string("provider")
        commissioner = try r.string("commissioner")
        findings = try r.string("findings")
        recommended = try r.optionalStrings("recommended")
        needs = try r.optionalStrings("needs")
        needsNote = try r.optionalString("needsNote")
    }
}

extension TrainingAttended {
    public init(reading r: PayloadReader) throws(PayloadError) {
        session = try r.string("session")
        attendee = try r.optionalString("attendee")
        level = try r.optionalString("level").flatMap(TrainingLevel.init(rawValue:))
        mode = try r.optionalString("mode").flatMap(ActivityMode.init(rawValue:))
    }
}

extension ProviderMatched {
    public init(reading r: PayloadReader) throws(PayloadError) {
        provider = try r.string("provider")
        solution = try r.optionalString("solution")
    }
}

extension TrialStarted {
    public init(reading r: PayloadReader) throws(PayloadError) {
        provider = try r.string("provider")
        solution = try r.string("solution")
    }
}

extension TrialEnded {
    public init(reading r: PayloadReader) throws(PayloadError) {
        provider = try r.string("provider")
        solution = try r.string("solution")
        outcome = try r.choice("outcome")
    }
}

extension ProjectFiled {
    public init(reading r: PayloadReader) throws(PayloadError) {
        enterprise = try r.string("enterprise")
        domain = try r.choice("domain")
        providers = try r.strings("providers")
        budgetFen = try r.integer("budgetFen", as: Int64.self)
        targetStage = try r.choice("targetStage")
    }
}

extension ProjectMilestoneReached {
    public init(reading r: PayloadReader) throws(PayloadError) {
        milestone = try r.string("milestone")
        note = try r.optionalString("note")
    }
}

extension ProjectCompleted {
    public init(reading r: PayloadReader) throws(PayloadError) {
        results = try r.string("results")
        benchmarkCandidate = try r.optionalBool("benchmarkCandidate")
    }
}

extension ProjectCancelled {
    public init(reading r: PayloadReader) throws(PayloadError) { reason = try r.string("reason") }
}

extension ProviderAdmitted {
    public init(reading r: PayloadReader) throws(PayloadError) {
        name = try r.string("name")
        mapBatch = try r.integer("mapBatch")
        city = try r.optionalString("city")
    }
}

extension ProviderRemoved {
    public init(reading r: PayloadReader) throws(PayloadError) { reason = try r.string("reason") }
}

extension SolutionListed {
    public init(reading r: PayloadReader) throws(PayloadError) {
        solution = try r.string("solution")
        title = try r.string("title")
        domain = try r.choice("domain")
        lightweight = try r.bool("lightweight")
        freeTrial = try r.optionalString("freeTrial")
    }
}

extension LeadingProviderSelected {
    public init(reading r: PayloadReader) throws(PayloadError) { year = try r.integer("year") }
}

extension BenchmarkAwarded {
    public init(reading r: PayloadReader) throws(PayloadError) {
        recipient = try r.string("recipient")
        kind = try r.choice("kind")
        tier = try r.optionalString("tier")
        level = try r.choice("level")
        year = try r.integer("year")
    }
}

extension BenchmarkRevoked {
    public init(reading r: PayloadReader) throws(PayloadError) { reason = try r.string("reason") }
}

extension IncentiveGranted {
    public init(reading r: PayloadReader) throws(PayloadError) {
        recipient = try r.string("recipient")
        amountFen = try r.integer("amountFen", as: Int64.self)
        policy = try r.string("policy")
        basis = try r.string("basis")
    }
}

extension PlanPublished {
    public init(reading r: PayloadReader) throws(PayloadError) {
        title = try r.string("title")
        ledger = try r.objects("ledger") { (t: PayloadReader) throws(PayloadError) in
            Task(
                task: try t.string("task"), title: try t.string("title"), deadline: try t.string("deadline"), units: try t.strings("units"),
                milestones: try t.optionalObjects("milestones") { (m: PayloadReader) throws(PayloadError) in
                    Task.Milestone(milestone: try m.string("milestone"), deadline: try m.string("deadline"))
                })
        }
        var targets: [String: [String: Double]] = [:]
        for (year, value) in try r.object("targets") {
            targets[year] = try PayloadReader(["values": value], path: r.path + ".targets").numbers("values")
        }
        self.targets = targets
    }
}

extension PlanMilestoneReported {
    public init(reading r: PayloadReader) throws(PayloadError) {
        task = try r.string("task")
        milestone = try r.optionalString("milestone")
        completedOn = try r.string("completedOn")
        unit = try r.string("unit")
        region = try r.optionalString("region")
    }
}

extension ActivityHeld {
    public init(reading r: PayloadReader) throws(PayloadError) {
        kind = try r.choice("kind")
        title = try r.string("title")
        city = try r.optionalString("city")
        participants = try r.optionalInteger("participants")
        industry = try r.optionalString("industry")
        chain = try r.optionalString("chain")
        mode = try r.optionalString("mode").flatMap(ActivityMode.init(rawValue:))
    }
}

extension AnnualAssessmentOpened {
    public init(reading r: PayloadReader) throws(PayloadError) {
        year = try r.integer("year")
        cutoff = try r.string("cutoff")
    }
}

extension AnnualAssessmentClosed {
    public init(reading r: PayloadReader) throws(PayloadError) { year = try r.integer("year") }
}

extension EventRetracted {
    public init(reading r: PayloadReader) throws(PayloadError) {
        seq = try r.integer("seq", as: UInt64.self)
        reason = try r.string("reason")
    }
}

extension EventCorrected {
    public init(reading r: PayloadReader) throws(PayloadError) {
        seq = try r.integer("seq", as: UInt64.self)
        reason = try r.string("reason")
        corrected = try r.object("corrected")
    }
}
