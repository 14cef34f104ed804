import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import TestSupport
import Testing

@Suite("Dashboard")
struct DashboardTests {
    /// `data-value` of every `<rect class="bar" data-series="SERIES" data-category="…">`, by category.
    static func bars(_ html: String, series: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in html.components(separatedBy: "<rect class=\"bar\" data-series=\"\(series)\"").dropFirst() {
            guard let category = part.between("data-category=\"", "\""), let value = part.between("data-value=\"", "\"") else { continue }
            result[category] = value
        }
        return result
    }

    /// The latest year's coverage rate per city name, as the API formats it on the chart.
    static func expectedCoverage(_ fixture: TestDaemon) throws -> [String: String] {
        let store = try fixture.daemon.readModels.store(named: "coverage")
        let years = try ReadModelQuery.run("coverage", filters: QueryFilters(), store: store)
        let latest = years.rows.compactMap { years.value("year", in: $0)?.double }.max()!
        let cities = try ReadModelQuery.run("coverage", filters: QueryFilters(year: Int(latest)), coverage: .city, store: store)
        var result: [String: String] = [:]
        for row in cities.rows {
            let value = cities.value("coverageRate", in: row)!.double!
            result[cities.value("name", in: row)!.display] = value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        }
        return result
    }

    @Test("the page draws every city's coverage as the read model has it; a city token sees its own city")
    func pageNumbers() async throws {
        let fixture = try await TestDaemon()
        let expected = try Self.expectedCoverage(fixture)
        try await fixture.router.test(.router) { client in
            try await client.execute(uri: "/", method: .get, headers: bearer(fixture.province)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = response.text
                #expect(html.contains("<html lang=\"zh-CN\">"))
                #expect(Self.bars(html, series: "coverage") == expected)
                #expect(html.contains("id=\"chart-trend\""))
                #expect(html.contains("id=\"chart-funnel\""))
                #expect(html.contains("<table id=\"ledger\">"))
                #expect(!html.contains("<script"))
                // The year's scoreboard: every target of the plan with a status.
                // The page's date is China's (UTC+8).
                let today = String(Timestamp.format(microseconds: Timestamp.nowMicroseconds() + 8 * 3_600_000_000).prefix(10))
                let targets = try ReadModelQuery.run(
                    .targets, filters: QueryFilters(year: Int(today.prefix(4)), date: today)
                ) { try fixture.daemon.readModels.store(named: $0) }
                #expect(html.components(separatedBy: "<tr data-target=").count - 1 == targets.rows.count)
                for row in targets.rows {
                    let status = targets.value("status", in: row)!.display
                    #expect(html.contains("<tr data-target=\"\(targets.value("target", in: row)!.display)\">") && html.contains(">\(status)</td>"))
                }
            }
            try await client.execute(uri: "/", method: .get, headers: bearer(fixture.qingdao)) { response in
                let html = response.text
                #expect(html.contains("<strong id=\"scope\">青岛市</strong>"))
                #expect(html.contains("<select name=\"city\" disabled>"))
                #expect(html.contains("工作台账（本市承担部分）"))
                #expect(!html.contains("<tr data-target=\"providers\">"), "the provider pool is the province's")
                #expect(html.contains("<tr data-target=\"coverageGain\">"))
                // Its bar chart is by county, all of them in Qingdao.
                #expect(Self.bars(html, series: "coverage").keys.allSatisfy { !expected.keys.contains($0) })
            }
            try await client.execute(uri: "/?city=370100", method: .get, headers: bearer(fixture.qingdao)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/?token=gf_wrong", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            // A link cannot log anyone in: a token in the address is refused and sets no cookie.
            try await client.execute(uri: "/?token=\(fixture.auditor)", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie] == nil)
                #expect(response.text.contains("/login"))
            }
            // The login form, posted from the daemon's own page, sets the cookie.
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<label for=\"token\">"))
            }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .init("Sec-Fetch-Site")!: "same-origin"]
            var cookie = ""
            try await client.execute(
                uri: "/login", method: .post, headers: form,
                body: ByteBuffer(string: "token=\(fixture.auditor)")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/")
                let set = response.headers[.setCookie] ?? ""
                #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"))
                cookie = String(set.prefix { $0 != ";" })
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
            }
            // Another site's form cannot log a browser in (login CSRF).
            try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"],
                body: ByteBuffer(string: "token=\(fixture.auditor)")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.setCookie] == nil)
            }
            try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .init("Sec-Fetch-Site")!: "cross-site"],
                body: ByteBuffer(string: "token=\(fixture.auditor)")
            ) { response in
                #expect(response.status == .forbidden)
            }
            // The cookie authenticates page GETs only: neither the API nor any write.
            try await client.execute(uri: "/v1/coverage", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .unauthorized)
            }
            // The pages' logout button (a form posted with only the cookie) clears it.
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: cookie, .init("Sec-Fetch-Site")!: "same-origin"]) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: cookie, .origin: "https://evil.example"]) { response in
                #expect(response.status == .forbidden)
            }
        }
        await fixture.close()
    }

    @Test("in headless Chromium the page loads, the charts render the read model's numbers, and a screenshot is taken")
    func realBrowser() async throws {
        let chromium = "/usr/bin/chromium"
        try #require(FileManager.default.isExecutableFile(atPath: chromium), "Debian's chromium is needed (tools/install-deps.sh installs it)")
        let fixture = try await TestDaemon()
        let expected = try Self.expectedCoverage(fixture)
        let screenshot = Products.directory.appendingPathComponent("dashboard.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        try await fixture.live.test(.live) { client in
            // Logged in through the form with curl (a link cannot log in, and Chromium on the
            // command line cannot type), the page as served is rendered from a file: it loads
            // nothing else (no scripts, styles or images from elsewhere).
            let jar = fixture.temporary.path + "/cookies"
            let base = "http://127.0.0.1:\(client.port!)/"
            _ = try await runOffPool("/usr/bin/curl", ["-s", "-c", jar, "--data-urlencode", "token=\(fixture.province)", base + "login"])
            let saved = fixture.temporary.path + "/dashboard.html"
            let fetched = try await runOffPool("/usr/bin/curl", ["-s", "-f", "-b", jar, "-o", saved, base])
            #expect(fetched.status == 0)
            let url = "file://" + saved
            let flags = [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--user-data-dir=\(fixture.temporary.path)/chromium",
            ]
            let dom = try await runOffPool(chromium, flags + ["--dump-dom", url])
            let html = String(decoding: dom.stdout, as: UTF8.self)
            #expect(dom.status == 0, "\(dom.stderr)")
            #expect(html.contains("山东省制造业数字化转型工作看板"))
            #expect(Self.bars(html, series: "coverage") == expected)
            #expect(html.components(separatedBy: "class=\"point\"").count > 4)
            let shot = try await runOffPool(chromium, flags + ["--window-size=1280,2600", "--screenshot=\(screenshot)", url])
            #expect(shot.status == 0, "\(shot.stderr)")
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 50_000)
    }
}

extension String {
    func between(_ start: String, _ end: String) -> String? {
        guard let lower = range(of: start)?.upperBound, let upper = self[lower...].range(of: end)?.lowerBound else { return nil }
        return String(self[lower..<upper])
    }
}
