import Domain
import EventLog
import Foundation
import TestSupport
import Testing

/// `gongfu import --assessments`: the assessment platform's export as Excel saves it, every
/// problem reported, a dry run that shows the effect, idempotent, with registrations.
@Suite struct AssessmentImportCommandTests {
    static let qingdao = "91370200AY4CL12T2L"
    static let jinan = "9137120012DD272H22"
    /// An enterprise first seen in the assessment file (青岛市即墨区).
    static let newcomer: String = {
        let organisation = "MA3C0XY1" + String(USCC.organisationCheckCharacter(for: "MA3C0XY1")!)
        let first17 = "91370282" + organisation
        return first17 + String(USCC.checkCharacter(for: first17)!)
    }()

    static let enterprises =
        "企业名称,统一社会信用代码,所属城市,区县,行业代码,纳入规上年份\r\n"
        + "青岛海川精密机械有限公司,\(qingdao),青岛市,黄岛区,3484,2019\r\n"
        + "济南莱钢新材料有限公司,\(jinan),济南市,莱芜区,3011,2012\r\n"

    static let assessments =
        "统一社会信用代码,评估编号,评估日期,评估类型,评估等级,得分:数字化基础,企业名称,所属城市,区县,行业代码\r\n"
        + "\(qingdao),QD-2024,2024/9/1,年度,L3,71,青岛海川精密机械有限公司,青岛市,黄岛区,3484\r\n"
        + "\(qingdao),QD-2025,2025/10/12,年度,L1,40.5,青岛海川精密机械有限公司,青岛市,黄岛区,3484\r\n"
        + "\(jinan),JN-2025,2025-10-15,现场,L2,,济南莱钢新材料有限公司,济南市,莱芜区,3011\r\n"
        + "\(newcomer),JM-2025,2025-10-20,annual,3,66,即墨新兴纺织有限公司,青岛市,即墨区,C1711\r\n"

    /// A data directory with the two enterprises registered and the 2025 assessment opened.
    static func setUp(_ temporary: TemporaryDirectory) throws -> (gongfu: String, data: String) {
        let gongfu = Products.path("gongfu")
        let data = temporary.path + "/data"
        try run(gongfu, ["init", "--data", data])
        let file = temporary.path + "/enterprises.csv"
        try enterprises.write(toFile: file, atomically: true, encoding: .utf8)
        let registered = try run(gongfu, ["import", "--data", data, "--enterprises", file])
        try #require(registered.status == 0, "\(registered.stderr)")
        let opened =
            #"{"stream":"plan/annual-assessment","type":"AnnualAssessmentOpened","occurred":"2025-10-01","data":{"year":2025,"cutoff":"2025-10-31"}}"#
        try #require(try run(gongfu, ["append", "--data", data, "-"], stdin: Data((opened + "\n").utf8)).status == 0)
        return (gongfu, data)
    }

    static func events(_ gongfu: String, _ data: String) throws -> [Substring] {
        String(decoding: try run(gongfu, ["read", "--data", data]).stdout, as: UTF8.self).split(separator: "\n")
    }

    static func province(_ gongfu: String, _ data: String, _ query: String = "coverage") throws -> JSONValue {
        let output = try run(gongfu, ["query", query, "--data", data, "--year", "2025", "--format", "json"])
        guard case .array(let rows)? = try JSONParser.parse(Array(output.stdout))["rows"] else { return .null }
        return rows.last ?? .null
    }

    func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }

    @Test("unknown enterprises refuse the file; a dry run shows each city's effect; GB18030 and UTF-8 import alike, once")
    func importsOnce() throws {
        let temporary = TemporaryDirectory()
        let (gongfu, data) = try Self.setUp(temporary)
        let utf8 = temporary.path + "/assessments.csv"
        try ("\u{FEFF}" + Self.assessments).write(toFile: utf8, atomically: true, encoding: .utf8)
        // Excel on a Chinese Windows saves "CSV" as GB18030 without a byte-order mark.
        let plain = temporary.path + "/plain.csv"
        try Self.assessments.write(toFile: plain, atomically: true, encoding: .utf8)
        let gb18030 = temporary.path + "/assessments-gb.csv"
        try #require(try run("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", gb18030, plain]).status == 0)
        let before = try Self.events(gongfu, data)

        // The newcomer is not registered: without --register-missing the file is refused whole.
        let refused = try run(gongfu, ["import", "--data", data, "--assessments", gb18030])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("row 5 (uscc): \(Self.newcomer) is not registered"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was imported"))
        #expect(try Self.events(gongfu, data) == before)

        // The dry run: per city, before → after, and nothing appended.
        let dry = try run(gongfu, ["import", "--data", data, "--assessments", gb18030, "--register-missing", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let preview = String(decoding: dry.stdout, as: UTF8.self)
        let lines = preview.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        // 年度 市(code name) 企业数 前/后, 覆盖率 前/后, 深度 前/后, 升级 降级 首次评估 新登记
        #expect(lines.contains(["2025", "370000", "山东省", "2", "3", "0.0", "100.0", "0.0", "33.3", "0", "1", "3", "1"]), "\(preview)")
        #expect(lines.contains(["2025", "370200", "青岛市", "1", "2", "0.0", "100.0", "0.0", "50.0", "0", "1", "2", "1"]), "\(preview)")
        #expect(preview.contains("would append 5 event(s): 4 assessment(s), 1 registration(s)"))
        #expect(try Self.events(gongfu, data) == before)

        let imported = try run(gongfu, ["import", "--data", data, "--assessments", gb18030, "--register-missing"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(String(decoding: imported.stdout, as: UTF8.self).contains("imported 4 assessment(s) and 1 registration(s)"))
        let province = try Self.province(gongfu, data)
        #expect(province["population"] == 3 && number(province["coverageRate"]) == 100 && number(province["deepRate"]) == 33.3, "\(province)")
        let moves = try Self.province(gongfu, data, "stage-moves")
        #expect(moves["downgrades"] == 1 && moves["leftDeep"] == 1, "\(moves)")
        let after = try Self.events(gongfu, data)
        #expect(after.count == before.count + 5)
        #expect(after.contains { $0.contains(#""key":"import/assessment/\#(Self.qingdao)/QD-2025""#) && $0.contains(#""数字化基础":40.5"#) })

        // The same results saved as UTF-8: nothing new.
        let again = try run(gongfu, ["import", "--data", data, "--assessments", utf8, "--register-missing"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(
            String(decoding: again.stdout, as: UTF8.self).contains("imported 0 assessment(s) and 0 registration(s); 4 event(s) already in the log"))
        #expect(try Self.events(gongfu, data) == after)
    }

    @Test("every problem of every row is reported with its row and column; --skip-invalid writes the refused rows beside the file")
    func reportsEveryProblem() throws {
        let temporary = TemporaryDirectory()
        let (gongfu, data) = try Self.setUp(temporary)
        let file = temporary.path + "/bad.csv"
        let bad =
            "uscc,assessment,date,kind,stage,score:基础\n"
            + "\(Self.qingdao),QD-1,2025-10-01,onsite,L2,50\n"
            + "\(Self.jinan),JN-1,2025-02-30,quarterly,L6,abc\n"
            + "\(Self.qingdao),QD-1,2025-10-02,annual,L3,\n"
            + "\(Self.jinan),JN-2,2099-01-01,annual,L1,\n"
        try bad.write(toFile: file, atomically: true, encoding: .utf8)
        let before = try Self.events(gongfu, data)
        let refused = try run(gongfu, ["import", "--data", data, "--assessments", file])
        #expect(refused.status == 1)
        for expected in [
            "row 3 (date): \"2025-02-30\" is not a date", "row 3 (kind): \"quarterly\" is not a kind", "row 3 (stage): \"L6\" is not a stage",
            "row 3 (得分:基础): \"abc\" is not a number", "row 4 (assessment): assessment QD-1 of \(Self.qingdao) is already on row 2",
            "row 5 (date): occurred 2099-01-01 is after today", "3 of 4 row(s) refused; nothing was imported",
        ] {
            #expect(refused.stderr.contains(expected), "\(expected): \(refused.stderr)")
        }
        #expect(try Self.events(gongfu, data) == before)

        let partial = try run(gongfu, ["import", "--data", data, "--assessments", file, "--skip-invalid"])
        #expect(partial.status == 2)
        #expect(String(decoding: partial.stdout, as: UTF8.self).contains("imported 1 assessment(s) and 0 registration(s)"))
        let rejects = try Data(contentsOf: URL(fileURLWithPath: file + ".rejects.csv"))
        #expect(rejects.prefix(3) == Data([0xEF, 0xBB, 0xBF]), "a byte-order mark, for Excel")
        let rows = String(decoding: rejects.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
        #expect(rows.count == 4 && rows[0].hasPrefix("行号,uscc,") && rows[0].hasSuffix(",错误"))
        #expect(rows[1].hasPrefix("3,\(Self.jinan),JN-1,2025-02-30,quarterly,L6,abc,") && rows[1].contains("stage: \"\"L6\"\" is not a stage"))
        #expect(try Self.events(gongfu, data).count == before.count + 1)
    }
}
