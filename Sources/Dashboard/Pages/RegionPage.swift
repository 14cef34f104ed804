import Domain
import Foundation
import Projections

/// One place's page — the province, a city or a county — drilling down: its rates against the
/// plan's targets, the scoreboard, each city's (county's) figures linking to its own page, the
/// pending library's funnel, the programme figures, its part of the work ledger, and the way to
/// its enterprises.
public struct RegionPage: Sendable {
    /// `370000`, a city's or a county's code.
    public let code: String
    /// The date the statuses are judged at.
    public let today: String
    let store: @Sendable (String) throws -> ReadModelStore
    /// The ledger report form, when the viewer reports this place's part: the form's check
    /// value, what the last report said (refused, or the seq recorded) and what it sent.
    public var report: (csrf: String, refusal: String?, recorded: UInt64?, sent: [String: String])?

    public init(code: String, today: String, store: @escaping @Sendable (String) throws -> ReadModelStore) {
        self.code = code
        self.today = today
        self.store = store
    }

    var isProvince: Bool { code == CoverageReadModel.province }
    var isCity: Bool { !isProvince && code.hasSuffix("00") }
    /// The region filter of the queries (nil for the province).
    var region: String? { isProvince ? nil : code }

    /// The page's body and the lowest seq it read, with its title and breadcrumbs.
    public func render() throws -> (title: String, crumbs: [(title: String, href: String?)], body: String, seq: UInt64) {
        let reference = ReferenceData.standard
        let name = reference.placeName(code)
        var crumbs: [(title: String, href: String?)] = [("山东省", isProvince ? nil : PageLayout.regionHref(CoverageReadModel.province))]
        if !isProvince, let city = reference.city(containing: code) {
            crumbs.append((city.name, isCity ? nil : PageLayout.regionHref(city.code)))
            if !isCity { crumbs.append((name, nil)) }
        }
        let year = Int(today.prefix(4)) ?? 2026
        let by: CoverageQuery.Dimension = isProvince ? .province : isCity ? .city : .county
        let coverage = try ReadModelQuery.run(.coverage, filters: QueryFilters(region: region), coverage: isProvince ? .province : by, stores: store)
        let latest = coverage.rows.compactMap { coverage.value("year", in: $0)?.double.map(Int.init) }.max()
        let children = isProvince || isCity
        var subregions = QueryTable(title: "", columns: [])
        if children, let latest {
            subregions = try ReadModelQuery.run(
                .coverage, filters: QueryFilters(region: region, year: latest), coverage: isProvince ? .city : .county, stores: store)
        }
        let targets = try ReadModelQuery.run(.targets, filters: QueryFilters(region: region, year: year, date: today), stores: store)
        let funnel = try ReadModelQuery.run(
            .funnel, filters: QueryFilters(region: region, date: today), coverage: isProvince ? .city : .county, stores: store)
        let programme = try ReadModelQuery.run(.programme, filters: QueryFilters(region: region, year: year), stores: store)
        let ledger = try ReadModelQuery.run(.ledger, filters: QueryFilters(region: region, date: today), stores: store)
        let seq = [coverage.seq, targets.seq, funnel.seq, programme.seq, ledger.seq].min() ?? 0

        var body = "<div class=\"tiles\">"
        if let row = coverage.rows.last {
            func tile(_ label: String, _ key: String, suffix: String = "%") -> String {
                let value = coverage.value(key, in: row)?.display ?? ""
                return
                    "<div class=\"tile\"><div class=\"value\">\(value.isEmpty ? "—" : value + suffix)</div><div class=\"label\">\(label)</div></div>"
            }
            body += tile("\(latest.map(String.init) ?? "") 年转型覆盖率", "coverageRate") + tile("深度转型率", "deepRate")
            body += tile("覆盖率同比(百分点)", "coverageChange", suffix: "") + tile("规上工业企业", "population", suffix: " 家")
        }
        body += "</div>\n"
        body += "<p><a href=\"/enterprises\(region.map { "?region=\($0)" } ?? "")\">查看\(name.escapedForHTML)的企业名单 →</a></p>\n"
        if children {
            body += "<section><h2>各\(isProvince ? "市" : "县（市、区）")转型覆盖率与深度转型率（\(latest.map(String.init) ?? "—") 年）</h2>\n"
            body +=
                PageLayout.table(
                    subregions, id: "subregions",
                    keys: ["code", "name", "population", "coverageRate", "deepRate", "coverageChange", "frozenCoverageRate"],
                    csv:
                        "/v1/coverage?format=csv&by=\(isProvince ? "city" : "county")\(region.map { "&region=\($0)" } ?? "")\(latest.map { "&year=\($0)" } ?? "")",
                    link: { key, row in
                        key == "name" || key == "code" ? subregions.value("code", in: row).map { PageLayout.regionHref($0.display) } : nil
                    }) + "</section>\n"
        }
        body += "<section><h2>方案目标进展（\(year) 年，截至 \(today)）</h2>\n"
        body +=
            PageLayout.table(
                targets, id: "targets", keys: ["title", "actual", "goal", "dueYear", "expected", "status", "basis"],
                csv: "/v1/targets?format=csv&year=\(year)&date=\(today)\(region.map { "&region=\($0)" } ?? "")") + "</section>\n"
        body += "<section><h2>待转型企业库五步进展</h2>\n"
        body +=
            PageLayout.table(
                funnel, id: "funnel",
                csv: "/v1/pending/funnel?format=csv&by=\(isProvince ? "city" : "county")\(region.map { "&region=\($0)" } ?? "")",
                link: { key, row in
                    guard key == "cityName", let place = (funnel.value("city", in: row) ?? funnel.value("code", in: row))?.display else { return nil }
                    return PageLayout.regionHref(place)
                }) + "</section>\n"
        body += "<section><h2>工作推进指标（\(year) 年）</h2>\n"
        body +=
            PageLayout.table(
                programme, id: "programme", keys: ["title", "value", "target"],
                csv: "/v1/metrics/programme?format=csv&year=\(year)\(region.map { "&region=\($0)" } ?? "")") + "</section>\n"
        body += "<section><h2>工作台账\(isProvince ? "" : "（本地承担部分）")</h2>\n"
        body +=
            PageLayout.table(
                ledger, id: "ledger",
                keys: ["task", "title", "milestone", "deadline", "completedOn", "reportedBy", "statusTitle"]
                    + (isProvince ? ["regionsReported"] : []),
                csv: "/v1/ledger?format=csv&date=\(today)\(region.map { "&region=\($0)" } ?? "")") + "</section>\n"
        if let report { body += "<section><h2>报告台账进展</h2>\n" + reportForm(report, ledger: ledger, name: name) + "</section>\n" }
        return ("\(name)数字化转型", crumbs, body, seq)
    }

    /// A report of this place's part of a ledger item (the province's: the item itself).
    func reportForm(_ report: (csrf: String, refusal: String?, recorded: UInt64?, sent: [String: String]), ledger: QueryTable, name: String) -> String
    {
        var html = ""
        if let recorded = report.recorded { html += "<p class=\"notice\" role=\"status\">已记录（日志序号 \(recorded)），上表已包含此项。</p>" }
        if let refusal = report.refusal { html += "<p class=\"error\" role=\"alert\" id=\"report-error\">未记录：\(refusal.escapedForHTML)</p>" }
        html += "<form class=\"record\" method=\"post\" action=\"/regions/\(code)/report\" id=\"form-report\">"
        html +=
            "<input type=\"hidden\" name=\"csrf\" value=\"\(report.csrf)\"><input type=\"hidden\" name=\"key\" value=\"form/\(UUID().uuidString.lowercased())\">"
        html += "<label for=\"report-item\">事项</label><select id=\"report-item\" name=\"item\">"
        var seen: Set<String> = []
        for row in ledger.rows {
            let task = ledger.value("task", in: row)?.display ?? ""
            let milestone = ledger.value("milestone", in: row)?.display ?? ""
            let value = milestone.isEmpty ? task : task + "/" + milestone
            guard seen.insert(value).inserted else { continue }
            let title = "\(task) \(ledger.value("title", in: row)?.display ?? "")\(milestone.isEmpty ? "" : "：" + milestone)"
            html += "<option value=\"\(value.escapedForHTML)\"\(report.sent["item"] == value ? " selected" : "")>\(title.escapedForHTML)</option>"
        }
        html +=
            "</select><label for=\"report-completed\">完成日期</label><input id=\"report-completed\" name=\"completedOn\" type=\"date\" value=\"\((report.sent["completedOn"] ?? today).escapedForHTML)\" required>"
        html +=
            "<label for=\"report-unit\">报送单位</label><input id=\"report-unit\" name=\"unit\" type=\"text\" value=\"\((report.sent["unit"] ?? name + "工业和信息化局").escapedForHTML)\" required>"
        return html + " <button type=\"submit\">报告完成</button></form>\n"
    }
}
