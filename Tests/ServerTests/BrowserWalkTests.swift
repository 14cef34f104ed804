import Domain
import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Projections
import TestSupport
import Testing

@Suite("The officials' pages in a real browser")
struct BrowserWalkTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/browser-walk.py").path

    /// The walk of `tools/browser-walk.py`, over the DevTools protocol of Debian's headless
    /// Chromium: log in through the form, the dashboard, click to the province, a city, a
    /// county, its enterprises and one of them; record a diagnosis visit through the form (a
    /// refusal first, then a double submit); see it in the file and the county's funnel; find the
    /// enterprise by a fragment of its name; and, as another city's official, reach it by no link
    /// or typed address. Screenshots of every page are kept in the build products' `browser-walk/`.
    @Test("an official goes from the province to one enterprise's file and records its next step without leaving the browser")
    func walk() async throws {
        let chromium = "/usr/bin/chromium"
        try #require(FileManager.default.isExecutableFile(atPath: chromium), "Debian's chromium is needed (tools/install-deps.sh installs it)")
        let fixture = try await TestDaemon()
        // A new enterprise of 黄岛区, self-assessed at L0 online: in the pending library, not diagnosed.
        let place = (city: "370200", county: "370211")
        let uscc = makeUSCC(division: place.county, serial: "WALK0001")
        let setup =
            registration(uscc, city: place.city, county: place.county) + "\n"
            + #"{"stream":"enterprise/\#(uscc)","type":"AssessmentRecorded","occurred":"2026-11-03","data":{"assessment":"WALK-online","kind":"online","instrument":"v1","stage":"L0"}}"#
        try await fixture.router.test(.router) { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: bearer(fixture.province, [.contentType: "application/x-ndjson"]),
                body: ByteBuffer(string: setup)
            ) { response in
                #expect(response.status == .created, "\(response.text)")
            }
        }
        _ = try fixture.daemon.readModels.catchUp()
        let otherCity = ReferenceData.standard.cities.first { $0.code != place.city }!.code
        let other = try fixture.daemon.tokens.add(role: .city(otherCity), name: "test-other-city").secret
        let providers = try ReadModelQuery.run("providers", filters: QueryFilters(), store: fixture.daemon.readModels.store(named: "providers"))
        let provider = try #require(
            providers.rows.first { (providers.value("removedOn", in: $0)?.display ?? "").isEmpty }.flatMap {
                providers.value("provider", in: $0)?.display
            })
        let artefacts = Products.directory.appendingPathComponent("browser-walk").path
        try? FileManager.default.removeItem(atPath: artefacts)
        try await fixture.live.test(.live) { client in
            let run = try await runOffPool(
                "/usr/bin/env",
                [
                    "python3", Self.script, "--base", "http://127.0.0.1:\(client.port!)", "--province", fixture.province, "--other-city", other,
                    "--county", place.county, "--enterprise", uscc, "--provider", provider, "--out", artefacts, "--chromium", chromium,
                ])
            #expect(run.status == 0, "\(run.stderr)")
            let report = try JSONParser.parse(Array(run.stdout))
            guard case .array(let checks) = report["checks"] ?? .null, !checks.isEmpty else {
                Issue.record("no report: \(String(decoding: run.stdout, as: UTF8.self)) \(run.stderr)")
                return
            }
            for check in checks {
                #expect(check["ok"] == .bool(true), "\(check["name"]?.stringValue ?? ""): \(check["detail"]?.stringValue ?? "")")
            }
            #expect(checks.count >= 25, "every step of the walk ran")
            guard case .array(let shots) = report["screenshots"] ?? .null else { return }
            #expect(shots.count == 11)
            for shot in shots.compactMap(\.stringValue) {
                let png = try Data(contentsOf: URL(fileURLWithPath: shot))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 5_000, "\(shot)")
            }
        }
        await fixture.close()
    }
}
