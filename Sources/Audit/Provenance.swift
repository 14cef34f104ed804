import Domain
import EventLog
import GRDB
import Projections

/// `audit explain`: where a coverage figure comes from — the population and numerator
/// enterprise lists for a year and group, and for each enterprise the event that put it at its
/// stage (its first assessment or the upgrade), as known now or as frozen at the year's close.
public struct Provenance: Sendable {
    public enum Figure: String, Sendable, CaseIterable {
        /// 转型覆盖率: L1–L5 over the population.
        case coverage
        /// 深度转型率: L3–L5 over the population.
        case deep

        var threshold: Int { self == .coverage ? 1 : 3 }
    }

    public struct Member: Sendable {
        public var uscc: String
        public var stage: Int
        public var counted: Bool
        /// The event that set the stage (nil: never assessed, L0 by default).
        public var event: UInt64?
        public var eventType: String?
        public var occurred: String?
        public var recorded: String?
    }

    public var year: Int
    /// A city or county code, or nil for the province.
    public var region: String?
    public var figure: Figure
    public var basis: String
    public var members: [Member]
    /// The read model's seq the figure reflects.
    public var seq: UInt64

    public var population: Int { members.count }
    public var numerator: Int { members.filter(\.counted).count }
    /// The rate as the coverage read model rounds it (one decimal).
    public var rate: Double? { percentage(numerator, of: population) }

    /// Explains `figure` for `year` and `region` (basis `known` or `frozen`) from the coverage
    /// read model, naming each stage's event from the log.
    public static func explain(
        year: Int, region: String?, figure: Figure, frozen: Bool = false,
        coverage: ReadModelStore, log: EventLog
    ) throws -> Provenance {
        let basis = frozen ? "frozen" : "known"
        let (rows, seq) = try coverage.read { db in
            (try CoverageReadModel.enterpriseStages(basis: basis, year: year, region: region, in: db), try ReadModelStore.checkpoint(in: db).seq)
        }
        // The events that set the stages, read in one pass over their range of the log.
        let wanted = Set(rows.compactMap(\.stageSeq))
        var envelopes: [UInt64: Envelope] = [:]
        if let first = wanted.min(), let last = wanted.max() {
            try log.forEachLine(from: first, through: last) { seq, line in
                if wanted.contains(seq) { envelopes[seq] = try Envelope(line: line) }
            }
        }
        let members = rows.map { row -> Member in
            var member = Member(uscc: row.uscc, stage: row.stage, counted: row.stage >= figure.threshold)
            if let eventSeq = row.stageSeq, let envelope = envelopes[eventSeq] {
                member.event = eventSeq
                member.eventType = envelope.type
                member.occurred = envelope.occurred
                member.recorded = envelope.recorded
            }
            return member
        }
        return Provenance(year: year, region: region, figure: figure, basis: basis, members: members, seq: seq)
    }

    /// The explanation as a table: one row per enterprise of the population.
    public var table: QueryTable {
        var table = QueryTable(
            title:
                "\(year)年 \(region ?? "全省") \(figure == .coverage ? "转型覆盖率" : "深度转型率")（\(basis == "frozen" ? "评估时冻结" : "当前已知")）：\(numerator)/\(population) = \(rate.map { String($0) } ?? "—")%",
            columns: [
                ("uscc", "统一社会信用代码"), ("stage", "阶段"), ("counted", "计入分子"), ("event", "定级事件seq"),
                ("eventType", "事件类型"), ("occurred", "业务日期"), ("recorded", "记录时间"),
            ], seq: seq)
        for member in members {
            table.rows.append([
                .text(member.uscc), .text("L\(member.stage)"), .text(member.counted ? "是" : "否"),
                member.event.map { .integer(Int64($0)) } ?? .null, member.eventType.map(QueryTable.Value.text) ?? .null,
                member.occurred.map(QueryTable.Value.text) ?? .null, member.recorded.map(QueryTable.Value.text) ?? .null,
            ])
        }
        return table
    }
}
