import Dashboard
import Domain
import Foundation
import Projections

/// `audit report --year Y`: the annual assessment report (年度评估报告) as HTML that prints
/// well, with SVG charts, and its tables as CSV: coverage and deep rates by region, industry
/// and industrial chain (as known and as frozen at the close), year-over-year points, targets and
/// gaps, stage downgrades, the plan's scoreboard, the programme figures and the projects per
/// city, the needs and difficulties enterprises reported, benchmarks and incentives, the work
/// ledger's status, the supervision-incentive ranking and the supervision findings — what ledger task 8 asks of the December report. Every figure
/// links to its explanation (`/v1/audit/explain…` on the daemon; `gongfu audit explain …`
/// offline) or to the list behind it.
public struct AuditReport {
    public let year: Int
    /// The date the ledger's statuses and "no contact" are judged at (default: the year's last day).
    public let date: String
    let store: (String) throws -> ReadModelStore

    /// - Parameter store: the read model of a name (live, or read-only while the daemon keeps them).
    public init(year: Int, date: String? = nil, store: @escaping (String) throws -> ReadModelStore) {
        self.year = year
        self.date = date ?? "\(year)-12-31"
        self.store = store
    }

    func query(_ name: ReadModelQuery.Name, _ filters: QueryFilters, by: CoverageQuery.Dimension = .province) throws -> QueryTable {
        try ReadModelQuery.run(name, filters: filters, coverage: by, stores: store)
    }

    /// The tables of the report, by file name.
    public func tables() throws -> [(file: String, table: QueryTable)] {
        let filters = QueryFilters(year: year, date: date)
        return [
            ("coverage-province.csv", try query(.coverage, filters)),
            ("coverage-by-city.csv", try query(.coverage, filters, by: .city)),
            ("coverage-by-industry.csv", try query(.coverage, filters, by: .industry)),
            ("coverage-by-chain.csv", try query(.coverage, filters, by: .chain)),
            ("stage-moves.csv", try query(.stageMoves, filters)),
            ("targets.csv", try query(.targets, filters)),
            ("targets-by-city.csv", try query(.targets, filters, by: .city)),
            ("programme-by-city.csv", try query(.programme, filters, by: .city)),
            ("project-progress.csv", try query(.projectProgress, filters, by: .city)),
            ("needs.csv", try query(.needs, filters)),
            ("needs-by-city.csv", try query(.needs, filters, by: .city)),
            ("benchmarks.csv", try query(.benchmarks, filters)),
            ("incentives.csv", try query(.incentives, filters)),
            ("ledger.csv", try query(.ledger, QueryFilters(date: date))),
            ("ranking.csv", try query(.incentiveRanking, filters)),
            ("findings.csv", try query(.findings, filters)),
        ]
    }

    /// Writes `report.html` and the CSV tables into `directory`; returns the files written.
    public func write(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tables = try tables()
        var written: [String] = []
        for (file, table) in tables {
            try Data(table.csv.utf8).write(to: URL(fileURLWithPath: directory + "/" + file))
            written.append(directory + "/" + file)
        }
        try Data(try html(tables).utf8).write(to: URL(fileURLWithPath: directory + "/report.html"))
        return [directory + "/report.html"] + written
    }

    /// The report page.
    public func html(_ tables: [(file: String, table: QueryTable)]? = nil) throws -> String {
        let tables = try tables ?? self.tables()
        func table(_ file: String) -> QueryTable { tables.first { $0.file == file }!.table }
        let province = table("coverage-province.csv")
        let cities = table("coverage-by-city.csv")
        let checkpoint = try store(CoverageReadModel.name).checkpoint()
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head><meta charset="utf-8"><title>山东省制造业数字化转型 \(year) 年度评估报告</title>
            <style>\(Self.style)</style></head>
            <body>
            <h1>山东省规上工业企业数字化转型 \(year) 年度评估报告</h1>
            <p class="meta">数据：Gongfu 事件日志前 \(checkpoint.seq) 个事件（Merkle 根 <code>\(checkpoint.root)</code>）；台账与督查截至 \(date)。
            “当前已知”含评估截止后补录的事件，“评估时”为 \(year) 年评估关闭时冻结的数字。点击任一数字可查看其企业清单与定级事件。</p>

            """
        html += "<h2>一、总体情况</h2>\n" + coverageTable(province, dimension: "province") + "\n"
        html += "<h2>二、分地区</h2>\n"
        let names = cities.rows.map { cities.value("name", in: $0)?.display ?? "" }
        html +=
            Charts.bars(
                id: "report-by-city", title: "\(year)年各市转型覆盖率与深度转型率", categories: names,
                series: [
                    ChartSeries(
                        key: "coverage", name: "转型覆盖率(%)", color: "#2f7ebc", values: cities.rows.map { cities.value("coverageRate", in: $0)?.double }),
                    ChartSeries(
                        key: "deep", name: "深度转型率(%)", color: "#e67e22", values: cities.rows.map { cities.value("deepRate", in: $0)?.double }),
                ]) + "\n"
        html += coverageTable(cities, dimension: "city") + "\n"
        html += "<h3>评估截止后补录对各市数字的影响（当前已知 − 评估时，百分点）</h3>\n" + backDatedEffect(cities) + "\n"
        html += "<h2>三、分行业</h2>\n" + coverageTable(table("coverage-by-industry.csv"), dimension: "industry") + "\n"
        html += "<h2>四、分产业链</h2>\n" + coverageTable(table("coverage-by-chain.csv"), dimension: "chain") + "\n"
        html += "<h3>评估阶段升降</h3>\n" + movesTable(table("stage-moves.csv")) + "\n"
        html += "<h2>五、方案目标进展（截至 \(date)）</h2>\n" + targetsTable(table("targets.csv")) + "\n"
        html += "<h3>各市转型覆盖率、深度转型率及年增幅</h3>\n" + cityTargetsTable(table("targets-by-city.csv")) + "\n"
        html += "<h2>六、工作推进与项目</h2>\n" + programmeTable(table("programme-by-city.csv")) + "\n"
        html += "<h3>项目推进情况（一项一档）</h3>\n" + projectsTable(table("project-progress.csv")) + "\n"
        html += "<h3>企业数字化转型中存在的需求和困难</h3>\n" + needsTable(table("needs.csv")) + "\n"
        html += "<h2>七、标杆与激励</h2>\n" + recognitionTables(table("benchmarks.csv"), table("incentives.csv")) + "\n"
        html += "<h2>八、工作台账（截至 \(date)）</h2>\n" + ledgerTable(table("ledger.csv")) + "\n"
        html += "<h2>九、督查激励：各市覆盖率增幅排名</h2>\n" + rankingTable(table("ranking.csv")) + "\n"
        html += "<h2>十、督查发现</h2>\n" + findingsSection(table("findings.csv")) + "\n"
        html += """
            <h2>说明</h2>
            <p class="note">每个比率链接到其解释：<code>/v1/audit/explain?year=\(year)&amp;region=代码&amp;figure=coverage|deep</code>（守护进程，审计员令牌），
            离线时运行 <code>gongfu audit explain --data DIR --year \(year) --region 代码 --figure coverage</code>：列出总体与分子企业及使其处于该阶段的事件。
            督查发现的事件序号链接到 <code>/v1/events</code>。表格另存为同目录下的 CSV 文件（UTF-8 带 BOM，可用 Excel 打开）。</p>
            </body></html>

            """
        return html
    }

    func explainLink(_ region: String?, _ figure: String, frozen: Bool = false) -> String {
        var query = "year=\(year)&amp;figure=\(figure)"
        if let region { query += "&amp;region=\(region)" }
        if frozen { query += "&amp;basis=frozen" }
        return "/v1/audit/explain?\(query)"
    }

    func coverageTable(_ table: QueryTable, dimension: String) -> String {
        let explainable = dimension == "province" || dimension == "city"
        var html =
            "<table class=\"figures\"><thead><tr><th>代码</th><th>名称</th><th>企业数</th><th>覆盖率(%)</th><th>深度率(%)</th><th>覆盖同比</th><th>深度同比</th><th>评估时覆盖率</th><th>评估时深度率</th><th>目标覆盖率</th><th>目标深度率</th><th>覆盖差距</th><th>深度差距</th></tr></thead><tbody>\n"
        for row in table.rows {
            func cell(_ key: String, figure: String? = nil, frozen: Bool = false) -> String {
                let text = table.value(key, in: row)?.display ?? ""
                guard !text.isEmpty else { return "<td>—</td>" }
                let code = table.value("code", in: row)?.display
                let region = dimension == "province" ? nil : code
                if let figure, explainable {
                    let command =
                        "gongfu audit explain --year \(year)\(region.map { " --region \($0)" } ?? "") --figure \(figure)\(frozen ? " --frozen" : "")"
                    return "<td><a href=\"\(explainLink(region, figure, frozen: frozen))\" title=\"\(command)\">\(text)</a></td>"
                }
                return "<td title=\"gongfu query coverage --year \(year) --by \(dimension)\">\(text)</td>"
            }
            html +=
                "<tr><td>\(table.value("code", in: row)?.display ?? "")</td><td>\((table.value("name", in: row)?.display ?? "").escapedForHTML)</td>"
            html +=
                cell("population") + cell("coverageRate", figure: "coverage") + cell("deepRate", figure: "deep") + cell("coverageChange")
                + cell("deepChange")
            html += cell("frozenCoverageRate", figure: "coverage", frozen: true) + cell("frozenDeepRate", figure: "deep", frozen: true)
            html += cell("targetCoverage") + cell("targetDeep") + cell("coverageGap") + cell("deepGap") + "</tr>\n"
        }
        return html + "</tbody></table>"
    }

    func backDatedEffect(_ cities: QueryTable) -> String {
        var rows = ""
        for row in cities.rows {
            guard let known = cities.value("coverageRate", in: row)?.double, let frozen = cities.value("frozenCoverageRate", in: row)?.double,
                let deepKnown = cities.value("deepRate", in: row)?.double, let deepFrozen = cities.value("frozenDeepRate", in: row)?.double,
                known != frozen || deepKnown != deepFrozen
            else { continue }
            let code = cities.value("code", in: row)?.display ?? ""
            rows += "<tr><td>\(code)</td><td>\((cities.value("name", in: row)?.display ?? "").escapedForHTML)</td>"
            rows +=
                "<td title=\"gongfu audit diff --year \(year) --region \(code)\">\(String(format: "%+.1f", known - frozen))</td><td>\(String(format: "%+.1f", deepKnown - deepFrozen))</td></tr>\n"
        }
        guard !rows.isEmpty else { return "<p class=\"note\">评估关闭后没有改变 \(year) 年数字的补录（或该年尚未关闭）。</p>" }
        return
            "<table id=\"back-dated-effect\"><thead><tr><th>代码</th><th>市</th><th>覆盖率(百分点)</th><th>深度率(百分点)</th></tr></thead><tbody>\n\(rows)</tbody></table>\n<p class=\"note\">逐企业的差异及其事件：<code>gongfu audit diff --year \(year)</code>。</p>"
    }

    func ledgerTable(_ table: QueryTable) -> String {
        var html = "<table><thead><tr><th>任务</th><th>事项</th><th>时限</th><th>责任单位</th><th>完成日期</th><th>状态</th></tr></thead><tbody>\n"
        for row in table.rows {
            func text(_ key: String) -> String { (table.value(key, in: row)?.display ?? "").escapedForHTML }
            let status = (table.value("status", in: row)?.display ?? "").replacingOccurrences(of: " ", with: "-")
            html +=
                "<tr class=\"status-\(status)\"><td>\(text("task"))</td><td>\(text("title")) \(text("milestone"))</td><td>\(text("deadline"))</td><td>\(text("units"))</td><td>\(text("completedOn"))</td><td>\(text("statusTitle"))</td></tr>\n"
        }
        return html + "</tbody></table>"
    }

    func findingsSection(_ table: QueryTable) -> String {
        var counts: [String: (title: String, count: Int)] = [:]
        for row in table.rows {
            let rule = table.value("rule", in: row)?.display ?? ""
            counts[rule, default: (table.value("title", in: row)?.display ?? rule, 0)].count += 1
        }
        var html = "<table id=\"findings-summary\"><thead><tr><th>规则</th><th>问题</th><th>数量</th></tr></thead><tbody>\n"
        for rule in SupervisionRules.standard.rules {
            html +=
                "<tr><td><code>\(rule.id)</code></td><td>\(rule.title.escapedForHTML)</td><td title=\"gongfu query findings --year \(year)\">\(counts[rule.id]?.count ?? 0)</td></tr>\n"
        }
        html += "</tbody></table>\n<table id=\"findings\"><thead><tr><th>规则</th><th>对象</th><th>市</th><th>情况</th><th>依据事件</th></tr></thead><tbody>\n"
        for row in table.rows.prefix(500) {
            func text(_ key: String) -> String { (table.value(key, in: row)?.display ?? "").escapedForHTML }
            let events = (table.value("events", in: row)?.display ?? "").split(separator: " ").map {
                "<a href=\"/v1/events?from=\($0)&amp;limit=1\">\($0)</a>"
            }.joined(separator: " ")
            html +=
                "<tr><td><code>\(text("rule"))</code></td><td>\(text("subject"))</td><td>\(text("city"))</td><td>\(text("detail"))</td><td>\(events)</td></tr>\n"
        }
        html += "</tbody></table>"
        if table.rows.count > 500 { html += "<p class=\"note\">仅列前 500 条，共 \(table.rows.count) 条；全部见 findings.csv。</p>" }
        return html
    }

    static let style = """
        body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:24px;color:#1d2733}h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:2px solid #1f5f99}
        table{border-collapse:collapse;width:100%;font-size:12px;margin:8px 0}th,td{border:1px solid #d5dbe1;padding:3px 6px;text-align:left}th{background:#eef2f6}
        a{color:#1f5f99;text-decoration:none}.meta,.note{font-size:12px;color:#5b6b7b}svg.chart{width:100%;max-width:980px}svg text{font-size:11px}
        tr.status-overdue td:last-child,td.bad{background:#c0392b;color:#fff}td.good{color:#1e8449;font-weight:bold}tr.status-done-late td:last-child{color:#b9770e}tr.status-done-on-time td:last-child{color:#1e8449}
        @media print{body{margin:0}h2{page-break-after:avoid}table{page-break-inside:auto}tr{page-break-inside:avoid}a{color:inherit}}
        """
}
