import Domain
import GRDB

extension ReadModelQuery {
    /// Runs a query named by text (``Name``) on the store of its read model.
    public static func run(_ query: String, filters: QueryFilters, coverage: CoverageQuery.Dimension = .province, store: ReadModelStore)
        throws(ProjectionError) -> QueryTable
    {
        try run(try Name(named: query), filters: filters, coverage: coverage, store: store)
    }

    /// Runs a query on the stores of the read models it reads (``Name/readModels``), each by name.
    public static func run(
        _ query: Name, filters: QueryFilters, coverage: CoverageQuery.Dimension = .province, stores: (String) throws -> ReadModelStore
    ) throws -> QueryTable {
        switch query {
        case .targets: try TargetsQuery(filters: filters, by: coverage).run(stores)
        case .incentiveRanking: try IncentiveRanking(year: filters.year, date: filters.asOfDate).run(stores)
        default: try run(query, filters: filters, coverage: coverage, store: stores(query.readModel))
        }
    }

    /// Runs a query that reads one read model (``Name/readModel``) on its store.
    public static func run(_ query: Name, filters: QueryFilters, coverage: CoverageQuery.Dimension = .province, store: ReadModelStore)
        throws(ProjectionError) -> QueryTable
    {
        guard query.readModels == [store.name] else {
            throw .database("query \(query.rawValue) reads \(query.readModels.joined(separator: ", ")); run it with their stores")
        }
        return try store.read { db in
            switch query {
            case .coverage:
                return try CoverageQuery(year: filters.year, by: coverage, region: filters.region, industry: filters.industry).run(in: db)
            case .pending: return try pending(filters, in: db)
            case .funnel: return try funnel(filters, by: coverage, in: db)
            case .activity: return try activity(filters, in: db)
            case .findings: return try SupervisionQuery(date: filters.asOfDate).table(region: filters.region, year: filters.year, in: db)
            case .projects: return try projects(filters, in: db)
            case .projectProgress: return try projectProgress(filters, by: coverage, in: db)
            case .ledger: return try ledger(filters, by: coverage, in: db)
            case .providers: return try providers(filters, in: db)
            case .providerProgress: return try providerProgress(filters, in: db)
            case .benchmarks: return try benchmarks(filters, in: db)
            case .incentives: return try incentives(filters, in: db)
            case .programme: return try programme(filters, by: coverage, in: db)
            case .needs: return try needs(filters, by: coverage, in: db)
            case .stageMoves: return try StageMovesQuery(year: filters.year, region: filters.region).run(in: db)
            case .targets, .incentiveRanking: preconditionFailure("reads several read models")
            }
        }
    }

    static func pending(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        var (conditions, arguments) = filters.regionConditions()
        switch filters.status ?? "pending" {
        case "pending": conditions.append("stage = 0 AND left_population_year IS NULL")
        case "left": conditions.append("left_library_on IS NOT NULL")
        case "reentered": conditions.append("reentered_library_on IS NOT NULL")
        default: break
        }
        let date = filters.asOfDate
        return try table(
            "待转型企业库",
            [
                ("uscc", "统一社会信用代码"), ("name", "企业名称"), ("city", "市"), ("county", "县(市、区)"), ("industry", "行业"),
                ("stage", "阶段"), ("registeredOn", "入库日期"), ("onlineAssessmentOn", "网上评测"), ("diagnosisOn", "现场诊断"),
                ("trainingOn", "企业家培训"), ("matchingOn", "服务商对接"), ("trialOn", "免费体验"), ("stepsDone", "已完成步骤"),
                ("lastContactOn", "最近联系"), ("daysInLibrary", "在库天数"), ("leftLibraryOn", "出库日期"),
                ("reenteredLibraryOn", "退回入库日期"),
            ],
            """
            SELECT uscc, name, city, county, industry, 'L' || stage, registered_on, online_assessment_on, diagnosis_on,
                training_on, matching_on, trial_on,
                (online_assessment_on IS NOT NULL) + (diagnosis_on IS NOT NULL) + (training_on IS NOT NULL) + (matching_on IS NOT NULL) + (trial_on IS NOT NULL),
                last_contact_on, CAST(julianday(coalesce(left_library_on, ?)) - julianday(coalesce(reentered_library_on, registered_on)) AS INTEGER),
                left_library_on, reentered_library_on
            FROM enterprise\(whereClause(conditions)) ORDER BY city, county, uscc\(filters.paging)
            """, [date] + arguments, in: db)
    }

    static func activity(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        let (conditions, arguments) = filters.regionConditions(city: "e.city", county: "e.county", industry: "e.industry")
        return try table(
            "最近动态",
            [
                ("seq", "序号"), ("onDate", "日期"), ("uscc", "统一社会信用代码"), ("name", "企业名称"), ("city", "市"),
                ("kind", "事项"), ("step", "步骤"),
            ],
            """
            SELECT c.seq, c.on_date, c.uscc, e.name, e.city, c.kind, c.step
            FROM contact c JOIN enterprise e ON e.uscc = c.uscc\(whereClause(conditions)) ORDER BY c.seq DESC LIMIT \(filters.limit ?? 20)
            """, arguments, in: db)
    }

    /// The pending library's five steps per city — or per county, or per sector group (the plan
    /// leans towards 轻工、纺织、建材) — with the enterprises not contacted for 180 days.
    static func funnel(_ filters: QueryFilters, by: CoverageQuery.Dimension, in db: Database) throws -> QueryTable {
        var (conditions, arguments) = filters.regionConditions()
        conditions.append("stage = 0 AND left_population_year IS NULL")
        let group =
            switch by {
            case .county: "county"
            case .sector, .industry: "industry"
            default: "city"
            }
        let counted = try table(
            "", [],
            """
            SELECT \(group), count(*), count(online_assessment_on), count(diagnosis_on), count(training_on), count(matching_on), count(trial_on),
                sum(last_contact_on IS NULL OR julianday(?) - julianday(last_contact_on) > 180)
            FROM enterprise\(whereClause(conditions)) GROUP BY 1 ORDER BY 1
            """, [filters.asOfDate] + arguments, in: db)
        let reference = ReferenceData.standard
        // Per code, the seven counts (an industry adds to each sector group it belongs to).
        var counts: [(code: String, name: String, values: [Int64])] = []
        for row in counted.rows {
            guard case .text(let key) = row[0] else { continue }
            let values = row.dropFirst().map { value -> Int64 in if case .integer(let number) = value { number } else { 0 } }
            switch by {
            case .sector, .industry:
                let groups = reference.industry(for: key).map { reference.sectorGroups(for: $0.industryCode) } ?? []
                for group in groups.isEmpty ? [nil] : groups.map(Optional.some) {
                    let code = group?.id ?? "other"
                    if let index = counts.firstIndex(where: { $0.code == code }) {
                        counts[index].values = zip(counts[index].values, values).map(+)
                    } else {
                        counts.append((code, group?.name ?? "其他行业", values))
                    }
                }
            default:
                counts.append((key, reference.placeName(key), values))
            }
        }
        var result = QueryTable(
            title: "待转型企业库五步进展",
            columns: [
                (by == .city || by == .province ? "city" : "code", by == .sector || by == .industry ? "行业组" : by == .county ? "县(市、区)" : "市"),
                ("cityName", "名称"), ("pending", "在库企业"), ("onlineAssessment", "网上评测"), ("diagnosis", "现场诊断"), ("training", "企业家培训"),
                ("matching", "服务商对接"), ("trial", "免费体验"), ("noContact180Days", "180天未联系"),
            ], seq: counted.seq)
        for entry in counts.sorted(by: { $0.code < $1.code }) {
            result.rows.append([.text(entry.code), .text(entry.name)] + entry.values.map(QueryTable.Value.integer))
        }
        return result
    }

    static func projects(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        var (conditions, arguments) = filters.regionConditions(city: "e.city", county: "e.county", industry: "e.industry")
        if let status = filters.status {
            conditions.append("p.status = ?")
            arguments.append(status)
        }
        if let year = filters.year {
            conditions.append("substr(p.filed_on, 1, 4) = ?")
            arguments.append(String(year))
        }
        return try table(
            "项目库",
            [
                ("project", "项目编号"), ("enterprise", "企业代码"), ("enterpriseName", "企业名称"), ("city", "市"), ("domain", "转型领域"),
                ("providers", "服务商"), ("budgetFen", "预算(分)"), ("targetStage", "目标阶段"), ("status", "状态"), ("filedOn", "备案日期"),
                ("milestones", "里程碑数"), ("lastMilestone", "最近里程碑"), ("closedOn", "结束日期"), ("outcome", "成效"), ("benchmarkCandidate", "标杆候选"),
            ],
            """
            SELECT p.project, p.enterprise, e.name, e.city, p.domain, p.providers, p.budget_fen, 'L' || p.target_stage, p.status, p.filed_on,
                p.milestones, p.last_milestone, p.closed_on, p.outcome, p.benchmark_candidate
            FROM project p LEFT JOIN enterprise e ON e.uscc = p.enterprise\(whereClause(conditions)) ORDER BY p.project\(filters.paging)
            """, arguments, in: db)
    }

    /// How the projects are going (任务8: 整理分析企业项目推进情况), per year, place and domain:
    /// filed, completed and cancelled that year, in progress at its end, benchmark candidates
    /// among the completed, and the budget filed.
    static func projectProgress(_ filters: QueryFilters, by: CoverageQuery.Dimension, in db: Database) throws -> QueryTable {
        var (conditions, arguments) = filters.regionConditions(city: "e.city", county: "e.county", industry: "e.industry")
        let place = by == .county ? "e.county" : by == .province ? "'\(CoverageReadModel.province)'" : "e.city"
        let years =
            try filters.year.map { [$0] }
            ?? Int.fetchAll(db, sql: "SELECT DISTINCT CAST(substr(filed_on, 1, 4) AS INTEGER) FROM project ORDER BY 1")
        var table = QueryTable(
            title: "项目推进情况",
            columns: [
                ("year", "年度"), ("code", "地区代码"), ("domain", "转型领域"), ("filed", "当年备案"), ("completed", "当年完成"), ("cancelled", "当年取消"),
                ("inProgress", "年末在建"), ("benchmarkCandidates", "当年完成的标杆候选"), ("budgetFen", "当年备案预算(分)"),
            ], seq: try ReadModelStore.checkpoint(in: db).seq)
        conditions.append("coalesce(\(place), '') != ''")
        for year in years {
            let (start, end) = ("\(year)-01-01", "\(year)-12-31")
            table.rows += try self.table(
                "", [],
                """
                SELECT ?1, \(place), p.domain,
                    sum(p.filed_on BETWEEN ?2 AND ?3),
                    sum(p.status = 'completed' AND p.closed_on BETWEEN ?2 AND ?3),
                    sum(p.status = 'cancelled' AND p.closed_on BETWEEN ?2 AND ?3),
                    sum(p.filed_on <= ?3 AND (p.closed_on IS NULL OR p.closed_on > ?3)),
                    sum(p.status = 'completed' AND p.closed_on BETWEEN ?2 AND ?3 AND p.benchmark_candidate = 1),
                    sum(CASE WHEN p.filed_on BETWEEN ?2 AND ?3 THEN p.budget_fen ELSE 0 END)
                FROM project p JOIN enterprise e ON e.uscc = p.enterprise
                WHERE p.filed_on <= ?3 AND (p.closed_on IS NULL OR p.closed_on >= ?2)\(conditions.map { " AND " + $0 }.joined())
                GROUP BY 2, 3 ORDER BY 2, 3
                """, [year, start, end] + arguments, in: db
            ).rows
        }
        return table
    }

    /// The work ledger as of a date: for the province, each item with its reported completion
    /// and how many cities and counties have reported their part; for a city or county (or by
    /// city or county), each item the cities and counties carry out (市县落实) with that place's
    /// own report.
    /// The needs and difficulties enterprises reported (``Needs``), per year and category, for
    /// the province or per city, county or industry: how many enterprises named each, by their
    /// stage on the day.
    static func needs(_ filters: QueryFilters, by: CoverageQuery.Dimension, in db: Database) throws -> QueryTable {
        var (conditions, arguments) = filters.regionConditions(industry: "division")
        if let year = filters.year {
            conditions.append("year = ?")
            arguments.append(year)
        }
        let group: String =
            switch by {
            case .city: "city"
            case .county: "county"
            case .industry: "division"
            default: "'\(CoverageReadModel.province)'"
            }
        var table = QueryTable(
            title: "企业数字化转型需求和困难",
            columns: [
                ("year", "年度"), ("need", "类别代码"), ("title", "需求或困难"), ("group", "性质"), ("code", "地区或行业"), ("name", "名称"),
                ("enterprises", "提出企业数"), ("mentions", "提出次数"), ("l0", "L0企业"), ("l1", "L1企业"), ("l2", "L2企业"), ("l3", "L3企业"),
                ("l4", "L4企业"), ("l5", "L5企业"),
            ], seq: try ReadModelStore.checkpoint(in: db).seq)
        let reference = ReferenceData.standard
        let catalogue = Needs.standard
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT year, need, \(group) AS code, count(DISTINCT uscc), count(*),
                    \((0...5).map { "count(DISTINCT CASE WHEN stage = \($0) THEN uscc END)" }.joined(separator: ", "))
                FROM need\(whereClause(conditions)) GROUP BY 1, 2, 3
                """, arguments: StatementArguments(arguments))
        let order = Dictionary(uniqueKeysWithValues: catalogue.ids.enumerated().map { ($1, $0) })
        for row in rows.sorted(by: { ($0[0] as Int, order[$0[1]] ?? .max, $0[2] as String) < ($1[0] as Int, order[$1[1]] ?? .max, $1[2] as String) })
        {
            let need: String = row[1]
            let code: String = row[2]
            let category = catalogue.category(need)
            let name = by == .industry ? reference.industry(for: code)?.name ?? code : reference.placeName(code)
            table.rows.append(
                [
                    .integer(row[0]), .text(need), .text(category?.title ?? need), .text(category?.group == "need" ? "需求" : "困难"), .text(code),
                    .text(name), .integer(row[3]), .integer(row[4]),
                ] + (5...10).map { .integer(row[$0]) })
        }
        return table
    }

    static func ledger(_ filters: QueryFilters, by: CoverageQuery.Dimension, in db: Database) throws -> QueryTable {
        let date = filters.asOfDate
        let reference = ReferenceData.standard
        let places: [String]
        switch (filters.region, by) {
        case (let region?, .county) where region.hasSuffix("00"): places = reference.city(containing: region)?.counties.map(\.code) ?? [region]
        case (let region?, _): places = [region]
        case (nil, .city): places = reference.cities.map(\.code)
        case (nil, .county): places = reference.cities.flatMap(\.counties).map(\.code)
        default: places = [CoverageReadModel.province]
        }
        var result = QueryTable(
            title: "工作台账 (截至 \(date))",
            columns: [
                ("plan", "方案"), ("task", "任务"), ("milestone", "节点"), ("title", "事项"), ("deadline", "时限"), ("units", "责任单位"),
                ("completedOn", "完成日期"), ("reportedBy", "报送单位"), ("status", "状态"), ("statusTitle", "状态说明"), ("region", "地区"),
                ("regionName", "地区名称"), ("regionsReported", "已报送市县数"),
            ], seq: try ReadModelStore.checkpoint(in: db).seq)
        let items = try Row.fetchAll(
            db,
            sql: """
                SELECT i.plan, i.task, i.milestone, i.title, i.deadline, i.units, i.completed_on, i.reported_by,
                    (SELECT count(DISTINCT p.region) FROM part p WHERE p.plan = i.plan AND p.task = i.task AND p.milestone = i.milestone
                        AND p.completed_on <= ?) AS parts
                FROM item i ORDER BY i.plan, i.position
                """, arguments: [date])
        let part = try db.cachedStatement(
            sql:
                "SELECT completed_on, reported_by FROM part WHERE plan = ? AND task = ? AND milestone = ? AND region = ? ORDER BY reported_seq LIMIT 1"
        )
        for place in places {
            for item in items {
                let province = place == CoverageReadModel.province
                // The cities and counties carry out the tasks whose units name them (市县…落实, 省市县…协同推进).
                if !province, !(item["units"] as String).contains("市县") { continue }
                var completed: String? = item["completed_on"]
                var reporter: String? = item["reported_by"]
                if !province {
                    let row = try Row.fetchOne(part, arguments: [item["plan"], item["task"], item["milestone"], place])
                    (completed, reporter) = (row?[0], row?[1])
                }
                let status = LedgerReadModel.status(deadline: item["deadline"], completedOn: completed, asOf: date)
                if let wanted = filters.status, wanted != status.rawValue { continue }
                result.rows.append([
                    .text(item["plan"]), .text(item["task"]), .text(item["milestone"]), .text(item["title"]), .text(item["deadline"]),
                    .text(item["units"]), completed.map(QueryTable.Value.text) ?? .null, reporter.map(QueryTable.Value.text) ?? .null,
                    .text(status.rawValue), .text(status.chinese), .text(place), .text(reference.placeName(place)),
                    province ? .integer(item["parts"]) : .null,
                ])
            }
        }
        return result
    }

    static func providers(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let region = filters.region {
            conditions.append("p.city = ?")
            arguments.append(region)
        }
        if let year = filters.year {
            conditions.append("substr(p.admitted_on, 1, 4) <= ?")
            arguments.append(String(year))
        }
        return try table(
            "服务商资源池",
            [
                ("provider", "服务商代码"), ("name", "服务商名称"), ("mapBatch", "图谱批次"), ("city", "市"), ("admittedOn", "入池日期"),
                ("removedOn", "出池日期"), ("solutions", "解决方案数"), ("freeTrialOffers", "免费体验产品数"),
                ("trialsStarted", "体验企业数"), ("trialsPurchased", "体验后购买"), ("leadingYears", "领军服务商年度"),
            ],
            """
            SELECT p.uscc, p.name, p.map_batch, p.city, p.admitted_on, p.removed_on,
                (SELECT count(*) FROM solution s WHERE s.provider = p.uscc),
                (SELECT count(*) FROM solution s WHERE s.provider = p.uscc AND s.free_trial IS NOT NULL),
                (SELECT count(*) FROM trial t WHERE t.provider = p.uscc),
                (SELECT count(*) FROM trial t WHERE t.provider = p.uscc AND t.outcome = 'purchased'),
                p.leading_years
            FROM provider p\(whereClause(conditions)) ORDER BY p.uscc\(filters.paging)
            """, arguments, in: db)
    }

    static func providerProgress(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        let years = try Int.fetchAll(
            db,
            sql: """
                SELECT DISTINCT CAST(substr(admitted_on, 1, 4) AS INTEGER) FROM provider UNION SELECT year FROM plan_target ORDER BY 1
                """
        ).filter { filters.year == nil || $0 == filters.year }
        var table = QueryTable(
            title: "服务商与解决方案目标进展",
            columns: [
                ("year", "年度"), ("providers", "在池服务商(年末)"), ("targetProviders", "目标服务商"), ("solutions", "解决方案(年末)"),
                ("targetSolutions", "目标解决方案"), ("trialsStarted", "当年体验"), ("trialsPurchased", "当年体验后购买"), ("leadingProviders", "领军服务商"),
            ], seq: try ReadModelStore.checkpoint(in: db).seq)
        for year in years {
            let end = "\(year)-12-31"
            let providers =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM provider WHERE admitted_on <= ? AND (removed_on IS NULL OR removed_on > ?)", arguments: [end, end])
                ?? 0
            let solutions = try Int.fetchOne(db, sql: "SELECT count(*) FROM solution WHERE listed_on <= ?", arguments: [end]) ?? 0
            let started = try Int.fetchOne(db, sql: "SELECT count(*) FROM trial WHERE substr(started_on, 1, 4) = ?", arguments: [String(year)]) ?? 0
            let purchased =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM trial WHERE substr(ended_on, 1, 4) = ? AND outcome = 'purchased'", arguments: [String(year)]) ?? 0
            let leading =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM provider WHERE ',' || leading_years || ',' LIKE ?", arguments: ["%,\(year),%"]) ?? 0
            func target(_ name: String) throws -> QueryTable.Value {
                try Double.fetchOne(db, sql: "SELECT value FROM plan_target WHERE year = ? AND name = ?", arguments: [year, name]).map {
                    .integer(Int64($0))
                } ?? .null
            }
            table.rows.append([
                .integer(Int64(year)), .integer(Int64(providers)), try target("providers"), .integer(Int64(solutions)),
                try target("solutions"), .integer(Int64(started)), .integer(Int64(purchased)), .integer(Int64(leading)),
            ])
        }
        return table
    }

    static func benchmarks(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let region = filters.region {
            conditions.append(region.hasSuffix("00") ? "p.city = ?" : "p.county = ?")
            arguments.append(region)
        }
        if let year = filters.year {
            conditions.append("a.year = ?")
            arguments.append(year)
        }
        if let status = filters.status {
            conditions.append(status == "revoked" ? "a.revoked_on IS NOT NULL" : "a.kind = ?")
            if status != "revoked" { arguments.append(status) }
        }
        return try table(
            "标杆认定",
            [
                ("award", "认定编号"), ("recipient", "企业代码"), ("recipientName", "企业名称"), ("city", "市"), ("kind", "类别"),
                ("tier", "层级"), ("level", "级别"), ("year", "年度"), ("awardedOn", "认定日期"), ("revokedOn", "撤销日期"), ("revocationReason", "撤销原因"),
            ],
            """
            SELECT a.award, a.recipient, p.name, p.city, a.kind, a.tier, a.level, a.year, a.awarded_on, a.revoked_on, a.revocation_reason
            FROM award a LEFT JOIN party p ON p.uscc = a.recipient\(whereClause(conditions)) ORDER BY a.year, a.award\(filters.paging)
            """, arguments, in: db)
    }

    static func incentives(_ filters: QueryFilters, in db: Database) throws -> QueryTable {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let region = filters.region {
            conditions.append(region.hasSuffix("00") ? "p.city = ?" : "p.county = ?")
            arguments.append(region)
        }
        if let year = filters.year {
            conditions.append("substr(i.granted_on, 1, 4) = ?")
            arguments.append(String(year))
        }
        return try table(
            "激励兑现",
            [
                ("incentive", "激励编号"), ("recipient", "企业代码"), ("recipientName", "企业名称"), ("city", "市"), ("amountFen", "金额(分)"),
                ("policy", "政策"), ("basis", "依据"), ("grantedOn", "兑现日期"),
            ],
            """
            SELECT i.incentive, i.recipient, p.name, p.city, i.amount_fen, i.policy, i.basis, i.granted_on
            FROM incentive i LEFT JOIN party p ON p.uscc = i.recipient\(whereClause(conditions)) ORDER BY i.granted_on, i.incentive\(filters.paging)
            """, arguments, in: db)
    }

    /// The programme metrics per year, for the province or the place `filters.region` names;
    /// by city or county, a row per place and metric.
    static func programme(_ filters: QueryFilters, by: CoverageQuery.Dimension, in db: Database) throws -> QueryTable {
        let placeColumn: String? =
            switch by {
            case .city: "city"
            case .county: "county"
            case .sector: "sectors"
            default: nil
            }
        var (conditions, arguments) = filters.regionConditions(industry: nil)
        if let placeColumn { conditions.append("\(placeColumn) != ''") }
        var values: [Int: [String: [String: Int]]] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT year, metric, \(placeColumn ?? "''"), sum(value) FROM metric\(whereClause(conditions)) GROUP BY 1, 2, 3",
            arguments: StatementArguments(arguments))
        {
            // A count of an industry in two sector groups adds to each.
            let keys = by == .sector ? (row[2] as String).split(separator: ",").map(String.init) : [row[2] as String]
            for key in keys { values[row[0], default: [:]][row[1], default: [:]][key, default: 0] += row[3] as Int }
        }
        // 数字专员: each commissioner once per year and place, however many visits (not told by sector).
        if by != .sector {
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT year, \(placeColumn ?? "''"), count(DISTINCT commissioner) FROM commissioner_visit\(whereClause(conditions)) GROUP BY 1, 2
                    """, arguments: StatementArguments(arguments))
            {
                values[row[0], default: [:]]["commissioners", default: [:]][row[1]] = row[2]
            }
        }
        // The plan's targets are the province's.
        var targets: [Int: [String: Double]] = [:]
        if filters.region == nil, placeColumn == nil {
            for row in try Row.fetchAll(db, sql: "SELECT year, name, value FROM plan_target") { targets[row[0], default: [:]][row[1]] = row[2] }
        }
        let places = placeColumn == nil ? [""] : Set(values.values.flatMap { $0.values.flatMap(\.keys) }).sorted()
        var columns = [("year", "年度"), ("metric", "指标"), ("title", "指标名称"), ("value", "数值"), ("target", "目标"), ("met", "是否达标")]
        if let placeColumn { columns.insert((placeColumn, placeColumn == "city" ? "市" : placeColumn == "county" ? "县(市、区)" : "行业组"), at: 1) }
        var table = QueryTable(title: "工作推进指标", columns: columns, seq: try ReadModelStore.checkpoint(in: db).seq)
        for year in Set(values.keys).union(targets.keys.filter { $0 >= 2024 }).sorted() where filters.year == nil || filters.year == year {
            for place in places {
                for (metric, title, targetName) in ProgrammeReadModel.metrics {
                    let value = values[year]?[metric]?[place] ?? 0
                    let target = targetName.flatMap { targets[year]?[$0] }
                    var row: [QueryTable.Value] = [
                        .integer(Int64(year)), .text(metric), .text(title), .integer(Int64(value)),
                        target.map { .integer(Int64($0)) } ?? .null, target.map { .text(Double(value) >= $0 ? "是" : "否") } ?? .null,
                    ]
                    if placeColumn != nil { row.insert(.text(place), at: 1) }
                    table.rows.append(row)
                }
            }
        }
        return table
    }
}
