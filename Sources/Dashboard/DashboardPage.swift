import Domain
import Foundation
import Projections

/// The officials' daily page (zh-CN): coverage and deep rates by city and over the years
/// against the plan's targets, the pending library's funnel, the work ledger with its status
/// colours and recent activity. Plain HTML and server-drawn SVG: no scripts, works offline.
public struct DashboardPage: Sendable {
    /// What the page shows: a city (fixed for a city token) and an industry, or the province.
    public struct Scope: Sendable {
        public var city: String?
        public var industry: String?
        /// A city token's page: the city cannot be changed.
        public var cityLocked: Bool
        /// A county token's page: its city's figures, but only its county's enterprises named.
        public var county: String?

        public init(city: String? = nil, industry: String? = nil, cityLocked: Bool = false, county: String? = nil) {
            self.city = city
            self.industry = industry
            self.cityLocked = cityLocked
            self.county = county
        }
    }

    public let scope: Scope
    /// The date the ledger's statuses are judged at (YYYY-MM-DD).
    public let today: String
    /// Who is looking (shown in the header).
    public let viewer: String
    let store: @Sendable (String) throws -> ReadModelStore

    public init(scope: Scope, today: String, viewer: String, store: @escaping @Sendable (String) throws -> ReadModelStore) {
        self.scope = scope
        self.today = today
        self.viewer = viewer
        self.store = store
    }

    func query(_ name: ReadModelQuery.Name, _ filters: QueryFilters, by: CoverageQuery.Dimension = .province) throws -> QueryTable {
        try ReadModelQuery.run(name, filters: filters, coverage: by, store: store(name.readModel))
    }

    /// The page, and the lowest `seq` of the read models it drew on.
    public func render() throws -> (html: String, seq: UInt64) {
        let reference = ReferenceData.standard
        let scopeName = scope.city.flatMap { code in reference.cities.first { $0.code == code }?.name } ?? "全省"
        let industryName = scope.industry.flatMap { reference.industry(for: $0)?.name }
        let filters = QueryFilters(region: scope.city, industry: scope.industry, date: today)

        let trend = try query(.coverage, filters, by: scope.city == nil ? .province : .city)
        let years = trend.rows.compactMap { trend.value("year", in: $0)?.double.map { Int($0) } }
        let latest = years.max()
        var byRegion = QueryTable(title: "", columns: [])
        if let latest {
            var yearFilters = filters
            yearFilters.year = latest
            byRegion = try query(.coverage, yearFilters, by: scope.city == nil ? .city : .county)
        }
        let funnel = try query(.funnel, filters)
        // A city sees its own part of the tasks the cities carry out; the province, each item.
        let ledger = try query(.ledger, QueryFilters(region: scope.city, date: today))
        let targets = try ReadModelQuery.run(
            .targets, filters: QueryFilters(region: scope.city, year: Int(today.prefix(4)), date: today), stores: store)
        var activityFilters = filters
        activityFilters.region = scope.county ?? scope.city
        activityFilters.limit = 15
        let activity = try query(.activity, activityFilters)
        let seq = [trend.seq, byRegion.seq, funnel.seq, ledger.seq, activity.seq, targets.seq].min() ?? 0

        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>山东省制造业数字化转型工作看板 · \(scopeName.escapedForHTML)</title>
            <style>\(Self.style)</style>
            </head>
            <body data-seq="\(seq)">
            <header>
            \(PageLayout.navigation)
            <h1>山东省制造业数字化转型工作看板</h1>
            <p class="meta">范围：<strong id="scope">\(scopeName.escapedForHTML)</strong>\(industryName.map { " · 行业：" + $0.escapedForHTML } ?? "")
            · 数据截至日志序号 <span id="seq">\(seq)</span> · 台账状态日期 \(today) · 当前用户：\(viewer.escapedForHTML)</p>
            </header>
            <main>
            \(filterForm(reference))

            """
        html += try tiles(trend, funnel: funnel, latest: latest)
        html += "<section><h2>各\(scope.city == nil ? "市" : "县（市、区）")转型覆盖率与深度转型率（\(latest.map(String.init) ?? "—")年）</h2>\n"
        html += regionChart(byRegion, latest: latest)
        // Every place the chart names, as a link to its page.
        html +=
            "<p class=\"places\">"
            + byRegion.rows.compactMap { row -> String? in
                guard let code = byRegion.value("code", in: row)?.display, let name = byRegion.value("name", in: row)?.display else { return nil }
                return "<a href=\"\(PageLayout.regionHref(code))\">\(name.escapedForHTML)</a>"
            }.joined(separator: " ") + "</p></section>\n"
        html += "<section><h2>历年走势与规划目标</h2>\n" + trendChart(trend) + "</section>\n"
        html += "<section><h2>方案目标进展（\(today.prefix(4))年，截至 \(today)）</h2>\n" + targetsTable(targets) + "</section>\n"
        html += "<section><h2>待转型企业库五步进展</h2>\n" + funnelChart(funnel) + "</section>\n"
        html += "<section><h2>工作台账\(scope.city == nil ? "" : "（本市承担部分）")</h2>\n" + ledgerTable(ledger) + "</section>\n"
        html += "<section><h2>最近动态</h2>\n" + activityTable(activity) + "</section>\n"
        html += "</main>\n<footer>数据来自 Gongfu 事件日志及其读模型；图表由服务器绘制，可离线使用。</footer>\n</body>\n</html>\n"
        return (html, seq)
    }

    func filterForm(_ reference: ReferenceData) -> String {
        var html = "<form class=\"filters\" method=\"get\" action=\"/\">\n<label>城市 <select name=\"city\"\(scope.cityLocked ? " disabled" : "")>"
        html += "<option value=\"\">全省</option>"
        for city in reference.cities {
            html += "<option value=\"\(city.code)\"\(city.code == scope.city ? " selected" : "")>\(city.name.escapedForHTML)</option>"
        }
        html += "</select></label>\n<label>行业 <select name=\"industry\"><option value=\"\">全部行业</option>"
        for division in reference.industries {
            let code = division.industryCode
            html += "<option value=\"\(code)\"\(code == scope.industry ? " selected" : "")>\(division.code) \(division.name.escapedForHTML)</option>"
        }
        return html + "</select></label>\n<button type=\"submit\">筛选</button>\n</form>\n"
    }

    func tiles(_ trend: QueryTable, funnel: QueryTable, latest: Int?) throws -> String {
        let row = trend.rows.last { latest != nil && trend.value("year", in: $0)?.double == Double(latest!) }
        func number(_ key: String) -> String { row.flatMap { trend.value(key, in: $0)?.double }.map(Charts.format) ?? "—" }
        let pending = funnel.rows.compactMap { funnel.value("pending", in: $0)?.double }.reduce(0, +)
        return """
            <section class="tiles">
            <div class="tile"><div class="label">转型覆盖率（\(latest.map(String.init) ?? "—")）</div><div class="figure" id="coverage-rate">\(number("coverageRate"))%</div><div class="note">同比 \(number("coverageChange")) 个百分点 · 目标 \(number("targetCoverage"))%</div></div>
            <div class="tile"><div class="label">深度转型率（\(latest.map(String.init) ?? "—")）</div><div class="figure" id="deep-rate">\(number("deepRate"))%</div><div class="note">同比 \(number("deepChange")) 个百分点 · 目标 \(number("targetDeep"))%</div></div>
            <div class="tile"><div class="label">规上工业企业</div><div class="figure" id="population">\(number("population"))</div><div class="note">其中 L0 \(number("l0")) 家</div></div>
            <div class="tile"><div class="label">待转型企业库在库</div><div class="figure" id="pending">\(Charts.format(pending))</div><div class="note">家</div></div>
            </section>

            """
    }

    func regionChart(_ table: QueryTable, latest: Int?) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\">尚无年度评估数据。</p>\n" }
        let names = table.rows.map { table.value("name", in: $0)?.display ?? "" }
        let coverage = table.rows.map { table.value("coverageRate", in: $0)?.double }
        let deep = table.rows.map { table.value("deepRate", in: $0)?.double }
        var references: [(label: String, value: Double, color: String)] = []
        if let target = table.rows.first.flatMap({ table.value("targetCoverage", in: $0)?.double }) {
            references.append(("覆盖率目标", target, "#1f5f99"))
        }
        if let target = table.rows.first.flatMap({ table.value("targetDeep", in: $0)?.double }) { references.append(("深度率目标", target, "#c0392b")) }
        return Charts.bars(
            id: "chart-by-region", title: "\(latest.map(String.init) ?? "")年转型覆盖率与深度转型率", categories: names,
            series: [
                ChartSeries(key: "coverage", name: "转型覆盖率(%)", color: "#2f7ebc", values: coverage),
                ChartSeries(key: "deep", name: "深度转型率(%)", color: "#e67e22", values: deep),
            ], references: references) + "\n"
    }

    func trendChart(_ table: QueryTable) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\">尚无年度评估数据。</p>\n" }
        let years = table.rows.map { table.value("year", in: $0)?.display ?? "" }
        func series(_ key: String) -> [Double?] { table.rows.map { table.value(key, in: $0)?.double } }
        let lowest = ["deepRate", "targetDeep"].flatMap(series).compactMap { $0 }.min() ?? 0
        let minimum = max(0, ((lowest - 5) / 10).rounded(.down) * 10)
        return Charts.lines(
            id: "chart-trend", title: "历年转型覆盖率、深度转型率与规划目标", categories: years, minimum: minimum,
            series: [
                ChartSeries(key: "coverage", name: "覆盖率", color: "#2f7ebc", values: series("coverageRate")),
                ChartSeries(key: "deep", name: "深度率", color: "#e67e22", values: series("deepRate")),
                ChartSeries(key: "targetCoverage", name: "覆盖率目标", color: "#1f5f99", values: series("targetCoverage"), dashed: true),
                ChartSeries(key: "targetDeep", name: "深度率目标", color: "#c0392b", values: series("targetDeep"), dashed: true),
            ]) + "\n"
    }

    func funnelChart(_ table: QueryTable) -> String {
        func total(_ key: String) -> Int { Int(table.rows.compactMap { table.value(key, in: $0)?.double }.reduce(0, +)) }
        return Charts.funnel(
            id: "chart-funnel", title: "待转型企业库五步进展",
            steps: [
                ("onlineAssessment", "网上评测", total("onlineAssessment")),
                ("diagnosis", "现场诊断", total("diagnosis")),
                ("training", "企业家培训", total("training")),
                ("matching", "服务商对接", total("matching")),
                ("trial", "免费体验", total("trial")),
            ], total: total("pending")) + "\n<p class=\"note\">180 天未联系：<strong id=\"no-contact\">\(total("noContact180Days"))</strong> 家</p>\n"
    }

    /// The year's scoreboard: each target's actual figure, goal, expected-by-now and status.
    func targetsTable(_ table: QueryTable) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\">该年度方案未设目标。</p>\n" }
        var html =
            "<table id=\"targets\"><thead><tr><th>指标</th><th>实际</th><th>目标</th><th>按进度应达</th><th>状态</th></tr></thead><tbody>\n"
        for row in table.rows {
            func text(_ key: String) -> String { (table.value(key, in: row)?.display ?? "").escapedForHTML }
            let status = table.value("status", in: row)?.display ?? ""
            let tone = ["达标", "已达标", "进度正常"].contains(status) ? "good" : ["落后", "未达标"].contains(status) ? "bad" : "none"
            let due = text("dueYear").isEmpty || text("dueYear") == text("year") ? "" : "（\(text("dueYear"))年）"
            let goal = text("goal").isEmpty ? "—" : text("goal") + text("unit") + due
            html +=
                "<tr data-target=\"\(text("target"))\"><td>\(text("title"))</td><td>\(text("actual"))\(text("unit"))</td><td>\(goal)</td><td>\(text("expected"))</td><td class=\"target-\(tone)\" title=\"\(text("basis"))\">\(status.escapedForHTML)</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    func ledgerTable(_ table: QueryTable) -> String {
        var html = "<table id=\"ledger\"><thead><tr><th>任务</th><th>事项</th><th>时限</th><th>责任单位</th><th>完成日期</th><th>状态</th></tr></thead><tbody>\n"
        for row in table.rows {
            func text(_ key: String) -> String { (table.value(key, in: row)?.display ?? "").escapedForHTML }
            let status = table.value("status", in: row)?.display ?? ""
            let milestone = text("milestone")
            html +=
                "<tr class=\"status-\(status.replacingOccurrences(of: " ", with: "-"))\"><td>\(text("task"))</td><td>\(text("title"))\(milestone.isEmpty ? "" : "：" + milestone)</td>"
            html +=
                "<td>\(text("deadline"))</td><td>\(text("units"))</td><td>\(text("completedOn"))</td><td class=\"status\">\(text("statusTitle"))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    func activityTable(_ table: QueryTable) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\">暂无动态。</p>\n" }
        var html = "<table id=\"activity\"><thead><tr><th>日期</th><th>企业</th><th>市</th><th>事项</th></tr></thead><tbody>\n"
        let cities = Dictionary(uniqueKeysWithValues: ReferenceData.standard.cities.map { ($0.code, $0.name) })
        for row in table.rows {
            func text(_ key: String) -> String { table.value(key, in: row)?.display ?? "" }
            html +=
                "<tr><td>\(text("onDate").escapedForHTML)</td><td>\(text("name").escapedForHTML)</td><td>\((cities[text("city")] ?? text("city")).escapedForHTML)</td>"
            html += "<td>\(Self.activityTitle(text("kind")).escapedForHTML)</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    static func activityTitle(_ kind: String) -> String {
        let titles = [
            "assessment:online": "网上评测", "assessment:onsite": "现场评估", "assessment:annual": "年度评估", "diagnosis": "现场诊断",
            "training": "企业家培训", "matching": "服务商对接", "trial": "免费体验", "trialEnded": "体验结束",
        ]
        return titles[kind] ?? kind
    }

    static let style = """
        body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
        header{background:#1f5f99;color:#fff;padding:14px 24px}header nav a{color:#fff;margin-right:16px;font-weight:bold}.places a{margin-right:10px}header h1{margin:0;font-size:22px}.meta{margin:6px 0 0;font-size:13px;opacity:.9}
        main{padding:16px 24px;display:grid;gap:16px}section{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        h2{font-size:16px;margin:0 0 8px}.filters{display:flex;gap:16px;align-items:center;font-size:14px}
        .tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;background:none;box-shadow:none;padding:0}
        .tile{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}.tile .label{font-size:13px;color:#5b6b7b}
        .tile .figure{font-size:28px;font-weight:bold;color:#1f5f99}.note{font-size:12px;color:#5b6b7b}
        svg.chart{width:100%;max-width:980px;height:auto}svg text{font-size:11px;fill:#1d2733}svg .value{font-size:10px}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e6ea;padding:5px 8px;text-align:left}
        tr.status-done-on-time td.status{color:#1e8449}tr.status-done-late td.status{color:#b9770e}
        tr.status-overdue td.status{color:#fff;background:#c0392b}tr.status-open td.status{color:#5b6b7b}
        td.target-good{color:#1e8449;font-weight:bold}td.target-bad{color:#fff;background:#c0392b}
        footer{padding:12px 24px;font-size:12px;color:#5b6b7b}
        @media print{body{background:#fff}section{box-shadow:none}}
        """
}
