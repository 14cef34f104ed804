import DemoProvince
import Domain
import EventLog
import Foundation
import GRDB
import Projections
import TestSupport
import Testing

@Suite("Supervision findings")
struct SupervisionTests {
    /// A generated province appended as `gongfu demo` appends it (``ProvinceIngest``).
    static func generated(enterprises: Int, seed: UInt64, imperfections: Bool, in temporary: TemporaryDirectory) async throws -> (
        LogDirectory, [Imperfection]
    ) {
        var options = ProvinceGenerator.Options(seed: seed, enterprises: enterprises)
        if !imperfections { options.imperfectionRate = 0 }
        options.annualResults = true  // as `gongfu demo` writes it: each October's results imported
        var generator = ProvinceGenerator(options: options)
        let drafts = try generator.generate()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        try await ProvinceIngest.append(
            drafts, results: generator.annualResults, officeWork: generator.officeWork, to: log, actor: province,
            directory: temporary.path + "/assessments")
        #expect(generator.annualResults.keys.sorted() == [2024, 2025, 2026])
        let keys = try log.envelopes().compactMap(\.key)
        #expect(keys.filter { $0.hasPrefix("import/register/") }.count == max(1, enterprises / 500), "newcomers registered from the 2026 file")
        #expect(
            try log.envelopes().filter { $0.key?.hasPrefix("import/assessment/") == true }.count
                == generator.annualResults.values.map(\.count).reduce(0, +))
        await log.close()
        return (directory, generator.imperfections)
    }

    static func findings(_ directory: LogDirectory, rules: SupervisionRules = .standard) throws -> [SupervisionQuery.Finding] {
        let readModels = try ReadModels(log: try EventLog(directory: directory, writable: false), only: ["findings"])
        try readModels.catchUp()
        return try readModels.store(named: "findings").read { db in try SupervisionQuery(rules: rules, date: "2026-11-27").findings(in: db) }
    }

    @Test("every imperfection the generator seeded is found by its check, with the events it rests on")
    func seededImperfectionsAreFound() async throws {
        let temporary = TemporaryDirectory()
        let (directory, seeded) = try await Self.generated(enterprises: 1200, seed: 5, imperfections: true, in: temporary)
        let findings = try Self.findings(directory)
        let size = try EventLog(directory: directory, writable: false).size
        let expectedRule: [Imperfection.Kind: String] = [
            .backDatedUpgrade: "back-dated-after-close", .stageJumpWithoutDiagnosis: "stage-jump-without-diagnosis",
            .paddedCityGain: "stage-jump-without-diagnosis",
            .benchmarkToIneligibleEnterprise: "benchmark-below-minimum", .doubledIncentive: "incentive-duplicate",
        ]
        #expect(seeded.count >= 4)
        for flaw in seeded {
            let subject = flaw.stream.hasPrefix("enterprise/") ? String(flaw.stream.dropFirst("enterprise/".count)) : flaw.stream
            let found = findings.filter { $0.rule == expectedRule[flaw.kind] && $0.subject == subject }
            #expect(!found.isEmpty, "\(flaw.kind) on \(flaw.stream) is found")
            #expect(found.allSatisfy { !$0.events.isEmpty && $0.events.allSatisfy { $0 >= 1 && UInt64($0) <= size } })
        }
        // What the seeded flaws explain is all these four checks find.
        for rule in expectedRule.values {
            let subjects = Set(
                seeded.filter { expectedRule[$0.kind] == rule }.map {
                    $0.stream.hasPrefix("enterprise/") ? String($0.stream.dropFirst(11)) : $0.stream
                })
            #expect(Set(findings.filter { $0.rule == rule }.map(\.subject)) == subjects, "\(rule)")
        }
    }

    @Test("a flawless history has no findings but pending enterprises left without contact")
    func flawlessHistory() async throws {
        let temporary = TemporaryDirectory()
        let (directory, _) = try await Self.generated(enterprises: 600, seed: 8, imperfections: false, in: temporary)
        let findings = try Self.findings(directory)
        #expect(findings.allSatisfy { $0.rule == "no-contact" }, "\(findings.filter { $0.rule != "no-contact" }.map(\.detail))")
    }

    @Test("imported history: a write outside the jurisdiction, a trial outside the pool, padded diagnoses; thresholds are data")
    func importedHistory() async throws {
        let temporary = TemporaryDirectory()
        let (directory, _) = try await Self.generated(enterprises: 300, seed: 8, imperfections: false, in: temporary)
        let log = try EventLog(directory: directory, writable: true)
        let qingdao = try log.envelopes().first { $0.type == "EnterpriseRegistered" && $0.data["city"] == "370200" && $0.data["industry"] != nil }!
        let uscc = String(qingdao.stream.dropFirst(11))
        let provider = try log.envelopes().first { $0.type == "ProviderAdmitted" }!.stream.dropFirst(9)
        // Imported as history (the log itself, without the rules): what supervision must catch.
        func visit() -> EventDraft {
            EventDraft(
                stream: qingdao.stream, type: "DiagnosisVisited", occurred: "2026-06-01",
                data: ["provider": .string(String(provider)), "commissioner": "王专员", "findings": "设备联网率低"])
        }
        let jinan = Role.city("370100").actor(named: "jinan-import")
        let results = try await log.append([visit(), visit(), visit()], actor: jinan)
        let trial = try await log.append(
            [
                EventDraft(
                    stream: qingdao.stream, type: "TrialStarted", occurred: "2026-06-10",
                    data: ["provider": "91370200MA3C0XYZ1Q", "solution": "S-unknown"])
            ], actor: province)
        await log.close()

        let findings = try Self.findings(directory)
        let foreign = findings.filter { $0.rule == "actor-outside-jurisdiction" }
        #expect(Set(foreign.flatMap(\.events)) == Set(results.map { Int64($0.seq) }))
        #expect(foreign.allSatisfy { $0.subject == uscc && $0.city == "370200" })
        #expect(findings.contains { $0.rule == "trial-provider-outside-pool" && $0.events == [Int64(trial[0].seq)] })
        let padded = findings.filter { $0.rule == "padded-diagnosis" && $0.subject == uscc }
        if try !hasUpgrade(after: "2026-06-01", uscc, directory) {
            #expect(padded.count == 1)
            #expect(Set(padded[0].events).isSuperset(of: results.map { Int64($0.seq) }))
        }
        // Thresholds are data: with the padding threshold at 10 visits, no padding is found.
        let strict = try JSONDecoder().decode(
            SupervisionRules.self,
            from: Data(
                """
                {"version": 99, "rules": [{"id": "padded-diagnosis", "title": "t", "enabled": true, "thresholds": {"visits": 10}}]}
                """.utf8))
        #expect(try Self.findings(directory, rules: strict).isEmpty)
    }

    @Test("a downgrade below an award's minimum within a year of it is flagged with the award; other downgrades are not")
    func downgradeAfterAward() async throws {
        let temporary = TemporaryDirectory()
        let (directory, _) = try await Self.generated(enterprises: 300, seed: 8, imperfections: false, in: temporary)
        let log = try EventLog(directory: directory, writable: true)
        let events = try log.envelopes()
        let minimum = try BenchmarkEligibility.load()
        let registered = Set(events.filter { $0.type == "EnterpriseRegistered" }.map(\.stream))
        let revoked = Set(events.filter { $0.type == "BenchmarkRevoked" }.map(\.stream))
        let award = try #require(
            events.first {
                $0.type == "BenchmarkAwarded" && !revoked.contains($0.stream) && minimum[$0.data["kind"]?.stringValue ?? ""] != nil
                    && registered.contains("enterprise/" + ($0.data["recipient"]?.stringValue ?? ""))
            })
        let recipient = try #require(award.data["recipient"]?.stringValue)
        let required = try #require(minimum[award.data["kind"]?.stringValue ?? ""])
        let awarded = try #require(Timestamp.microseconds(recorded: award.occurred + "T00:00:00.000000Z"))
        func day(_ days: Int64) -> String { String(Timestamp.format(microseconds: awarded + days * 86_400_000_000).prefix(10)) }
        func assessment(_ stream: String, _ id: String, _ stage: String, on date: String) -> EventDraft {
            EventDraft(
                stream: stream, type: "AssessmentRecorded", occurred: date,
                data: ["assessment": .string(id), "kind": "onsite", "instrument": "SD-DT-2023.1", "stage": .string(stage)])
        }
        // The recipient confirmed at the award's minimum, then down to L0 within the window; an
        // enterprise without an award down the same way.
        let recipients = Set(events.filter { $0.type == "BenchmarkAwarded" }.compactMap { $0.data["recipient"]?.stringValue })
        let other = try #require(registered.sorted().first { stream in !recipients.contains(String(stream.dropFirst(11))) })
        let written = try await log.append(
            [
                assessment("enterprise/" + recipient, "T-1", required, on: day(10)), assessment("enterprise/" + recipient, "T-2", "L0", on: day(20)),
                assessment(other, "T-3", "L4", on: day(10)), assessment(other, "T-4", "L0", on: day(20)),
            ], actor: province)
        await log.close()

        let found = try Self.findings(directory).filter { $0.rule == "downgrade-after-award" }
        let flagged = found.filter { $0.events.first == Int64(written[1].seq) }
        #expect(flagged.count == 1 && flagged.first?.subject == recipient, "\(found)")
        #expect(flagged.first?.events.contains(Int64(award.seq)) == true)
        #expect(!found.contains { $0.events.first == Int64(written[3].seq) }, "no award, no finding")
        // Asked for that rule alone, the same findings, the others not run.
        let readModels = try ReadModels(log: try EventLog(directory: directory, writable: false), only: ["findings"])
        let alone = try readModels.store(named: "findings").read { db in
            try SupervisionQuery(date: "2026-11-27").findings(in: db, only: ["downgrade-after-award"])
        }
        #expect(alone == found)
    }

    /// Whether an assessment on or after `date` moved the enterprise's stage up.
    func hasUpgrade(after date: String, _ uscc: String, _ directory: LogDirectory) throws -> Bool {
        let history = StageHistory(
            try EventLog(directory: directory, writable: false).envelopes(stream: "enterprise/" + uscc).compactMap { event in
                guard event.type == "AssessmentRecorded", let stage = event.data["stage"]?.stringValue.flatMap(Stage.init(rawValue:)) else {
                    return nil
                }
                return StageHistory.Finding(
                    seq: event.seq, date: event.occurred, stage: stage, assessment: event.data["assessment"]?.stringValue ?? "")
            })
        return history.moves.contains { !$0.isDowngrade && $0.finding.date >= date }
    }
}
