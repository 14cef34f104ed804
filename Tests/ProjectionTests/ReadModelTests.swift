import DemoProvince
import Domain
import EventLog
import Foundation
import GRDB
import Projections
import TestSupport
import Testing

/// Valid enterprise codes for hand-written histories.
private let enterpriseA = "913702000000000019"

@Suite("What the read models say")
struct ReadModelTests {
    /// Appends `events` (stream, type, occurred, data) through the validated path.
    private func append(_ events: [(String, String, String, JSONValue)], to log: EventLog) async throws {
        var intake = try Intake(log: log, actor: province)
        _ = try await intake.checkAndAppend(events.map { EventDraft(stream: $0.0, type: $0.1, occurred: $0.2, data: $0.3) })
    }

    /// Closes the read models maintained so far (one process maintains them at a time), rebuilds
    /// `models` from zero over the same log, and expects their dumps to be the maintained ones.
    private func expectRebuiltEqualsMaintained(
        _ readModels: inout ReadModels?, _ models: [String], log: EventLog,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let maintained = try models.map { try ReadModelDump.dump(readModels!.store(named: $0)) }
        readModels = nil
        let rebuilt = try ReadModels(log: log, only: models)
        try rebuilt.rebuildAll()
        #expect(try models.map { try ReadModelDump.dump(rebuilt.store(named: $0)) } == maintained, sourceLocation: sourceLocation)
    }

    private func uscc(_ body: String, division: String) -> String {
        let organisation = body + String(USCC.organisationCheckCharacter(for: body)!)
        let first17 = "91" + division + organisation
        return first17 + String(USCC.checkCharacter(for: first17)!)
    }

    private func registration(_ code: String, city: String, county: String, industry: String = "C3484") -> (String, String, String, JSONValue) {
        (
            "enterprise/" + code, "EnterpriseRegistered", "2024-01-05",
            .object([
                "name": .string("测试企业\(code.suffix(4))有限公司"), "uscc": .string(code), "city": .string(city), "county": .string(county),
                "industry": .string(industry), "yearEntered": .integer(2020),
            ])
        )
    }

    private func assessment(_ code: String, _ id: String, _ kind: String, _ stage: String, on date: String) -> (String, String, String, JSONValue) {
        (
            "enterprise/" + code, "AssessmentRecorded", date,
            .object([
                "assessment": .string(id), "kind": .string(kind), "instrument": .string("v1"), "stage": .string(stage),
            ])
        )
    }

    @Test("Coverage: frozen at the close vs as known after a back-dated upgrade; profile moves; retraction")
    func coverageFrozenAndKnown() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000001", division: "370202")
        let b = uscc("10000002", division: "370202")
        let c = uscc("10000003", division: "370203")
        try await append(
            [
                ("plan/annual-assessment", "AnnualAssessmentOpened", "2024-10-01", ["year": 2024, "cutoff": "2024-10-31"]),
                registration(a, city: "370200", county: "370202"),
                registration(b, city: "370200", county: "370202"),
                registration(c, city: "370200", county: "370203", industry: "C1711"),
                assessment(a, "a-1", "annual", "L1", on: "2024-05-01"),
                assessment(b, "b-1", "online", "L0", on: "2024-03-01"),
                assessment(c, "c-1", "annual", "L3", on: "2024-05-01"),
                ("plan/annual-assessment", "AnnualAssessmentClosed", "2024-11-30", ["year": 2024]),
            ], to: log)
        let readModels = try ReadModels(log: log, only: ["coverage", "pending"])
        try readModels.catchUp()
        let coverage = try readModels.store(named: "coverage")
        func province(_ year: Int = 2024) throws -> [QueryTable.Value] {
            try ReadModelQuery.run("coverage", filters: QueryFilters(year: year), store: coverage).rows[0]
        }
        // population 3, covered 2 (A L1, C L3), deep 1 (C).
        #expect(try province()[3] == .integer(3))
        #expect(try province()[10] == .number(66.7))
        #expect(try province()[11] == .number(33.3))
        #expect(try province()[15] == .number(66.7), "the frozen figure equals the known one at the close")

        // A back-dated upgrade, recorded after the close with a date before the cutoff.
        try await append(
            [
                assessment(b, "b-2", "onsite", "L1", on: "2024-10-20")
            ], to: log)
        try readModels.catchUp()
        #expect(try province()[10] == .number(100), "as known now")
        #expect(try province()[15] == .number(66.7), "as frozen at the close: unchanged")
        let pending = try ReadModelQuery.run("pending", filters: QueryFilters(status: "left"), store: readModels.store(named: "pending"))
        #expect(pending.rows.count == 1 && pending.rows[0][0] == .text(b) && pending.rows[0][15] == .text("2024-10-20"))

        // The profile correction moves C to another county and industry: the groups follow.
        try await append(
            [("enterprise/" + c, "EnterpriseProfileCorrected", "2024-12-01", ["county": "370202", "industry": "C3484", "reason": "登记信息更正"])], to: log)
        try readModels.catchUp()
        let counties = try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2024), coverage: .county, store: coverage)
        #expect(counties.rows.map { $0[1] } == [.text("370202")] && counties.rows[0][3] == .integer(3))
        let textile = try ReadModelQuery.run("coverage", filters: QueryFilters(industry: "C17", year: 2024), coverage: .industry, store: coverage)
        #expect(textile.rows.isEmpty)

        // Retracting B's upgrade takes it back out of the known figures and back into the library.
        let upgradeSeq = log.positions(of: "enterprise/" + b).last!
        try await append([("enterprise/" + b, "EventRetracted", "2024-12-02", ["seq": .integer(Int64(upgradeSeq)), "reason": "评估材料不实"])], to: log)
        try readModels.catchUp()
        #expect(try province()[10] == .number(66.7))
        let stillPending = try ReadModelQuery.run("pending", filters: QueryFilters(), store: readModels.store(named: "pending"))
        #expect(stillPending.rows.map { $0[0] } == [.text(b)])
        await log.close()
    }

    @Test(
        "An assessment sets the stage up or down; retracting the latest gives the one before back, in coverage, pending, programme and findings alike"
    )
    func latestAssessmentSetsTheStage() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000011", division: "370202")
        let b = uscc("10000012", division: "370202")
        try await append(
            [
                ("plan/annual-assessment", "AnnualAssessmentOpened", "2024-10-01", ["year": 2024, "cutoff": "2024-10-31"]),
                registration(a, city: "370200", county: "370202"),
                registration(b, city: "370200", county: "370202"),
                assessment(a, "a-1", "annual", "L3", on: "2024-03-01"),
                assessment(a, "a-2", "onsite", "L1", on: "2024-05-01"),
                assessment(b, "b-1", "online", "L0", on: "2024-03-01"),
                assessment(b, "b-2", "annual", "L2", on: "2024-05-01"),
                ("plan/annual-assessment", "AnnualAssessmentClosed", "2024-11-30", ["year": 2024]),
            ], to: log)
        let models = ["coverage", "pending", "programme", "findings"]
        var readModels: ReadModels? = try ReadModels(log: log, only: models)
        try readModels!.catchUp()
        func province() throws -> [QueryTable.Value] {
            try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2024), store: readModels!.store(named: "coverage")).rows[0]
        }
        func values(_ model: String, _ sql: String) throws -> [String?] {
            try readModels!.store(named: model).read { db in try [a, b].map { try String.fetchOne(db, sql: sql, arguments: [$0]) } }
        }
        func metric(_ name: String) throws -> Int {
            try readModels!.store(named: "programme").read { db in
                try Int.fetchOne(db, sql: "SELECT coalesce(sum(value), 0) FROM metric WHERE metric = ?", arguments: [name]) ?? 0
            }
        }
        #expect(try province()[10] == .number(100) && province()[11] == .number(0), "A down to L1, B up to L2: both covered, none deep")
        #expect(
            try values("pending", "SELECT stage || ' ' || coalesce(left_library_on, '-') FROM enterprise WHERE uscc = ?") == ["1 -", "2 2024-05-01"])
        #expect(try metric("leftPendingLibrary") == 1 && metric("stageDowngrades") == 1)
        let moves = try ReadModelQuery.run("stage-moves", filters: QueryFilters(year: 2024), store: readModels!.store(named: "coverage"))
        #expect(moves.rows == [[.integer(2024), .text("370200"), .integer(1), .integer(1), .integer(0), .integer(1)]])
        // Both latest assessments are withdrawn.
        try await append(
            [a, b].map { code in
                (
                    "enterprise/" + code, "EventRetracted", "2024-12-01",
                    ["seq": .integer(Int64(log.positions(of: "enterprise/" + code)[2])), "reason": "录错企业"]
                )
            }, to: log)
        try readModels!.catchUp()
        #expect(try province()[10] == .number(50) && province()[11] == .number(50), "as known now: A at L3 (a-1), B at L0 (b-1)")
        #expect(try province()[15] == .number(100), "as frozen at the close: unchanged")
        #expect(try values("pending", "SELECT stage || ' ' || coalesce(left_library_on, '-') FROM enterprise WHERE uscc = ?") == ["3 -", "0 -"])
        #expect(try metric("leftPendingLibrary") == 0 && metric("stageDowngrades") == 0)
        #expect(try values("findings", "SELECT group_concat(stage) FROM stage_finding WHERE uscc = ?") == ["3", "0"])
        try expectRebuiltEqualsMaintained(&readModels, models, log: log)
        await log.close()
    }

    @Test("A regression to L0 puts the enterprise back in the pending library; a late assessment dated before it does not take it out")
    func regressionReentersTheLibrary() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000013", division: "370202")
        try await append(
            [
                ("plan/annual-assessment", "AnnualAssessmentOpened", "2025-10-01", ["year": 2025, "cutoff": "2025-10-31"]),
                registration(a, city: "370200", county: "370202"),
                assessment(a, "a-1", "online", "L0", on: "2024-03-01"),
                assessment(a, "a-2", "onsite", "L1", on: "2024-09-01"),
                assessment(a, "a-3", "annual", "L0", on: "2025-10-12"),
            ], to: log)
        let models = ["coverage", "pending", "programme", "findings"]
        var readModels: ReadModels? = try ReadModels(log: log, only: models)
        try readModels!.catchUp()
        let pendingStore = try readModels!.store(named: "pending")
        func listed(_ status: String) throws -> [QueryTable.Value] {
            try ReadModelQuery.run("pending", filters: QueryFilters(status: status, date: "2025-12-01"), store: pendingStore).rows.map { $0[0] }
        }
        #expect(try listed("pending") == [.text(a)] && listed("reentered") == [.text(a)] && listed("left").isEmpty)
        let row = try ReadModelQuery.run("pending", filters: QueryFilters(status: "all", date: "2025-12-01"), store: pendingStore).rows[0]
        #expect(row[16] == .text("2025-10-12") && row[14] == .integer(50), "back since the October assessment, 50 days in the library")
        // Recorded late, dated before the regression: the October assessment still stands.
        try await append([assessment(a, "a-4", "onsite", "L2", on: "2025-06-01")], to: log)
        try readModels!.catchUp()
        #expect(try listed("pending") == [.text(a)])
        let coverage = try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2025), store: readModels!.store(named: "coverage")).rows[0]
        #expect(coverage[10] == .number(0), "L0 at the 2025 cutoff")
        try expectRebuiltEqualsMaintained(&readModels, models, log: log)
        await log.close()
    }

    @Test("Coverage: a year closed twice freezes what was known at the second close, maintained and rebuilt alike")
    func coverageClosedTwice() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000006", division: "370202")
        let b = uscc("10000007", division: "370202")
        let close: (String, String, String, JSONValue) = ("plan/annual-assessment", "AnnualAssessmentClosed", "2024-11-30", ["year": 2024])
        try await append(
            [
                ("plan/annual-assessment", "AnnualAssessmentOpened", "2024-10-01", ["year": 2024, "cutoff": "2024-10-31"]),
                registration(a, city: "370200", county: "370202"),
                registration(b, city: "370200", county: "370202"),
                assessment(a, "a-1", "annual", "L1", on: "2024-05-01"),
                assessment(b, "b-1", "annual", "L0", on: "2024-05-01"),
                close,
                // Recorded after the close, dated before the cutoff: known changes, frozen does not...
                assessment(b, "b-2", "onsite", "L1", on: "2024-10-20"),
                // ...until the year is closed again; a later back-dated upgrade moves known only.
                close,
                assessment(a, "a-2", "onsite", "L3", on: "2024-10-25"),
            ], to: log)
        var readModels: ReadModels? = try ReadModels(log: log, only: ["coverage"])
        try readModels!.catchUp()
        let store = try readModels!.store(named: "coverage")
        let province = try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2024), store: store).rows[0]
        #expect(province[10] == .number(100) && province[11] == .number(50), "known: both covered, A deep")
        #expect(province[15] == .number(100) && province[16] == .number(0), "frozen at the second close: both covered, none deep")
        try expectRebuiltEqualsMaintained(&readModels, ["coverage"], log: log)
        await log.close()
    }

    @Test(
        "Coverage: an enterprise's place as frozen is stored only where a late record changed it, follows it back, survives a reopened year, and a rebuild agrees"
    )
    func coverageFrozenRowsOnlyWhereChanged() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000021", division: "370202")
        let b = uscc("10000022", division: "370202")
        let late = uscc("10000023", division: "370203")
        var readModels: ReadModels? = try ReadModels(log: log, only: ["coverage"])
        let store = try readModels!.store(named: "coverage")
        func step(_ events: [(String, String, String, JSONValue)]) async throws {
            try await append(events, to: log)
            try readModels!.catchUp()
        }
        func stages(_ basis: String) throws -> [String: Int] {
            try store.read { db in
                try Dictionary(
                    uniqueKeysWithValues: Row.fetchAll(
                        db, sql: "SELECT uscc, stage FROM enterprise_year WHERE basis = ? AND year = 2024", arguments: [basis]
                    )
                    .map { ($0[0] as String, $0[1] as Int) })
            }
        }
        func storedFrozen() throws -> [String] {
            try store.read { db in try String.fetchAll(db, sql: "SELECT uscc FROM frozen_year ORDER BY uscc") }
        }
        try await step([
            ("plan/annual-assessment", "AnnualAssessmentOpened", "2024-10-01", ["year": 2024, "cutoff": "2024-10-31"]),
            registration(a, city: "370200", county: "370202"),
            registration(b, city: "370200", county: "370202"),
            assessment(a, "a-1", "annual", "L1", on: "2024-05-01"),
            assessment(b, "b-1", "annual", "L0", on: "2024-05-01"),
        ])
        try await step([("plan/annual-assessment", "AnnualAssessmentClosed", "2024-11-30", ["year": 2024])])
        #expect(try stages("frozen") == [a: 1, b: 0] && stages("known") == [a: 1, b: 0])
        #expect(try storedFrozen().isEmpty, "nothing stored twice: frozen equals known")

        // A back-dated upgrade of B and a late registration (entered 2020), both after the close.
        try await step([
            assessment(b, "b-2", "onsite", "L1", on: "2024-10-20")
        ])
        try await step([registration(late, city: "370200", county: "370203")])
        #expect(try stages("known") == [a: 1, b: 1, late: 0])
        #expect(try stages("frozen") == [a: 1, b: 0], "as at the close: B at L0, the late registration not counted")
        #expect(try storedFrozen() == [b, late].sorted())

        // The upgrade is withdrawn: B agrees with the close again and its stored row goes.
        let upgrade = log.positions(of: "enterprise/" + b).last!
        try await step([("enterprise/" + b, "EventRetracted", "2024-12-02", ["seq": .integer(Int64(upgrade)), "reason": "评估材料不实"])])
        #expect(try stages("frozen") == [a: 1, b: 0] && stages("known") == [a: 1, b: 0, late: 0])
        #expect(try storedFrozen() == [late])

        // The closed year opened again with a later cutoff: an upgrade after the old one counts
        // as known, the figures as frozen stay.
        try await step([
            assessment(a, "a-2", "onsite", "L3", on: "2024-11-10")
        ])
        #expect(try stages("known")[a] == 1, "after the cutoff")
        try await step([("plan/annual-assessment", "AnnualAssessmentOpened", "2024-12-05", ["year": 2024, "cutoff": "2024-11-30"])])
        #expect(try stages("known") == [a: 3, b: 0, late: 0])
        #expect(try stages("frozen") == [a: 1, b: 0])
        #expect(try storedFrozen() == [a, late].sorted())

        try expectRebuiltEqualsMaintained(&readModels, ["coverage"], log: log)
        await log.close()
    }

    @Test("Many retractions in one stream are each undone from the log; the rebuilt read models equal the maintained ones")
    func manyRetractionsWhileBuilding() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000008", division: "370202")
        let count = 6
        try await append(
            [registration(a, city: "370200", county: "370202"), assessment(a, "a-1", "annual", "L0", on: "2024-03-01")]
                + (0..<count).map { index -> (String, String, String, JSONValue) in
                    ("enterprise/" + a, "TrainingAttended", "2024-04-01", ["session": .string("第\(index)期")])
                }, to: log)
        let trainings = log.positions(of: "enterprise/" + a).suffix(count)
        try await append(
            trainings.dropLast().map { seq -> (String, String, String, JSONValue) in
                ("enterprise/" + a, "EventRetracted", "2024-05-01", ["seq": .integer(Int64(seq)), "reason": "重复登记"])
            }, to: log)
        var readModels: ReadModels? = try ReadModels(log: log, only: ["pending", "findings"])
        try readModels!.catchUp()
        let file = try ReadModelQuery.run("pending", filters: QueryFilters(status: "all"), store: readModels!.store(named: "pending"))
        #expect(file.rows.first?[9] == .text("2024-04-01"), "one training is left")
        try expectRebuiltEqualsMaintained(&readModels, ["pending", "findings"], log: log)
        await log.close()
    }

    @Test("Pending: a retraction recomputes the file; an enterprise that started above L0 never shows as having left the library")
    func pendingRetractionRecomputes() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000004", division: "370202")
        let c = uscc("10000005", division: "370202")
        try await append(
            [
                registration(a, city: "370200", county: "370202"),
                registration(c, city: "370200", county: "370202"),
                assessment(a, "a-1", "online", "L0", on: "2024-03-01"),
                assessment(c, "c-1", "annual", "L2", on: "2024-03-01"),
                ("enterprise/" + a, "TrainingAttended", "2024-04-01", ["session": "2024春季"]),
                ("enterprise/" + c, "TrainingAttended", "2024-04-02", ["session": "2024春季"]),
                assessment(a, "a-2", "onsite", "L1", on: "2024-06-01"),
                assessment(c, "c-2", "onsite", "L3", on: "2024-06-01"),
            ], to: log)
        // Both training sessions are withdrawn (the third event of each stream).
        try await append(
            [a, c].map { code in
                (
                    "enterprise/" + code, "EventRetracted", "2024-07-01",
                    ["seq": .integer(Int64(log.positions(of: "enterprise/" + code)[2])), "reason": "重复登记"]
                )
            }, to: log)
        var readModels: ReadModels? = try ReadModels(log: log, only: ["pending"])
        try readModels!.catchUp()
        let store = try readModels!.store(named: "pending")
        let left = try ReadModelQuery.run("pending", filters: QueryFilters(status: "left"), store: store)
        #expect(left.rows.map { $0[0] } == [.text(a)], "only A left the library: C started at L2")
        #expect(left.rows.first?[15] == .text("2024-06-01"))
        let all = try ReadModelQuery.run("pending", filters: QueryFilters(status: "all"), store: store)
        #expect(all.rows.map { $0[9] } == [.null, .null], "the withdrawn trainings no longer count")
        #expect(all.rows.map { $0[13] } == [.text("2024-06-01"), .text("2024-06-01")], "last contact: the on-site assessments")
        try expectRebuiltEqualsMaintained(&readModels, ["pending"], log: log)
        await log.close()
    }

    @Test(
        "Programme and providers: a retracted serving event stops counting the enterprise as served unless another serves it; a retracted trial end reopens the trial"
    )
    func programmeAndTrialRetractions() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000006", division: "370202")
        let b = uscc("10000007", division: "370202")
        let provider = uscc("20000001", division: "370100")
        let offer: JSONValue = ["provider": .string(provider), "solution": "S-APS-01"]
        try await append(
            [
                ("provider/" + provider, "ProviderAdmitted", "2024-04-10", ["name": "济南智造云科技有限公司", "mapBatch": 1, "city": "370100"]),
                (
                    "provider/" + provider, "SolutionListed", "2024-04-15",
                    [
                        "solution": "S-APS-01", "title": "智能排产SaaS", "domain": "生产制造",
                        "lightweight": true, "freeTrial": "三个月免费体验",
                    ]
                ),
                registration(a, city: "370200", county: "370202"),
                registration(b, city: "370200", county: "370202"),
                ("enterprise/" + a, "DiagnosisVisited", "2024-05-08", ["provider": .string(provider), "commissioner": "王芳", "findings": "设备未联网"]),
                ("enterprise/" + b, "DiagnosisVisited", "2024-05-09", ["provider": .string(provider), "commissioner": "王芳", "findings": "排产依赖人工"]),
                ("enterprise/" + b, "ProviderMatched", "2024-06-01", offer),
                ("enterprise/" + b, "TrialStarted", "2024-06-10", offer),
                ("enterprise/" + b, "TrialEnded", "2024-09-10", ["provider": .string(provider), "solution": "S-APS-01", "outcome": "purchased"]),
            ], to: log)
        var readModels: ReadModels? = try ReadModels(log: log, only: ["programme", "providers"])
        func figures() throws -> (served: Int?, visits: Int?, purchased: Int?, trial: [String?]) {
            let programme = try readModels!.store(named: "programme")
            let providers = try readModels!.store(named: "providers")
            func metric(_ name: String) throws -> Int? {
                try programme.read { try Int.fetchOne($0, sql: "SELECT sum(value) FROM metric WHERE year = 2024 AND metric = ?", arguments: [name]) }
            }
            let trial = try providers.read { db in
                try Row.fetchOne(db, sql: "SELECT ended_on, outcome FROM trial WHERE enterprise = ?", arguments: [b]).map { row -> [String?] in
                    [row[0], row[1]]
                } ?? []
            }
            return (try metric("enterprisesServed"), try metric("diagnosisVisits"), try metric("trialsPurchased"), trial)
        }
        try readModels!.catchUp()
        var before = try figures()
        #expect(before.served == 2 && before.visits == 2 && before.purchased == 1 && before.trial == ["2024-09-10", "purchased"])
        // A's only serving event, B's diagnosis (its first serving event) and B's trial end are withdrawn.
        let positions = (a: log.positions(of: "enterprise/" + a), b: log.positions(of: "enterprise/" + b))
        try await append(
            [
                ("enterprise/" + a, "EventRetracted", "2024-10-01", ["seq": .integer(Int64(positions.a[1])), "reason": "重复登记"]),
                ("enterprise/" + b, "EventRetracted", "2024-10-01", ["seq": .integer(Int64(positions.b[1])), "reason": "重复登记"]),
                ("enterprise/" + b, "EventRetracted", "2024-10-01", ["seq": .integer(Int64(positions.b[4])), "reason": "体验尚未结束"]),
            ], to: log)
        try readModels!.catchUp()
        before = try figures()
        #expect(before.served == 1, "B is still served that year (matched, trial): A is not")
        #expect((before.visits ?? 0) == 0 && (before.purchased ?? 0) == 0, "taken back to nothing: no row, as a build from zero")
        #expect(before.trial == [nil, nil], "the trial is open again")
        let firstServing = try readModels!.store(named: "programme").read {
            try Int64.fetchOne($0, sql: "SELECT first_seq FROM served WHERE uscc = ?", arguments: [b])
        }
        #expect(firstServing == Int64(positions.b[2]))
        try expectRebuiltEqualsMaintained(&readModels, ["programme", "providers"], log: log)
        await log.close()
    }

    @Test("Projects: a retracted completion or cancellation reopens the project; retracted milestones leave the last one standing")
    func projectRetractions() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000008", division: "370202")
        let provider = uscc("20000002", division: "370100")
        let first = "project/P-2024-370200-0001"
        let second = "project/P-2024-370200-0002"
        let filing: JSONValue = [
            "enterprise": .string(a), "domain": "生产制造", "providers": [.string(provider)], "budgetFen": 128_000_000, "targetStage": "L3",
        ]
        try await append(
            [
                ("provider/" + provider, "ProviderAdmitted", "2024-04-10", ["name": "济南智造云科技有限公司", "mapBatch": 1, "city": "370100"]),
                registration(a, city: "370200", county: "370202"),
                (first, "ProjectFiled", "2024-07-01", filing),
                (first, "ProjectMilestoneReached", "2024-09-30", ["milestone": "MES上线"]),
                (first, "ProjectMilestoneReached", "2024-12-20", ["milestone": "数据贯通"]),
                (first, "ProjectCompleted", "2025-03-15", ["results": "设备联网率由35%提升到92%", "benchmarkCandidate": true]),
                (second, "ProjectFiled", "2024-07-02", filing),
                (second, "ProjectCancelled", "2024-11-02", ["reason": "企业调整投资计划"]),
            ], to: log)
        var readModels: ReadModels? = try ReadModels(log: log, only: ["projects"])
        func project(_ stream: String) throws -> [String?] {
            try readModels!.store(named: "projects").read { db in
                let row = try Row.fetchOne(
                    db, sql: "SELECT status, milestones, last_milestone, closed_on, outcome, benchmark_candidate FROM project WHERE project = ?",
                    arguments: [String(stream.dropFirst("project/".count))])
                return row.map { row in (0..<6).map { row[$0] as DatabaseValue }.map { $0.isNull ? nil : "\($0.storage.value!)" } } ?? []
            }
        }
        try readModels!.catchUp()
        #expect(try project(first) == ["completed", "2", "数据贯通", "2025-03-15", "设备联网率由35%提升到92%", "1"])
        #expect(try project(second) == ["cancelled", "0", nil, "2024-11-02", "企业调整投资计划", "0"])
        let positions = log.positions(of: first)
        func retraction(_ stream: String, _ seq: UInt64) -> (String, String, String, JSONValue) {
            (stream, "EventRetracted", "2025-04-01", ["seq": .integer(Int64(seq)), "reason": "登记有误"])
        }
        try await append(
            [retraction(first, positions[3]), retraction(second, log.positions(of: second)[1]), retraction(first, positions[2])], to: log)
        try readModels!.catchUp()
        #expect(try project(first) == ["inProgress", "1", "MES上线", nil, nil, "0"], "open again, its first milestone the last one standing")
        #expect(try project(second) == ["filed", "0", nil, nil, nil, "0"])
        try await append([retraction(first, positions[1])], to: log)
        try readModels!.catchUp()
        #expect(try project(first) == ["filed", "0", nil, nil, nil, "0"], "no milestone left")
        try expectRebuiltEqualsMaintained(&readModels, ["projects"], log: log)
        await log.close()
    }

    @Test(
        "Mended without counting twice: a project's budget and providers, a provider's name, a leading provider withdrawn, a year closed early closed again; maintained and rebuilt alike"
    )
    func correctionsAreApplied() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let a = uscc("10000031", division: "370202")
        let provider = uscc("20000031", division: "370100")
        let other = uscc("20000032", division: "370100")
        let project = "project/P-2025-370200-0031"
        try await append(
            [
                ("plan/annual-assessment", "AnnualAssessmentOpened", "2025-10-01", ["year": 2025, "cutoff": "2025-10-31"]),
                ("provider/" + provider, "ProviderAdmitted", "2025-04-10", ["name": "济南智造云科技有限公", "mapBatch": 1, "city": "370100"]),
                ("provider/" + other, "ProviderAdmitted", "2025-04-11", ["name": "青岛数联信息技术有限公司", "mapBatch": 1, "city": "370200"]),
                ("provider/" + provider, "LeadingProviderSelected", "2025-06-01", ["year": 2025]),
                ("provider/" + other, "LeadingProviderSelected", "2025-06-01", ["year": 2025]),
                registration(a, city: "370200", county: "370202"),
                (
                    project, "ProjectFiled", "2025-07-01",
                    ["enterprise": .string(a), "domain": "生产制造", "providers": [.string(provider)], "budgetFen": 12_800_000, "targetStage": "L3"]
                ),
                assessment(a, "a-1", "annual", "L1", on: "2025-09-01"),
                // Closed before the results were all in.
                ("plan/annual-assessment", "AnnualAssessmentClosed", "2025-10-15", ["year": 2025]),
            ], to: log)
        let models = ["projects", "providers", "programme", "benchmarks", "coverage"]
        var readModels: ReadModels? = try ReadModels(log: log, only: models)
        try readModels!.catchUp()
        func value(_ model: String, _ sql: String) throws -> String? {
            try readModels!.store(named: model).read { db in try String.fetchOne(db, sql: sql) }
        }
        let seqs = (filing: log.positions(of: project)[0], admission: log.positions(of: "provider/" + provider)[0])
        let leading = log.positions(of: "provider/" + other)[1]
        try await append(
            [
                (
                    project, "EventCorrected", "2025-07-05",
                    [
                        "seq": .integer(Int64(seqs.filing)), "reason": "预算录入少一位",
                        "corrected": ["budgetFen": 128_000_000, "providers": [.string(provider), .string(other)]],
                    ]
                ),
                (
                    "provider/" + provider, "EventCorrected", "2025-04-12",
                    ["seq": .integer(Int64(seqs.admission)), "reason": "名称漏字", "corrected": ["name": "济南智造云科技有限公司"]]
                ),
                ("provider/" + other, "EventRetracted", "2025-06-10", ["seq": .integer(Int64(leading)), "reason": "名单公示前撤回"]),
                assessment(a, "a-2", "annual", "L3", on: "2025-10-20"),
                ("plan/annual-assessment", "AnnualAssessmentClosed", "2025-11-30", ["year": 2025]),
            ], to: log)
        try readModels!.catchUp()
        #expect(try value("projects", "SELECT budget_fen || ' ' || providers FROM project") == "128000000 \(provider),\(other)")
        #expect(try value("providers", "SELECT name FROM provider WHERE uscc = '\(provider)'") == "济南智造云科技有限公司")
        #expect(
            try value("providers", "SELECT group_concat(uscc || ':' || leading_years) FROM provider WHERE leading_years != ''") == "\(provider):2025")
        #expect(
            try value(
                "programme",
                "SELECT group_concat(metric || '=' || value) FROM metric WHERE metric IN ('projectsFiled', 'providersAdmitted') ORDER BY metric")
                == "projectsFiled=1,providersAdmitted=2", "nothing counted twice")
        let frozen = try ReadModelQuery.run("coverage", filters: QueryFilters(year: 2025), store: readModels!.store(named: "coverage")).rows[0]
        #expect(frozen[16] == .number(100), "frozen at the second close: deep, with the October result")
        try expectRebuiltEqualsMaintained(&readModels, models, log: log)
        await log.close()
    }

    @Test("The demo province's 2023 figures are the plan's baseline, and 2026 reaches its targets")
    func baselineAndTrajectory() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await generatedLog(in: temporary, enterprises: 1500, seed: 3, batchSize: 2000)
        let readModels = try ReadModels(log: try EventLog(directory: directory, writable: false), only: ["coverage"])
        try readModels.catchUp()
        let rows = try ReadModelQuery.run("coverage", filters: QueryFilters(), store: readModels.store(named: "coverage")).rows
        func number(_ value: QueryTable.Value) -> Double { if case .number(let x) = value { return x } else { return .nan } }
        #expect(rows.map { $0[0] } == [.integer(2023), .integer(2024), .integer(2025), .integer(2026)])
        #expect(abs(number(rows[0][10]) - 87.3) <= 0.1 && abs(number(rows[0][11]) - 42.0) <= 0.1)
        #expect(number(rows[3][10]) >= 97.5 && number(rows[3][11]) >= 49.5)
        #expect(zip(rows, rows.dropFirst()).allSatisfy { number($0[10]) < number($1[10]) && number($0[11]) < number($1[11]) })
    }

    @Test("Ledger status as of a date")
    func ledgerStatus() {
        #expect(LedgerReadModel.status(deadline: "2024-03-31", completedOn: "2024-03-30", asOf: "2024-12-31") == .doneOnTime)
        #expect(LedgerReadModel.status(deadline: "2024-03-31", completedOn: "2024-04-10", asOf: "2024-12-31") == .doneLate)
        #expect(LedgerReadModel.status(deadline: "2024-03-31", completedOn: "2024-04-10", asOf: "2024-04-01") == .overdue)
        #expect(LedgerReadModel.status(deadline: "2024-03-31", completedOn: nil, asOf: "2024-03-31") == .open)
        #expect(LedgerReadModel.status(deadline: "2024-03-31", completedOn: nil, asOf: "2024-04-01") == .overdue)
    }

    @Test("Cities and counties report their own part of a ledger task; a report of a task the plan lacks is refused, and nothing is appended")
    func ledgerParts() async throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try temporary.initialisedLog(), writable: true)
        var intake = try Intake(log: log, actor: province)
        _ = try await intake.checkAndAppend([try DefaultPlan.draft()])
        func report(_ task: String, milestone: String? = nil, region: String?, on date: String) -> EventDraft {
            var data: [String: JSONValue] = ["task": .string(task), "completedOn": .string(date), "unit": "工信局"]
            if let milestone { data["milestone"] = .string(milestone) }
            if let region { data["region"] = .string(region) }
            return EventDraft(stream: "plan/2024-2026", type: "PlanMilestoneReported", occurred: date, data: .object(data))
        }
        func refusal(_ draft: EventDraft, as role: Role) async throws -> String {
            var writer = try Intake(log: log, actor: role.actor(named: "test"))
            let size = log.size
            do {
                _ = try await writer.checkAndAppend([draft])
                return ""
            } catch {
                #expect(log.size == size, "nothing appended")
                return "\(error)"
            }
        }
        #expect(try await refusal(report("12", region: nil, on: "2024-06-01"), as: .province).contains("has no task 12; its tasks are 1, 2, 3"))
        #expect(try await refusal(report("8", milestone: "提交报告", region: nil, on: "2024-06-01"), as: .province).contains("启动年度评估"))
        #expect(try await refusal(report("3", region: "370100", on: "2024-03-20"), as: .city("370200")).contains("jurisdiction"))
        #expect(try await refusal(report("3", region: nil, on: "2024-03-20"), as: .city("370200")).contains("give data.region 370200"))
        #expect(try await refusal(report("3", region: "370212", on: "2024-03-20"), as: .county("370211")).contains("jurisdiction"))
        #expect(try await refusal(report("3", region: "370211", on: "2024-03-20"), as: .city("370200")) == "", "a city reports for its county")
        #expect(try await refusal(report("3", region: "370200", on: "2024-04-15"), as: .city("370200")) == "")
        #expect(try await refusal(report("6", region: "370212", on: "2024-12-20"), as: .county("370212")) == "")

        let readModels = try ReadModels(log: log, only: ["ledger"])
        try readModels.catchUp()
        let store = try readModels.store(named: "ledger")
        func rows(_ filters: QueryFilters, by: CoverageQuery.Dimension = .province) throws -> [[String: String]] {
            let table = try ReadModelQuery.run(.ledger, filters: filters, coverage: by, store: store)
            return table.rows.map { row in Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($1.key, row[$0].display) }) }
        }
        let provinceRows = try rows(QueryFilters(date: "2024-12-31"))
        #expect(provinceRows.first { $0["task"] == "3" && $0["milestone"] == "" }?["regionsReported"] == "2")
        #expect(provinceRows.first { $0["task"] == "3" && $0["milestone"] == "" }?["status"] == "overdue", "the province's own report is missing")
        let qingdao = try rows(QueryFilters(region: "370200", date: "2024-12-31"))
        #expect(qingdao.allSatisfy { $0["units"]!.contains("市县") }, "only the tasks the cities carry out")
        #expect(qingdao.first { $0["task"] == "3" && $0["milestone"] == "" }?["status"] == "done late")
        #expect(qingdao.first { $0["task"] == "6" }?["status"] == "open")
        // A place reporting again keeps its first date; retracting the first report leaves the second standing.
        #expect(try await refusal(report("7", region: "370212", on: "2024-11-20"), as: .county("370212")) == "")
        #expect(try await refusal(report("7", region: "370212", on: "2024-12-05"), as: .county("370212")) == "")
        let first = log.positions(of: "plan/2024-2026").suffix(2).first!
        var retracting = try Intake(log: log, actor: province)
        _ = try await retracting.checkAndAppend([
            EventDraft(
                stream: "plan/2024-2026", type: "EventRetracted", occurred: "2024-12-06",
                data: ["seq": .integer(Int64(first)), "reason": "报送日期有误"])
        ])
        try readModels.catchUp()
        let counties = try rows(QueryFilters(region: "370200", date: "2025-01-05"), by: .county)
        #expect(counties.first { $0["region"] == "370212" && $0["task"] == "7" }?["completedOn"] == "2024-12-05")
        #expect(counties.first { $0["region"] == "370212" && $0["task"] == "6" }?["status"] == "done on time")
        #expect(counties.first { $0["region"] == "370211" && $0["task"] == "3" && $0["milestone"] == "" }?["status"] == "done on time")
        #expect(counties.first { $0["region"] == "370213" && $0["task"] == "6" }?["status"] == "overdue")
        await log.close()
    }

    @Test("The sample's ledger shows on-time, late and overdue items; CSV opens in Excel with Chinese headers")
    func ledgerAndCSV() throws {
        let temporary = TemporaryDirectory()
        let readModels = try ReadModels(log: try EventLog(directory: try Sample.copy(into: temporary), writable: false), only: ["ledger"])
        try readModels.catchUp()
        let ledger = try ReadModelQuery.run("ledger", filters: QueryFilters(date: "2026-11-27"), store: readModels.store(named: "ledger"))
        let statuses = Set(ledger.rows.map { $0[8] })
        #expect(statuses == [.text("done on time"), .text("done late"), .text("overdue")])
        #expect(ledger.seq == readModels.log.size)
        let csv = ledger.csv
        #expect(csv.hasPrefix("\u{FEFF}方案,任务,节点,事项,时限,责任单位"))
        #expect(csv.components(separatedBy: "\r\n").count == ledger.rows.count + 2)
        let json = ledger.json
        #expect(json["seq"] == .integer(Int64(readModels.log.size)))
    }
}
