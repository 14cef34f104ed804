import Domain
import EventLog

/// Generates a province's history from the 2023 baseline (coverage 87.3%, deep rate 42%) through
/// 2026, following the plan's mechanics, deterministically from a seed: registrations, the
/// pending library's five steps, assessments that move stages up (and a few down), projects, providers admitted
/// in map batches with solutions and free-trial offers, activities, benchmarks, incentives,
/// the ledger's reports and the annual assessments each October.
public struct ProvinceGenerator {
    public struct Options: Sendable {
        public var seed: UInt64 = 2024
        public var enterprises = 30_000
        /// The last business date generated (events after it have not happened yet).
        public var through = Day(2026, 11, 27)
        /// How many of each kind of ``Imperfection`` to seed per enterprise (at least one of
        /// each where the history allows it); 0 for a flawless history.
        public var imperfectionRate = 1.0 / 5_000
        /// Whether each October's annual results are made (``annualResults``), to be imported
        /// between the history's parts (``ProvinceIngest``); the history's retractions then
        /// count them in their seqs.
        public var annualResults = false

        public init(seed: UInt64 = 2024, enterprises: Int = 30_000) {
            self.seed = seed
            self.enterprises = enterprises
        }
    }

    public let options: Options
    private var random: SeededRandom
    /// When each entry of ``filed`` happens: the day it is recorded on, and its order of filing.
    private var timeline: [(day: Day, order: Int, entry: Int)] = []
    /// The drafts filed on the ``timeline``, in the order they were filed.
    private var filed: [GeneratedHistory.Entry] = []
    private var counter = 0
    /// The USCCs given out, each as its division and body (``newUSCC(division:)``).
    private var usedCodes: Set<Int> = []
    private var trialOffers: [(provider: String, solution: String, from: Day)] = [] {
        didSet { offerMaxima = [] }
    }
    private var providers: [(uscc: String, from: Day)] = [] {
        didSet { providerMaxima = [] }
    }
    private var providerMaxima: [Day] = []
    private var offerMaxima: [Day] = []
    private var baselineCounts = Array(repeating: 0, count: 6)
    /// Chooses where flaws go, apart from `random` so the rest of the history does not depend on it.
    private var flaws: SeededRandom
    /// Draws the details added to events the history already had (needs on a visit, a
    /// training's level and mode, an activity's industry), apart from `random` likewise.
    private var details: SeededRandom
    /// The flaws seeded, in the order they were written.
    public private(set) var imperfections: [Imperfection] = []
    /// How many flaws of each kind were taken (every taken flaw is then written).
    private var flawsTaken: [Imperfection.Kind: Int] = [:]
    /// Retractions and corrections waiting for the seq of the event they name (known once the timeline is sorted).
    private var retractions: [(targetKey: String, draftKey: String)] = []
    /// Projects filed so far (every 200th one's budget is corrected).
    private var projectsFiled = 0
    /// What the cities and counties record themselves, by role (``generateOfficeWork(_:)``):
    /// appended after the history, each through an intake of its own role.
    public private(set) var officeWork: [(role: Role, drafts: [EventDraft])] = []
    /// Recipients whose qualifying assessment is withdrawn after their award.
    private var withdrawn: Set<String> = []
    /// Each October's results of the annual assessment (年度评估), by year: one row per
    /// enterprise in that year's population, as the assessment platform exports them — not in
    /// the history: `gongfu demo` imports them (`gongfu import --assessments`) when the year's
    /// October is over.
    public private(set) var annualResults: [Int: [AnnualResult]] = [:]

    public init(options: Options = Options()) {
        self.options = options
        random = SeededRandom(seed: options.seed)
        flaws = SeededRandom(seed: options.seed ^ 0x5EED_F1A5)
        details = SeededRandom(seed: options.seed ^ 0xDE7A_115)
    }

    /// The whole history, in business-date order.
    public mutating func generate() throws -> GeneratedHistory {
        timeline.removeAll()
        filed.removeAll()
        usedCodes.reserveCapacity(options.enterprises * 11 / 10)  // enterprises, newcomers and providers
        imperfections.removeAll()
        flawsTaken.removeAll()
        emit(Day(2024, 1, 15), try DefaultPlan.draft())
        generateProviders()
        generateActivities()
        generateLedgerReports()
        for year in 2023...2026 {
            emit(
                Day(year, 10, 1),
                draft("plan/annual-assessment", "AnnualAssessmentOpened", ["year": .integer(Int64(year)), "cutoff": .string("\(year)-10-31")]))
            if Day(year, 11, 30) <= options.through {
                emit(Day(year, 11, 30), draft("plan/annual-assessment", "AnnualAssessmentClosed", ["year": .integer(Int64(year))]))
            }
        }
        var stages: [EnterpriseHistory] = []
        for _ in 0..<options.enterprises { stages.append(generateEnterprise()) }
        generateAwards(stages)
        generateRecognitions(stages)
        generateAnnualResults(stages)
        generateOfficeWork(stages)
        timeline.sort { ($0.day, $0.order) < ($1.day, $1.order) }
        // Sorted: the rest is later.
        let happened = timeline.prefix { $0.day <= options.through }
        var entries: [GeneratedHistory.Entry] = []
        entries.reserveCapacity(happened.count)
        GeneratedHistory.Entry.moving(from: &filed) { take in
            for item in happened {
                entries.append(take(item.entry))
                entries[entries.count - 1].recorded = item.day.description
            }
        }
        timeline = []
        filed = []
        resolveRetractions(&entries)
        return GeneratedHistory(entries: consume entries)
    }

    /// How many flaws of each kind to seed.
    private var flawsWanted: Int {
        options.imperfectionRate > 0 ? max(1, Int((Double(options.enterprises) * options.imperfectionRate).rounded())) : 0
    }

    /// Whether this opportunity for a flaw of `kind` takes one: each opportunity with the kind's
    /// chance (rarer opportunities take a higher one) until enough are seeded.
    private mutating func takesFlaw(_ kind: Imperfection.Kind) -> Bool {
        // A city padding its gain does it by the dozen: one in a thousand of the province.
        let wanted = kind == .paddedCityGain && flawsWanted > 0 ? max(3, options.enterprises / 1_000) : flawsWanted
        guard flawsTaken[kind, default: 0] < wanted else { return false }
        let chance: Double =
            switch kind {
            case .backDatedUpgrade: 0.02
            case .stageJumpWithoutDiagnosis: 0.1
            case .paddedCityGain: 0.5
            case .benchmarkToIneligibleEnterprise: 0.5
            case .doubledIncentive: 0.3
            }
        guard flaws.chance(chance) else { return false }
        flawsTaken[kind, default: 0] += 1
        return true
    }

    /// Fills in each retraction's `seq`: the log is fresh, so an event's seq is its position + 1
    /// plus the annual results imported before it (each year's after its October).
    private func resolveRetractions(_ entries: inout [GeneratedHistory.Entry]) {
        guard !retractions.isEmpty else { return }
        let imports = annualResults.map { (after: "\($0.key)-10-31", count: $0.value.count) }
        func seq(_ index: Int) -> Int {
            index + 1 + imports.filter { $0.after < entries[index].occurred }.reduce(0) { $0 + $1.count }
        }
        var seqByKey: [String: Int] = [:]
        let targets = Set(retractions.map(\.targetKey))
        let pending = Dictionary(uniqueKeysWithValues: retractions.map { ($0.draftKey, $0.targetKey) })
        for index in entries.indices {
            guard let key = entries[index].key else { continue }
            if targets.contains(key) { seqByKey[key] = seq(index) }
            if let target = pending[key], let seq = seqByKey[target] {
                var draft = entries[index].draft
                guard case .object(var data) = draft.data else { continue }
                data["seq"] = .integer(Int64(seq))
                draft.data = .object(data)
                let recorded = entries[index].recorded
                entries[index] = GeneratedHistory.Entry(draft)
                entries[index].recorded = recorded
            }
        }
    }

    // MARK: - Enterprises

    /// One enterprise's history: its USCC, its stage at the end of each year, and the stages it
    /// reached by an upgrade event (not by its first assessment).
    private mutating func generateEnterprise() -> EnterpriseHistory {
        let city = ProvinceData.cityWeights[random.weighted(ProvinceData.cityWeights.map(\.weight))]
        let counties = ReferenceData.standard.cities.first { $0.code == city.code }!.counties
        let county = random.pick(counties).code
        let industry = ProvinceData.classes[random.weighted(ProvinceData.classes.map(\.weight))]
        let uscc = newUSCC(division: county)
        let stream = "enterprise/" + uscc
        let name =
            city.short + String(random.pick(ProvinceData.brandCharacters)) + String(random.pick(ProvinceData.brandCharacters)) + industry.trade
            + "有限公司"
        let entersLate = random.chance(0.015)
        let registeredOn = entersLate ? Day(random.pick([2024, 2025]), 3, random.int(1...28)) : Day(2023, 1, 3) + random.int(0...50)
        let yearEntered = entersLate ? registeredOn.year : random.int(2003...2022)
        var chains: [JSONValue] = [.string(industry.chain)]
        if random.chance(0.1) { chains.append(.string("专精特新")) }
        emit(
            registeredOn,
            draft(
                stream, "EnterpriseRegistered",
                [
                    "name": .string(name), "uscc": .string(uscc), "city": .string(city.code), "county": .string(county),
                    "industry": .string(industry.code), "chains": .array(chains), "yearEntered": .integer(Int64(yearEntered)),
                ], expected: .none))

        // The 2023 baseline: the stage its first assessment found.
        let baseline = entersLate ? 0 : nextBaselineStage()
        var stage = 0
        var assessments = 0
        var upgradedTo: [Int: String] = [:]
        var changes: [(recorded: Day, stage: Int)] = []
        var found: [(day: Day, stage: Int)] = []
        var regressed = false
        // An assessment that finds `target`: the enterprise's stage from its date on.
        func assess(on day: Day, to target: Int, kind: String, recordedOn: Day? = nil) {
            assessments += 1
            let id = "\(uscc.suffix(6))-\(day.year)-\(assessments)"
            let assessedOn = day + random.int(0...6)
            var assessment = draft(
                stream, "AssessmentRecorded",
                [
                    "assessment": .string(id), "kind": .string(kind), "instrument": .string("SD-DT-2023.1"),
                    "scores": .object(["数字化基础": .integer(Int64(20 + target * 15)), "数字化应用": .integer(Int64(15 + target * 16))]),
                    "stage": .string("L\(target)"),
                ])
            assessment.key = "demo/\(uscc)/assessment-\(id)"
            emit(assessedOn, assessment, recordedOn: recordedOn)
            changes.append((recordedOn ?? assessedOn, target))
            found.append((assessedOn, target))
            if target > stage { upgradedTo[target] = assessment.key }
            stage = target
        }
        if baseline > 0 {
            // The first assessment sets the stage the enterprise starts from (no upgrade).
            assessments += 1
            let assessedOn = Day(2023, 5, 1) + random.int(0...140)
            changes.append((assessedOn, baseline))
            found.append((assessedOn, baseline))
            emit(
                assessedOn,
                draft(
                    stream, "AssessmentRecorded",
                    [
                        "assessment": .string("\(uscc.suffix(6))-2023-\(assessments)"), "kind": .string("annual"),
                        "instrument": .string("SD-DT-2023.1"),
                        "scores": .object(["数字化基础": .integer(Int64(20 + baseline * 15)), "数字化应用": .integer(Int64(15 + baseline * 16))]),
                        "stage": .string("L\(baseline)"),
                    ]))
            stage = baseline
        }

        let leaves = random.chance(0.01)
        var stageAtYearEnd: [Int: Int] = [:]
        for year in 2024...2026 {
            if leaves, year == 2025 {
                emit(
                    Day(2025, 4, 1) + random.int(0...60),
                    draft(stream, "EnterpriseLeftPopulation", ["year": .integer(2025), "reason": .string("belowThreshold")]))
                return EnterpriseHistory(
                    uscc: uscc, county: county, stages: [:], upgradedTo: upgradedTo, changes: changes, registeredOn: registeredOn, leftIn: 2025,
                    found: found, regressed: regressed)
            }
            defer { stageAtYearEnd[year] = stage }
            let start = Day(year, 1, 10)
            // Two levels in one go, on an on-site assessment nobody diagnosed before (after the
            // online self-assessment that put it in the library at L0).
            func jumpWithoutDiagnosis(_ kind: Imperfection.Kind, _ detail: String) {
                emit(
                    Day(year, 2, 1) + random.int(0...50),
                    draft(
                        stream, "AssessmentRecorded",
                        [
                            "assessment": .string("\(uscc.suffix(6))-\(year)-online"), "kind": .string("online"),
                            "instrument": .string("SD-DT-2023.1"),
                            "stage": .string("L0"),
                        ]))
                assess(on: Day(year, 6, 1) + random.int(0...60), to: 2, kind: "onsite")
                imperfections.append(Imperfection(kind: kind, stream: stream, detail: detail))
            }
            if year == 2025, stage == 0, registeredOn < start + 20, takesFlaw(.stageJumpWithoutDiagnosis) {
                jumpWithoutDiagnosis(.stageJumpWithoutDiagnosis, "L0 → L2 in \(year) with no DiagnosisVisited")
            } else if year == 2026, city.code == Self.paddingCity, stage == 0, registeredOn < start + 20, takesFlaw(.paddedCityGain) {
                jumpWithoutDiagnosis(.paddedCityGain, "\(city.short) L0 → L2 in \(year) with no DiagnosisVisited, lifting the city's coverage gain")
            } else if stage == 0, registeredOn < start + 20 {
                let leavesLibrary = random.chance([2024: 0.30, 2025: 0.42, 2026: 0.72][year]!)
                workPendingLibrary(stream, year: year, complete: leavesLibrary)
                if leavesLibrary { assess(on: Day(year, 9, 1) + random.int(0...50), to: 1, kind: "onsite") }
            } else if stage > 0, stage < 5 {
                let p = [1: 0.14, 2: 0.125, 3: 0.05, 4: 0.03][stage]!
                if random.chance(p) {
                    let day = Day(year, 3, 1) + random.int(0...180)
                    emit(day, diagnosis(stream, on: day, stage: stage))
                    if details.chance(0.3) {
                        // 提升培训 for the enterprise at a key stage of its transformation.
                        let session = "\(year)年数字化转型提升培训第\(details.int(1...12))期"
                        emit(
                            day + details.int(5...40),
                            draft(
                                stream, "TrainingAttended",
                                ["session": .string(session), "level": "advancement", "mode": .string(details.chance(0.5) ? "online" : "offline")]))
                    }
                    generateProject(uscc, day: day + 7, targetStage: stage + 1)
                    assess(on: day + random.int(30...60), to: stage + 1, kind: "onsite")
                } else if year < 2026, takesFlaw(.backDatedUpgrade) {
                    // Dated before the cutoff, recorded after the year's assessment closed.
                    let occurred = Day(year, 10, 10) + random.int(0...15)
                    let recorded = Day(year, 12, 3) + random.int(0...20)
                    assess(on: occurred, to: stage + 1, kind: "onsite", recordedOn: recorded)
                    imperfections.append(
                        Imperfection(
                            kind: .backDatedUpgrade, stream: stream,
                            detail: "L\(stage - 1) → L\(stage) dated \(occurred) (before the \(year)-10-31 cutoff), recorded \(recorded)"))
                }
            }
            if year >= 2025, stage > 0, changes.last.map({ $0.recorded.year < year }) ?? true, random.chance(0.004) {
                // The annual assessment finds it a stage lower (a line shut, a system dropped).
                regressed = true
                assess(on: Day(year, 10, 10) + random.int(0...14), to: stage - 1, kind: "annual")
            }
        }
        return EnterpriseHistory(
            uscc: uscc, county: county, stages: stageAtYearEnd, upgradedTo: upgradedTo, changes: changes, registeredOn: registeredOn, leftIn: nil,
            found: found, regressed: regressed)
    }

    /// The five steps of the pending library: online assessment, on-site diagnosis, training,
    /// provider matching, free trial; all of them when the enterprise leaves the library this
    /// year, some of them otherwise.
    private mutating func workPendingLibrary(_ stream: String, year: Int, complete: Bool) {
        var day = Day(year, 2, 1) + random.int(0...50)
        let steps = complete ? 5 : random.weighted([1, 3, 3, 2, 1.5, 1])
        if steps >= 1 {
            emit(
                day,
                draft(
                    stream, "AssessmentRecorded",
                    [
                        "assessment": .string("\(stream.suffix(6))-\(year)-online"), "kind": .string("online"), "instrument": .string("SD-DT-2023.1"),
                        "stage": .string("L0"),
                    ]))
        }
        if steps >= 2 {
            day = max(day + random.int(10...40), providers[0].from + random.int(1...20))
            emit(day, diagnosis(stream, on: day, stage: 0))
        }
        if steps >= 3 {
            day = day + random.int(5...30)
            let session = "\(year)年企业家数字化转型培训第\(random.int(1...20))期"
            emit(
                day,
                draft(
                    stream, "TrainingAttended",
                    ["session": .string(session), "level": "popularisation", "mode": .string(details.chance(0.4) ? "online" : "offline")]))
        }
        guard steps >= 4, !trialOffers.isEmpty else { return }
        day = max(day + random.int(5...20), trialOffers[0].from + random.int(1...10))
        let (provider, solution, _) = trialOffers[random.int(0...(Self.prefixCount(trialOffers.map(\.from), before: day, maxima: &offerMaxima) - 1))]
        emit(day, draft(stream, "ProviderMatched", ["provider": .string(provider), "solution": .string(solution)]))
        if steps >= 5 {
            day = day + random.int(5...20)
            emit(day, draft(stream, "TrialStarted", ["provider": .string(provider), "solution": .string(solution)]))
            emit(
                day + random.int(30...60),
                draft(
                    stream, "TrialEnded",
                    [
                        "provider": .string(provider), "solution": .string(solution),
                        "outcome": .string(random.chance(0.7) ? "purchased" : "declined"),
                    ]))
        }
    }

    /// An on-site diagnosis of an enterprise at `stage`, with the needs and difficulties it
    /// reported: an enterprise not yet transforming is held back by will and means, one under
    /// way asks for solutions, people and money.
    private mutating func diagnosis(_ stream: String, on day: Day, stage: Int) -> EventDraft {
        let provider = providers[random.int(0...(Self.prefixCount(providers.map(\.from), before: day, maxima: &providerMaxima) - 1))].uscc
        var visit = draft(
            stream, "DiagnosisVisited",
            [
                "provider": .string(provider),
                "commissioner": .string(String(random.pick(ProvinceData.commissioners)) + details.pick(ProvinceData.givenNames)),
                "findings": .string(random.pick(["设备联网率低，生产数据靠人工记录", "ERP与生产脱节，库存不准", "质量检测依赖人工，追溯困难", "能耗管理粗放"])),
                "recommended": .array([.string(random.pick(ProvinceData.solutionTitles).title)]),
            ])
        let (difficulties, needs) =
            stage == 0
            ? (["awareness", "returnDoubts", "knowHow", "funding"], ["consulting", "talent", "finance"])
            : (["knowHow", "funding", "dataSecurity", "legacyEquipment"], ["solutions", "talent", "finance", "network", "chainCollaboration"])
        var named: Set<String> = [details.pick(difficulties), details.pick(needs)]
        if details.chance(0.4) { named.insert(details.pick(stage == 0 ? difficulties : needs)) }
        if case .object(var data) = visit.data {
            data["needs"] = .array(named.sorted().map(JSONValue.string))
            if details.chance(0.3) { data["needsNote"] = .string(stage == 0 ? "企业负责人担心投入大、见效慢" : "希望有同行业可复制的案例和补贴支持") }
            visit.data = .object(data)
        }
        return visit
    }

    @discardableResult
    private mutating func generateProject(_ uscc: String, day: Day, targetStage: Int) -> String {
        counter += 1
        let id = "P\(day.year)-\(uscc.suffix(8))-\(counter % 1000)"
        let stream = "project/" + id
        let solution = random.pick(ProvinceData.solutionTitles)
        // The last provider admitted before `day` (providers are admitted in date order).
        let admitted = Self.prefixCount(providers.map(\.from), before: day, maxima: &providerMaxima)
        let provider = providers[max(0, admitted - 1)].uscc
        let budget = Int64(random.int(20...400)) * 1_000_000
        projectsFiled += 1
        // Now and then a filing's budget is entered a digit short and corrected a few days later
        // (EventCorrected): the project counts once, with the corrected budget.
        let mistaken = projectsFiled % 200 == 7
        var filing = draft(
            stream, "ProjectFiled",
            [
                "enterprise": .string(uscc), "domain": .string(solution.domain), "providers": .array([.string(provider)]),
                "budgetFen": .integer(mistaken ? budget / 10 : budget), "targetStage": .string("L\(targetStage)"),
            ], expected: .none)
        if mistaken {
            filing.key = "demo/\(stream)/filed"
            var correction = draft(
                stream, "EventCorrected", ["seq": .integer(1), "reason": .string("预算录入少一位"), "corrected": .object(["budgetFen": .integer(budget)])])
            correction.key = "demo/\(stream)/corrected"
            retractions.append((targetKey: filing.key!, draftKey: correction.key!))
            emit(day + 3, correction)
        }
        emit(day, filing)
        emit(day + random.int(20...50), draft(stream, "ProjectMilestoneReached", ["milestone": .string("系统上线试运行")]))
        if random.chance(0.9) {
            emit(
                day + random.int(55...110),
                draft(
                    stream, "ProjectCompleted",
                    [
                        "results": .string("\(solution.title)上线，生产效率提升\(random.int(8...30))%"), "benchmarkCandidate": .bool(random.chance(0.1)),
                    ]))
        } else {
            emit(day + random.int(55...110), draft(stream, "ProjectCancelled", ["reason": .string("企业经营调整，项目暂停")]))
        }
        return id
    }

    // MARK: - Providers, activities, ledger, awards

    private mutating func generateProviders() {
        let total = max(12, options.enterprises * 1300 / 30_000)
        let batches: [(day: Day, share: Double)] = [
            (Day(2024, 2, 20), 0.25), (Day(2024, 9, 10), 0.14), (Day(2025, 3, 15), 0.2), (Day(2025, 9, 15), 0.15), (Day(2026, 3, 15), 0.26),
        ]
        var number = 0
        for (batch, (day, share)) in batches.enumerated() {
            for _ in 0..<max(2, Int(Double(total) * share)) {
                number += 1
                let city = ProvinceData.cityWeights[random.weighted(ProvinceData.cityWeights.map(\.weight))]
                let uscc = newUSCC(division: city.code)
                let stream = "provider/" + uscc
                emit(
                    day,
                    draft(
                        stream, "ProviderAdmitted",
                        [
                            "name": .string(
                                city.short + String(random.pick(ProvinceData.brandCharacters)) + String(random.pick(ProvinceData.brandCharacters))
                                    + random.pick(ProvinceData.providerWords) + "有限公司"),
                            "mapBatch": .integer(Int64(batch + 1)), "city": .string(city.code),
                        ], expected: .none))
                providers.append((uscc, day))
                for index in 0..<random.int(2...6) {
                    let solution = random.pick(ProvinceData.solutionTitles)
                    let id = "S\(number)-\(index + 1)"
                    let trial = random.chance(0.5)
                    let listed = day + random.int(1...20)
                    emit(
                        listed,
                        draft(
                            stream, "SolutionListed",
                            ([
                                "solution": .string(id), "title": .string(solution.title), "domain": .string(solution.domain),
                                "lightweight": .bool(random.chance(0.6)), "freeTrial": trial ? .string("免费试用3个月") : .null,
                            ] as JSONObject).filter { $0.value != .null }))
                    if trial { trialOffers.append((uscc, id, listed)) }
                }
                for year in [2024, 2025] where day.year <= year && random.chance(0.05) {
                    emit(Day(year, 12, 20), draft(stream, "LeadingProviderSelected", ["year": .integer(Int64(year))]))
                }
            }
        }
        trialOffers.sort { $0.from < $1.from }
    }

    private mutating func generateActivities() {
        for year in 2024...2026 {
            for (kind, count, title) in [("roadshow", 12, "数字化转型“深度行”路演"), ("training", 20, "企业家数字化转型培训"), ("onsiteMeeting", 2, "数字化转型现场会")] {
                for number in 1...count {
                    let city = random.pick(ProvinceData.cityWeights)
                    let industry = ProvinceData.classes[details.weighted(ProvinceData.classes.map(\.weight))]
                    emit(
                        Day(year, 2, 1) + random.int(0...300),
                        draft(
                            "plan/2024-2026", "ActivityHeld",
                            [
                                "kind": .string(kind), "title": .string("\(year)年\(city.short)\(title)第\(number)场"),
                                "city": .string(city.code), "participants": .integer(Int64(random.int(40...300))),
                                // 按行业、产业链分类: each for one industry and its chain.
                                "industry": .string(String(industry.code.prefix(3))), "chain": .string(industry.chain),
                                "mode": .string(kind != "onsiteMeeting" && details.chance(0.3) ? "online" : "offline"),
                            ]))
                }
            }
        }
    }

    /// Reports for the 2024 ledger: most on time, one late, one never reported (overdue).
    private mutating func generateLedgerReports() {
        guard let plan = try? PlanPublished.decode(try DefaultPlan.draft().data) else { return }
        var items: [(task: String, milestone: String?, deadline: String, unit: String)] = []
        for task in plan.ledger {
            for milestone in task.milestones ?? [] { items.append((task.task, milestone.milestone, milestone.deadline, task.units[0])) }
            items.append((task.task, nil, task.deadline, task.units[0]))
        }
        for (index, item) in items.enumerated() {
            let parts = item.deadline.split(separator: "-").compactMap { Int($0) }
            let deadline = Day(parts[0], parts[1], parts[2])
            if index == items.count - 2 { continue }  // never reported: overdue
            let late = index == 3 || index == items.count - 4
            let completed = late ? deadline + random.int(10...40) : deadline + -random.int(0...20)
            var data: JSONObject = ["task": .string(item.task), "completedOn": .string(completed.description), "unit": .string(item.unit)]
            if let milestone = item.milestone { data["milestone"] = .string(milestone) }
            emit(completed + random.int(0...5), draft("plan/2024-2026", "PlanMilestoneReported", data))
        }
    }

    /// Each October from 2024 whose results are out by ``Options/through``: a result for every
    /// enterprise in the population on 1 October, confirming the stage its latest assessment
    /// found by the result's date. The enterprises a seeded flaw is about are left out, so that
    /// each flaw stays what its description says.
    private mutating func generateAnnualResults(_ enterprises: [EnterpriseHistory]) {
        annualResults = [:]
        let flawed = Set(imperfections.map { String($0.stream.drop { $0 != "/" }.dropFirst()) }).union(withdrawn)
        for year in 2024...2026 where options.annualResults && Day(year, 10, 31) <= options.through {
            var rows: [AnnualResult] = []
            for history in enterprises where history.registeredOn < Day(year, 10, 1) && history.leftIn.map({ $0 > year }) ?? true {
                guard !flawed.contains(history.uscc) else { continue }
                let day = Day(year, 10, 12) + history.uscc.utf8.reduce(0) { $0 + Int($1) } % 10
                let stage = history.found.filter { $0.day <= day }.max { $0.day < $1.day }?.stage ?? 0
                rows.append(
                    AnnualResult(uscc: history.uscc, assessment: "\(history.uscc.suffix(6))-\(year)-annual", date: day.description, stage: stage))
            }
            if year == 2026 { rows += newcomers(year: year, count: max(1, options.enterprises / 500)) }
            annualResults[year] = rows
        }
    }

    /// Enterprises that entered the population this year and are first seen in its October
    /// results: the rows carry their profile, so the import registers them (`--register-missing`).
    private mutating func newcomers(year: Int, count: Int) -> [AnnualResult] {
        (0..<count).map { _ in
            let city = ProvinceData.cityWeights[random.weighted(ProvinceData.cityWeights.map(\.weight))]
            let county = random.pick(ReferenceData.standard.cities.first { $0.code == city.code }!.counties)
            let industry = ProvinceData.classes[random.weighted(ProvinceData.classes.map(\.weight))]
            let uscc = newUSCC(division: county.code)
            let name =
                city.short + String(random.pick(ProvinceData.brandCharacters)) + String(random.pick(ProvinceData.brandCharacters)) + industry.trade
                + "有限公司"
            return AnnualResult(
                uscc: uscc, assessment: "\(uscc.suffix(6))-\(year)-annual", date: (Day(year, 10, 12) + random.int(0...9)).description,
                stage: random.weighted([3, 4, 2]), profile: (name, city.code, county.code, industry.code))
        }
    }

    private mutating func generateAwards(_ enterprises: [EnterpriseHistory]) {
        var number = 0
        // Recipients whose qualifying upgrade is withdrawn (``withdrawn``) stand a stage lower
        // from then on, so they draw no later award (the rules would rightly refuse it).
        for year in [2024, 2025] {
            for history in enterprises {
                let (uscc, stages, upgradedTo) = (history.uscc, history.stages, history.upgradedTo)
                guard let yearEnd = stages[year], yearEnd >= 2, random.chance(0.012), !withdrawn.contains(uscc), !history.regressed else { continue }
                let day = Day(year, 12, 10) + random.int(0...10)
                // The stage the rules see when the award lands: changes recorded by then (an
                // upgrade dated before the cutoff may be recorded after the award).
                let stage = history.stage(recordedBy: day)
                guard stage >= 2 else { continue }
                number += 1
                let kind = stage >= 4 ? "数字领航" : stage == 3 ? "智能工厂" : "5G工厂"
                let award = "\(year)-\(number)"
                emit(
                    day,
                    draft(
                        "award/" + award, "BenchmarkAwarded",
                        [
                            "recipient": .string(uscc), "kind": .string(kind), "level": .string("provincial"), "year": .integer(Int64(year)),
                        ], expected: .none))
                let minimum = kind == "数字领航" ? 4 : kind == "智能工厂" ? 3 : 2
                if stage == minimum, let upgrade = upgradedTo[stage], stages[2026] == stage, takesFlaw(.benchmarkToIneligibleEnterprise) {
                    // The upgrade that made it eligible is withdrawn after the award.
                    withdrawn.insert(uscc)
                    var retraction = draft("enterprise/" + uscc, "EventRetracted", ["seq": .integer(1), "reason": .string("评估结论经复核不成立，撤回该次评估")])
                    retraction.key = "demo/\(uscc)/retract-L\(stage)"
                    retractions.append((targetKey: upgrade, draftKey: retraction.key!))
                    emit(day + random.int(30...90), retraction)
                    imperfections.append(
                        Imperfection(
                            kind: .benchmarkToIneligibleEnterprise, stream: "award/" + award,
                            detail: "\(kind) (minimum L\(minimum)) to \(uscc), whose upgrade to L\(stage) was later retracted"))
                }
                if random.chance(0.5) {
                    let granted = day + random.int(20...60)
                    emit(
                        granted,
                        draft(
                            "incentive/\(award)", "IncentiveGranted",
                            [
                                "recipient": .string(uscc), "amountFen": .integer(50_000_000), "policy": .string("省级数字化转型标杆奖补"),
                                "basis": .string("award/\(award)"),
                            ], expected: .none))
                    if takesFlaw(.doubledIncentive) {
                        emit(
                            granted + random.int(15...60),
                            draft(
                                "incentive/\(award)-2", "IncentiveGranted",
                                [
                                    "recipient": .string(uscc), "amountFen": .integer(50_000_000), "policy": .string("省级数字化转型标杆奖补"),
                                    "basis": .string("enterprise/\(uscc)"),
                                ], expected: .none))
                        imperfections.append(
                            Imperfection(
                                kind: .doubledIncentive, stream: "incentive/\(award)-2",
                                detail: "award \(award) to \(uscc) paid twice under the same policy (bases award/\(award) and enterprise/\(uscc))"))
                    }
                }
            }
        }
    }

    /// What the cities and counties record themselves, after the history: each city's (and a
    /// few counties') reports of their part of the ledger tasks the cities and counties carry out
    /// — most on time, some late, a few not yet — and two county offices' trainings of their own
    /// pending enterprises in November 2026.
    private mutating func generateOfficeWork(_ enterprises: [EnterpriseHistory]) {
        var draws = SeededRandom(seed: options.seed ^ 0x0FF1CE)
        officeWork = []
        guard let plan = try? PlanPublished.decode(try DefaultPlan.draft().data) else { return }
        let reference = ReferenceData.standard
        var items: [(task: String, milestone: String?, deadline: String)] = []
        for task in plan.ledger where task.units.contains(where: { $0.contains("市县") }) {
            for milestone in task.milestones ?? [] { items.append((task.task, milestone.milestone, milestone.deadline)) }
            items.append((task.task, nil, task.deadline))
        }
        func reports(for region: String, unit: String) -> [EventDraft] {
            items.compactMap { item in
                let parts = item.deadline.split(separator: "-").compactMap { Int($0) }
                let deadline = Day(parts[0], parts[1], parts[2])
                guard !draws.chance(0.06) else { return nil }  // not reported yet
                let completed = draws.chance(0.1) ? deadline + draws.int(5...60) : deadline + -draws.int(0...30)
                guard completed <= options.through else { return nil }
                var data: JSONObject = [
                    "task": .string(item.task), "completedOn": .string(completed.description), "unit": .string(unit), "region": .string(region),
                ]
                if let milestone = item.milestone { data["milestone"] = .string(milestone) }
                var report = draft("plan/2024-2026", "PlanMilestoneReported", data)
                report.occurred = (completed + draws.int(0...5)).description
                if report.occurred > options.through.description { report.occurred = options.through.description }
                report.key = "demo/ledger/\(region)/\(item.task)/\(item.milestone ?? "")"
                return report
            }
        }
        for city in reference.cities {
            officeWork.append((.city(city.code), reports(for: city.code, unit: city.name + "工业和信息化局")))
        }
        for county in Self.officeCounties {
            guard let city = reference.city(containing: county), let name = city.counties.first(where: { $0.code == county })?.name else { continue }
            var drafts = reports(for: county, unit: name + "工业和信息化局")
            // The county office trains its own pending enterprises (普及培训).
            let pending = enterprises.filter { $0.county == county && $0.leftIn == nil && ($0.stages[2026] ?? 0) == 0 }
            for (index, enterprise) in pending.prefix(12).enumerated() {
                var training = draft(
                    "enterprise/" + enterprise.uscc, "TrainingAttended",
                    ["session": .string("2026年\(name)企业家数字化转型普及培训第\(index / 6 + 1)期"), "level": "popularisation", "mode": "offline"])
                training.occurred = (Day(2026, 11, 3) + draws.int(0...20)).description
                training.key = "demo/county/\(county)/training/\(enterprise.uscc)"
                drafts.append(training)
            }
            officeWork.append((.county(county), drafts))
        }
    }

    /// The counties whose offices record their own work in the demo (黄岛区, 历下区).
    public static let officeCounties = ["370211", "370102"]

    /// The recognitions the plan counts by the hundred — 工赋百景 scenario solutions, industrial
    /// internet platforms, 产业大脑 and 数字经济总部 — near the plan's yearly numbers for a
    /// province of 30,000 enterprises (scaled to the demo's), to providers and to enterprises
    /// at L3 or above. Drawn apart from `random`, so the rest of the history does not move.
    private mutating func generateRecognitions(_ enterprises: [EnterpriseHistory]) {
        var draws = SeededRandom(seed: options.seed ^ 0xA3A2_D5)
        let scale = Double(options.enterprises) / 30_000
        let kinds: [(kind: String, code: String, perYear: Double, month: Int, toProviders: Bool)] = [
            ("工赋百景", "GF", 100, 9, false), ("工业互联网平台", "PF", 50, 11, true), ("产业大脑", "BR", 17, 6, true), ("数字经济总部", "HQ", 17, 7, true),
        ]
        for year in 2024...2026 {
            let deep = enterprises.filter { ($0.stages[year - 1] ?? 0) >= 3 && !withdrawn.contains($0.uscc) && !$0.regressed }
            for (kind, code, perYear, month, toProviders) in kinds {
                let count = Int((perYear * scale * (0.8 + 0.3 * Double(draws.int(0...100)) / 100)).rounded())
                let admitted = providers.filter { $0.from < Day(year, month, 1) }
                for number in 0..<count {
                    let recipient: String
                    if toProviders || deep.isEmpty, !admitted.isEmpty {
                        recipient = draws.pick(admitted).uscc
                    } else if !deep.isEmpty {
                        recipient = draws.pick(deep).uscc
                    } else {
                        continue
                    }
                    emit(
                        Day(year, month, 5) + draws.int(0...40),
                        draft(
                            "award/\(year)-\(code)-\(number + 1)", "BenchmarkAwarded",
                            [
                                "recipient": .string(recipient), "kind": .string(kind), "level": .string("provincial"),
                                "year": .integer(Int64(year)),
                            ], expected: .none))
                }
            }
        }
    }

    // MARK: - Helpers

    /// The city whose 2026 coverage gain is padded with undiagnosed jumps (``Imperfection/Kind/paddedCityGain``).
    public static let paddingCity = "370700"

    /// The plan's 2023 baseline as stage shares (L0 12.7%: coverage 87.3%; L3–L5 42%).
    static let baselineShares = [12.7, 20, 25.3, 25, 12, 5]

    /// The next enterprise's baseline stage, dealt so that every prefix of the population matches
    /// the baseline shares as closely as whole enterprises can (the largest deficit goes first).
    private mutating func nextBaselineStage() -> Int {
        let dealt = baselineCounts.reduce(0, +) + 1
        var best = 0
        var bestDeficit = -Double.infinity
        for (stage, share) in Self.baselineShares.enumerated() {
            let deficit = share / 100 * Double(dealt) - Double(baselineCounts[stage])
            if deficit > bestDeficit { (best, bestDeficit) = (stage, deficit) }
        }
        baselineCounts[best] += 1
        return best
    }

    /// Files `draft` on the timeline at `day` (its business date), or, for a late record, at
    /// `recordedOn` with its business date still `day`.
    private mutating func emit(_ day: Day, _ draft: EventDraft, recordedOn: Day? = nil) {
        counter += 1
        var dated = draft
        dated.occurred = day.description
        timeline.append((recordedOn ?? day, counter, filed.count))
        filed.append(GeneratedHistory.Entry(dated))
    }

    private func draft(_ stream: String, _ type: String, _ data: JSONObject, expected: ExpectedVersion = .any) -> EventDraft {
        EventDraft(stream: stream, type: type, occurred: "2024-01-01", data: .object(data), expectedVersion: expected)
    }

    /// How many leading elements of `days` are before `day` (what `prefix { $0 < day }` counts),
    /// by binary search over the running maxima of `days` (computed once into `maxima`): the
    /// first element not before `day` is where the running maximum first reaches it. Providers
    /// and trial offers grow with the population, so copying the prefix on every diagnosis was
    /// quadratic.
    static func prefixCount(_ days: @autoclosure () -> [Day], before day: Day, maxima: inout [Day]) -> Int {
        if maxima.isEmpty {
            for value in days() { maxima.append(maxima.last.map { max($0, value) } ?? value) }
        }
        var low = 0
        var high = maxima.count
        while low < high {
            let middle = (low + high) / 2
            if maxima[middle] < day { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A new valid USCC registered in `division` (both check characters computed).
    private mutating func newUSCC(division: String) -> String {
        guard division.utf8.count == 6, let divisionNumber = Int(division) else {
            preconditionFailure("a division is six digits, not \(division)")
        }
        while true {
            var body = ""
            var bodyNumber = 0
            for _ in 0..<8 {
                let digit = random.int(0...9)
                body.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(digit)))
                bodyNumber = bodyNumber * 10 + digit
            }
            // The code is its division and body with check characters: those two, as one number, name it.
            guard usedCodes.insert(divisionNumber * 100_000_000 + bodyNumber).inserted else { continue }
            let organisation = body + String(USCC.organisationCheckCharacter(for: body)!)
            let first17 = "91" + division + organisation
            return first17 + String(USCC.checkCharacter(for: first17)!)
        }
    }
}

/// One generated enterprise: its stage at each year's end, the stages it moved up to (with the
/// key of the assessment that did it), and every stage change on the day it is recorded (what
/// the rules see, in log order).
struct EnterpriseHistory {
    var uscc: String
    var county: String
    var stages: [Int: Int]
    var upgradedTo: [Int: String]
    var changes: [(recorded: Day, stage: Int)]
    var registeredOn: Day
    /// The year it left the population (it is not in that year's).
    var leftIn: Int?
    /// Every stage an assessment found, on the assessment's business date.
    var found: [(day: Day, stage: Int)]
    /// Whether an annual assessment found it a stage lower (it draws no award: a downgrade
    /// after one would be a supervision finding no seeded flaw explains).
    var regressed: Bool

    /// The stage of the last change recorded on or before `day` (0 before any).
    func stage(recordedBy day: Day) -> Int {
        var latest: (recorded: Day, stage: Int)?
        for change in changes where change.recorded <= day {
            if latest == nil || change.recorded >= latest!.recorded { latest = change }
        }
        return latest?.stage ?? 0
    }
}

/// One row of the assessment platform's export of an annual assessment.
public struct AnnualResult: Sendable {
    public var uscc: String
    public var assessment: String
    public var date: String
    public var stage: Int
    /// For an enterprise first seen in the results: its name, city, county and industry.
    public var profile: (name: String, city: String, county: String, industry: String)?

    /// The rows as the platform exports them (CSV with Chinese headers, the two scores, and the
    /// profile columns, filled for the enterprises it does not know yet).
    public static func csv(_ rows: [AnnualResult]) -> String {
        var text = "统一社会信用代码,评估编号,评估日期,评估类型,评估等级,得分:数字化基础,得分:数字化应用,企业名称,所属城市,区县,行业代码\r\n"
        for row in rows {
            let profile = row.profile.map { "\($0.name),\($0.city),\($0.county),\($0.industry)" } ?? ",,,"
            text += "\(row.uscc),\(row.assessment),\(row.date),年度评估,L\(row.stage),\(20 + row.stage * 15),\(15 + row.stage * 16),\(profile)\r\n"
        }
        return text
    }
}
