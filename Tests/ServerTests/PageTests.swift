import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import TestSupport
import Testing

@Suite("The officials' pages")
struct PageTests {
    /// The headers of a browser logged in with `secret`, posting from the daemon's own page.
    static func browser(_ secret: String, _ more: HTTPFields = [:]) -> HTTPFields {
        var headers: HTTPFields = [.cookie: "gongfu_token=\(secret)", .init("Sec-Fetch-Site")!: "same-origin", .accept: "text/html"]
        for field in more { headers[field.name] = field.value }
        return headers
    }

    /// The value of `<input … name="NAME" value="…">` in a page.
    static func field(_ name: String, in html: String) -> String? {
        html.between("name=\"\(name)\" value=\"", "\"")
    }

    static func multipart(_ fields: [(name: String, filename: String?, content: String)]) -> (contentType: String, body: String) {
        let boundary = "----gongfu-test-boundary"
        var body = ""
        for field in fields {
            body +=
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\(field.filename.map { "; filename=\"\($0)\"" } ?? "")\r\n"
            if field.filename != nil { body += "Content-Type: text/csv\r\n" }
            body += "\r\n\(field.content)\r\n"
        }
        return ("multipart/form-data; boundary=\(boundary)", body + "--\(boundary)--\r\n")
    }

    @Test("the province uploads an assessment file: a preview with the refused rows first, nothing stored until confirmed, once")
    func assessmentUpload() async throws {
        let fixture = try await TestDaemon()
        let pending = try ReadModelQuery.run(
            "pending", filters: QueryFilters(region: "370200", status: "all", limit: 1), store: fixture.daemon.readModels.store(named: "pending"))
        let uscc = pending.value("uscc", in: pending.rows[0])!.display
        let csv =
            "统一社会信用代码,评估编号,评估日期,评估类型,评估等级\r\n\(uscc),WEB-2026-1,2026-11-20,现场,L2\r\n"
            + "91370200MA0000000X,WEB-2026-2,2026-11-20,现场,L9\r\n"
        try await fixture.router.test(.router) { client in
            var csrf = ""
            try await client.execute(uri: "/imports/assessments", method: .get, headers: Self.browser(fixture.province)) { response in
                #expect(response.status == .ok)
                csrf = Self.field("csrf", in: response.text) ?? ""
            }
            try await client.execute(uri: "/imports/assessments", method: .get, headers: Self.browser(fixture.qingdao)) { response in
                #expect(response.status == .forbidden, "a city does not import the province's results")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            let size = fixture.daemon.log.size
            // Without "only the valid rows", the preview lists the refusal and offers nothing to confirm.
            var form = Self.multipart([("csrf", nil, csrf), ("file", "2026.csv", csv)])
            try await client.execute(
                uri: "/imports/assessments", method: .post, headers: Self.browser(fixture.province, [.contentType: form.contentType]),
                body: ByteBuffer(string: form.body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<table id=\"refused\">") && response.text.contains("L9"))
                #expect(!response.text.contains("确认导入"))
            }
            form = Self.multipart([("csrf", nil, csrf), ("skipInvalid", nil, "1"), ("file", "2026.csv", csv)])
            var upload = ""
            try await client.execute(
                uri: "/imports/assessments", method: .post, headers: Self.browser(fixture.province, [.contentType: form.contentType]),
                body: ByteBuffer(string: form.body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<table id=\"preview\">"))
                upload = Self.field("upload", in: response.text) ?? ""
            }
            #expect(fixture.daemon.log.size == size, "a preview stores nothing")
            let confirm = "csrf=\(csrf)&upload=\(upload)&registerMissing=&skipInvalid=1"
            for expected in [HTTPResponse.Status.ok, .notFound] {
                try await client.execute(
                    uri: "/imports/assessments", method: .post,
                    headers: Self.browser(fixture.province, [.contentType: "application/x-www-form-urlencoded"]), body: ByteBuffer(string: confirm)
                ) { response in
                    #expect(response.status == expected, "\(response.text.prefix(300))")
                    if expected == .ok { #expect(response.text.contains("新记录 <strong>1</strong>")) }
                }
            }
            #expect(fixture.daemon.log.size == size + 1, "the valid row once")
            // A forged form (no check value) and a malformed body are refused; nothing stored.
            for (contentType, body) in [
                (form.contentType, Self.multipart([("file", "x.csv", csv)]).body), ("multipart/form-data", "--x\r\n"),
                ("multipart/form-data; boundary=zz", "--zz\r\nno headers here--zz--"),
            ] {
                try await client.execute(
                    uri: "/imports/assessments", method: .post, headers: Self.browser(fixture.province, [.contentType: contentType]),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect([400, 403].contains(Int(response.status.code)), "\(body.prefix(40)): \(response.status)")
                }
            }
            #expect(fixture.daemon.log.size == size + 1)
        }
        await fixture.close()
    }

    @Test("pages are scoped like the API, and a form posted from elsewhere or without its check value records nothing")
    func scopeAndForgery() async throws {
        let fixture = try await TestDaemon()
        let pending = try ReadModelQuery.run(
            "pending", filters: QueryFilters(region: "370200", status: "all", limit: 1), store: fixture.daemon.readModels.store(named: "pending"))
        let uscc = pending.value("uscc", in: pending.rows[0])!.display
        try await fixture.router.test(.router) { client in
            for (path, status) in [
                ("/regions/370000", 200), ("/regions/370200", 200), ("/regions/370211", 200), ("/regions/370100", 403), ("/regions/999999", 404),
                ("/enterprises/\(uscc)", 200), ("/lists/findings", 200), ("/lists/nothing", 404), ("/enterprises?stage=9", 400),
            ] {
                try await client.execute(uri: path, method: .get, headers: Self.browser(fixture.qingdao)) { response in
                    #expect(Int(response.status.code) == status, "\(path): \(response.text.prefix(200))")
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                }
            }
            // Each finding links to its events and to how its city's coverage of that year is made up.
            try await client.execute(uri: "/lists/findings", method: .get, headers: Self.browser(fixture.province)) { response in
                #expect(response.text.contains("href=\"/v1/events?from="))
                #expect(response.text.contains("href=\"/v1/audit/explain?year="))
            }
            // The city's list holds its own enterprises only.
            try await client.execute(uri: "/enterprises?region=370100", method: .get, headers: Self.browser(fixture.qingdao)) { response in
                #expect(response.status == .forbidden)
            }
            var csrf = ""
            try await client.execute(uri: "/enterprises/\(uscc)", method: .get, headers: Self.browser(fixture.qingdao)) { response in
                csrf = Self.field("csrf", in: response.text) ?? ""
                #expect(response.text.contains("<svg class=\"timeline\" id=\"stage-timeline\""))
            }
            let size = fixture.daemon.log.size
            let visit = "type=TrainingAttended&occurred=2026-11-20&session=%E5%9F%B9%E8%AE%AD&key=form/forged"
            for (headers, body) in [
                (Self.browser(fixture.qingdao), visit),  // no check value
                (Self.browser(fixture.qingdao), visit + "&csrf=" + String(repeating: "0", count: 64)),  // a wrong one
                (Self.browser(fixture.province), visit + "&csrf=\(csrf)"),  // another login's
                (Self.browser(fixture.qingdao, [.init("Sec-Fetch-Site")!: "cross-site"]), visit + "&csrf=\(csrf)"),  // another site
            ] {
                var headers = headers
                headers[.contentType] = "application/x-www-form-urlencoded"
                try await client.execute(uri: "/enterprises/\(uscc)/record", method: .post, headers: headers, body: ByteBuffer(string: body)) {
                    response in
                    #expect(response.status == .forbidden, "\(body)")
                }
            }
            #expect(fixture.daemon.log.size == size)
            var headers = Self.browser(fixture.qingdao)
            headers[.contentType] = "application/x-www-form-urlencoded"
            // A form missing a required field is refused beside the form by the catalogue, before the rules:
            // nothing stored that the read models could not read.
            try await client.execute(
                uri: "/enterprises/\(uscc)/record", method: .post, headers: headers,
                body: ByteBuffer(string: "type=AssessmentRecorded&occurred=2026-11-20&assessment=&kind=onsite&stage=L2&key=form/empty&csrf=\(csrf)")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("未记录") && response.text.contains("data.assessment"), "\(response.text.prefix(200))")
            }
            // The cookie authenticates the pages' forms only: the API, however its path is spelled, wants a token.
            for path in ["/v1/events", "//v1/events", "/v1//events"] {
                var api = Self.browser(fixture.qingdao)
                api[.contentType] = "application/x-ndjson"
                try await client.execute(
                    uri: path, method: .post, headers: api,
                    body: ByteBuffer(
                        string: #"{"stream":"enterprise/\#(uscc)","type":"TrainingAttended","occurred":"2026-11-20","data":{"session":"x"}}"#)
                ) { response in
                    #expect([401, 404].contains(Int(response.status.code)), "\(path): \(response.status)")
                }
            }
            #expect(fixture.daemon.log.size == size)
            try await client.execute(
                uri: "/enterprises/\(uscc)/record", method: .post, headers: headers, body: ByteBuffer(string: visit + "&csrf=\(csrf)")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/enterprises/\(uscc)?recorded=") == true)
            }
            #expect(fixture.daemon.log.size == size + 1)
        }
        await fixture.close()
    }

    @Test("a city reports its part of a ledger task from its page; a task the plan lacks and another city's page are refused")
    func ledgerReport() async throws {
        let fixture = try await TestDaemon()
        try await fixture.router.test(.router) { client in
            var csrf = ""
            try await client.execute(uri: "/regions/370200", method: .get, headers: Self.browser(fixture.qingdao)) { response in
                #expect(response.text.contains("<form class=\"record\" method=\"post\" action=\"/regions/370200/report\""))
                csrf = Self.field("csrf", in: response.text) ?? ""
            }
            let size = fixture.daemon.log.size
            func post(_ path: String, _ item: String) async throws -> (HTTPResponse.Status, String, String?) {
                var result: (HTTPResponse.Status, String, String?) = (.ok, "", nil)
                try await client.execute(
                    uri: path, method: .post, headers: Self.browser(fixture.qingdao, [.contentType: "application/x-www-form-urlencoded"]),
                    body: ByteBuffer(string: "csrf=\(csrf)&item=\(item)&completedOn=2024-03-20&unit=%E9%9D%92%E5%B2%9B")
                ) { response in result = (response.status, response.text, response.headers[.location]) }
                return result
            }
            let refused = try await post("/regions/370200/report", "12")
            #expect(refused.0 == .conflict && refused.1.contains("no task 12"), "\(refused.1.prefix(400))")
            #expect(try await post("/regions/370100/report", "3").0 == .forbidden)
            #expect(fixture.daemon.log.size == size)
            let done = try await post("/regions/370200/report", "3")
            #expect(done.0 == .seeOther, "\(done.1.prefix(300))")
            _ = try fixture.daemon.readModels.catchUp()  // the projection worker runs only in a live daemon
            try await client.execute(uri: done.2 ?? "/", method: .get, headers: Self.browser(fixture.qingdao)) { response in
                #expect(response.text.contains("已记录（日志序号"))
                #expect(response.text.contains("<td>2024-03-20</td>"), "the city's part shows its completion")
            }
        }
        await fixture.close()
    }

    @Test("the enterprise search finds by chain and by a fragment of the name, as the log registered them")
    func search() async throws {
        let fixture = try await TestDaemon()
        let events = try fixture.daemon.log.envelopes()
        let left = Set(events.filter { $0.type == "EnterpriseLeftPopulation" }.map(\.stream))
        var chains: [String: [String]] = [:]
        for event in events where event.type == "EnterpriseRegistered" {
            guard case .array(let names) = event.data["chains"] ?? .null else { continue }
            chains[event.stream] = names.compactMap(\.stringValue)
        }
        let chain = try #require(Set(chains.values.flatMap { $0 }).sorted().first)
        let expected = chains.filter { $0.value.contains(chain) && !left.contains($0.key) }.count
        try await fixture.router.test(.router) { client in
            let query = chain.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(uri: "/enterprises?chain=\(query)", method: .get, headers: Self.browser(fixture.province)) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("共 <strong>\(expected)</strong> 家"), "\(chain): \(expected)")
                #expect(response.text.contains("<option value=\"\(chain)\" selected>"))
            }
            // A fragment of a registered name finds it; LIKE's wildcards are taken literally.
            let name = try #require(events.first { $0.type == "EnterpriseRegistered" }?.data["name"]?.stringValue)
            let fragment = String(name.dropFirst(2).prefix(3)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(uri: "/enterprises?q=\(fragment)", method: .get, headers: Self.browser(fixture.province)) { response in
                #expect(response.text.contains(">\(name)</a>"))
            }
            try await client.execute(uri: "/enterprises?q=%25", method: .get, headers: Self.browser(fixture.province)) { response in
                #expect(response.text.contains("共 <strong>0</strong> 家"))
            }
        }
        await fixture.close()
    }
}
