import Foundation
import Testing

@testable import EventLog

/// Bad inputs to `gongfu append`, each refused with its message, the log byte for byte
/// unchanged afterwards.
@Suite struct BadInputTests {
    static let history = BadInputs.history
    static let enterprise = BadInputs.enterprise
    static let cases = BadInputs.cases

    static func snapshot(_ data: String) throws -> [String: Data] { try BadInputs.snapshot(data) }

    @Test func everyBadInputIsRefusedWithItsMessageAndTheLogIsUnchanged() throws {
        let gongfu = Products.path("gongfu")
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        try run(gongfu, ["init", "--data", data])
        let setup = try run(gongfu, ["append", "--data", data, "-"], stdin: Data(Self.history.utf8))
        #expect(setup.status == 0, "\(setup.stderr)")
        let before = try Self.snapshot(data)
        for badCase in Self.cases {
            // The bad line comes second, after a good one: nothing of the file may land.
            let good = #"{"stream":"enterprise/\#(Self.enterprise)","type":"TrainingAttended","occurred":"2024-05-01","data":{"session":"好的一行"}}"#
            let input = good + "\n" + badCase.input + "\n"
            let result = try run(gongfu, ["append", "--data", data] + badCase.arguments + ["-"], stdin: Data(input.utf8))
            #expect(result.status != 0, "\(badCase.name) was accepted")
            #expect(result.stderr.contains(badCase.message), "\(badCase.name): \(result.stderr)")
            if !["wrong jurisdiction", "auditor writing"].contains(badCase.name) {
                #expect(result.stderr.contains("line 2"), "\(badCase.name) names its line: \(result.stderr)")
            }
            #expect(try Self.snapshot(data) == before, "\(badCase.name) changed the log")
        }
    }
}

/// `gongfu import`: all or nothing, or the valid rows with --skip-invalid.
@Suite struct ImportCommandTests {
    static let csv =
        "\u{FEFF}企业名称,统一社会信用代码,所属城市,区县,行业代码,纳入规上年份\r\n"
        + "青岛海川精密机械有限公司,91370200AY4CL12T2L,青岛市,黄岛区,3484,2019\r\n"
        + "济南莱钢新材料有限公司,9137120012DD272H22,济南市,莱芜区,3011,2012\r\n"

    @Test func importsAllOrNothing() throws {
        let gongfu = Products.path("gongfu")
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        try run(gongfu, ["init", "--data", data])
        let bad = temporary.path + "/bad.csv"
        try (Self.csv + "潍坊鸿远纺织有限公司,91370700DQNQ8H7L1D,潍坊市,青州市,1711,2016\r\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try run(gongfu, ["import", "--data", data, "--enterprises", bad])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bad.csv row 4 (uscc): character 18"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was imported"))
        #expect(try run(gongfu, ["read", "--data", data]).stdout.isEmpty)

        let partial = try run(gongfu, ["import", "--data", data, "--enterprises", bad, "--skip-invalid"])
        #expect(partial.status == 2)
        #expect(String(decoding: partial.stdout, as: UTF8.self).contains("imported 2 enterprise(s) as seq 1…2; 1 row(s) skipped"))

        let good = temporary.path + "/good.csv"
        try Self.csv.write(toFile: good, atomically: true, encoding: .utf8)
        let again = try run(gongfu, ["import", "--data", data, "--enterprises", good])
        #expect(again.status != 0)
        #expect(again.stderr.contains("row 2: enterprise 91370200AY4CL12T2L is already registered"), "\(again.stderr)")
        let lines = String(decoding: try run(gongfu, ["read", "--data", data]).stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains(#""type":"EnterpriseRegistered""#) && lines[0].contains(#""county":"370211""#))
    }

    @Test func importsGB18030AsExcelOnAChineseWindowsSavesIt() throws {
        let gongfu = Products.path("gongfu")
        let temporary = TemporaryDirectory()
        var stored: [String] = []
        for encoding in ["UTF-8", "GB18030"] {
            let data = temporary.path + "/data-" + encoding
            try run(gongfu, ["init", "--data", data])
            let utf8 = temporary.path + "/utf8.csv"
            try String(Self.csv.dropFirst()).write(toFile: utf8, atomically: true, encoding: .utf8)
            let file = temporary.path + "/\(encoding).csv"
            let converted = try run("/usr/bin/iconv", ["-f", "UTF-8", "-t", encoding, "-o", file, utf8])
            try #require(converted.status == 0, "\(converted.stderr)")
            let imported = try run(gongfu, ["import", "--data", data, "--enterprises", file])
            #expect(imported.status == 0, "\(encoding): \(imported.stderr)")
            stored.append(
                String(decoding: try run(gongfu, ["read", "--data", data]).stdout, as: UTF8.self).split(separator: "\n")
                    .map { $0.replacing(/"id":"[^"]*"|"recorded":"[^"]*"/, with: "") }.joined(separator: "\n"))
        }
        #expect(stored[0].contains("青岛海川精密机械有限公司") && stored[0] == stored[1], "the same enterprises, names and all")
    }
}
