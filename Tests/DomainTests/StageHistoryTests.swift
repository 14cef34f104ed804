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
}
