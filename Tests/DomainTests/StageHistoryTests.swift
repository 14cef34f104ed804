import Domain
import Testing

@Suite("StageHistory: the stage on a date is the latest standing assessment's, up or down")
struct StageHistoryTests {
    static func finding(_ seq: UInt64, _ date: String, _ stage: Stage) -> StageHistory.Finding {
        StageHistory.Finding(seq: seq, date: date, stage: stage, assessment: "A\(seq)")
    }

    @Test("stage on a date, the current stage, and the moves with their downgrades")
    func stageOnADate() {
        var history = StageHistory([Self.finding(3, "2023-06-01", .l2), Self.finding(9, "2024-09-10", .l3), Self.finding(12, "2025-10-12", .l1)])
        #expect(history.stage(on: "2023-05-31") == nil)
        #expect(history.stage(on: "2023-10-31")?.stage == .l2)
        #expect(history.stage(on: "2024-10-31T23:59:59+08:00")?.stage == .l3)
        #expect(history.current?.stage == .l1)
        #expect(history.moves.map { "\($0.from.rawValue)→\($0.to.rawValue)" } == ["L2→L3", "L3→L1"])
        #expect(history.moves.map(\.isDowngrade) == [false, true])
        // Recorded late (seq 15) but dated before the regression: it takes its place by date.
        history.record(Self.finding(15, "2025-03-01", .l4))
        #expect(history.findings.map(\.seq) == [3, 9, 15, 12])
        #expect(history.current?.seq == 12)
        #expect(history.stage(on: "2025-06-30")?.stage == .l4)
        // The same date: the one recorded later stands.
        history.record(Self.finding(16, "2025-10-12", .l2))
        #expect(history.current?.seq == 16)
        #expect(history.remove(seq: 16) && !history.remove(seq: 16))
        #expect(history.current?.seq == 12)
    }

    @Test("the history is the same whatever order its findings arrive in")
    func orderIndependent() {
        let findings = [
            Self.finding(1, "2024-01-05", .l0), Self.finding(2, "2024-01-05", .l1), Self.finding(5, "2023-12-01", .l2),
            Self.finding(7, "2025-10-01", .l0),
        ]
        let expected = StageHistory(findings)
        for permutation in [[3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]] {
            #expect(StageHistory(permutation.map { findings[$0] }) == expected)
        }
        #expect(expected.findings.map(\.seq) == [5, 1, 2, 7])
        #expect(Stage(level: 3) == .l3 && Stage(level: 6) == nil && Stage.l5.level == 5)
    }

    @Test("recording returns the history as record makes it, in storage of about its size, and leaves the original alone")
    func recordingKeepsItsSize() {
        let findings = (1...12).map { Self.finding(UInt64($0), "2024-0\(1 + $0 % 9)-01", Stage(level: $0 % 6)!) }
        var recorded = StageHistory()
        var built = StageHistory()
        for finding in findings {
            let before = built
            built = built.recording(finding)
            recorded.record(finding)
            #expect(built == recorded && before.findings.count == built.findings.count - 1)
            // Appending to a shared copy would double it (16 for 12, 8 for 5).
            #expect(built.findings.capacity < built.findings.count + 3, "\(built.findings.capacity) for \(built.findings.count)")
        }
        #expect(built.findings.map(\.seq) != findings.map(\.seq), "some arrived out of date order")
    }

    /// What a finding held before it was packed: plain text, compared as text.
    struct PlainFinding {
        var seq: UInt64
        var date: String
        var stage: Stage
        var assessment: String
        func follows(_ other: PlainFinding) -> Bool { (date, seq) > (other.date, other.seq) }
    }

    @Test("a finding kept in 32 bytes reads back and orders as its plain text does, dates that are not YYYY-MM-DD too")
    func packedFindingMatchesPlainText() {
        #expect(MemoryLayout<StageHistory.Finding>.stride == 32)
        let dates = ["2024-05-02", "2023-12-31", "2024-05-02T09:30:00+08:00", "2024-5-2", "2024/05/02", "", "二〇二四年五月", "2024-05-0x", "9999-99-99"]
        let ids = ["A-1", "", "123456-2024-online-assessment", "评估-7"]
        var packed: [StageHistory.Finding] = []
        var plain: [PlainFinding] = []
        for (index, date) in dates.enumerated() {
            for id in ids {
                let seq = UInt64(index * 10 + id.count)
                let finding = StageHistory.Finding(seq: seq, date: date, stage: .l2, assessment: id)
                #expect(finding.date == String(date.prefix(10)) && finding.assessment == id && finding.seq == seq && finding.stage == .l2)
                packed.append(finding)
                plain.append(PlainFinding(seq: seq, date: String(date.prefix(10)), stage: .l2, assessment: id))
            }
        }
        // The history's order, and the stage on a date, as plain text decides them.
        let history = StageHistory(packed.reversed())
        var expected: [PlainFinding] = []
        for finding in plain.reversed() {
            let index = expected.firstIndex { $0.follows(finding) } ?? expected.endIndex
            expected.insert(finding, at: index)
        }
        #expect(history.findings.map(\.seq) == expected.map(\.seq))
        for day in dates + ["2024-05-01", "2024-05-03", "0000-00-00"] {
            let cut = day.prefix(10)
            #expect(history.stage(on: day)?.seq == expected.last { $0.date[...] <= cut }?.seq, "stage on \(day)")
        }
        // Changing one part keeps the other.
        var changed = packed[0]
        changed.date = "not a date"
        #expect(changed.date == "not a date" && changed.assessment == "A-1")
        changed.assessment = "B-2"
        changed.date = "2025-01-09"
        #expect(changed.date == "2025-01-09" && changed.assessment == "B-2")
        #expect(changed == StageHistory.Finding(seq: changed.seq, date: "2025-01-09", stage: .l2, assessment: "B-2"))
    }
}
