import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Importing assessment results over HTTP")
struct ImportRouteTests {
    static let header = "统一社会信用代码,评估编号,评估日期,评估类型,评估等级,企业名称,所属城市,区县,行业代码\r\n"

    static func rows(_ codes: [String]) -> String {
        codes.enumerated().map { index, code in
            "\(code),HTTP-\(index),2026-10-1\(index),年度,L\(index % 4 + 1),测试企业\(index)有限公司,青岛市,市南区,C3484\r\n"
        }.joined()
    }

    @Test("province only; a dry run previews and appends nothing; every bad row answered; the import once, then nothing new")
    func importsOverHTTP() async throws {
        let fixture = try await TestDaemon()
        let codes = (1...3).map { makeUSCC(division: "370202", serial: "HTPA000\($0)") }
        let good = Self.header + Self.rows(codes)
        let size = fixture.daemon.log.size
        try await fixture.router.test(.router) { client in
            func post(_ query: String, _ body: String, token: String? = nil) async throws -> (HTTPResponse.Status, JSONValue, String?) {
                try await client.execute(
                    uri: "/v1/imports/assessments" + query, method: .post, headers: bearer(token ?? fixture.province, [.contentType: "text/csv"]),
                    body: ByteBuffer(string: body)
                ) { response in (response.status, response.json, response.headers[.contentType]) }
            }
            let forbidden = try await post("?registerMissing=true", good, token: fixture.qingdao)
            #expect(forbidden.0 == .forbidden && forbidden.2 == "application/problem+json")

            let unknown = try await post("", good)
            #expect(unknown.0 == .unprocessableContent && unknown.2 == "application/problem+json")
            #expect(unknown.1["detail"]?.stringValue?.contains("row 2 (uscc): \(codes[0]) is not registered") == true, "\(unknown.1)")

            let dry = try await post("?registerMissing=true&dryRun=true", good)
            #expect(dry.0 == .ok)
            #expect(dry.1["assessments"] == 3 && dry.1["registrations"] == 3 && dry.1["refusedRows"] == 0)
            guard case .array(let preview)? = dry.1["preview"]?["rows"] else {
                Issue.record("no preview: \(dry.1)")
                return
            }
            let province = preview.last
            #expect(province?["city"] == "370000 山东省" && province?["registered"] == 3, "\(preview)")
            #expect(fixture.daemon.log.size == size, "a dry run appends nothing")

            let bad = try await post("?registerMissing=true", Self.header + Self.rows(codes) + "\(codes[0]),HTTP-9,2026-10-40,年度,L9,,,,\r\n")
            #expect(bad.0 == .unprocessableContent)
            let detail = bad.1["detail"]?.stringValue ?? ""
            #expect(detail.contains("row 5 (date)") && detail.contains("row 5 (stage)") && detail.contains("nothing was imported"), "\(detail)")
            #expect(fixture.daemon.log.size == size)

            let imported = try await post("?registerMissing=true", good)
            #expect(imported.0 == .created && imported.1["appended"] == 6 && imported.1["duplicates"] == 0, "\(imported.1)")
            let again = try await post("?registerMissing=true", good)
            #expect(again.0 == .ok && again.1["appended"] == 0 && again.1["registrations"] == 0, "\(again.1)")
        }
        #expect(fixture.daemon.log.size == size + 6)
        await fixture.close()
    }
}
