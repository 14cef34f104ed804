import Domain
import EventLog

/// Generates a province's history from the 2023 baseline (coverage 87.3%, deep rate 42%) through
/// 2026, following the plan's mechanics, deterministically from a seed: registrations, the
/// pending library's five steps, upgrades resting on assessments, projects, providers admitted
/// in map batches with solutions and free-trial offers, activities, benchmarks, incentives,
/// the ledger's reports and the annual assessments each October.
public struct ProvinceGenerator {
    public struct Options: Sendable {
        public var seed: UInt64 = 2024
        public var enterprises = 30_000
        /// The last business date generated (events after it have not happened yet).
        public var through = Day(2026, 11, 27)

        public init(seed: UInt64 = 2024, enterprises: Int = 30_000) {
            self.seed = seed
            self.enterprises = enterprises
        }
    }

    public let options: Options
    private var random: SeededRandom
    private var timeline: [(day: Day, order: Int, draft: EventDraft)] = []
    private var counter = 0
    private var usedCodes: Set<String> = []
    private var trialOffers: [(provider: String, solution: String, from: Day)] = []
    private var providers: [(uscc: String, from: Day)] = []
    private var baselineCounts = Array(repeating: 0, count: 6)

    public init(options: Options = Options()) {
        self.options = options
        random = SeededRandom(seed: options.seed)
    }

    /// The whole history, in business-date order.
    public mutating func generate() throws -> [EventDraft] {
        timeline.removeAll()
        emit(Day(2024, 1, 15), try DefaultPlan.draft())
        generateProviders()
        generateActivities()
        generateLedgerReports()
        for year in 2023...2026 {
            emit(Day(year, 10, 1), draft("plan/annual-assessment", "AnnualAssessmentOpened", ["year": .integer(Int64(year)), "cutoff": .string("\(year)-10-31")]))
            if Day(year, 11, 30) <= options.through {
                emit(Day(year, 11, 30), draft("plan/annual-assessment", "AnnualAssessmentClosed", ["year": .integer(Int64(year))]))
            }
        }
        var stages: [(uscc: String, stages: [Int: Int])] = []
        for _ in 0..<options.enterprises { stages.append(generateEnterprise()) }
        generateAwards(stages)
        timeline.sort { ($0.day, $0.order) < ($1.day, $1.order) }
        return timeline.filter { $0.day <= options.through }.map(\.draft)
    }

    // MARK: - Enterprises

    private mutating func generateEnterprise() -> (String, [Int: Int]) {
        let city = ProvinceData.cityWeights[random.weighted(ProvinceData.cityWeights.map(\.weight))]
        let counties = ReferenceData.standard.cities.first { $0.code == city.code }!.counties
        let county = random.pick(counties).code
        let industry = ProvinceData.classes[random.weighted(ProvinceData.classes.map(\.weight))]
        let uscc = newUSCC(division: county)
        let stream = "enterprise/" + uscc
        let name = city.short + String(random.pick(ProvinceData.brandCharacters)) + String(random.pick(ProvinceData.brandCharacters)) + industry.trade + "有限公司"
        let entersLate = random.chance(0.015)
        let registeredOn = entersLate ? Day(random.pick([2024, 2025]), 3, random.int(1...28)) : Day(2023, 1, 3) + random.int(0...50)
        let yearEntered = entersLate ? registeredOn.year : random.int(2003...2022)
        var chains: [JSONValue] = [.string(industry.chain)]
        if random.chance(0.1) { chains.append(.string("专精特新")) }
        emit(registeredOn, draft(stream, "EnterpriseRegistered", [
            "name": .string(name), "uscc": .string(uscc), "city": .string(city.code), "county": .string(county),
            "industry": .string(industry.code), "chains": .array(chains), "yearEntered": .integer(Int64(yearEntered)),
        ], expected: .none))

        // The 2023 baseline: the stage its first assessment found.
        let baseline = entersLate ? 0 : nextBaselineStage()
        var stage = 0
        var assessments = 0
        func upgrade(on day: Day, to target: Int, kind: String) {
            assessments += 1
            let id = "\(uscc.suffix(6))-\(day.year)-\(assessments)"
            emit(day, draft(stream, "AssessmentRecorded", [
                "assessment": .string(id), "kind": .string(kind), "instrument": .string("SD-DT-2023.1"),
                "scores": .object(["数字化基础": .integer(Int64(20 + target * 15)), "数字化应用": .integer(Int64(15 + target * 16))]),
                "stage": .string("L\(target)"),
            ]))
            emit(day + random.int(0...6), draft(stream, "StageUpgraded", ["from": .string("L\(stage)"), "to": .string("L\(target)"), "assessment": .string(id)]))
            stage = target
        }
        if baseline > 0 {
            // The first assessment sets the stage the enterprise starts from (no upgrade).
            assessments += 1
            emit(Day(2023, 5, 1) + random.int(0...140), draft(stream, "AssessmentRecorded", [
                "assessment": .string("\(uscc.suffix(6))-2023-\(assessments)"), "kind": .string("annual"), "instrument": .string("SD-DT-2023.1"),
                "scores": .object(["数字化基础": .integer(Int64(20 + baseline * 15)), "数字化应用": .integer(Int64(15 + baseline * 16))]),
                "stage": .string("L\(baseline)"),
            ]))
            stage = baseline
        }

        let leaves = random.chance(0.01)
        var stageAtYearEnd: [Int: Int] = [:]
        for year in 2024...2026 {
            if leaves, year == 2025 {
                emit(Day(2025, 4, 1) + random.int(0...60), draft(stream, "EnterpriseLeftPopulation", ["year": .integer(2025), "reason": .string("belowThreshold")]))
                return (uscc, [:])
            }
            defer { stageAtYearEnd[year] = stage }
            let start = Day(year, 1, 10)
            if stage == 0, registeredOn < start + 20 {
                let leavesLibrary = random.chance([2024: 0.30, 2025: 0.42, 2026: 0.72][year]!)
                workPendingLibrary(stream, year: year, complete: leavesLibrary)
                if leavesLibrary { upgrade(on: Day(year, 9, 1) + random.int(0...50), to: 1, kind: "onsite") }
            } else if stage > 0, stage < 5 {
                let p = [1: 0.14, 2: 0.125, 3: 0.05, 4: 0.03][stage]!
                if random.chance(p) {
                    let day = Day(year, 3, 1) + random.int(0...180)
                    emit(day, diagnosis(stream, on: day))
                    generateProject(uscc, day: day + 7, targetStage: stage + 1)
                    upgrade(on: day + random.int(30...60), to: stage + 1, kind: "onsite")
                }
            }
        }
        return (uscc, stageAtYearEnd)
    }

    /// The five steps of the pending library: online assessment, on-site diagnosis, training,
    /// provider matching, free trial; all of them when the enterprise leaves the library this
    /// year, some of them otherwise.
    private mutating func workPendingLibrary(_ stream: String, year: Int, complete: Bool) {
        var day = Day(year, 2, 1) + random.int(0...50)
        let steps = complete ? 5 : random.weighted([1, 3, 3, 2, 1.5, 1])
        if steps >= 1 {
            emit(day, draft(stream, "AssessmentRecorded", [
                "assessment": .string("\(stream.suffix(6))-\(year)-online"), "kind": .string("online"), "instrument": .string("SD-DT-2023.1"),
                "stage": .string("L0"),
            ]))
        }
        if steps >= 2 {
            day = max(day + random.int(10...40), providers[0].from + random.int(1...20))
            emit(day, diagnosis(stream, on: day))
        }
        if steps >= 3 {
            day = day + random.int(5...30)
            emit(day, draft(stream, "TrainingAttended", ["session": .string("\(year)年企业家数字化转型培训第\(random.int(1...20))期")]))
        }
        guard steps >= 4, !trialOffers.isEmpty else { return }
        day = max(day + random.int(5...20), trialOffers[0].from + random.int(1...10))
        let available = trialOffers.prefix { $0.from < day }
        let (provider, solution, _) = random.pick(Array(available))
        emit(day, draft(stream, "ProviderMatched", ["provider": .string(provider), "solution": .string(solution)]))
        if steps >= 5 {
            day = day + random.int(5...20)
            emit(day, draft(stream, "TrialStarted", ["provider": .string(provider), "solution": .string(solution)]))
            emit(day + random.int(30...60), draft(stream, "TrialEnded", [
                "provider": .string(provider), "solution": .string(solution), "outcome": .string(random.chance(0.7) ? "purchased" : "declined"),
            ]))
        }
    }

    private mutating func diagnosis(_ stream: String, on day: Day) -> EventDraft {
        let provider = random.pick(Array(providers.prefix { $0.from < day })).uscc
        return draft(stream, "DiagnosisVisited", [
            "provider": .string(provider), "commissioner": .string(String(random.pick(ProvinceData.commissioners)) + "专员"),
            "findings": .string(random.pick(["设备联网率低，生产数据靠人工记录", "ERP与生产脱节，库存不准", "质量检测依赖人工，追溯困难", "能耗管理粗放"])),
            "recommended": .array([.string(random.pick(ProvinceData.solutionTitles).title)]),
        ])
    }

    @discardableResult
    private mutating func generateProject(_ uscc: String, day: Day, targetStage: Int) -> String {
        counter += 1
        let id = "P\(day.year)-\(uscc.suffix(8))-\(counter % 1000)"
        let stream = "project/" + id
        let solution = random.pick(ProvinceData.solutionTitles)
        let provider = providers.last { $0.from < day }?.uscc ?? providers[0].uscc
        emit(day, draft(stream, "ProjectFiled", [
            "enterprise": .string(uscc), "domain": .string(solution.domain), "providers": .array([.string(provider)]),
            "budgetFen": .integer(Int64(random.int(20...400)) * 1_000_000), "targetStage": .string("L\(targetStage)"),
        ], expected: .none))
        emit(day + random.int(20...50), draft(stream, "ProjectMilestoneReached", ["milestone": .string("系统上线试运行")]))
        if random.chance(0.9) {
            emit(day + random.int(55...110), draft(stream, "ProjectCompleted", [
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
                emit(day, draft(stream, "ProviderAdmitted", [
                    "name": .string(city.short + String(random.pick(ProvinceData.brandCharacters)) + String(random.pick(ProvinceData.brandCharacters)) + random.pick(ProvinceData.providerWords) + "有限公司"),
                    "mapBatch": .integer(Int64(batch + 1)), "city": .string(city.code),
                ], expected: .none))
                providers.append((uscc, day))
                for index in 0..<random.int(2...6) {
                    let solution = random.pick(ProvinceData.solutionTitles)
                    let id = "S\(number)-\(index + 1)"
                    let trial = random.chance(0.5)
                    let listed = day + random.int(1...20)
                    emit(listed, draft(stream, "SolutionListed", [
                        "solution": .string(id), "title": .string(solution.title), "domain": .string(solution.domain),
                        "lightweight": .bool(random.chance(0.6)), "freeTrial": trial ? .string("免费试用3个月") : .null,
                    ].filter { $0.value != .null }))
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
                    emit(Day(year, 2, 1) + random.int(0...300), draft("plan/2024-2026", "ActivityHeld", [
                        "kind": .string(kind), "title": .string("\(year)年\(city.short)\(title)第\(number)场"),
                        "city": .string(city.code), "participants": .integer(Int64(random.int(40...300))),
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
            if index == items.count - 2 { continue }                       // never reported: overdue
            let late = index == 3 || index == items.count - 4
            let completed = late ? deadline + random.int(10...40) : deadline + -random.int(0...20)
            var data: [String: JSONValue] = ["task": .string(item.task), "completedOn": .string(completed.description), "unit": .string(item.unit)]
            if let milestone = item.milestone { data["milestone"] = .string(milestone) }
            emit(completed + random.int(0...5), draft("plan/2024-2026", "PlanMilestoneReported", data))
        }
    }

    private mutating func generateAwards(_ enterprises: [(uscc: String, stages: [Int: Int])]) {
        var number = 0
        for year in [2024, 2025] {
            for (uscc, stages) in enterprises {
                guard let stage = stages[year], stage >= 2, random.chance(0.012) else { continue }
                number += 1
                let kind = stage >= 4 ? "数字领航" : stage == 3 ? "智能工厂" : "5G工厂"
                let award = "\(year)-\(number)"
                let day = Day(year, 12, 10) + random.int(0...10)
                emit(day, draft("award/" + award, "BenchmarkAwarded", [
                    "recipient": .string(uscc), "kind": .string(kind), "level": .string("provincial"), "year": .integer(Int64(year)),
                ], expected: .none))
                if random.chance(0.5) {
                    emit(day + random.int(20...60), draft("incentive/\(award)", "IncentiveGranted", [
                        "recipient": .string(uscc), "amountFen": .integer(50_000_000), "policy": .string("省级数字化转型标杆奖补"), "basis": .string("award/\(award)"),
                    ], expected: .none))
                }
            }
        }
    }

    // MARK: - Helpers

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

    /// Files `draft` on the timeline at `day` (its business date).
    private mutating func emit(_ day: Day, _ draft: EventDraft) {
        counter += 1
        var dated = draft
        dated.occurred = day.description
        timeline.append((day, counter, dated))
    }

    private func draft(_ stream: String, _ type: String, _ data: [String: JSONValue], expected: ExpectedVersion = .any) -> EventDraft {
        EventDraft(stream: stream, type: type, occurred: "2024-01-01", data: .object(data), expectedVersion: expected)
    }

    /// A new valid USCC registered in `division` (both check characters computed).
    private mutating func newUSCC(division: String) -> String {
        while true {
            let body = (0..<8).map { _ in String(random.int(0...9)) }.joined()
            let organisation = body + String(USCC.organisationCheckCharacter(for: body)!)
            let first17 = "91" + division + organisation
            let code = first17 + String(USCC.checkCharacter(for: first17)!)
            if usedCodes.insert(code).inserted { return code }
        }
    }
}
