import Foundation
import Testing

@testable import Domain
@testable import EventLog

/// Each rule of the plan that depends on the log's state, with the message a person sees.
@Suite struct DomainRulesTests {
    static let enterprise = "91370200AY4CL12T2L"
    static let provider = "91370100H3BJ1XG69R"
    static let other = "91370200163562681G"

    static func draft(_ stream: String, _ type: String, _ data: JSONValue, occurred: String = "2024-06-01") -> EventDraft {
        EventDraft(stream: stream, type: type, occurred: occurred, data: data)
    }

    static let history: [EventDraft] = [
        draft("provider/\(provider)", "ProviderAdmitted", ["name": "济南智造云科技有限公司", "mapBatch": 1]),
        draft(
            "provider/\(provider)", "SolutionListed", ["solution": "APS", "title": "智能排产", "domain": "生产制造", "lightweight": true, "freeTrial": "三个月"]),
        draft("provider/\(provider)", "SolutionListed", ["solution": "ERP", "title": "云ERP", "domain": "经营管理", "lightweight": true]),
        draft(
            "enterprise/\(enterprise)", "EnterpriseRegistered",
            ["name": "青岛海川", "uscc": .string(enterprise), "city": "370200", "county": "370211", "industry": "C3484", "yearEntered": 2019]),
        draft("enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A1", "kind": "online", "instrument": "2024.1", "stage": "L1"]),
        draft("enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A2", "kind": "onsite", "instrument": "2024.1", "stage": "L2"]),
        draft("award/SF-1", "BenchmarkAwarded", ["recipient": .string(other), "kind": "工赋百景", "level": "provincial", "year": 2024]),
        draft("incentive/I-1", "IncentiveGranted", ["recipient": .string(other), "amountFen": 100, "policy": "奖补", "basis": "award/SF-1"]),
        draft("award/SF-2", "BenchmarkAwarded", ["recipient": .string(other), "kind": "工赋百景", "level": "provincial", "year": 2024]),
        draft("award/SF-2", "BenchmarkRevoked", ["reason": "材料不实"]),
    ]

    /// A log holding `history`, and the rules over it.
    static func rules() async throws -> (DomainRules, EventLog, String) {
        let root = NSTemporaryDirectory() + "gongfu-rules-" + UUID().uuidString
        let directory = LogDirectory(root: root)
        try EventLog.initialize(directory: directory, origin: "test/rules")
        let log = try EventLog(directory: directory, writable: true)
        for draft in history { try EventValidator().validate(draft) }
        _ = try await log.append(history, actor: Actor(name: "test", role: "province"))
        return (try DomainRules(log: log, today: "2026-11-28"), log, root)
    }

    @Test(
        arguments: [
            (draft("enterprise/\(enterprise)", "StageUpgraded", ["from": "L1", "to": "L2", "assessment": "A2"]), "stage-from-assessment"),
            (
                draft(
                    "enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A3", "kind": "annual", "instrument": "2024.1", "stage": "L0"]),
                nil
            ),
            (draft("award/SF-9", "BenchmarkAwarded", ["recipient": .string(enterprise), "kind": "5G工厂", "level": "provincial", "year": 2024]), nil),
            (draft("enterprise/\(other)", "TrainingAttended", ["session": "培训"]), "registered-enterprise"),
            (
                draft(
                    "enterprise/\(enterprise)", "EnterpriseRegistered",
                    ["name": "x", "uscc": .string(enterprise), "city": "370200", "county": "370211", "industry": "C3484", "yearEntered": 2019]),
                "register-once"
            ),
            (draft("enterprise/\(enterprise)", "TrialStarted", ["provider": .string(provider), "solution": "APS"]), nil),
            (draft("enterprise/\(enterprise)", "TrialStarted", ["provider": .string(provider), "solution": "ERP"]), "trial-needs-offer"),
            (draft("enterprise/\(enterprise)", "TrialStarted", ["provider": .string(other), "solution": "APS"]), "provider-in-pool"),
            (
                draft("enterprise/\(enterprise)", "DiagnosisVisited", ["provider": .string(other), "commissioner": "王", "findings": "x"]),
                "provider-in-pool"
            ),
            (
                draft("award/SF-9", "BenchmarkAwarded", ["recipient": .string(enterprise), "kind": "智能工厂", "level": "provincial", "year": 2024]),
                "benchmark-eligibility"
            ),
            (draft("award/SF-9", "BenchmarkAwarded", ["recipient": .string(enterprise), "kind": "晨星工厂", "level": "provincial", "year": 2024]), nil),
            (
                draft("award/SF-1", "BenchmarkAwarded", ["recipient": .string(other), "kind": "工赋百景", "level": "provincial", "year": 2024]),
                "award-once"
            ),
            (draft("award/SF-2", "BenchmarkRevoked", ["reason": "again"]), "revoke-awarded"),
            (
                draft("incentive/I-2", "IncentiveGranted", ["recipient": .string(other), "amountFen": 100, "policy": "奖补", "basis": "award/SF-1"]),
                "incentive-once"
            ),
            (
                draft("incentive/I-3", "IncentiveGranted", ["recipient": .string(other), "amountFen": 100, "policy": "奖补", "basis": "award/SF-2"]),
                "incentive-basis"
            ),
            (draft("enterprise/\(enterprise)", "TrainingAttended", ["session": "培训"], occurred: "2026-11-29"), "no-future-dates"),
            (draft("enterprise/\(enterprise)", "EventRetracted", ["seq": 5, "reason": "重复录入"]), nil),
            (draft("enterprise/\(enterprise)", "EventRetracted", ["seq": 1, "reason": "重复录入"]), "correction-names-event"),
            (
                draft("enterprise/\(enterprise)", "EventCorrected", ["seq": 99, "reason": "x", "corrected": ["stage": "L2"]]),
                "correction-names-event"
            ),
            (draft("enterprise/\(enterprise)", "EventRetracted", ["seq": 4, "reason": "登记有误"]), "retraction-undoable"),
            (draft("provider/\(provider)", "EventRetracted", ["seq": 1, "reason": "登记有误"]), "retraction-undoable"),
            (draft("enterprise/\(enterprise)", "EventCorrected", ["seq": 5, "reason": "x", "corrected": ["stage": "L2"]]), "correction-applied"),
            (draft("award/SF-2", "EventRetracted", ["seq": 10, "reason": "撤销有误"]), nil),
            (
                draft(
                    "project/P-1", "ProjectFiled",
                    ["enterprise": .string(enterprise), "domain": "生产制造", "providers": [.string(other)], "budgetFen": 1, "targetStage": "L3"]),
                "provider-in-pool"
            ),
        ] as [(EventDraft, String?)], [false, true])
    func rule(example: (draft: EventDraft, violated: String?), prefetched: Bool) async throws {
        let (draft, violated) = example
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        if prefetched {
            // The enterprises, and what the draft names (an award's recipient, a provider).
            try rules.prefetch(enterprises: [Self.enterprise, Self.other])
            try rules.prefetch(for: [draft])
        }
        try EventValidator().validate(draft)
        do {
            try rules.check(draft)
            #expect(violated == nil, "accepted, but should break \(violated ?? "")")
        } catch {
            #expect(error.rule == violated, "\(error)")
            #expect(!error.message.isEmpty)
        }
        await log.close()
    }

    @Test("enterprises read in one pass ahead (prefetch) give every check the answer it gets without")
    func prefetchAgreesWithReadingOneStreamAtATime() async throws {
        let root = NSTemporaryDirectory() + "gongfu-prefetch-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try EventLog.initialize(directory: LogDirectory(root: root), origin: "test/prefetch")
        let log = try EventLog(directory: LogDirectory(root: root), writable: true)
        // Enough events, in many batches, for the pass to be split between threads.
        let ids = (0..<3600).map { number in
            let serial = "P" + String(1_000_000 + number)
            let first17 = "91370211" + serial + String(USCC.organisationCheckCharacter(for: serial)!)
            return first17 + String(USCC.checkCharacter(for: first17)!)
        }
        let (cities, counties) = (["370200", "370100"], ["370211", "370102"])
        var history: [EventDraft] = []
        for (index, id) in ids.enumerated() {
            let stream = "enterprise/\(id)"
            history.append(
                Self.draft(
                    stream, "EnterpriseRegistered",
                    [
                        "name": .string("企业\(index)"), "uscc": .string(id), "city": .string(cities[index % 2]),
                        "county": .string(counties[index % 2]),
                        "industry": "C3484", "yearEntered": 2019,
                    ]))
            history.append(
                Self.draft(
                    stream, "AssessmentRecorded",
                    [
                        "assessment": .string("A\(index)"), "kind": "annual", "instrument": "2024.1", "stage": .string("L\(index % 6)"),
                        "scores": ["数字化基础": 61.5],
                    ]))
            if index % 5 == 0 { history.append(Self.draft(stream, "TrainingAttended", ["session": "培训"])) }
            if index % 7 == 0 {
                history.append(Self.draft(stream, "EnterpriseProfileCorrected", ["city": "370100", "county": "370102", "reason": "迁址"]))
            }
            if index % 11 == 0 { history.append(Self.draft(stream, "EnterpriseLeftPopulation", ["year": 2025, "reason": "belowThreshold"])) }
        }
        for start in stride(from: 0, to: history.count, by: 500) {
            _ = try await log.append(Array(history[start..<min(start + 500, history.count)]), actor: Actor(name: "test", role: "province"))
        }
        // Some of the assessments retracted (the stage falls back to none).
        let retractions = try (0..<ids.count).filter { $0 % 13 == 0 }.map { index throws -> EventDraft in
            let stream = "enterprise/\(ids[index])"
            let assessment = log.positions(of: stream)[1]
            return Self.draft(stream, "EventRetracted", ["seq": .integer(Int64(assessment)), "reason": "重复录入"])
        }
        _ = try await log.append(retractions, actor: Actor(name: "test", role: "province"))
        #expect(log.size > 8192)

        let (province, city) = (Actor(name: "省厅", role: "province"), Actor(name: "青岛", role: "city:370200"))
        let drafts = ids.enumerated().map { index, id in
            (
                Self.draft(
                    "award/T-\(index)", "BenchmarkAwarded", ["recipient": .string(id), "kind": "智能工厂", "level": "provincial", "year": 2025],
                    occurred: "2025-12-01"),
                Self.draft("enterprise/\(id)", "TrainingAttended", ["session": "复训"], occurred: "2025-12-02")
            )
        }
        func outcomes(_ rules: inout DomainRules) -> [String] {
            var answers: [String] = []
            for (award, visit) in drafts {
                for (draft, actor) in [(award, province), (visit, city)] {
                    do {
                        try rules.check(draft, by: actor)
                        answers.append("ok")
                    } catch {
                        answers.append(error.rule)
                    }
                }
            }
            return answers
        }
        var plain = try DomainRules(log: log, today: "2026-11-28")
        var prefetched = try DomainRules(log: log, today: "2026-11-28")
        try prefetched.prefetch(enterprises: ids)
        // Prefetched for the drafts: the awards' recipients with their stage histories, half of
        // them already folded without.
        var forDrafts = try DomainRules(log: log, today: "2026-11-28")
        try forDrafts.prefetch(enterprises: ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        // Drafts checked before the prefetch, not yet appended: a retraction and an assessment.
        let before = [
            Self.draft(
                "enterprise/\(ids[1])", "EventRetracted", ["seq": .integer(Int64(log.positions(of: "enterprise/\(ids[1])")[1])), "reason": "重复录入"]),
            Self.draft(
                "enterprise/\(ids[3])", "AssessmentRecorded", ["assessment": "B3", "kind": "annual", "instrument": "2025.1", "stage": "L5"],
                occurred: "2025-11-01"),
        ]
        for draft in before {
            try plain.check(draft, by: province)
            try prefetched.check(draft, by: province)
            try forDrafts.check(draft, by: province)
        }
        try forDrafts.prefetch(for: drafts.flatMap { [$0.0, $0.1] })
        let expected = outcomes(&plain)
        #expect(outcomes(&prefetched) == expected)
        #expect(outcomes(&forDrafts) == expected)
        // The fixture exercises every answer: accepted, too low a stage, left, another city's.
        #expect(Set(expected) == ["ok", "benchmark-eligibility", "in-population", "jurisdiction"])
        await log.close()
    }

    @Test func draftsSeeTheOnesBeforeThemAndLeavingThePopulationIsFinal() async throws {
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let newcomer = "enterprise/\(Self.other)"
        try rules.check(
            Self.draft(
                newcomer, "EnterpriseRegistered",
                ["name": "新企业", "uscc": .string(Self.other), "city": "370200", "county": "370211", "industry": "C1711", "yearEntered": 2024]))
        try rules.check(Self.draft(newcomer, "TrainingAttended", ["session": "培训"]))
        try rules.check(Self.draft(newcomer, "EnterpriseLeftPopulation", ["year": 2025, "reason": "belowThreshold"]))
        #expect(throws: RuleViolation.self) { try rules.check(Self.draft(newcomer, "TrainingAttended", ["session": "培训"])) }
        await log.close()
    }

    @Test(
        "the rules read a stream without its retracted events: a withdrawn upgrade or incentive can be recorded again, in the log or in the same batch"
    )
    func retractedEventsNoLongerCount() async throws {
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stream = "enterprise/\(Self.enterprise)"
        let assessment = Self.draft(stream, "AssessmentRecorded", ["assessment": "A3", "kind": "annual", "instrument": "2024.1", "stage": "L3"])
        let award = Self.draft(
            "award/SF-9", "BenchmarkAwarded", ["recipient": .string(Self.enterprise), "kind": "智能工厂", "level": "provincial", "year": 2024])
        let atL2 = { (error: any Error) in (error as? RuleViolation)?.message.contains("is at L2") == true }
        // In one batch: an assessment at L3 (seq 11), withdrawn (12): back at L2; again (13): L3.
        try rules.check(assessment)
        try rules.check(Self.draft(stream, "EventRetracted", ["seq": 11, "reason": "评估结论不成立"]))
        #expect { try rules.check(award) } throws: { atL2($0) }
        try rules.check(assessment)
        try rules.check(award)
        // Across batches, from the log: the withdrawn incentive's basis is free again.
        let incentive = Self.draft(
            "incentive/I-1", "IncentiveGranted", ["recipient": .string(Self.other), "amountFen": 100, "policy": "奖补", "basis": "award/SF-1"])
        _ = try await log.append(
            [
                assessment, Self.draft(stream, "EventRetracted", ["seq": 11, "reason": "x"]),
                Self.draft("incentive/I-1", "EventRetracted", ["seq": 8, "reason": "重复发放"]),
            ], actor: Actor(name: "test", role: "province"))
        rules = try DomainRules(log: log, today: "2026-11-28")  // a new intake's rules: nothing cached from the drafts above
        #expect {
            try rules.check(
                Self.draft(
                    "award/SF-8", "BenchmarkAwarded", ["recipient": .string(Self.enterprise), "kind": "智能工厂", "level": "provincial", "year": 2024]))
        } throws: {
            atL2($0)
        }
        #expect {
            try rules.check(
                Self.draft(
                    "incentive/I-9", "IncentiveGranted", ["recipient": .string(Self.other), "amountFen": 100, "policy": "奖补", "basis": "award/SF-2"]))
        } throws: {
            ($0 as? RuleViolation)?.rule == "incentive-basis"
        }
        try rules.check(incentive)
        await log.close()
    }

    @Test("the stage the rules read is the latest assessment's on the event's date: up, down, or an earlier one recorded late")
    func stageIsTheLatestAssessment() async throws {
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stream = "enterprise/\(Self.enterprise)"
        func assessed(_ id: String, _ stage: String, on date: String) -> EventDraft {
            Self.draft(
                stream, "AssessmentRecorded", ["assessment": .string(id), "kind": "annual", "instrument": "2025.1", "stage": .string(stage)],
                occurred: date)
        }
        func award(_ id: String, _ kind: String, on date: String) -> EventDraft {
            Self.draft(
                "award/\(id)", "BenchmarkAwarded",
                ["recipient": .string(Self.enterprise), "kind": .string(kind), "level": "provincial", "year": 2025],
                occurred: date)
        }
        try rules.check(assessed("A3", "L4", on: "2025-03-01"))
        try rules.check(award("P-1", "数字领航", on: "2025-04-01"))
        // The October assessment finds L1: from then on, L2 awards are refused...
        try rules.check(assessed("A4", "L1", on: "2025-10-15"))
        #expect { try rules.check(award("P-2", "5G工厂", on: "2025-11-01")) } throws: {
            ($0 as? RuleViolation)?.rule == "benchmark-eligibility" && "\($0)".contains("is at L1")
        }
        // ...an award dated before the regression still reads L4, and an assessment dated before
        // the October one but recorded after it does not change today's stage.
        try rules.check(award("P-3", "5G工厂", on: "2025-09-01"))
        try rules.check(assessed("A5", "L3", on: "2025-06-01"))
        #expect(throws: RuleViolation.self) { try rules.check(award("P-4", "5G工厂", on: "2025-11-02")) }
        await log.close()
    }

    @Test("a retraction names an event the read models can undo, also one earlier in the same batch; the refusal says what to record instead")
    func retractionsTheReadModelsCanUndo() async throws {
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stream = "enterprise/\(Self.enterprise)"
        // Seqs 11 and 12 are the two drafts checked here, appended after the 10 of the history.
        try rules.check(Self.draft(stream, "TrainingAttended", ["session": "培训"]))
        try rules.check(Self.draft(stream, "EventRetracted", ["seq": 11, "reason": "重复录入"]))
        do {
            try rules.check(Self.draft(stream, "EventRetracted", ["seq": 4, "reason": "登记有误"]))
            Issue.record("a registration was retracted")
        } catch {
            #expect(error.rule == "retraction-undoable")
            #expect(
                error.message.contains("event 4 (EnterpriseRegistered) is not one the read models can undo")
                    && error.message.contains("EnterpriseLeftPopulation"), "\(error.message)")
        }
        do {
            try rules.check(Self.draft(stream, "EventCorrected", ["seq": 11, "reason": "日期有误", "corrected": ["session": "秋季培训"]]))
            Issue.record("a correction was accepted")
        } catch {
            #expect(error.rule == "correction-applied")
            #expect(error.message.contains("retract it (EventRetracted) and record the TrainingAttended again"), "\(error.message)")
        }
        await log.close()
    }

    @Test("a correction changes only the fields the read models apply, of a recorded event, and leaves it valid")
    func correctionsOfWhatTheReadModelsApply() async throws {
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        func correction(_ seq: Int64, _ corrected: JSONValue, in stream: String = "provider/\(Self.provider)") -> EventDraft {
            Self.draft(stream, "EventCorrected", ["seq": .integer(seq), "reason": "录入有误", "corrected": corrected])
        }
        try rules.check(correction(1, ["name": "济南智造云科技股份有限公司", "city": "370100"]))
        for (corrected, rule) in [
            (["mapBatch": "第一批"] as JSONValue, "correction-valid"), (["uscc": "x"], "correction-fields"), ([:], "correction-fields"),
        ] {
            #expect { try rules.check(correction(1, corrected)) } throws: { ($0 as? RuleViolation)?.rule == rule }
        }
        #expect { try rules.check(correction(2, ["title": "x"])) } throws: {
            ($0 as? RuleViolation)?.rule == "correction-applied" && "\($0)".contains("list the solution again")
        }
        // A filing corrected in the same input (it will be seq 12, after the correction above).
        let early = "project/P-2024-370200-0008"
        try rules.check(
            Self.draft(
                early, "ProjectFiled",
                [
                    "enterprise": .string(Self.enterprise), "domain": "生产制造", "providers": [.string(Self.provider)], "budgetFen": 100,
                    "targetStage": "L2",
                ]))
        try rules.check(correction(12, ["budgetFen": 1000], in: early))
        #expect { try rules.check(correction(12, ["budgetFen": 1000], in: "project/P-2024-370200-0007")) } throws: {
            ($0 as? RuleViolation)?.rule == "correction-names-event"
        }
        // A project's providers must be in the pool after the correction as when it was filed.
        let project = "project/P-2024-370200-0009"
        _ = try await log.append(
            [
                Self.draft(
                    project, "ProjectFiled",
                    [
                        "enterprise": .string(Self.enterprise), "domain": "生产制造", "providers": [.string(Self.provider)], "budgetFen": 100,
                        "targetStage": "L2",
                    ])
            ], actor: Actor(name: "test", role: "province"))
        rules = try DomainRules(log: log, today: "2026-11-28")
        try rules.check(correction(11, ["budgetFen": 1000, "targetStage": "L3"], in: project))
        #expect { try rules.check(correction(11, ["providers": [.string(Self.other)]], in: project)) } throws: {
            ($0 as? RuleViolation)?.rule == "provider-in-pool"
        }
        #expect { try rules.check(correction(11, ["enterprise": .string(Self.other)], in: project)) } throws: {
            ($0 as? RuleViolation)?.rule == "correction-fields"
        }
        await log.close()
    }

    @Test("a ledger report names a task or milestone of the plan's latest ledger, also one published earlier in the same batch")
    func ledgerReports() async throws {
        var (rules, log, root) = try await Self.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try DefaultPlan.draft()
        _ = try await log.append([plan], actor: Actor(name: "test", role: "province"))
        func report(_ task: String, _ milestone: String? = nil) -> EventDraft {
            var data: [String: JSONValue] = ["task": .string(task), "completedOn": "2024-05-01", "unit": "省工信厅"]
            if let milestone { data["milestone"] = .string(milestone) }
            return Self.draft(plan.stream, "PlanMilestoneReported", .object(data))
        }
        func violation(_ draft: EventDraft) -> String? {
            do { try rules.check(draft) } catch { return error.rule }
            return nil
        }
        #expect(violation(report("2")) == nil)
        #expect(violation(report("2", "完成指标体系设计和标准互认")) == nil)
        #expect(violation(report("2", "未列入的节点")) == "ledger-item")
        #expect(violation(report("99")) == "ledger-item")
        // The plan published again with task 2 only: the reports checked after it read that ledger.
        guard case .object(var members) = plan.data, case .array(let tasks) = members["ledger"] else {
            Issue.record("the default plan has no ledger")
            return
        }
        members["ledger"] = .array(tasks.filter { $0["task"] == "2" })
        var republished = plan
        republished.data = .object(members)
        republished.key = nil
        republished.expectedVersion = .any
        #expect(violation(republished) == nil)
        #expect(violation(report("2")) == nil)
        #expect(violation(report("4")) == "ledger-item")
        await log.close()
    }
}
