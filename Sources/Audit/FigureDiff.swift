import Domain
import EventLog
import GRDB
import Projections

/// `audit diff`: a year's coverage at two points — as frozen at the year's close, or as of a
/// seq, a recorded time or a business date, against as known now (or another point) — per
/// city, with the enterprises whose stage differs and the events that make the difference.
public struct FigureDiff: Sendable {
    /// One side of the comparison.
    public enum Point: Sendable, Equatable, CustomStringConvertible {
        /// The figures frozen when the year's assessment closed.
        case frozen
        /// The coverage read model built as of a past point.
        case asOf(AsOf)
        /// The live read model.
        case now

        /// Reads `frozen`, `now`, `seq:N`, `recorded:TIME` (UTC) or `date:YYYY-MM-DD`.
        public init?(parsing text: String) {
            switch text {
            case "frozen": self = .frozen
            case "now": self = .now
            case _ where text.hasPrefix("seq:"):
                guard let seq = UInt64(text.dropFirst(4)) else { return nil }
                self = .asOf(.seq(seq))
            case _ where text.hasPrefix("recorded:"):
                guard let time = AsOf.recordedTime(String(text.dropFirst(9))) else { return nil }
                self = .asOf(.recorded(time))
            case _ where text.hasPrefix("date:"):
                let date = String(text.dropFirst(5))
                guard date.count == 10, Timestamp.isValidBusinessDate(date) else { return nil }
                self = .asOf(.date(date))
            default: return nil
            }
        }

        public var description: String {
            switch self {
            case .frozen: "frozen at the close"
            case .asOf(let point): "as of \(point)"
            case .now: "as known now"
            }
        }
    }

    public struct Change: Sendable {
        public var uscc: String
        public var city: String
        public var before: Int?
        public var after: Int?
        /// The enterprise's stage events that one side includes and the other does not.
        public var events: [Envelope]
    }

    public struct CityChange: Sendable {
        public var city: String
        public var coverage: (before: Double?, after: Double?)
        public var deep: (before: Double?, after: Double?)
    }

    public var year: Int
    public var from: Point
    public var to: Point
    public var cities: [CityChange]
    public var changes: [Change]

    typealias Side = [String: (stage: Int, city: String)]

    static let stageEvents: Set<String> = Set(
        [
            EventKind.enterpriseRegistered, .assessmentRecorded, .stageUpgraded, .eventRetracted, .enterpriseLeftPopulation,
            .enterpriseProfileCorrected,
        ].map(\.rawValue))

    /// Compares `year` between two points. As-of points are built into `scratch` (a directory
    /// for temporary read models) without touching the live ones.
    public static func compare(year: Int, from: Point, to: Point, coverage live: ReadModelStore, log: EventLog, scratch: String) throws -> FigureDiff
    {
        let closedSeq = try live.read { db in try CoverageReadModel.closedSeq(year: year, in: db) }
        func side(_ point: Point) throws -> (Side, (Envelope) -> Bool) {
            switch point {
            case .now:
                return (try load(live, basis: "known", year: year), { $0.seq <= log.size })
            case .frozen:
                guard let closedSeq else { throw AuditError.notClosed(year: year) }
                return (try load(live, basis: "frozen", year: year), { $0.seq <= closedSeq })
            case .asOf(let asOf):
                let paths = try ReadModels.build(asOf: asOf, log: log, names: [CoverageReadModel.name], outputDirectory: scratch)
                let store = try ReadModelStore(path: paths[0], projection: CoverageReadModel.self, mode: .readOnly)
                defer { store.close() }
                let included: (Envelope) -> Bool =
                    switch asOf {
                    case .seq(let seq): { $0.seq <= seq }
                    case .recorded(let time): { $0.recorded <= time }
                    case .date(let date): { $0.occurred.prefix(10) <= date }
                    }
                return (try load(store, basis: "known", year: year), included)
            }
        }
        let (before, includedBefore) = try side(from)
        let (after, includedAfter) = try side(to)
        var changes: [Change] = []
        for uscc in Set(before.keys).union(after.keys).sorted() {
            let a = before[uscc]
            let b = after[uscc]
            guard a?.stage != b?.stage else { continue }
            let events = try log.envelopes(stream: "enterprise/" + uscc).filter {
                stageEvents.contains($0.type) && includedBefore($0) != includedAfter($0)
            }
            changes.append(Change(uscc: uscc, city: b?.city ?? a?.city ?? "", before: a?.stage, after: b?.stage, events: events))
        }
        let cities = ReferenceData.standard.cities.map(\.code).compactMap { city -> CityChange? in
            func rates(_ side: Side) -> (Double?, Double?) {
                let stages = side.values.filter { $0.city == city }.map(\.stage)
                return (percentage(stages.filter { $0 >= 1 }.count, of: stages.count), percentage(stages.filter { $0 >= 3 }.count, of: stages.count))
            }
            let (coverageBefore, deepBefore) = rates(before)
            let (coverageAfter, deepAfter) = rates(after)
            guard coverageBefore != coverageAfter || deepBefore != deepAfter else { return nil }
            return CityChange(city: city, coverage: (coverageBefore, coverageAfter), deep: (deepBefore, deepAfter))
        }
        return FigureDiff(year: year, from: from, to: to, cities: cities, changes: changes)
    }

    static func load(_ store: ReadModelStore, basis: String, year: Int) throws -> Side {
        try store.read { db in
            var side: Side = [:]
            for row in try CoverageReadModel.enterpriseStages(basis: basis, year: year, in: db) { side[row.uscc] = (row.stage, row.city ?? "") }
            return side
        }
    }

    /// The difference as an auditor reads it.
    public var text: String {
        let names = Dictionary(uniqueKeysWithValues: ReferenceData.standard.cities.map { ($0.code, $0.name) })
        func rate(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0) } ?? "—" }
        func points(_ a: Double?, _ b: Double?) -> String {
            guard let a, let b else { return "" }
            return String(format: " (%+.1f 个百分点)", b - a)
        }
        var lines = ["\(year) 年覆盖率：\(from) → \(to)；\(changes.count) 家企业阶段不同"]
        for city in cities {
            lines.append(
                "  \(city.city) \(names[city.city] ?? ""): 覆盖率 \(rate(city.coverage.before)) → \(rate(city.coverage.after))\(points(city.coverage.before, city.coverage.after))；深度率 \(rate(city.deep.before)) → \(rate(city.deep.after))\(points(city.deep.before, city.deep.after))"
            )
        }
        for change in changes {
            let stage = { (value: Int?) in value.map { "L\($0)" } ?? "不在总体" }
            lines.append("  \(change.uscc) (\(change.city)): \(stage(change.before)) → \(stage(change.after))")
            for event in change.events {
                lines.append("      seq \(event.seq) \(event.type) 业务日期 \(event.occurred) 记录于 \(event.recorded)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What an audit could not do, in words an auditor can act on.
public enum AuditError: Error, CustomStringConvertible, Sendable {
    case notClosed(year: Int)
    case noSigningKey(path: String)
    case badRange(String)

    public var description: String {
        switch self {
        case .notClosed(let year):
            "the \(year) annual assessment has not closed, so there are no frozen figures; compare as-of points instead (--from seq:N)"
        case .noSigningKey(let path):
            "no checkpoint can be signed for the export: \(path) is missing; export from the data directory that holds the signing key"
        case .badRange(let reason): reason
        }
    }
}
