import Domain
import GRDB

/// The enterprise list behind the officials' search page: every enterprise of the population
/// (the pending library's file of it), found by any part of its name or USCC, filtered by place,
/// stage, industry, sector group, a pending step not yet taken and contact, a page at a time.
///
/// ```swift
/// let page = try EnterpriseSearch(text: "青岛", stage: 0, limit: 50).run(store)
/// page.total   // how many match, for the pager
/// ```
public struct EnterpriseSearch: Sendable {
    /// A fragment of the name or of the USCC.
    public var text: String?
    /// A city or county code.
    public var region: String?
    /// The current stage level (0…5).
    public var stage: Int?
    /// An industry code (division or finer).
    public var industry: String?
    /// A sector group id (``ReferenceData/SectorGroup``).
    public var sector: String?
    /// An industrial chain (产业链) the enterprise belongs to.
    public var chain: String?
    /// A pending step (``PendingReadModel/steps``) not yet taken by an enterprise still at L0.
    public var missingStep: String?
    /// Only enterprises not contacted for more than 180 days before `date`.
    public var noContact = false
    public var date: String
    public var limit = 50
    public var offset = 0

    public init(
        text: String? = nil, region: String? = nil, stage: Int? = nil, industry: String? = nil, sector: String? = nil,
        missingStep: String? = nil, noContact: Bool = false, date: String = "9999-12-31", limit: Int = 50, offset: Int = 0
    ) {
        self.text = text
        self.region = region
        self.stage = stage
        self.industry = industry
        self.sector = sector
        self.missingStep = missingStep
        self.noContact = noContact
        self.date = date
        self.limit = limit
        self.offset = offset
    }

    /// One page of matches and how many there are in all.
    public struct Page: Sendable {
        public var table: QueryTable
        public var total: Int
    }

    public static let columns: [(String, String)] = [
        ("uscc", "统一社会信用代码"), ("name", "企业名称"), ("city", "市"), ("county", "县(市、区)"), ("industry", "行业"), ("stage", "阶段"),
        ("stepsDone", "五步已完成"), ("lastContactOn", "最近联系"),
    ]

    /// Every industrial chain the population's enterprises name, for the filter's choices.
    public static func chains(_ store: ReadModelStore) throws(ProjectionError) -> [String] {
        try store.read { db in
            Set(
                try String.fetchAll(db, sql: "SELECT DISTINCT chains FROM enterprise WHERE chains != ''").flatMap {
                    $0.split(separator: ",").map(String.init)
                }
            )
            .sorted()
        }
    }

    public func run(_ store: ReadModelStore) throws(ProjectionError) -> Page {
        try store.read { db in try run(in: db) }
    }

    func run(in db: Database) throws -> Page {
        var conditions = ["left_population_year IS NULL"]
        var arguments: [any DatabaseValueConvertible] = []
        if let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            // A substring of either: LIKE's wildcards in the text are taken literally.
            let pattern =
                "%"
                + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(name LIKE ? ESCAPE '\\' OR uscc LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern.uppercased()]
        }
        if let region {
            conditions.append(region.hasSuffix("00") ? "city = ?" : "county = ?")
            arguments.append(region)
        }
        if let stage {
            conditions.append("stage = ?")
            arguments.append(stage)
        }
        let reference = ReferenceData.standard
        if let industry, let division = reference.industry(for: industry) {
            conditions.append("(industry = ? OR industry LIKE ?)")
            arguments += [division.industryCode, division.industryCode + "%"]
        }
        if let sector, let group = reference.sectorGroups.first(where: { $0.id == sector }) {
            let divisions = reference.industries.filter { group.divisions.contains($0.code) || group.divisions.contains($0.industryCode) }
            conditions.append("(" + (divisions.isEmpty ? "0" : divisions.map { _ in "industry LIKE ?" }.joined(separator: " OR ")) + ")")
            arguments += divisions.map { $0.industryCode + "%" }
        }
        if let chain, !chain.isEmpty {
            conditions.append("instr(',' || chains || ',', ?) > 0")
            arguments.append("," + chain + ",")
        }
        if let missingStep, let step = PendingReadModel.steps.first(where: { $0.step == missingStep }) {
            conditions.append("stage = 0 AND \(step.column) IS NULL")
        }
        if noContact {
            conditions.append("(last_contact_on IS NULL OR julianday(?) - julianday(last_contact_on) > 180)")
            arguments.append(date)
        }
        let filter = " WHERE " + conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM enterprise" + filter, arguments: StatementArguments(arguments)) ?? 0
        var table = QueryTable(title: "企业名单", columns: Self.columns, seq: try ReadModelStore.checkpoint(in: db).seq)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT uscc, name, city, county, industry, stage,
                    (online_assessment_on IS NOT NULL) + (diagnosis_on IS NOT NULL) + (training_on IS NOT NULL) + (matching_on IS NOT NULL) + (trial_on IS NOT NULL),
                    last_contact_on
                FROM enterprise\(filter) ORDER BY city, county, uscc LIMIT ? OFFSET ?
                """, arguments: StatementArguments(arguments + [limit, offset]))
        for row in rows {
            table.rows.append([
                .text(row[0]), .text(row[1]), .text(reference.placeName(row[2])), .text(reference.placeName(row[3])),
                .text(reference.industry(for: row[4])?.name ?? row[4]), .text("L\(row[5] as Int)"), .integer(row[6]),
                (row[7] as String?).map(QueryTable.Value.text) ?? .null,
            ])
        }
        return Page(table: table, total: total)
    }
}
