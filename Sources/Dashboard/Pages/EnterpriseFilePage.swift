import Domain
import EventLog
import Foundation
import Projections

/// One enterprise's file (一企一档): its profile, its stage timeline drawn as SVG, the five
/// pending steps, its projects, awards and incentives, the supervision findings about it and
/// every event of its streams (each linking to its inclusion proof) — and the forms with which
/// a city or county office records the next step of its work.
public struct EnterpriseFilePage: Sendable {
    /// The file as ``EnterpriseFile`` serves it (`profile`, `stages`, `projects`, `events`).
    public let file: JSONValue
    public let awards: QueryTable
    public let incentives: QueryTable
    public let findings: QueryTable
    public let today: String
    /// The value every form carries against cross-site posts.
    public let csrf: String
    /// Whether the viewer may record (not an auditor).
    public let mayRecord: Bool
    /// What the last submission said: a refusal with the form it came from, or the seq recorded.
    public var refusal: (form: String, message: String)?
    public var recorded: UInt64?
    /// The fields the refused form was sent with, to show them again.
    public var sent: [String: String] = [:]

    public init(
        file: JSONValue, awards: QueryTable, incentives: QueryTable, findings: QueryTable, today: String, csrf: String, mayRecord: Bool
    ) {
        self.file = file
        self.awards = awards
        self.incentives = incentives
        self.findings = findings
        self.today = today
        self.csrf = csrf
        self.mayRecord = mayRecord
    }

    /// The forms: the event type each records, its title and its fields (name, label, kind).
    public static let forms: [(type: String, title: String, fields: [(name: String, label: String, kind: String)])] = [
        (
            "DiagnosisVisited", "现场诊断",
            [
                ("provider", "诊断服务商（统一社会信用代码）", "text"), ("commissioner", "数字专员", "text"), ("findings", "诊断发现", "textarea"),
                ("needs", "需求和困难", "needs"),
            ]
        ),
        ("TrainingAttended", "企业家培训", [("session", "培训场次", "text"), ("level", "培训类别", "level"), ("mode", "形式", "mode")]),
        ("ProviderMatched", "服务商对接", [("provider", "服务商（统一社会信用代码）", "text"), ("solution", "对接的解决方案", "text")]),
        ("TrialStarted", "开始免费体验", [("provider", "服务商（统一社会信用代码）", "text"), ("solution", "体验的解决方案", "text")]),
        ("TrialEnded", "结束免费体验", [("provider", "服务商（统一社会信用代码）", "text"), ("solution", "体验的解决方案", "text"), ("outcome", "结果", "outcome")]),
        ("AssessmentRecorded", "评估结果", [("assessment", "评估编号", "text"), ("kind", "评估方式", "assessmentKind"), ("stage", "评估阶段", "stage")]),
    ]

    /// The page's title and body.
    public func render() -> (title: String, body: String) {
        let profile = file["profile"] ?? .null
        let name = profile["name"]?.stringValue ?? file["uscc"]?.stringValue ?? ""
        let uscc = file["uscc"]?.stringValue ?? ""
        let reference = ReferenceData.standard
        func text(_ value: JSONValue?) -> String { (value.map(Self.display) ?? "").escapedForHTML }
        var html = ""
        if let recorded { html += "<p class=\"notice\" role=\"status\">已记录（日志序号 \(recorded)），下列内容已包含此项。</p>\n" }
        html += "<section><h2>基本信息</h2><table id=\"profile\"><tbody>"
        let city = profile["city"]?.stringValue ?? ""
        let county = profile["county"]?.stringValue ?? ""
        let industry = profile["industry"]?.stringValue ?? ""
        for (label, value) in [
            ("统一社会信用代码", uscc.escapedForHTML), ("企业名称", name.escapedForHTML),
            (
                "所在地",
                "<a href=\"\(PageLayout.regionHref(city))\">\(reference.placeName(city).escapedForHTML)</a> <a href=\"\(PageLayout.regionHref(county))\">\(reference.placeName(county).escapedForHTML)</a>"
            ),
            ("行业", "\(industry.escapedForHTML) \((reference.industry(for: industry)?.name ?? "").escapedForHTML)"),
            ("当前阶段", "L\(text(profile["stage"]))"), ("入库日期", text(profile["registered_on"])),
            ("最近联系", text(profile["last_contact_on"])), ("出库日期", text(profile["left_library_on"])),
        ] {
            html += "<tr><th scope=\"row\">\(label)</th><td>\(value.isEmpty ? "—" : value)</td></tr>"
        }
        html += "</tbody></table></section>\n"
        html += "<section><h2>转型阶段变化</h2>\n" + timeline() + stagesTable() + "</section>\n"
        html += "<section><h2>待转型企业库五步</h2><ol id=\"steps\">"
        for step in PendingReadModel.steps {
            let done = profile[step.column]?.stringValue
            html += "<li>\(step.title)：\(done.map { "<strong>\($0)</strong>" } ?? "未开展")</li>"
        }
        html += "</ol></section>\n"
        html += "<section><h2>转型项目（一项一档）</h2>\n" + projectsTable() + "</section>\n"
        html +=
            "<section><h2>标杆与激励</h2>\n"
            + PageLayout.table(awards, id: "awards", keys: ["award", "kind", "tier", "level", "year", "awardedOn", "revokedOn"])
        html += PageLayout.table(incentives, id: "incentives", keys: ["incentive", "amountFen", "policy", "basis", "grantedOn"]) + "</section>\n"
        html += "<section><h2>督查发现</h2>\n" + PageLayout.table(findings, id: "findings", keys: ["title", "year", "detail", "events"]) + "</section>\n"
        if mayRecord { html += "<section><h2>记录工作</h2>\n" + forms(uscc) + "</section>\n" }
        html += "<section><h2>全部事件</h2>\n" + eventsTable() + "</section>\n"
        return (name, html)
    }

    /// The stage over time: a step line from the first assessment to today, a dot per finding
    /// (green up, red down), each with its date, stage and assessment as its title.
    func timeline() -> String {
        let stages = Self.array(file["stages"])
        guard let first = stages.first?["on_date"]?.stringValue, let start = TargetsQuery.day(first), let end = TargetsQuery.day(today)
        else { return "<p class=\"empty\">尚无评估记录。</p>\n" }
        let (width, height, left, top, bottom) = (900.0, 190.0, 40.0, 12.0, 30.0)
        let span = Double(max(1, end - start))
        func x(_ date: String) -> Double { left + (Double((TargetsQuery.day(date) ?? start) - start) / span) * (width - left - 10) }
        func y(_ level: Int) -> Double { top + (5 - Double(level)) / 5 * (height - top - bottom) }
        var svg =
            "<svg class=\"timeline\" id=\"stage-timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"转型阶段随时间变化\">"
        for level in 0...5 {
            svg += "<line x1=\"\(left)\" y1=\"\(y(level))\" x2=\"\(width - 10)\" y2=\"\(y(level))\" stroke=\"#d5dbe1\"/>"
            svg += "<text x=\"4\" y=\"\(y(level) + 4)\">L\(level)</text>"
        }
        var path = ""
        var previous: (x: Double, level: Int)?
        for finding in stages {
            guard let date = finding["on_date"]?.stringValue, let stage = finding["stage"]?.stringValue, let level = Int(stage.dropFirst()) else {
                continue
            }
            let px = x(date)
            path += previous.map { " L\(px),\(y($0.level)) L\(px),\(y(level))" } ?? "M\(px),\(y(level))"
            previous = (px, level)
        }
        if let previous { path += " L\(width - 10),\(y(previous.level))" }
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#174f85\" stroke-width=\"2\"/>"
        for finding in stages {
            guard let date = finding["on_date"]?.stringValue, let stage = finding["stage"]?.stringValue, let level = Int(stage.dropFirst()) else {
                continue
            }
            let kind = finding["kind"]?.stringValue ?? ""
            let color = kind == "upgrade" ? "#1e6b3a" : kind == "downgrade" ? "#a93226" : "#174f85"
            let label =
                "\(date) \(stage) \(Self.kindTitle(kind)) 评估 \(finding["assessment"]?.stringValue ?? "")（序号 \(finding["seq"]?.integerValue ?? 0)）"
            svg +=
                "<circle class=\"finding\" data-kind=\"\(kind)\" cx=\"\(x(date))\" cy=\"\(y(level))\" r=\"5\" fill=\"\(color)\"><title>\(label.escapedForHTML)</title></circle>"
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 8)\">\(first)</text><text x=\"\(width - 80)\" y=\"\(height - 8)\">\(today)</text></svg>\n"
        return svg
    }

    func stagesTable() -> String {
        var html =
            "<table id=\"stages\"><thead><tr><th scope=\"col\">日期</th><th scope=\"col\">阶段</th><th scope=\"col\">变化</th><th scope=\"col\">评估</th><th scope=\"col\">序号</th></tr></thead><tbody>"
        for finding in Self.array(file["stages"]) {
            let seq = finding["seq"]?.integerValue ?? 0
            html +=
                "<tr><td>\(finding["on_date"]?.stringValue ?? "")</td><td>\(finding["from"]?.stringValue.map { $0 + " → " } ?? "")\(finding["stage"]?.stringValue ?? "")</td><td>\(Self.kindTitle(finding["kind"]?.stringValue ?? ""))</td><td>\((finding["assessment"]?.stringValue ?? "").escapedForHTML)</td><td><a href=\"/v1/proofs/inclusion?seq=\(seq)\">\(seq)</a></td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    func projectsTable() -> String {
        let projects = Self.array(file["projects"])
        guard !projects.isEmpty else { return "<p class=\"empty\">暂无项目。</p>\n" }
        var html =
            "<table id=\"projects\"><thead><tr><th scope=\"col\">项目</th><th scope=\"col\">领域</th><th scope=\"col\">目标阶段</th><th scope=\"col\">状态</th><th scope=\"col\">备案</th><th scope=\"col\">结束</th><th scope=\"col\">预算(万元)</th></tr></thead><tbody>"
        for project in projects {
            let id = project["project"]?.stringValue ?? ""
            let budget = Double(project["budget_fen"]?.integerValue ?? 0) / 1_000_000
            html +=
                "<tr><td><a href=\"/projects/\(id.escapedForHTML)\">\(id.escapedForHTML)</a></td><td>\((project["domain"]?.stringValue ?? "").escapedForHTML)</td><td>L\(project["target_stage"]?.integerValue ?? 0)</td><td>\((project["status"]?.stringValue ?? "").escapedForHTML)</td><td>\(project["filed_on"]?.stringValue ?? "")</td><td>\(project["closed_on"]?.stringValue ?? "—")</td><td>\(String(format: "%.2f", budget))</td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    func eventsTable() -> String {
        var html =
            "<table id=\"events\"><thead><tr><th scope=\"col\">序号</th><th scope=\"col\">事件</th><th scope=\"col\">业务日期</th><th scope=\"col\">记录时间</th><th scope=\"col\">记录人</th><th scope=\"col\">内容</th><th scope=\"col\">存证</th></tr></thead><tbody>\n"
        for event in Self.array(file["events"]).reversed() {
            let seq = event["seq"]?.integerValue ?? 0
            let actor = event["actor"] ?? .null
            let who = [actor["name"]?.stringValue, actor["role"]?.stringValue, actor["jurisdiction"]?.stringValue].compactMap { $0 }.joined(
                separator: " · ")
            html +=
                "<tr data-seq=\"\(seq)\"><td>\(seq)</td><td>\((event["type"]?.stringValue ?? "").escapedForHTML)</td><td>\(event["occurred"]?.stringValue ?? "")</td><td>\(event["recorded"]?.stringValue ?? "")</td><td>\(who.escapedForHTML)</td><td class=\"data\">\((event["data"]?.canonicalText ?? "").escapedForHTML)</td><td><a href=\"/v1/proofs/inclusion?seq=\(seq)\">包含证明</a></td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// One form per event type the offices record, each with its own idempotency key (a double
    /// submit records once) and the CSRF value.
    func forms(_ uscc: String) -> String {
        var html = ""
        for form in Self.forms {
            let refused = refusal?.form == form.type
            html +=
                "<form class=\"record\" method=\"post\" action=\"/enterprises/\(uscc)/record\" id=\"form-\(form.type)\"><fieldset><legend>\(form.title)</legend>"
            if refused, let message = refusal?.message {
                html += "<p class=\"error\" role=\"alert\" id=\"error-\(form.type)\">未记录：\(message.escapedForHTML)</p>"
            }
            html += "<input type=\"hidden\" name=\"type\" value=\"\(form.type)\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">"
            html += "<input type=\"hidden\" name=\"key\" value=\"form/\(UUID().uuidString.lowercased())\">"
            let date = refused ? sent["occurred"] ?? today : today
            html +=
                "<label for=\"\(form.type)-occurred\">日期</label><input id=\"\(form.type)-occurred\" name=\"occurred\" type=\"date\" value=\"\(date.escapedForHTML)\" required>"
            for field in form.fields {
                let id = "\(form.type)-\(field.name)"
                let value = refused ? (sent[field.name] ?? "") : ""
                let flagged = refused && (refusal?.message.contains("data.\(field.name)") ?? false)
                let invalid = flagged ? " aria-invalid=\"true\" aria-describedby=\"error-\(form.type)\"" : ""
                html += "<label for=\"\(id)\">\(field.label)</label>"
                switch field.kind {
                case "textarea":
                    html +=
                        "<textarea id=\"\(id)\" name=\"\(field.name)\" rows=\"2\" cols=\"40\" required\(invalid)>\(value.escapedForHTML)</textarea>"
                case "needs":
                    html += "<select id=\"\(id)\" name=\"needs\" multiple size=\"4\"\(invalid)>"
                    html += Needs.standard.categories.map { "<option value=\"\($0.id)\">\($0.title.escapedForHTML)</option>" }.joined() + "</select>"
                case "text":
                    let required = ["solution"].contains(field.name) && form.type == "ProviderMatched" ? "" : " required"
                    html += "<input id=\"\(id)\" name=\"\(field.name)\" type=\"text\" value=\"\(value.escapedForHTML)\"\(required)\(invalid)>"
                default:
                    html += "<select id=\"\(id)\" name=\"\(field.name)\"\(invalid)>"
                    html +=
                        Self.choices(field.kind).map { "<option value=\"\($0.0)\"\(value == $0.0 ? " selected" : "")>\($0.1)</option>" }.joined()
                        + "</select>"
                }
            }
            html += " <button type=\"submit\">记录</button></fieldset></form>\n"
        }
        return html
    }

    static func choices(_ kind: String) -> [(String, String)] {
        switch kind {
        case "level": [("popularisation", "普及培训"), ("advancement", "提升培训")]
        case "mode": [("offline", "线下"), ("online", "线上")]
        case "outcome": [("purchased", "体验后购买"), ("declined", "未购买")]
        case "assessmentKind": [("onsite", "现场评估"), ("online", "网上评测"), ("annual", "年度评估")]
        case "stage": (0...5).map { ("L\($0)", "L\($0)") }
        default: []
        }
    }

    static func kindTitle(_ kind: String) -> String {
        switch kind {
        case "baseline": "首次评估"
        case "upgrade": "升级"
        case "downgrade": "下降"
        default: "维持"
        }
    }

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items) = value ?? .null { return items }
        return []
    }

    static func display(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .null: ""
        default: value.canonicalText
        }
    }
}
