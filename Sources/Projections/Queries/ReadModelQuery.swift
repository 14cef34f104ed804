import Domain
import EventLog
import Foundation
import GRDB

/// Filters the list queries share (each query uses the ones that make sense for it).
public struct QueryFilters: Sendable {
    /// A city or county code.
    public var region: String?
    /// An industry code (division level).
    public var industry: String?
    public var year: Int?
    /// pending: `pending` (default), `left`, `reentered`, `all`; projects: a status.
    public var status: String?
    /// The date statuses and durations are judged at (`YYYY-MM-DD`; default today, UTC).
    public var date: String?
    public var limit: Int?
    public var offset: Int = 0

    public init(
        region: String? = nil, industry: String? = nil, year: Int? = nil, status: String? = nil, date: String? = nil, limit: Int? = nil,
        offset: Int = 0
    ) {
        self.region = region
        self.industry = industry
        self.year = year
        self.status = status
        self.date = date
        self.limit = limit
        self.offset = offset
    }

    var asOfDate: String { date ?? String(Timestamp.format(microseconds: Timestamp.nowMicroseconds()).prefix(10)) }

    /// `AND`-joined SQL conditions on `city`/`county`/`industry` columns, with their arguments.
    func regionConditions(city: String = "city", county: String = "county", industry industryColumn: String? = "industry") -> (
        [String], [any DatabaseValueConvertible]
    ) {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let region {
            conditions.append(region.hasSuffix("00") ? "\(city) = ?" : "\(county) = ?")
            arguments.append(region)
        }
        if let industry, let industryColumn, let division = ReferenceData.standard.industry(for: industry) {
            conditions.append("(\(industryColumn) = ? OR \(industryColumn) LIKE ?)")
            arguments += [division.industryCode, division.industryCode + "%"]
        }
        return (conditions, arguments)
    }

    var paging: String {
        limit.map { " LIMIT \($0) OFFSET \(offset)" } ?? (offset > 0 ? " LIMIT -1 OFFSET \(offset)" : "")
    }
}

/// The queries `gongfu query` and the daemon answer, one per read model view.
public enum ReadModelQuery {
    /// The queries, by the name `gongfu query` and the daemon's routes take.
    public enum Name: String, CaseIterable, Sendable {
        case coverage, pending, funnel, activity, projects, ledger, providers
        case projectProgress = "project-progress"
        case providerProgress = "provider-progress"
        case benchmarks, incentives, programme, needs, findings
        case stageMoves = "stage-moves"
        case targets
        case incentiveRanking = "incentive-ranking"

        /// The read models it reads, the first of them the one it is listed under.
        public var readModels: [String] {
            switch self {
            case .targets: [CoverageReadModel.name, ProgrammeReadModel.name, ProvidersReadModel.name, BenchmarksReadModel.name]
            case .incentiveRanking: [CoverageReadModel.name, FindingsReadModel.name]
            default: [readModel]
            }
        }

        /// The read model it reads (the first, for those that read several).
        public var readModel: String {
            switch self {
            case .coverage, .stageMoves, .targets, .incentiveRanking: CoverageReadModel.name
            case .pending, .funnel, .activity: PendingReadModel.name
            case .projects, .projectProgress: ProjectsReadModel.name
            case .ledger: LedgerReadModel.name
            case .providers, .providerProgress: ProvidersReadModel.name
            case .benchmarks, .incentives: BenchmarksReadModel.name
            case .programme, .needs: ProgrammeReadModel.name
            case .findings: FindingsReadModel.name
            }
        }

        /// What it answers, in a sentence.
        public var summary: String {
            switch self {
            case .coverage: "coverage and deep rates per year and group"
            case .pending: "the pending library, one row per enterprise"
            case .funnel: "the pending library's five steps, per city"
            case .activity: "the latest contacts with pending enterprises, newest first"
            case .projects: "the project library"
            case .projectProgress: "projects filed, completed, cancelled and in progress per year, city (or county with --by) and domain"
            case .ledger: "the work ledger and its status as of a date"
            case .providers: "the provider pool, one row per provider"
            case .providerProgress: "providers and solutions per year against the plan's targets"
            case .benchmarks: "benchmark awards"
            case .incentives: "incentives granted"
            case .programme: "programme metrics per year against targets"
            case .needs: "enterprises' needs and difficulties (needs.json) per year, by place or industry and stage"
            case .findings: "supervision findings, each with the events it rests on (rules: supervision-rules.json)"
            case .stageMoves: "assessments that moved a stage up or down, per assessment year and city (counties of a city with --region)"
            case .targets: "the plan's scoreboard: every target against what the log shows, per year (and city or county with --by/--region)"
            case .incentiveRanking:
                "督查激励: cities ranked by coverage gain over the previous year, and again net of the stage changes the supervision checks flag"
            }
        }

        /// The query named `name`, or an error naming it.
        public init(named name: String) throws(ProjectionError) {
            guard let query = Self(rawValue: name) else { throw .unknownProjection(name) }
            self = query
        }
    }

    /// Query name → the read model it is listed under.
    public static let names: [(query: String, readModel: String, summary: String)] = Name.allCases.map {
        ($0.rawValue, $0.readModel, $0.summary)
    }

    public static func readModel(for query: String) throws(ProjectionError) -> String {
        try Name(named: query).readModel
    }

    static func table(_ title: String, _ columns: [(String, String)], _ sql: String, _ arguments: [any DatabaseValueConvertible], in db: Database)
        throws -> QueryTable
    {
        var table = QueryTable(title: title, columns: columns, seq: try ReadModelStore.checkpoint(in: db).seq)
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
        while let row = try rows.next() {
            table.rows.append(
                row.databaseValues.map { value in
                    switch value.storage {
                    case .null: .null
                    case .int64(let number): .integer(number)
                    case .double(let number): .number(number)
                    case .string(let text): .text(text)
                    case .blob: .null
                    }
                })
        }
        return table
    }

    static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }
}
