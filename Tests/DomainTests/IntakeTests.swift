import Foundation
import Synchronization
import Testing

@testable import Domain
@testable import EventLog

/// The intake's pipelined writer: each batch is checked while the one before it is written and
/// synced, and must see the drafts of the batches still in flight as a single batch would.
@Suite struct IntakeTests {
    static let enterprise = DomainRulesTests.enterprise
    static let provider = DomainRulesTests.provider

    static func draft(
        _ stream: String, _ type: String, _ data: JSONValue, expected: ExpectedVersion = .any, key: String? = nil
    ) -> EventDraft {
        EventDraft(stream: stream, type: type, occurred: "2024-06-01", data: data, expectedVersion: expected, key: key)
    }

    /// Each draft leans on one before it: a version, a retraction by seq, a repeated key, a stage.
    static let drafts: [EventDraft] = [
        draft("provider/\(provider)", "ProviderAdmitted", ["name": "济南智造云科技有限公司", "mapBatch": 1]),
        draft(
            "provider/\(provider)", "SolutionListed", ["solution": "APS", "title": "智能排产", "domain": "生产制造", "lightweight": true, "freeTrial": "三个月"]),
        draft(
            "enterprise/\(enterprise)", "EnterpriseRegistered",
            ["name": "青岛海川", "uscc": .string(enterprise), "city": "370200", "county": "370211", "industry": "C3484", "yearEntered": 2019],
            expected: .none),
        draft(
            "enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A1", "kind": "online", "instrument": "2024.1", "stage": "L1"], key: "a1"
        ),
        draft(
            "enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A2", "kind": "onsite", "instrument": "2024.1", "stage": "L4"], key: "a2"
        ),
        // Seq 5 is A2, in the batch just before this one when batches are of one draft.
        draft("enterprise/\(enterprise)", "EventRetracted", ["seq": 5, "reason": "评估有误"], expected: .exact(3)),
        draft(
            "enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A1", "kind": "online", "instrument": "2024.1", "stage": "L1"], key: "a1"
        ),
        draft(
            "enterprise/\(enterprise)", "AssessmentRecorded", ["assessment": "A3", "kind": "annual", "instrument": "2024.1", "stage": "L2"],
            expected: .exact(4)),
        draft("award/B-1", "BenchmarkAwarded", ["recipient": .string(enterprise), "kind": "5G工厂", "level": "provincial", "year": 2024]),
        draft("enterprise/\(enterprise)", "TrialStarted", ["provider": .string(provider), "solution": "APS"], expected: .exact(5)),
    ]

    static func freshLog() throws -> (EventLog, String) {
        let root = NSTemporaryDirectory() + "gongfu-intake-" + UUID().uuidString
        let directory = LogDirectory(root: root)
        try EventLog.initialize(directory: directory, origin: "test/intake")
        return (try EventLog(directory: directory, writable: true), root)
    }

    /// What a user reads back: each event's seq, stream, version and type.
    static func contents(of log: EventLog) throws -> [String] {
        try log.envelopes(from: 1).map { "\($0.seq) \($0.stream) v\($0.version) \($0.type) \($0.data.canonicalText)" }
    }

    @Test(
        "batches checked while the ones before are appended give what one batch gives",
        arguments: [1, 2, 3, 100], [1, 16_384] as [UInt64])
    func pipelinedBatches(batchEvents: Int, forgetsEvery: UInt64) async throws {
        let (whole, wholeRoot) = try Self.freshLog()
        defer { try? FileManager.default.removeItem(atPath: wholeRoot) }
        var one = try Intake(log: whole, actor: Role.province.actor(named: "test"), today: "2026-11-28")
        let expected = try await one.checkAndAppend(Self.drafts, batchEvents: Self.drafts.count)

        let (log, root) = try Self.freshLog()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var intake = try Intake(log: log, actor: Role.province.actor(named: "test"), today: "2026-11-28")
        intake.forgetsEvery = forgetsEvery
        var reported: [Int] = []
        let results = try await intake.checkAndAppend(Self.drafts, batchEvents: batchEvents) { reported.append($0) }
        #expect(results == expected)
        #expect(results.map(\.isDuplicate) == Self.drafts.indices.map { $0 == 6 })
        #expect(reported.last == Self.drafts.count && reported == reported.sorted())
        #expect(try Self.contents(of: log) == Self.contents(of: whole))
        #expect(log.size == 9)
        await whole.close()
        await log.close()
    }

    @Test("a refused draft stops the pipeline: the batches before it are in the log, nothing after", arguments: [1, 2, 4])
    func refusalKeepsEarlierBatches(batchEvents: Int) async throws {
        var drafts = Self.drafts
        // The trial's provider is not in the pool: refused at index 9.
        drafts[9] = Self.draft("enterprise/\(Self.enterprise)", "TrialStarted", ["provider": "91370100MA3C0XYZ1Q", "solution": "APS"])
        let (log, root) = try Self.freshLog()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var intake = try Intake(log: log, actor: Role.province.actor(named: "test"), today: "2026-11-28")
        var reported = 0
        await #expect {
            _ = try await intake.checkAndAppend(drafts, batchEvents: batchEvents) { reported = $0 }
        } throws: { error in
            (error as? IntakeError)?.place == IntakePlace(.event, 9)
        }
        // Every batch before the refused draft's is durable, and reported (a writer lists what
        // is in from it); none of its own.
        let kept = 9 / batchEvents * batchEvents
        let appended = drafts[..<kept].indices.count { $0 != 6 }
        #expect(log.size == UInt64(appended))
        #expect(reported == kept)
        // The refused batch's drafts are forgotten: the same drafts, mended, go in after it.
        let mended = Array(Self.drafts[kept...])
        let results = try await intake.checkAndAppend(mended, batchEvents: batchEvents)
        #expect(results.count == mended.count && log.size == 9)
        await log.close()
    }

    /// Enterprises registered and assessed, then each assessment repeated (its key), retracted
    /// (by seq) and recorded again at the next version: every draft leans on one long before it.
    static func longHistory(enterprises: Int) -> [EventDraft] {
        let ids = (0..<enterprises).map { number in
            let serial = "Q" + String(1_000_000 + number)
            let first17 = "91370211" + serial + String(USCC.organisationCheckCharacter(for: serial)!)
            return first17 + String(USCC.checkCharacter(for: first17)!)
        }
        func assessment(_ id: String, _ name: String, _ stage: String) -> JSONValue {
            ["assessment": .string(name), "kind": "annual", "instrument": "2024.1", "stage": .string(stage)]
        }
        var drafts: [EventDraft] = []
        for id in ids {
            drafts.append(
                draft(
                    "enterprise/\(id)", "EnterpriseRegistered",
                    ["name": "青岛海川", "uscc": .string(id), "city": "370200", "county": "370211", "industry": "C3484", "yearEntered": 2019],
                    expected: .none))
            drafts.append(draft("enterprise/\(id)", "AssessmentRecorded", assessment(id, "A-\(id)", "L1"), key: "a-\(id)"))
        }
        for (index, id) in ids.enumerated() {
            drafts.append(draft("enterprise/\(id)", "AssessmentRecorded", assessment(id, "A-\(id)", "L1"), key: "a-\(id)"))
            drafts.append(
                draft("enterprise/\(id)", "EventRetracted", ["seq": .integer(Int64(2 * index + 2)), "reason": "评估有误"], expected: .exact(2)))
            drafts.append(draft("enterprise/\(id)", "AssessmentRecorded", assessment(id, "B-\(id)", "L3"), expected: .exact(3), key: "b-\(id)"))
        }
        return drafts
    }

    @Test("drafts checked while earlier ones land are let go as the log takes them, and the checks agree")
    func heldDraftsStayBounded() async throws {
        let drafts = Self.longHistory(enterprises: 40)
        let (whole, wholeRoot) = try Self.freshLog()
        defer { try? FileManager.default.removeItem(atPath: wholeRoot) }
        var one = try Intake(log: whole, actor: Role.province.actor(named: "test"), today: "2026-11-28")
        let expected = try await one.checkAndAppend(drafts, batchEvents: drafts.count)

        // The pipeline by hand: each batch checked, then the one before it appended.
        let (log, root) = try Self.freshLog()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var intake = try Intake(log: log, actor: Role.province.actor(named: "test"), today: "2026-11-28")
        intake.forgetsEvery = 4
        intake.appendsWhileChecking = true
        var results: [AppendResult] = []
        var previous: [EventDraft] = []
        var held: [Int] = []
        for start in stride(from: 0, to: drafts.count, by: 6) {
            let batch = Array(drafts[start..<min(start + 6, drafts.count)])
            for (index, draft) in batch.enumerated() { _ = try intake.check(draft, at: IntakePlace(.event, start + index)) }
            let counts = intake.heldDrafts
            held.append(max(counts.versions, counts.keys, counts.facts))
            results += try await log.append(previous, actor: intake.actor)
            previous = batch
        }
        results += try await log.append(previous, actor: intake.actor)
        intake.appendsWhileChecking = false

        #expect(results == expected)
        #expect(try Self.contents(of: log) == Self.contents(of: whole))
        // Two batches in flight and the log's growth before a sweep: never the whole history.
        #expect(held.max()! <= 6 * 2 + 4, "held \(held)")
        await whole.close()
        await log.close()
    }
}

extension IntakeTests {
    @Test("a write the log refuses says how many of the input's events were stored before it")
    func refusalCountsWhatWasStored() {
        let refused = LogError.writesRefused(reason: "a sync failed")
        #expect(Intake.refusal(refused, offset: 0).message == "the log refused the write: \(refused); nothing of this input was stored")
        #expect(
            Intake.refusal(refused, offset: 16_384).message
                == "the log refused the write: \(refused); the first 16384 events of this input were stored, none after them")
        #expect(Intake.refusal(refused, offset: -3).message.hasSuffix("nothing of this input was stored"))
        #expect(Intake.refusal(refused, offset: 7).code == .unavailable)
    }

    @Test("the log's growth lets go of all the drafts held, none, or those it holds while appending")
    func pendingSeqsLanding() {
        var seqs = PendingSeqs(size: 10)
        for expected in 11...20 as ClosedRange<UInt64> { #expect(seqs.next() == expected) }
        #expect(seqs.landed(size: 10) == .none)
        // Not appending while checking: any growth means the drafts are in.
        #expect(seqs.landed(size: 12) == .all)
        #expect(seqs.base == 12 && seqs.last == 12)

        seqs.appendsWhileChecking = true
        seqs.forgetsEvery = 4
        for _ in 0..<10 { _ = seqs.next() }  // seqs 13...22
        #expect(seqs.landed(size: 15) == .none)  // grown by 3 < 4
        #expect(seqs.landed(size: 16) == .through(16))
        #expect(seqs.base == 16 && seqs.last == 22)
        #expect(seqs.landed(size: 19) == .none)
        #expect(seqs.landed(size: 22) == .all)  // the log holds every draft checked
        #expect(seqs.base == 22 && seqs.last == 22 && seqs.appendsWhileChecking && seqs.forgetsEvery == 4)
    }
}

extension IntakeTests {
    @Test("a table of held drafts keeps what compactMapValues keeps, at its capacity")
    func keepingCapacity() {
        var table: [String: UInt64] = [:]
        for seq in 1...5_000 as ClosedRange<UInt64> { table["enterprise/\(seq % 1_700)-\(seq)"] = seq }
        for cut in [0, 1, 2_500, 4_999, 5_000] as [UInt64] {
            let kept = table.compactMapValuesKeepingCapacity { $0 > cut ? $0 * 2 : nil }
            #expect(kept == table.compactMapValues { $0 > cut ? $0 * 2 : nil })
            #expect(kept.capacity >= table.capacity)
        }
    }
}

extension IntakeTests {
    struct DiskFailure: Error {}

    @Test("a batch the log refuses stops the pipeline with the log's reason; what it reported is what the log holds")
    func logRefusalStopsThePipeline() async throws {
        let root = NSTemporaryDirectory() + "gongfu-intake-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = LogDirectory(root: root)
        try EventLog.initialize(directory: directory, origin: "test/intake")
        var options = EventLog.Options()
        let syncs = Mutex(0)
        options.syncFault = {
            if syncs.withLock({ count in
                count += 1
                return count > 2
            }) {
                throw DiskFailure()
            }
        }
        let log = try EventLog(directory: directory, writable: true, options: options)
        var intake = try Intake(log: log, actor: Role.province.actor(named: "test"), today: "2026-11-28")
        var reported = 0
        await #expect {
            _ = try await intake.checkAndAppend(Self.drafts, batchEvents: 1) { reported = $0 }
        } throws: { error in
            (error as? IntakeError)?.code == .unavailable
        }
        #expect(reported > 0 && reported < Self.drafts.count)
        // Every draft reported is in the log, nothing after (the repeat at index 6 is answered, not stored).
        #expect(log.size == UInt64(Self.drafts[..<reported].indices.count { $0 != 6 }))
        await log.close()
    }
}
