import Domain
import Foundation
import Projections

/// The enterprise list and search: a form of filters (any part of the name or USCC, place,
/// stage, industry, sector group, industrial chain, a pending step not yet taken, no contact
/// for 180 days) and
/// one page of matches, each linking to its file.
public struct EnterpriseListPage: Sendable {
    public let search: EnterpriseSearch
    /// The place the viewer is confined to, if any (its filter cannot be widened).
    public let lockedRegion: String?
    /// The industrial chains to choose from.
    public let chains: [String]

    public init(search: EnterpriseSearch, lockedRegion: String?, chains: [String]) {
        self.search = search
        self.lockedRegion = lockedRegion
        self.chains = chains
    }

    /// The page's body and seq.
    public func render(_ page: EnterpriseSearch.Page) -> (body: String, seq: UInt64) {
        let reference = ReferenceData.standard
        func option(_ value: String, _ title: String, selected: String?) -> String {
            "<option value=\"\(value.escapedForHTML)\"\(selected == value ? " selected" : "")>\(title.escapedForHTML)</option>"
        }
        let region = search.region ?? ""
        var places = [option("", "全省", selected: region)]
        for city in reference.cities where lockedRegion == nil || lockedRegion!.prefix(4) == city.code.prefix(4) {
            if lockedRegion == nil || lockedRegion == city.code { places.append(option(city.code, city.name, selected: region)) }
            for county in city.counties where lockedRegion == nil || lockedRegion!.hasSuffix("00") || lockedRegion == county.code {
                places.append(option(county.code, "　" + city.name + county.name, selected: region))
            }
        }
        if lockedRegion != nil { places.removeFirst() }
        var html = """
            <form class="filters" method="get" action="/enterprises" role="search">
            <label for="q">名称或代码</label><input id="q" name="q" type="search" value="\((search.text ?? "").escapedForHTML)" placeholder="名称的任一部分或信用代码">
            <label for="region">地区</label><select id="region" name="region">\(places.joined())</select>
            <label for="stage">阶段</label><select id="stage" name="stage">\(option("", "全部", selected: search.stage.map(String.init) ?? ""))\((0...5).map { option(String($0), "L\($0)", selected: search.stage.map(String.init)) }.joined())</select>
            <label for="industry">行业</label><select id="industry" name="industry">\(option("", "全部", selected: search.industry ?? ""))\(reference.industries.map { option($0.industryCode, "\($0.industryCode) \($0.name)", selected: search.industry) }.joined())</select>
            <label for="sector">行业组</label><select id="sector" name="sector">\(option("", "全部", selected: search.sector ?? ""))\(reference.sectorGroups.map { option($0.id, $0.name, selected: search.sector) }.joined())</select>
            <label for="chain">产业链</label><select id="chain" name="chain">\(option("", "全部", selected: search.chain ?? ""))\(chains.map { option($0, $0, selected: search.chain) }.joined())</select>
            <label for="missing">待完成步骤</label><select id="missing" name="missing">\(option("", "不限", selected: search.missingStep ?? ""))\(PendingReadModel.steps.map { option($0.step, "未" + $0.title, selected: search.missingStep) }.joined())</select>
            <label for="nocontact"><input id="nocontact" name="nocontact" type="checkbox" value="1"\(search.noContact ? " checked" : "")> 180 天未联系</label>
            <button type="submit">查询</button>
            </form>

            """
        let first = page.total == 0 ? 0 : search.offset + 1
        let last = min(search.offset + search.limit, page.total)
        html += "<p id=\"result-count\">共 <strong>\(page.total)</strong> 家，显示第 \(first)–\(last) 家。</p>\n"
        html += PageLayout.table(
            page.table, id: "enterprises", csv: "/v1/pending?format=csv&status=all\(search.region.map { "&region=\($0)" } ?? "")",
            link: { key, row in
                key == "name" || key == "uscc" ? page.table.value("uscc", in: row).map { PageLayout.enterpriseHref($0.display) } : nil
            })
        var pager: [String] = []
        func href(offset: Int) -> String {
            var query: [String] = []
            if let text = search.text, !text.isEmpty { query.append("q=" + Self.encode(text)) }
            if let region = search.region { query.append("region=" + region) }
            if let stage = search.stage { query.append("stage=\(stage)") }
            if let industry = search.industry { query.append("industry=" + industry) }
            if let sector = search.sector { query.append("sector=" + sector) }
            if let chain = search.chain { query.append("chain=" + Self.encode(chain)) }
            if let step = search.missingStep { query.append("missing=" + step) }
            if search.noContact { query.append("nocontact=1") }
            query.append("offset=\(offset)")
            return "/enterprises?" + query.joined(separator: "&amp;")
        }
        if search.offset > 0 { pager.append("<a href=\"\(href(offset: max(0, search.offset - search.limit)))\" rel=\"prev\">上一页</a>") }
        if last < page.total { pager.append("<a href=\"\(href(offset: search.offset + search.limit))\" rel=\"next\">下一页</a>") }
        if !pager.isEmpty { html += "<p class=\"pager\">\(pager.joined())</p>\n" }
        return (html, page.table.seq)
    }

    /// `text` percent-encoded for a query string.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
