import Domain
import GRDB

/// The supervision checks over the findings read model's facts, with the thresholds of
/// `supervision-rules.json`. Every finding names its rule, its subject (an enterprise, award
/// or incentive), the city and year it concerns, what was found, and the seqs of the events it
/// rests on.
public struct SupervisionQuery {
    public struct Finding: Sendable, Equatable {
        public var rule: String
        public var subject: String
        public var city: String
        /// The county of the enterprise the finding is about (an award's or incentive's
        /// recipient), when it is an enterprise of the population.
        public var county: String = ""
        public var year: Int?
        public var detail: String
        /// The events the finding rests on, by seq.
        public var events: [Int64]
    }

    public let rules: SupervisionRules
    /// The date "no contact for N days" is judged at (`YYYY-MM-DD`).
    public let date: String

    public init(rules: SupervisionRules = .standard, date: String) {
        self.rules = rules
        self.date = date
    }

    public static let columns: [(String, String)] = [
        ("rule", "规则"), ("title", "问题"), ("subject", "对象"), ("city", "市"), ("year", "年度"), ("detail", "情况"), ("events", "依据事件(seq)"),
    ]

    /// Every finding, by rule then subject; with `only`, the findings of those rules alone (the
    /// others are not run).
    public func findings(in db: Database, only: Set<String>? = nil) throws -> [Finding] {
        var result: [Finding] = []
        func add(_ rule: String, _ body: () throws -> [Finding]) throws {
            guard rules.isEnabled(rule), only?.contains(rule) ?? true else { return }
            result += try body()
        }
        let stageName = { (level: Int) in "L\(level)" }
        // Every enterprise's standing stage history, read once: the checks on stages read it
        // as everything else does (``StageHistory``).
        let histories = try StageHistories.all(from: "stage_finding", in: db)
        let cities = try Dictionary(
            Row.fetchAll(db, sql: "SELECT uscc, city FROM enterprise").map { ($0[0] as String, $0[1] as String) },
            uniquingKeysWith: { first, _ in first })
        let moves = histories.keys.sorted().flatMap { uscc in histories[uscc]!.moves.map { (uscc: uscc, move: $0) } }
        try add("back-dated-after-close") {
            let closed = try Row.fetchAll(db, sql: "SELECT year, cutoff, closed_seq FROM assessment_year WHERE closed_seq IS NOT NULL ORDER BY year")
            var found: [(seq: UInt64, year: Int, finding: Finding)] = []
            for (uscc, move) in moves {
                guard let city = cities[uscc] else { continue }
                for year in closed {
                    let (cutoff, closedSeq): (String, Int64) = (year["cutoff"], year["closed_seq"])
                    guard move.finding.seq > UInt64(closedSeq), move.finding.date <= String(cutoff.prefix(10)) else { continue }
                    let (from, to) = (move.from.level, move.to.level)
                    var effects: [String] = []
                    if (from == 0) != (to == 0) { effects.append(from == 0 ? "覆盖 +1 家" : "覆盖 −1 家") }
                    if (from >= 3) != (to >= 3) { effects.append(to >= 3 ? "深度 +1 家" : "深度 −1 家") }
                    let detail =
                        "\(move.from.rawValue)→\(move.to.rawValue) 业务日期 \(move.finding.date)（截止 \(cutoff) 之前），在 \(year["year"] as Int) 年评估关闭（seq \(closedSeq)）之后记录；冻结数据未含此项\(effects.isEmpty ? "" : "：" + effects.joined(separator: "，"))"
                    found.append(
                        (
                            move.finding.seq, year["year"],
                            Finding(
                                rule: "back-dated-after-close", subject: uscc, city: city, year: year["year"], detail: detail,
                                events: [Int64(move.finding.seq), closedSeq])
                        ))
                }
            }
            return found.sorted { ($0.seq, $0.year) < ($1.seq, $1.year) }.map(\.finding)
        }
        try add("stage-jump-without-diagnosis") {
            let levels = Int(rules.threshold("stage-jump-without-diagnosis", "levels", default: 2))
            // Per enterprise and calendar year: the lowest stage moved up from and the highest reached.
            var jumps: [(uscc: String, year: String, low: Stage, high: Stage, lastOn: String, seqs: [Int64])] = []
            for (uscc, move) in moves where !move.isDowngrade {
                let year = String(move.finding.date.prefix(4))
                if let last = jumps.last, last.uscc == uscc, last.year == year {
                    jumps[jumps.count - 1] = (
                        uscc, year, min(last.low, move.from), max(last.high, move.to), max(last.lastOn, move.finding.date),
                        last.seqs + [Int64(move.finding.seq)]
                    )
                } else {
                    jumps.append((uscc, year, move.from, move.to, move.finding.date, [Int64(move.finding.seq)]))
                }
            }
            let diagnosed = try db.cachedStatement(
                sql: """
                    SELECT 1 FROM diagnosis WHERE uscc = ? AND retracted_seq IS NULL AND substr(on_date, 1, 4) = ? AND on_date <= ? LIMIT 1
                    """)
            return try jumps.compactMap { jump -> Finding? in
                guard jump.high.level - jump.low.level >= levels, let city = cities[jump.uscc],
                    try Row.fetchOne(diagnosed, arguments: [jump.uscc, jump.year, jump.lastOn]) == nil
                else { return nil }
                return Finding(
                    rule: "stage-jump-without-diagnosis", subject: jump.uscc, city: city, year: Int(jump.year),
                    detail: "\(jump.year) 年内 \(jump.low.rawValue)→\(jump.high.rawValue)，升级前当年无现场诊断", events: jump.seqs)
            }.sorted { ($0.subject, $0.year ?? 0) < ($1.subject, $1.year ?? 0) }
        }
        try add("upgrade-without-assessment") {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.seq, u.uscc, e.city, u.on_date, u.assessment, u.to_stage FROM upgrade u JOIN enterprise e ON e.uscc = u.uscc
                    WHERE u.retracted_seq IS NULL AND NOT EXISTS (
                        SELECT 1 FROM assessment a WHERE a.uscc = u.uscc AND a.assessment = u.assessment AND a.retracted_seq IS NULL AND a.stage = u.to_stage)
                    ORDER BY u.seq
                    """
            ).map { row in
                Finding(
                    rule: "upgrade-without-assessment", subject: row["uscc"], city: row["city"], year: Int((row["on_date"] as String).prefix(4)),
                    detail: "升至 \(stageName(row["to_stage"])) 所依据的评估 \(row["assessment"] as String) 不存在、已撤回或结论不符",
                    events: [row["seq"]])
            }
        }
        try add("benchmark-below-minimum") {
            let minimum = try BenchmarkEligibility.load()
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT a.award, a.recipient, coalesce(e.city, '') AS city, a.year, a.kind, a.awarded_seq, a.awarded_on,
                        (SELECT group_concat(r.retracted_seq, ' ') FROM (
                            SELECT retracted_seq FROM assessment WHERE uscc = a.recipient AND retracted_seq IS NOT NULL
                            UNION ALL SELECT retracted_seq FROM upgrade WHERE uscc = a.recipient AND retracted_seq IS NOT NULL
                            ORDER BY retracted_seq) r) AS retractions
                    FROM award a LEFT JOIN enterprise e ON e.uscc = a.recipient ORDER BY a.awarded_seq
                    """
            ).compactMap { row -> Finding? in
                let kind: String = row["kind"]
                let recipient: String = row["recipient"]
                let stage = histories[recipient]?.stage(on: row["awarded_on"] as String)?.stage ?? .l0
                guard let required = minimum[kind].flatMap(Stage.init(rawValue:)), stage < required else { return nil }
                return Finding(
                    rule: "benchmark-below-minimum", subject: "award/" + (row["award"] as String), city: row["city"], year: row["year"],
                    detail: "\(kind)（最低 \(required.rawValue)）授予 \(recipient)，按现有记录其认定时仅为 \(stage.rawValue)",
                    events: [row["awarded_seq"]] + Self.seqs(row["retractions"]))
            }
        }
        try add("downgrade-after-award") {
            try downgradesAfterAwards(moves, cities: cities, in: db)
        }
        try add("benchmark-after-revocation") {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT b.award, b.recipient, coalesce(e.city, '') AS city, b.year, b.kind, a.award AS earlier, a.revoked_seq, b.awarded_seq
                    FROM award b JOIN award a ON a.recipient = b.recipient AND a.kind = b.kind AND a.revoked_seq IS NOT NULL AND a.revoked_seq < b.awarded_seq
                    LEFT JOIN enterprise e ON e.uscc = b.recipient ORDER BY b.awarded_seq
                    """
            ).map { row in
                Finding(
                    rule: "benchmark-after-revocation", subject: "award/" + (row["award"] as String), city: row["city"], year: row["year"],
                    detail: "\(row["kind"] as String) 于撤销 award/\(row["earlier"] as String) 之后再次授予 \(row["recipient"] as String)",
                    events: [row["revoked_seq"], row["awarded_seq"]])
            }
        }
        try add("incentive-duplicate") {
            let window = rules.threshold("incentive-duplicate", "windowDays", default: 365)
            let sameBasis = try Row.fetchAll(
                db,
                sql: """
                    SELECT basis, min(recipient) AS recipient, coalesce(e.city, '') AS city, group_concat(incentive, ' ') AS incentives,
                        group_concat(granted_seq, ' ') AS seqs, min(substr(granted_on, 1, 4)) AS year
                    FROM incentive LEFT JOIN enterprise e ON e.uscc = incentive.recipient GROUP BY basis HAVING count(*) > 1 ORDER BY basis
                    """
            ).map { row in
                Finding(
                    rule: "incentive-duplicate", subject: row["basis"], city: row["city"], year: Int(row["year"] as String),
                    detail: "同一依据 \(row["basis"] as String) 奖补多次：\(row["incentives"] as String)", events: Self.seqs(row["seqs"]))
            }
            let samePolicy = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.incentive AS first, j.incentive AS second, i.recipient, i.policy, i.basis AS first_basis, j.basis AS second_basis,
                        i.granted_seq AS first_seq, j.granted_seq AS second_seq, coalesce(e.city, '') AS city, substr(j.granted_on, 1, 4) AS year
                    FROM incentive i JOIN incentive j ON j.recipient = i.recipient AND j.policy = i.policy AND j.granted_seq > i.granted_seq
                        AND i.basis != j.basis AND julianday(j.granted_on) - julianday(i.granted_on) <= ?
                    LEFT JOIN enterprise e ON e.uscc = i.recipient ORDER BY j.granted_seq
                    """, arguments: [window]
            ).map { row in
                Finding(
                    rule: "incentive-duplicate", subject: "incentive/" + (row["second"] as String), city: row["city"],
                    year: Int(row["year"] as String),
                    detail:
                        "\(row["recipient"] as String) 在 \(Int(window)) 天内按同一政策「\(row["policy"] as String)」获两次奖补（依据 \(row["first_basis"] as String) 与 \(row["second_basis"] as String)）",
                    events: [row["first_seq"], row["second_seq"]])
            }
            return sameBasis + samePolicy
        }
        try add("incentive-revoked-award") {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT i.incentive, i.recipient, coalesce(e.city, '') AS city, a.award, a.revoked_seq, i.granted_seq, substr(i.granted_on, 1, 4) AS year
                    FROM incentive i JOIN award a ON i.basis = 'award/' || a.award LEFT JOIN enterprise e ON e.uscc = i.recipient
                    WHERE a.revoked_seq IS NOT NULL ORDER BY i.granted_seq
                    """
            ).map { row in
                Finding(
                    rule: "incentive-revoked-award", subject: "incentive/" + (row["incentive"] as String), city: row["city"],
                    year: Int(row["year"] as String),
                    detail: "奖补依据的标杆 award/\(row["award"] as String) 已撤销", events: [row["granted_seq"], row["revoked_seq"]])
            }
        }
        try add("trial-provider-outside-pool") {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.seq, t.uscc, e.city, t.provider, t.on_date, p.admitted_on, p.removed_on FROM trial t JOIN enterprise e ON e.uscc = t.uscc
                    LEFT JOIN provider p ON p.uscc = t.provider
                    WHERE p.uscc IS NULL OR p.admitted_on > t.on_date OR (p.removed_on IS NOT NULL AND p.removed_on <= t.on_date) ORDER BY t.seq
                    """
            ).map { row in
                Finding(
                    rule: "trial-provider-outside-pool", subject: row["uscc"], city: row["city"], year: Int((row["on_date"] as String).prefix(4)),
                    detail: "\(row["on_date"] as String) 与 \(row["provider"] as String) 开展免费体验，该服务商当时不在资源池", events: [row["seq"]])
            }
        }
        try add("padded-diagnosis") {
            let visits = Int(rules.threshold("padded-diagnosis", "visits", default: 3))
            return try Row.fetchAll(
                db,
                sql: """
                    WITH repeated AS (
                        SELECT uscc, provider, count(*) AS visits, min(on_date) AS first_on, max(on_date) AS last_on, group_concat(seq, ' ') AS seqs
                        FROM diagnosis WHERE retracted_seq IS NULL GROUP BY uscc, provider HAVING count(*) >= ?)
                    SELECT r.*, e.city FROM repeated r JOIN enterprise e ON e.uscc = r.uscc ORDER BY r.uscc, r.provider
                    """, arguments: [visits]
            ).filter { row in
                let firstOn: String = row["first_on"]
                return histories[row["uscc"] as String]?.moves.contains { !$0.isDowngrade && $0.finding.date >= firstOn } != true
            }.map { row in
                Finding(
                    rule: "padded-diagnosis", subject: row["uscc"], city: row["city"], year: Int((row["last_on"] as String).prefix(4)),
                    detail: "服务商 \(row["provider"] as String) 现场诊断 \(row["visits"] as Int) 次（\(row["first_on"] as String) 起），其后无升级",
                    events: Self.seqs(row["seqs"]))
            }
        }
        try add("no-contact") {
            let days = rules.threshold("no-contact", "days", default: 180)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT uscc, city, coalesce(last_contact_on, registered_on) AS since, last_contact_seq,
                        CAST(julianday(?1) - julianday(coalesce(last_contact_on, registered_on)) AS INTEGER) AS idle
                    FROM enterprise WHERE in_population = 1 AND coalesce(last_contact_on, registered_on) <= ?1
                        AND julianday(?1) - julianday(coalesce(last_contact_on, registered_on)) > ?2
                    ORDER BY city, uscc
                    """, arguments: [date, days]
            ).filter { row in
                (histories[row["uscc"] as String]?.stage(on: date)?.stage ?? .l0) == .l0
            }.map { row in
                Finding(
                    rule: "no-contact", subject: row["uscc"], city: row["city"], year: Int(date.prefix(4)),
                    detail: "待转型企业自 \(row["since"] as String) 起 \(row["idle"] as Int) 天未联系（截至 \(date)）",
                    events: (row["last_contact_seq"] as Int64?).map { [$0] } ?? [])
            }
        }
        try add("actor-outside-jurisdiction") {
            try Row.fetchAll(db, sql: "SELECT * FROM foreign_write ORDER BY seq").map { row in
                Finding(
                    rule: "actor-outside-jurisdiction", subject: row["uscc"], city: row["enterprise_city"], year: nil,
                    detail:
                        "\(row["actor"] as String)（\(row["actor_role"] as String):\(row["actor_region"] as String)）写入了 \(row["enterprise_region"] as String) 企业的 \(row["type"] as String)",
                    events: [row["seq"]])
            }
        }
        return try withCounties(result, in: db)
    }

    /// The findings with the county of the enterprise each is about: the subject, or the
    /// recipient of the award or incentive it names.
    private func withCounties(_ findings: [Finding], in db: Database) throws -> [Finding] {
        let counties = try Dictionary(
            Row.fetchAll(db, sql: "SELECT uscc, county FROM enterprise").map { ($0[0] as String, $0[1] as String) },
            uniquingKeysWith: { first, _ in first })
        var recipients: [String: String] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT 'award/' || award, recipient FROM award UNION ALL SELECT 'incentive/' || incentive, recipient FROM incentive")
        {
            recipients[row[0]] = row[1]
        }
        return findings.map { finding in
            var finding = finding
            let subject = finding.subject.hasPrefix("enterprise/") ? String(finding.subject.dropFirst(11)) : finding.subject
            finding.county = counties[recipients[subject] ?? subject] ?? ""
            return finding
        }
    }

    /// The findings as a table, filtered by place (a city, or a county: the findings about its
    /// enterprises) and year.
    public func table(region: String?, year: Int?, in db: Database) throws -> QueryTable {
        var table = QueryTable(title: "督查发现", columns: Self.columns, seq: try ReadModelStore.checkpoint(in: db).seq)
        let inPlace = { (finding: Finding) -> Bool in
            guard let region else { return true }
            return region.hasSuffix("00") ? finding.city == region : finding.county == region
        }
        for finding in try findings(in: db) where inPlace(finding) && (year == nil || finding.year == year) {
            table.rows.append(row(finding))
        }
        return table
    }

    /// A finding as a row of the findings table (``columns``).
    public func row(_ finding: Finding) -> [QueryTable.Value] {
        [
            .text(finding.rule), .text(rules.rule(finding.rule)?.title ?? finding.rule), .text(finding.subject), .text(finding.city),
            finding.year.map { .integer(Int64($0)) } ?? .null, .text(finding.detail), .text(finding.events.map(String.init).joined(separator: " ")),
        ]
    }

    /// Downgrades within the window after an award whose minimum stage the enterprise had and
    /// has now lost, with the incentives that rested on that award.
    private func downgradesAfterAwards(_ moves: [(uscc: String, move: StageHistory.Move)], cities: [String: String], in db: Database) throws
        -> [Finding]
    {
        let window = rules.threshold("downgrade-after-award", "windowDays", default: 365)
        let minimum = try BenchmarkEligibility.load()
        let awards = try db.cachedStatement(
            sql: """
                SELECT a.award, a.kind, a.awarded_on, a.awarded_seq,
                    (SELECT group_concat(i.granted_seq, ' ') FROM incentive i WHERE i.basis = 'award/' || a.award) AS incentives
                FROM award a WHERE a.recipient = ?1 AND a.revoked_seq IS NULL AND a.awarded_on <= ?2
                    AND julianday(?2) - julianday(a.awarded_on) <= ?3
                ORDER BY a.awarded_seq
                """)
        // Awards are few beside the downgrades: only a recipient's downgrades are looked up.
        let recipients = Set(try String.fetchAll(db, sql: "SELECT DISTINCT recipient FROM award WHERE revoked_seq IS NULL"))
        var found: [Finding] = []
        for (uscc, move) in moves where move.isDowngrade && recipients.contains(uscc) {
            for award in try Row.fetchAll(awards, arguments: [uscc, move.finding.date, window]) {
                let kind: String = award["kind"]
                guard let required = minimum[kind].flatMap(Stage.init(rawValue:)), move.from >= required, move.to < required else { continue }
                found.append(
                    Finding(
                        rule: "downgrade-after-award", subject: uscc, city: cities[uscc] ?? "", year: Int(move.finding.date.prefix(4)),
                        detail:
                            "\(move.finding.date) 评估 \(move.finding.assessment) 降至 \(move.to.rawValue)（原 \(move.from.rawValue)），距 award/\(award["award"] as String)（\(kind)，最低 \(required.rawValue)，\(award["awarded_on"] as String) 认定）不足 \(Int(window)) 天",
                        events: [Int64(move.finding.seq), award["awarded_seq"]] + Self.seqs(award["incentives"])))
            }
        }
        return found
    }

    static func seqs(_ text: String?) -> [Int64] {
        (text ?? "").split(separator: " ").compactMap { Int64($0) }
    }
}
