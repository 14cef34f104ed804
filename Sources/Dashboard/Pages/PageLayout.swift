import Domain
import Projections

/// The frame every officials' page shares: `lang="zh-CN"`, the navigation, breadcrumbs, one
/// `<h1>`, styles that print cleanly, no scripts and no external resources.
public struct PageLayout: Sendable {
    /// Who is looking, as the header shows it.
    public var viewer: String
    /// The log position the page's figures reflect.
    public var seq: UInt64

    public init(viewer: String, seq: UInt64) {
        self.viewer = viewer
        self.seq = seq
    }

    /// A complete page: `crumbs` lead from the province to this page (the last is the page itself).
    public func page(title: String, crumbs: [(title: String, href: String?)], body: String) -> String {
        let trail = crumbs.map { crumb in
            crumb.href.map { "<a href=\"\($0.escapedForHTML)\">\(crumb.title.escapedForHTML)</a>" }
                ?? "<span aria-current=\"page\">\(crumb.title.escapedForHTML)</span>"
        }.joined(separator: " › ")
        return """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title.escapedForHTML) · 山东省制造业数字化转型</title>
            <style>\(Self.style)</style>
            </head>
            <body data-seq="\(seq)">
            <header>
            \(Self.navigation)
            <p class="meta">当前用户：\(viewer.escapedForHTML) · 数据截至日志序号 <span id="seq">\(seq)</span></p>
            </header>
            <main>
            <p class="crumbs">\(trail)</p>
            <h1>\(title.escapedForHTML)</h1>
            \(body)
            </main>
            <footer>数据来自 Gongfu 事件日志及其读模型；页面由服务器生成，可离线使用、可直接打印。</footer>
            </body>
            </html>

            """
    }

    /// `table`'s columns `keys` (all when nil) as a table with a caption and a CSV download
    /// link; `link` gives a cell's target, if any.
    public static func table(
        _ table: QueryTable, id: String, caption: String? = nil, keys: [String]? = nil, csv: String? = nil,
        link: (String, [QueryTable.Value]) -> String? = { _, _ in nil }
    ) -> String {
        let columns = keys.map { keys in keys.compactMap { key in table.columns.first { $0.key == key } } } ?? table.columns
        var html = "<div class=\"table\">"
        if let csv { html += "<p class=\"download\"><a href=\"\(csv.escapedForHTML)\" download>下载 CSV（Excel 可直接打开）</a></p>" }
        html += "<table id=\"\(id)\">"
        if let caption { html += "<caption>\(caption.escapedForHTML)</caption>" }
        html += "<thead><tr>" + columns.map { "<th scope=\"col\">\($0.title.escapedForHTML)</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in table.rows {
            html += "<tr>"
            for column in columns {
                let text = (table.value(column.key, in: row)?.display ?? "").escapedForHTML
                if let target = link(column.key, row), !text.isEmpty {
                    html += "<td><a href=\"\(target.escapedForHTML)\">\(text)</a></td>"
                } else {
                    html += "<td>\(text.isEmpty ? "—" : text)</td>"
                }
            }
            html += "</tr>\n"
        }
        if table.rows.isEmpty { html += "<tr><td colspan=\"\(max(1, columns.count))\" class=\"empty\">没有符合条件的记录。</td></tr>\n" }
        return html + "</tbody></table></div>\n"
    }

    /// The pages' navigation (the dashboard's too).
    public static let navigation =
        "<nav aria-label=\"主导航\"><a href=\"/\">看板</a><a href=\"/regions/370000\">地区</a><a href=\"/enterprises\">企业</a><a href=\"/lists/projects\">项目库</a><a href=\"/lists/providers\">服务商</a><a href=\"/lists/benchmarks\">标杆</a><a href=\"/lists/findings\">督查发现</a><a href=\"/lists/targets\">方案目标</a><a href=\"/lists/ranking\">督查激励</a><a href=\"/audit\">审计</a><a href=\"/imports/assessments\">导入评估</a></nav>"

    /// The page of a city or county code (the province's is `370000`).
    public static func regionHref(_ code: String) -> String { "/regions/\(code)" }

    /// An enterprise's file.
    public static func enterpriseHref(_ uscc: String) -> String { "/enterprises/\(uscc)" }

    static let style = """
        body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
        header{background:#1f5f99;color:#fff;padding:10px 24px}header nav a{color:#fff;margin-right:16px;text-decoration:none;font-weight:bold}
        header nav a:focus,header nav a:hover{text-decoration:underline}.meta{margin:6px 0 0;font-size:13px}
        main{padding:12px 24px}h1{font-size:22px;margin:6px 0 12px}h2{font-size:17px;border-bottom:2px solid #1f5f99;padding-bottom:4px;margin-top:22px}
        .crumbs{font-size:13px;margin:4px 0}.crumbs a{color:#174f85}section{background:#fff;border-radius:6px;padding:8px 16px 12px;margin:12px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}th,td{border:1px solid #d5dbe1;padding:4px 6px;text-align:left;vertical-align:top}
        th{background:#eef2f6}caption{text-align:left;font-weight:bold;padding:4px 0}a{color:#174f85}td.empty{color:#5b6b7b}
        .tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border-radius:6px;padding:8px 14px;min-width:150px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        .tile .value{font-size:24px;font-weight:bold;color:#174f85}.tile .label{font-size:12px;color:#3d4b59}
        .good{color:#1e6b3a;font-weight:bold}.bad{color:#fff;background:#a93226}.download{margin:4px 0;font-size:13px}
        form.filters label,form.record label{display:inline-block;margin:4px 12px 4px 0}form.record fieldset{border:1px solid #d5dbe1;margin:8px 0;padding:8px 12px}
        input,select,textarea,button{font:inherit;padding:3px 6px}button{background:#174f85;color:#fff;border:0;padding:5px 14px;cursor:pointer}
        .error{color:#a40000;font-weight:bold}.notice{color:#1e6b3a;font-weight:bold}.pager a{margin-right:12px}
        svg.timeline{width:100%;max-width:980px;height:auto}svg text{font-size:11px}
        footer{padding:12px 24px;font-size:12px;color:#3d4b59}
        @media print{header nav,form,.download,.pager{display:none}body{background:#fff}main{padding:0}section{box-shadow:none;padding:0}
        a{color:inherit;text-decoration:none}table{page-break-inside:auto}tr{page-break-inside:avoid}h2{page-break-after:avoid}}
        """
}
