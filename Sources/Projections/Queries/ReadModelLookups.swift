import GRDB

/// One enterprise's stage in a year of the coverage read model, as the audit tools read it.
public struct EnterpriseStage: Sendable, Equatable {
    public var uscc: String
    /// 0 for L0 … 5 for L5.
    public var stage: Int
    /// The event that set the stage, when one did.
    public var stageSeq: UInt64?
    public var city: String?
}

extension CoverageReadModel {
    /// Every enterprise counted in `year` on `basis` (`known` or `frozen`), in USCC order,
    /// within `region` (a city code ending in 00, or a county code) when one is given.
    public static func enterpriseStages(basis: String, year: Int, region: String? = nil, in db: Database) throws -> [EnterpriseStage] {
        var sql = "SELECT uscc, stage, stage_seq, city FROM enterprise_year WHERE basis = ? AND year = ?"
        var arguments: [any DatabaseValueConvertible] = [basis, year]
        if let region {
            sql += region.hasSuffix("00") ? " AND city = ?" : " AND county = ?"
            arguments.append(region)
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY uscc", arguments: StatementArguments(arguments)).map { row in
            EnterpriseStage(uscc: row["uscc"], stage: row["stage"], stageSeq: (row["stage_seq"] as Int64?).map(UInt64.init), city: row["city"])
        }
    }

    /// The seq of the event that closed `year`'s assessment, if it is closed.
    public static func closedSeq(year: Int, in db: Database) throws -> UInt64? {
        try Int64.fetchOne(db, sql: "SELECT closed_seq FROM assessment_year WHERE year = ?", arguments: [year]).map(UInt64.init)
    }
}

extension ProjectsReadModel {
    /// The enterprise a project belongs to.
    public static func enterprise(ofProject project: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT enterprise FROM project WHERE project = ?", arguments: [project])
    }
}

extension PendingReadModel {
    /// The city and county an enterprise is registered in.
    public static func place(ofEnterprise uscc: String, in db: Database) throws -> (city: String, county: String)? {
        try Row.fetchOne(db, sql: "SELECT city, county FROM enterprise WHERE uscc = ?", arguments: [uscc]).map { ($0[0], $0[1]) }
    }
}
