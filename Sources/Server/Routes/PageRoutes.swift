import Access
import Dashboard
import Domain
import EventLog
import Foundation
import Hummingbird
import Projections

/// The officials' pages beyond the dashboard: a place's page (province → city → county), the
/// enterprise list and search, an enterprise's file with its forms, a project's file, the lists
/// (project library, provider pool, benchmarks, findings, scoreboard, ranking, needs) and the
/// audit page. Scoped like the API: a city or county token reaches its own region's files only,
/// another region's and a missing one answer alike.
struct PageRoutes {
    let daemon: Daemon
    let readModels: ReadModelRoutes

    func add(to router: Router<GongfuRequestContext>) {
        router.get("regions/:code") { request, context in
            let code = try context.parameters.require("code")
            let recorded = try Parameters(request: request).seq("recorded")
            if let recorded { try await daemon.waitUntilProjected(recorded, in: LedgerReadModel.name) }
            return try await regionPage(code, request: request, context: context, recorded: recorded)
        }
        router.post("regions/:code/report") { request, context in
            try await report(request, context: context)
        }
        router.get("enterprises") { request, context in
            let identity = try context.requireIdentity()
            let parameters = Parameters(request: request)
            var search = EnterpriseSearch(date: Self.today)
            search.text = parameters.string("q").map { String($0.prefix(60)) }
            search.region = try readModels.scoped(QueryFilters(region: try parameters.region()), context).region
            search.stage = try parameters.integer("stage", in: 0...5)
            if let industry = parameters.string("industry"), !industry.isEmpty {
                guard ReferenceData.standard.industry(for: industry) != nil else {
                    throw Problem(.badRequest, "industry=\(industry.prefix(12)) is not a GB/T 4754-2017 industrial code (e.g. C34)")
                }
                search.industry = industry
            }
            search.sector = try parameters.choice("sector", ReferenceData.standard.sectorGroups.map(\.id))
            search.chain = parameters.string("chain").flatMap { $0.isEmpty ? nil : String($0.prefix(60)) }
            search.missingStep = try parameters.choice("missing", PendingReadModel.steps.map(\.step))
            search.noContact = parameters.string("nocontact") == "1"
            search.offset = try parameters.integer("offset", in: 0...10_000_000) ?? 0
            let store = try daemon.store(PendingReadModel.name)
            let query = search
            let (page, chains) = try await daemon.work.run(WorkPool.query) { () throws -> (EnterpriseSearch.Page, [String]) in
                // The chains change only with the library: read once per seq, not per page.
                let seq = store.appliedSeq
                if let known = daemon.chains.withLock({ $0.flatMap { $0.seq == seq ? $0.chains : nil } }) { return (try query.run(store), known) }
                let chains = try EnterpriseSearch.chains(store)
                daemon.chains.withLock { $0 = (seq, chains) }
                return (try query.run(store), chains)
            }
            let (body, seq) = EnterpriseListPage(search: search, lockedRegion: identity.region, chains: chains).render(page)
            return Self.html(
                PageLayout(viewer: Self.viewer(identity), seq: seq).page(
                    title: "企业名单", crumbs: [("山东省", PageLayout.regionHref(CoverageReadModel.province)), ("企业名单", nil)], body: body))
        }
        router.get("enterprises/:uscc") { request, context in
            let parameters = Parameters(request: request)
            let recorded = try parameters.seq("recorded")
            if let recorded {
                for name in [PendingReadModel.name, CoverageReadModel.name, ProjectsReadModel.name] {
                    try await daemon.waitUntilProjected(recorded, in: name)
                }
            }
            return try await enterprisePage(context.parameters.require("uscc"), request: request, context: context, recorded: recorded)
        }
        router.post("enterprises/:uscc/record") { request, context in
            try await record(request, context: context)
        }
        router.get("projects/:project") { request, context in
            try await projectPage(context.parameters.require("project"), context: context)
        }
        router.get("lists/:name") { request, context in
            try await listPage(context.parameters.require("name"), request: request, context: context)
        }
        router.get("audit") { _, context in
            let identity = try context.requireIdentity()
            let log = daemon.log
            let note = (try? log.checkpoint()) ?? ""
            let status = try await daemon.work.run(WorkPool.query) { try daemon.readModels.status() }
            var body = "<section><h2>最新签名检查点</h2><pre id=\"checkpoint\">\(note.escapedForHTML)</pre>"
            body += "<p>日志共 <strong>\(log.size)</strong> 个事件。完整校验：<code>gongfu audit verify</code>"
            if identity.mayAudit { body += "，或 <a href=\"/v1/audit/verify\">在线校验</a>（审计员、省级令牌）" }
            body +=
                "。</p></section>\n<section><h2>读模型位置</h2><table id=\"read-models\"><thead><tr><th scope=\"col\">读模型</th><th scope=\"col\">已应用序号</th><th scope=\"col\">落后</th></tr></thead><tbody>"
            for line in status {
                body += "<tr><td>\(line.name.escapedForHTML)</td><td>\(line.seq)</td><td>\(line.lagEvents)</td></tr>"
            }
            body += "</tbody></table></section>\n"
            return Self.html(
                PageLayout(viewer: Self.viewer(identity), seq: log.size).page(
                    title: "审计", crumbs: [("山东省", PageLayout.regionHref(CoverageReadModel.province)), ("审计", nil)], body: body))
        }
    }

    /// A form posted from this daemon's own pages: same origin, logged in with the cookie, at most
    /// 16 KiB, carrying the form token of that login (`reload` names the page to reload when not).
    static func postedForm(_ request: Request, reload: String) async throws -> FormFields {
        guard Authentication.isSameOrigin(request), let secret = Authentication.cookie(in: request) else {
            throw Problem(.forbidden, "a form must be posted from this server's own pages, logged in at /login")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 16 << 10)
        } catch {
            throw Problem(.contentTooLarge, "a form is at most 16 KiB")
        }
        let form = FormFields(String(buffer: body))
        guard let sent = form["csrf"], FormToken.isValid(sent, for: secret) else {
            throw Problem(.forbidden, "the form's check value is missing or wrong: reload \(reload) and submit again")
        }
        return form
    }

    /// A form's one event: checked against the catalogue, as `IntakeReader` checks what the API
    /// reads (the writer's rules do not), then appended as `identity`. The seq it got, or the
    /// refusal to show beside the form; another region's record and a missing one are thrown,
    /// answered alike before any form shows.
    func recordForm(_ draft: EventDraft, by identity: Identity) async throws(Problem) -> Result<UInt64, Problem> {
        var draft = draft
        let refusal: Problem
        do {
            try EventValidator().validate(&draft)
            do {
                return .success(try await daemon.writer.append([draft], by: identity).first?.seq ?? daemon.log.size)
            } catch {
                refusal = error
            }
        } catch {
            refusal = Problem(.unprocessableContent, "\(error)")
        }
        if refusal.status == .forbidden || refusal.status == .notFound { throw refusal }
        // "event 0: …" names the event of a batch; a form sends one.
        return .failure(Problem(refusal.status, refusal.detail.hasPrefix("event 0: ") ? String(refusal.detail.dropFirst(9)) : refusal.detail))
    }

    /// China's date: what an official's "today" is.
    static var today: String { String(Timestamp.format(microseconds: Timestamp.nowMicroseconds() + 8 * 3_600_000_000).prefix(10)) }

    static func viewer(_ identity: Identity) -> String { "\(identity.name)（\(identity.role.name)）" }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A place's page, if the viewer may see it (a city its city and counties, a county its
    /// county and its city's figures; everyone the province's).
    func regionPage(
        _ code: String, request: Request, context: GongfuRequestContext, recorded: UInt64? = nil, refusal: String? = nil,
        sent: [String: String] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let identity = try context.requireIdentity()
        let reference = ReferenceData.standard
        guard code == CoverageReadModel.province || reference.city(containing: code) != nil else {
            throw Problem(.notFound, "\(code.prefix(12)) is not Shandong (370000), one of its cities or one of their counties")
        }
        if let own = identity.region, code != CoverageReadModel.province {
            let inside = ReferenceData.region(own, contains: code) || code == identity.city
            guard inside else { throw Problem(.forbidden, "a \(identity.role.name) token sees the pages of \(own) and the province only") }
        }
        var page = RegionPage(code: code, today: Self.today, store: { try daemon.store($0) })
        if let secret = Authentication.cookie(in: request), Self.mayReport(identity, for: code) {
            page.report = (FormToken.value(for: secret), refusal, recorded, sent)
        }
        let built = page
        let rendered = try await daemon.work.run(WorkPool.query) { try built.render() }
        return Self.html(
            PageLayout(viewer: Self.viewer(identity), seq: rendered.seq).page(title: rendered.title, crumbs: rendered.crumbs, body: rendered.body),
            status: status)
    }

    /// Whether `identity` reports the ledger part of `code`: the province everywhere, a city for
    /// itself and its counties, a county for itself.
    static func mayReport(_ identity: Identity, for code: String) -> Bool {
        switch identity.role {
        case .province, .dataOperator: true
        case .city(let city): code != CoverageReadModel.province && code.prefix(4) == city.prefix(4)
        case .county(let county): code == county
        default: false
        }
    }

    /// A ledger report posted from a place's page: `PlanMilestoneReported`, with the place as
    /// its region (none for the province's own), through the one intake.
    func report(_ request: Request, context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let code = try context.parameters.require("code")
        let form = try await Self.postedForm(request, reload: "the page")
        guard Self.mayReport(identity, for: code) else {
            throw Problem(.forbidden, "a \(identity.role.name) token reports its own region's part only")
        }
        let item = form["item"] ?? ""
        let (task, milestone) = item.contains("/") ? (String(item.prefix { $0 != "/" }), String(item.drop { $0 != "/" }.dropFirst())) : (item, "")
        var data: JSONObject = [
            "task": .string(task), "completedOn": .string(form["completedOn"] ?? ""), "unit": .string(form["unit"] ?? ""),
        ]
        if !milestone.isEmpty { data["milestone"] = .string(milestone) }
        if code != CoverageReadModel.province { data["region"] = .string(code) }
        let today = Self.today
        var draft = EventDraft(
            stream: "plan/2024-2026", type: "PlanMilestoneReported", occurred: min(form["completedOn"] ?? today, today), data: .object(data))
        if let key = form["key"], key.hasPrefix("form/"), key.count <= 80 { draft.key = key }
        switch try await recordForm(draft, by: identity) {
        case .success(let seq):
            return Response(status: .seeOther, headers: [.location: "/regions/\(code)?recorded=\(seq)", .cacheControl: "no-store"])
        case .failure(let refusal):
            return try await regionPage(
                code, request: request, context: context, refusal: refusal.detail, sent: form.first, status: refusal.status)
        }
    }

    /// An enterprise's file page, or the same 403 for another region's enterprise and a
    /// missing one.
    func enterprisePage(
        _ uscc: String, request: Request, context: GongfuRequestContext, recorded: UInt64? = nil, refusal: (form: String, message: String)? = nil,
        sent: [String: String] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let identity = try context.requireIdentity()
        let file = try await readModels.visibleFile(uscc, for: identity)
        let daemon = daemon
        let (awards, incentives, findings) = try await daemon.work.run(WorkPool.query) { () throws -> (QueryTable, QueryTable, QueryTable) in
            let benchmarks = try daemon.store(BenchmarksReadModel.name)
            var awards = try ReadModelQuery.run(.benchmarks, filters: QueryFilters(), store: benchmarks)
            awards.rows = awards.rows.filter { awards.value("recipient", in: $0)?.display == uscc }
            var incentives = try ReadModelQuery.run(.incentives, filters: QueryFilters(), store: benchmarks)
            incentives.rows = incentives.rows.filter { incentives.value("recipient", in: $0)?.display == uscc }
            let store = try daemon.store(FindingsReadModel.name)
            let (seq, date) = (store.appliedSeq, Self.today)
            var all = daemon.findings.withLock { memo in memo.flatMap { $0.seq == seq && $0.date == date ? $0.findings : nil } }
            if all == nil {
                let computed = try store.read { try SupervisionQuery(date: date).findings(in: $0) }
                daemon.findings.withLock { $0 = (seq, date, computed) }
                all = computed
            }
            var findings = QueryTable(title: "督查发现", columns: SupervisionQuery.columns, seq: seq)
            let query = SupervisionQuery(date: date)
            for finding in all! where finding.subject == uscc || finding.subject == "enterprise/" + uscc {
                findings.rows.append(query.row(finding))
            }
            return (awards, incentives, findings)
        }
        let secret = Authentication.cookie(in: request) ?? ""
        var page = EnterpriseFilePage(
            file: file.json, awards: awards, incentives: incentives, findings: findings, today: Self.today,
            csrf: FormToken.value(for: secret), mayRecord: identity.mayWrite && !secret.isEmpty)
        page.recorded = recorded
        page.refusal = refusal
        page.sent = sent
        let (title, body) = page.render()
        var crumbs: [(title: String, href: String?)] = [("山东省", PageLayout.regionHref(CoverageReadModel.province))]
        crumbs.append((ReferenceData.standard.placeName(file.city), PageLayout.regionHref(file.city)))
        crumbs.append((ReferenceData.standard.placeName(file.county), PageLayout.regionHref(file.county)))
        crumbs.append((title, nil))
        return Self.html(PageLayout(viewer: Self.viewer(identity), seq: file.seq).page(title: title, crumbs: crumbs, body: body), status: status)
    }

    /// A form posted from an enterprise's file: checked for its origin and form value, turned
    /// into the event it records and appended through the one intake; a refusal shows on the
    /// page beside the form, a success goes back to the file once it shows the event.
    func record(_ request: Request, context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let uscc = try context.parameters.require("uscc")
        let form = try await Self.postedForm(request, reload: "the enterprise's page")
        guard let type = form["type"], let spec = EnterpriseFilePage.forms.first(where: { $0.type == type }) else {
            throw Problem(
                .badRequest,
                "type=\((form["type"] ?? "").prefix(40)) is not one of the forms: \(EnterpriseFilePage.forms.map(\.type).joined(separator: ", "))")
        }
        var data: JSONObject = [:]
        for field in spec.fields {
            if field.name == "needs" {
                let needs = form.values("needs")
                if !needs.isEmpty { data["needs"] = .array(needs.map(JSONValue.string)) }
            } else if let value = form[field.name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                data[field.name] = .string(value)
            }
        }
        if type == "AssessmentRecorded" { data["instrument"] = "网页录入" }
        var draft = EventDraft(stream: "enterprise/" + uscc, type: type, occurred: form["occurred"] ?? "", data: .object(data))
        if let key = form["key"], key.hasPrefix("form/"), key.count <= 80 { draft.key = key }
        switch try await recordForm(draft, by: identity) {
        case .success(let seq):
            return Response(status: .seeOther, headers: [.location: "/enterprises/\(uscc)?recorded=\(seq)", .cacheControl: "no-store"])
        case .failure(let refusal):
            return try await enterprisePage(
                uscc, request: request, context: context, refusal: (type, refusal.detail), sent: form.first, status: refusal.status)
        }
    }

    /// A project's file (一项一档): its row of the library and every event of its stream.
    func projectPage(_ project: String, context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let daemon = daemon
        let (table, events) = try await daemon.work.run(WorkPool.query) { () throws -> (QueryTable, [Envelope]) in
            var table = try ReadModelQuery.run(.projects, filters: QueryFilters(), store: daemon.store(ProjectsReadModel.name))
            table.rows = table.rows.filter { table.value("project", in: $0)?.display == project }
            return (table, try daemon.log.envelopes(stream: "project/" + project))
        }
        guard let row = table.rows.first, let enterprise = table.value("enterprise", in: row)?.display else {
            throw Problem(identity.region == nil ? .notFound : .forbidden, "no project \(project.prefix(40)) among the files you may see")
        }
        let place = try daemon.store(PendingReadModel.name).read { try PendingReadModel.place(ofEnterprise: enterprise, in: $0) }
        guard identity.maySee(city: place?.city, county: place?.county) else {
            throw Problem(.forbidden, "no project \(project.prefix(40)) among the files you may see")
        }
        var body =
            "<section><h2>项目信息</h2>"
            + PageLayout.table(
                table, id: "project",
                link: { key, row in
                    key == "enterpriseName" || key == "enterprise" ? PageLayout.enterpriseHref(enterprise) : nil
                })
            + "</section>\n<section><h2>项目事件</h2><table id=\"events\"><thead><tr><th scope=\"col\">序号</th><th scope=\"col\">事件</th><th scope=\"col\">业务日期</th><th scope=\"col\">记录时间</th><th scope=\"col\">内容</th><th scope=\"col\">存证</th></tr></thead><tbody>"
        for event in events {
            body +=
                "<tr><td>\(event.seq)</td><td>\(event.type.escapedForHTML)</td><td>\(event.occurred)</td><td>\(event.recorded)</td><td>\(event.data.canonicalText.escapedForHTML)</td><td><a href=\"/v1/proofs/inclusion?seq=\(event.seq)\">包含证明</a></td></tr>"
        }
        body += "</tbody></table></section>\n"
        return Self.html(
            PageLayout(viewer: Self.viewer(identity), seq: table.seq).page(
                title: "项目 \(project)",
                crumbs: [
                    ("山东省", PageLayout.regionHref(CoverageReadModel.province)), ("企业", PageLayout.enterpriseHref(enterprise)), ("项目 \(project)", nil),
                ],
                body: body))
    }

    /// The lists, each a query of the API shown as a table with its CSV; enterprise-level lists
    /// are scoped to the viewer's region.
    static let lists: [String: (query: ReadModelQuery.Name, title: String, scoped: Bool)] = [
        "projects": (.projects, "项目库（一项一档）", true), "providers": (.providers, "服务商资源池", false),
        "trials": (.providerProgress, "服务商、解决方案与免费体验", false), "benchmarks": (.benchmarks, "标杆认定", true),
        "incentives": (.incentives, "奖补兑现", true), "findings": (.findings, "督查发现", true), "targets": (.targets, "方案目标进展", false),
        "ranking": (.incentiveRanking, "督查激励：各市覆盖率增幅排名", false), "needs": (.needs, "企业需求和困难", false),
    ]

    func listPage(_ name: String, request: Request, context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let list = Self.lists[name] else {
            throw Problem(.notFound, "no list \(name.prefix(40)); the lists are \(Self.lists.keys.sorted().joined(separator: ", "))")
        }
        let parameters = Parameters(request: request)
        var filters = try readModels.filters(parameters, defaultLimit: 500)
        filters.date = filters.date ?? Self.today
        if list.scoped { filters = try readModels.scoped(filters, context) }
        if list.query == .targets, filters.year == nil { filters.year = Int(Self.today.prefix(4)) }
        let daemon = daemon
        let asked = filters
        let table = try await daemon.work.run(WorkPool.query) { try ReadModelQuery.run(list.query, filters: asked) { try daemon.store($0) } }
        let api: [ReadModelQuery.Name: String] = [
            .projects: "/v1/projects", .providers: "/v1/providers", .providerProgress: "/v1/providers/progress", .benchmarks: "/v1/benchmarks",
            .incentives: "/v1/incentives", .findings: "/v1/audit/findings", .targets: "/v1/targets", .incentiveRanking: "/v1/audit/ranking",
            .needs: "/v1/needs",
        ]
        var query = ["format=csv"]
        if let year = filters.year { query.append("year=\(year)") }
        if let region = filters.region { query.append("region=\(region)") }
        let body =
            "<form class=\"filters\" method=\"get\" action=\"/lists/\(name)\"><label for=\"year\">年度</label><input id=\"year\" name=\"year\" type=\"number\" min=\"2000\" max=\"2100\" value=\"\(filters.year.map(String.init) ?? "")\"> <button type=\"submit\">筛选</button></form>\n"
            + PageLayout.table(
                table, id: name, csv: "\(api[list.query] ?? "/v1/\(name)")?" + query.joined(separator: "&"),
                link: { key, row in
                    switch key {
                    case "recipient", "enterprise", "subject", "uscc":
                        guard let value = table.value(key, in: row)?.display, (try? USCC(value)) != nil else { return nil }
                        return PageLayout.enterpriseHref(value)
                    case "project": return table.value(key, in: row).map { "/projects/\($0.display)" }
                    case "events":
                        // A finding's events: the log from its first.
                        return table.value(key, in: row)?.display.split(separator: " ").first.map { "/v1/events?from=\($0)&limit=1" }
                    case "year" where list.query == .findings:
                        // A finding's year: how that year's coverage of its city is made up (audit explain).
                        guard let year = table.value("year", in: row)?.display, !year.isEmpty, let city = table.value("city", in: row)?.display
                        else { return nil }
                        return "/v1/audit/explain?year=\(year)&region=\(city)&figure=coverage"
                    case "explain": return table.value(key, in: row)?.display
                    case "city", "code":
                        return table.value(key, in: row).flatMap {
                            ReferenceData.standard.city(containing: $0.display) != nil ? PageLayout.regionHref($0.display) : nil
                        }
                    default: return nil
                    }
                })
        return Self.html(
            PageLayout(viewer: Self.viewer(identity), seq: table.seq).page(
                title: list.title, crumbs: [("山东省", PageLayout.regionHref(CoverageReadModel.province)), (list.title, nil)], body: body))
    }
}
