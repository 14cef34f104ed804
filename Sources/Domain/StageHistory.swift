/// An enterprise's stage over time, the one way every part of Gongfu reads it: the stage on a
/// date is what the latest standing assessment on or before that date found — up or down.
///
/// "Latest" is by business date, then by seq (the order the log holds them), so an assessment
/// recorded late but dated earlier takes its place in the history, not at its end. A
/// `StageUpgraded` in a log written before assessments set the stage reads as a finding of its
/// `to` stage on its own date (it rested on an assessment that found that stage).
///
/// ```swift
/// var history = StageHistory()
/// history.record(StageHistory.Finding(seq: 7, date: "2024-05-02", stage: .l2, assessment: "A-1"))
/// history.record(StageHistory.Finding(seq: 9, date: "2025-10-12", stage: .l1, assessment: "A-2"))
/// history.stage(on: "2024-10-31")?.stage  // .l2
/// history.current?.stage                  // .l1 (a regression)
/// history.moves.map(\.isDowngrade)        // [true]
/// ```
public struct StageHistory: Sendable, Equatable {
    /// A finding that changed the stage standing before it.
    public struct Move: Sendable, Equatable {
        public var finding: Finding
        /// The stage standing before it.
        public var from: Stage
        public var to: Stage { finding.stage }
        public var isDowngrade: Bool { to < from }
    }

    /// The standing findings, in history order (date, then seq).
    public private(set) var findings: [Finding] = []

    public init() {}

    /// A history of `findings`, in any order.
    public init(_ findings: some Sequence<Finding>) {
        for finding in findings { record(finding) }
    }

    /// Adds a finding in its place (usually the end: findings mostly arrive in date order).
    public mutating func record(_ finding: Finding) {
        if let last = findings.last, !finding.follows(last) {
            let index = findings.firstIndex { $0.follows(finding) } ?? findings.endIndex
            findings.insert(finding, at: index)
        } else {
            findings.append(finding)
        }
    }

    /// This history with `finding` recorded, held in storage of its exact size: a fold keeps a
    /// history per enterprise beside the one before it, and appending to a shared copy would
    /// double its storage.
    public func recording(_ finding: Finding) -> StageHistory {
        var result = StageHistory()
        result.findings.reserveCapacity(findings.count + 1)
        result.findings.append(contentsOf: findings)
        result.record(finding)
        return result
    }

    /// Drops the finding recorded by event `seq` (it was retracted). True when there was one.
    @discardableResult
    public mutating func remove(seq: UInt64) -> Bool {
        guard let index = findings.firstIndex(where: { $0.seq == seq }) else { return false }
        findings.remove(at: index)
        return true
    }

    /// Whether the enterprise has been assessed at all.
    public var isAssessed: Bool { !findings.isEmpty }

    /// The finding that sets the stage on `date` (`YYYY-MM-DD`, or a longer timestamp): the latest
    /// on or before it. Nil: not assessed by then (the figures count it at L0).
    public func stage(on date: some StringProtocol) -> Finding? {
        let day = date.prefix(10)
        guard let packed = Finding.packedDay(String(day)) else { return findings.last { $0.date[...] <= day } }
        return findings.last { $0.isOnOrBefore(packed, text: day) }
    }

    /// The finding that sets the stage now: the latest of all.
    public var current: Finding? { findings.last }

    /// Each finding that changed the stage, in history order. The first finding sets the stage
    /// the enterprise starts from and is no move.
    public var moves: [Move] {
        var result: [Move] = []
        for (previous, finding) in zip(findings, findings.dropFirst()) where finding.stage != previous.stage {
            result.append(Move(finding: finding, from: previous.stage))
        }
        return result
    }
}

extension Stage {
    /// The stage as the integer read models store (L0 → 0 … L5 → 5), so SQL can compare them.
    public var level: Int { Stage.allCases.firstIndex(of: self)! }

    /// The stage of number `level` (0–5).
    public init?(level: Int) {
        guard Stage.allCases.indices.contains(level) else { return nil }
        self = Stage.allCases[level]
    }
}
