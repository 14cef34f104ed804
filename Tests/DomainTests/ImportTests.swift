import Foundation
import Testing

@testable import Domain
@testable import EventLog

@Suite struct CSVTests {
    @Test func readsExcelStyleCSV() throws {
        let text = "\u{FEFF}名称,备注\r\n\"青岛海川, 机械\",\"他说\"\"好\"\"\"\r\n\r\n潍坊鸿远,\n"
        let rows = try CSV.rows(Array(text.utf8))
        #expect(rows == [["名称", "备注"], ["青岛海川, 机械", "他说\"好\""], ["潍坊鸿远", ""]])
    }

    @Test(arguments: [("a,\"b\nc", "not closed"), ("a,b\"c", "quote inside"), ("\"a\"b", "after a closing quote")])
    func refusesBrokenQuoting(text: String, reason: String) {
        #expect { try CSV.rows(Array(text.utf8)) } throws: { "\($0)".contains(reason) }
    }

    @Test func readsCarriageReturnLineEnds() throws {
        // "CSV (Macintosh)" ends lines with CR alone; a quoted CR stays inside its field.
        let text = "名称,备注\r青岛,\"一\r二\"\r潍坊,\r\n烟台,x\n"
        #expect(try CSV.rows(Array(text.utf8)) == [["名称", "备注"], ["青岛", "一\r二"], ["潍坊", ""], ["烟台", "x"]])
        #expect(try CSV.numberedRows(Array(text.utf8)).map(\.line) == [1, 2, 3, 4])
    }

    @Test func readsGB18030AsExcelOnAChineseWindowsSavesIt() throws {
        // 企业名称,济南 / €,𠀀 in GB18030 (two- and four-byte characters; bytes from Python's codec).
        let bytes: [UInt8] =
            [0xC6, 0xF3, 0xD2, 0xB5, 0xC3, 0xFB, 0xB3, 0xC6, 0x2C, 0xBC, 0xC3, 0xC4, 0xCF, 0x0D, 0x0A]
            + [0xA2, 0xE3, 0x2C, 0x95, 0x32, 0x82, 0x36, 0x0D, 0x0A]
        #expect(try CSV.rows(bytes) == [["企业名称", "济南"], ["€", "𠀀"]])
        #expect(try SpreadsheetText.decode(bytes).encoding == .gb18030)
        #expect(try SpreadsheetText.decode(Array("\u{FEFF}企业名称\n".utf8)).encoding == .utf8)
    }

    @Test func refusesTextThatIsNeitherUTF8NorGB18030NamingTheRow() {
        #expect { try CSV.rows([0x41, 0x2C, 0x42, 0x0A, 0x43, 0x2C, 0xFF, 0x0A]) } throws: { error in
            let failure = error as? CSV.Failure
            return failure?.row == 2 && failure?.reason.contains("neither UTF-8 nor GB18030") == true
        }
        #expect(throws: CSV.Failure.self) { try CSV.rows([0x41, 0x0A, 0xC4]) }  // cut in the middle of a character
        // Places count from the file's first byte, a byte-order mark included.
        #expect(
            throws: CSV.Failure(
                row: 2,
                reason:
                    "the file is neither UTF-8 nor GB18030 text (byte 6 cannot be read as either); save it from the spreadsheet as CSV UTF-8 or CSV")
        ) {
            try CSV.rows([0xEF, 0xBB, 0xBF, 0x41, 0x0A, 0xFF])
        }
    }
}

/// The CSV reader read scalar by scalar, as RFC 4180 reads: the byte reader must agree with it.
private enum PlainCSV {
    static func numberedRows(_ bytes: [UInt8]) throws(CSV.Failure) -> [(line: Int, fields: [String])] {
        let text = try SpreadsheetText.decode(bytes).text
        var rows: [(line: Int, fields: [String])] = []
        var row: [String] = []
        var field = ""
        var (rowStart, rowNumber, inQuotes, afterQuote) = (1, 1, false, false)
        func endRow() {
            row.append(field)
            if !(row.count == 1 && row[0].isEmpty) { rows.append((rowStart, row)) }
            (row, field) = ([], "")
            rowNumber += 1
            rowStart = rowNumber
        }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if inQuotes {
                if scalar == "\n" { rowNumber += 1 }
                if scalar == "\"" { (inQuotes, afterQuote) = (false, true) } else { field.unicodeScalars.append(scalar) }
                continue
            }
            switch scalar {
            case "\"":
                if afterQuote {
                    field.append("\"")
                    (inQuotes, afterQuote) = (true, false)
                } else if field.isEmpty {
                    inQuotes = true
                } else {
                    throw CSV.Failure(row: rowNumber, reason: "a quote inside an unquoted field")
                }
            case ",":
                row.append(field)
                (field, afterQuote) = ("", false)
            case "\r", "\n":
                endRow()
                afterQuote = false
                if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
            default:
                if afterQuote { throw CSV.Failure(row: rowNumber, reason: "text after a closing quote") }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw CSV.Failure(row: rowNumber, reason: "a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return rows
    }
}

extension CSVTests {
    @Test func readsAsThePlainScalarReaderDoes() {
        // Random texts of the characters CSV gives a meaning to, among multi-byte ones.
        let pieces = ["a", "名", "𠀀", "é", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "3484"]
        var state: UInt64 = 20_261_207
        func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        var failures = 0
        for _ in 0..<5000 {
            let text = (0..<next(40)).map { _ in pieces[next(pieces.count)] }.joined()
            let bytes = Array(text.utf8)
            let fast = Result { () throws(CSV.Failure) in try CSV.numberedRows(bytes) }
            let plain = Result { () throws(CSV.Failure) in try PlainCSV.numberedRows(bytes) }
            switch (fast, plain) {
            case (.success(let fast), .success(let plain)):
                #expect(fast.map(\.line) == plain.map(\.line), "\(text.debugDescription)")
                #expect(fast.map(\.fields) == plain.map(\.fields), "\(text.debugDescription)")
            case (.failure(let fast), .failure(let plain)):
                #expect(fast == plain, "\(text.debugDescription)")
                failures += 1
            default:
                Issue.record("\(text.debugDescription): \(fast) but the plain reader: \(plain)")
            }
        }
        #expect(failures > 500)  // the texts exercise the refusals too
    }
}

@Suite struct EnterpriseImportTests {
    static let header = "企业名称,统一社会信用代码,所属城市,区县,行业代码,纳入规上年份,产业链\n"

    @Test func chineseHeadersNamesAndCodes() throws {
        let csv =
            Self.header
            + "青岛海川精密机械有限公司,91370200AY4CL12T2L,青岛市,黄岛区,3484,2019,高端装备；智能制造\n"
            + "济南莱钢新材料有限公司,9137120012DD272H22,370100,370116,C3011,2012,\n"
        let drafts = try EnterpriseImport().drafts(csv: Array(csv.utf8))
        #expect(drafts.map(\.row) == [2, 3])
        let first = drafts[0].draft
        #expect(first.stream == "enterprise/91370200AY4CL12T2L")
        #expect(first.type == "EnterpriseRegistered")
        #expect(first.occurred == "2019-01-01")
        #expect(first.expectedVersion == .none)
        #expect(
            first.data == [
                "name": "青岛海川精密机械有限公司", "uscc": "91370200AY4CL12T2L", "city": "370200", "county": "370211",
                "industry": "C3484", "yearEntered": 2019, "chains": ["高端装备", "智能制造"],
            ])
        #expect(drafts[1].draft.data["county"] == "370116", "a historic 莱芜 code in the USCC, the current county in the row")
    }

    @Test func everyBadRowIsReportedWithItsColumn() throws {
        let csv =
            Self.header
            + "甲,91370200AY4CL12T2M,青岛市,黄岛区,3484,2019,\n"
            + "乙,91370200163562681G,北京市,黄岛区,3484,2019,\n"
            + "丙,91370200163562681G,青岛市,历下区,3484,2019,\n"
            + "丁,91370200163562681G,青岛市,黄岛区,5110,2019,\n"
            + "戊,91370200163562681G,青岛市,黄岛区,3484,去年,\n"
            + "己,91370200163562681G,青岛市,黄岛区,3484,2019,\n"
            + "庚,91370200163562681G,青岛市,黄岛区,3484,2019,\n"
            + "\n"
            + "辛,91370200163562681G,青岛市,黄岛区,3484,2019,\n"
        #expect { try EnterpriseImport().drafts(csv: Array(csv.utf8)) } throws: { error in
            guard let failure = error as? EnterpriseImport.Failure else { return false }
            let summary = failure.errors.map { "\($0.row):\($0.column ?? "-")" }
            #expect(
                summary == ["2:uscc", "3:city", "4:county", "5:industry", "6:yearEntered", "8:uscc", "10:uscc"],
                "blank lines keep the file's numbering")
            #expect(failure.errors.last?.reason == "91370200163562681G is already on row 7")
            #expect(failure.errors[5].reason == "91370200163562681G is already on row 7")
            #expect(failure.description.contains("row 2 (uscc): character 18"))
            return true
        }
    }

    @Test func miningAndUtilitiesRegisterWithTheirSectionLetter() throws {
        // Digits alone take their division's section: 0610 is mining (B), 4411 electricity (D).
        let csv =
            Self.header + "淄博某煤业有限公司,91370200AY4CL12T2L,青岛市,黄岛区,0610,2019,\n"
            + "济南某热电有限公司,9137120012DD272H22,370100,370116,D4411,2012,\n"
        let drafts = try EnterpriseImport().drafts(csv: Array(csv.utf8))
        #expect(drafts.map { $0.draft.data["industry"] } == ["B0610", "D4411"])
    }

    @Test func duplicateColumnsAreRefused() {
        let csv = "企业名称,统一社会信用代码,所属城市,区县,行业代码,纳入规上年份,名称\n甲,91370200AY4CL12T2L,青岛市,黄岛区,3484,2019,乙\n"
        #expect { try EnterpriseImport().drafts(csv: Array(csv.utf8)) } throws: { error in
            "\(error)".contains("columns 1 (\"企业名称\") and 7 (\"名称\") both name")
        }
    }

    @Test func controlCharactersInCellsAreRefusedWithTheirColumn() {
        let csv = Self.header + "青岛\u{1B}[31m海川,91370200AY4CL12T2L,青岛市,黄岛区,3484,2019,\n"
        #expect { try EnterpriseImport().drafts(csv: Array(csv.utf8)) } throws: { error in
            "\(error)".contains("row 2 (name)") && "\(error)".contains("U+001B")
        }
    }

    @Test func missingColumnsAreNamed() {
        #expect { try EnterpriseImport().drafts(csv: Array("企业名称,统一社会信用代码\n甲,91370200AY4CL12T2L\n".utf8)) } throws: { error in
            "\(error)".contains("missing columns: 所属城市 (city), 区县 (county), 行业代码 (industry), 纳入规上年份 (yearEntered)")
        }
    }
}

@Suite struct AssessmentImportTests {
    @Test("dates and stages as spreadsheets write them; scores from 得分 columns; a key from the assessment id")
    func readsThePlatformsExport() throws {
        #expect(AssessmentImport.date("2025/9/3") == "2025-09-03" && AssessmentImport.date("2025-10-31") == "2025-10-31")
        #expect(AssessmentImport.date("2025-02-29") == nil && AssessmentImport.date("25/9/3") == nil && AssessmentImport.date("") == nil)
        #expect(AssessmentImport.date("2025.9.30") == "2025-09-30" && AssessmentImport.date("2025-1-3") == "2025-01-03")
        for refused in [
            "2025/9/3 0:00", "20251/9/3", "2025/123/1", "2025/9/300", "2025/9", "2025/9/3/1", "2025//9", "/2025/9/3", "2025/9/", "２０２５/9/3",
        ] {
            #expect(AssessmentImport.date(refused) == nil, "\(refused)")
        }
        #expect(["L3", "l3", "3", "L3级"].map(AssessmentImport.stage) == [.l3, .l3, .l3, .l3])
        #expect(AssessmentImport.stage("L6") == nil && AssessmentImport.stage("三级") == nil)
        let csv =
            "assessment,uscc,stage,kind,date,得分：数字化基础,score:数字化应用\n"
            + "A-1,91370200ay4cl12t2l,L2,年度评估,2025/10/3,61,58.5\n"
        let (_, rows) = try AssessmentImport().rows(csv: Array(csv.utf8))
        let row = try rows[0].result.get()
        #expect(row.uscc == "91370200AY4CL12T2L" && row.stage == .l2 && row.date == "2025-10-03" && row.registration == nil)
        #expect(row.assessment.key == "import/assessment/91370200AY4CL12T2L/A-1")
        #expect(row.assessment.data["scores"] == ["数字化基础": 61, "数字化应用": 58.5])
        #expect(row.assessment.data["kind"] == "annual")
    }

    @Test("a missing column refuses the file; profile columns give each row its registration, or its problems")
    func profileColumns() throws {
        #expect { _ = try AssessmentImport().rows(csv: Array("uscc,assessment,date,kind\n".utf8)) } throws: {
            "\($0)".contains("missing columns: 评估等级 (stage)")
        }
        let csv =
            "统一社会信用代码,评估编号,评估日期,评估类型,评估等级,企业名称,所属城市,区县,行业代码\n"
            + "91370200AY4CL12T2L,A-1,2025-10-03,现场,L1,青岛海川精密机械有限公司,青岛市,黄岛区,3484\n"
            + "9137120012DD272H22,A-2,2025-10-04,现场,L1,济南莱钢新材料有限公司,烟台市,莱芜区,3011\n"
        let (_, rows) = try AssessmentImport().rows(csv: Array(csv.utf8))
        let registration = try #require(try rows[0].result.get().registration).get()
        #expect(registration.type == "EnterpriseRegistered" && registration.key == "import/register/91370200AY4CL12T2L")
        #expect(registration.data["yearEntered"] == 2025 && registration.data["county"] == "370211")
        #expect(throws: ImportTable.RowError.self) { try rows[1].result.get().registration?.get() }
    }
}

extension AssessmentImportTests {
    @Test(
        "checked in parts of any size, an import refuses, registers and accepts as checked whole, and builds the same events again",
        arguments: [1, 2, 3, 100])
    func checkedInParts(rowsPerPart: Int) async throws {
        let (_, log, root) = try await DomainRulesTests.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let csv =
            "统一社会信用代码,评估编号,评估日期,评估类型,评估等级,企业名称,所属城市,区县,行业代码,纳入规上年份\n"
            + "91370200AY4CL12T2L,A-10,2025-10-03,年度,L2,青岛海川,青岛市,黄岛区,3484,\n"
            + "91370200AY4CL12T2L,A-10,2025-10-03,年度,L2,青岛海川,青岛市,黄岛区,3484,\n"
            + "91370200163562681G,B-1,2025-10-05,年度,L1,青岛新材,青岛市,黄岛区,3484,\n"
            // Its registration passes and its assessment (after today) does not: neither is kept.
            + "91370200MA3C0XYZ1Q,C-1,2026-12-01,年度,L1,青岛精工,青岛市,黄岛区,3484,2024\n"
            + "91370200163562681G,B-2,2026-10-05,年度,L3,青岛新材,青岛市,黄岛区,3484,\n"
            + "91370200AY4CL12T2L,A-11,2026-10-03,年度,L9,青岛海川,青岛市,黄岛区,3484,\n"
            + "91370200AY4CL12T2L,A-12,2026-10-06,年度,L3,青岛海川,青岛市,黄岛区,3484,\n"
        let reader = AssessmentImport()
        let table = try reader.table(csv: Array(csv.utf8))
        let actor = Actor(name: "test", role: "province")
        var wholeIntake = try Intake(log: log, actor: actor, today: "2026-11-28")
        let whole = reader.check(table, with: &wholeIntake, registerMissing: true)
        var partsIntake = try Intake(log: log, actor: actor, today: "2026-11-28")
        let parts = reader.checkInParts(table, rowsPerPart: rowsPerPart, with: &partsIntake, registerMissing: true)

        #expect(whole.refused.map(\.row) == [3, 5, 7] && whole.refusedRows == 3 && whole.registrations == 1)
        #expect(
            whole.accepted == [
                .init(index: 0, registers: false), .init(index: 2, registers: true), .init(index: 4, registers: false),
                .init(index: 6, registers: false),
            ])
        #expect(parts.drafts.isEmpty && parts.accepted == whole.accepted && parts.refused == whole.refused)
        #expect(
            (parts.refusedRows, parts.unknown, parts.registrations, parts.rows) == (whole.refusedRows, whole.unknown, whole.registrations, whole.rows)
        )
        #expect(parts.assessed.map { "\($0)" } == whole.assessed.map { "\($0)" })
        #expect(reader.drafts(of: parts.accepted, in: table) == whole.drafts)
        #expect(reader.drafts(of: parts.accepted[1...2], in: table) == Array(whole.drafts[1...3]))
        // The refused row's registration is not remembered by either intake.
        #expect(partsIntake.version(of: "enterprise/91370200MA3C0XYZ1Q") == 0 && wholeIntake.version(of: "enterprise/91370200MA3C0XYZ1Q") == 0)
        #expect(partsIntake.version(of: "enterprise/91370200163562681G") == 3, "its registration and two assessments")
        await log.close()
    }
}

extension AssessmentImportTests {
    /// Rows every one of which passes, then the same file with a bad stage on its fourth data row.
    static func pipelineFile(badRow: Bool) -> String {
        "统一社会信用代码,评估编号,评估日期,评估类型,评估等级,企业名称,所属城市,区县,行业代码,纳入规上年份\n"
            + "91370200AY4CL12T2L,A-10,2025-10-03,年度,L2,青岛海川,青岛市,黄岛区,3484,\n"
            + "91370200163562681G,B-1,2025-10-05,年度,L1,青岛新材,青岛市,黄岛区,3484,\n"
            + "91370200163562681G,B-2,2026-10-05,年度,L3,青岛新材,青岛市,黄岛区,3484,\n"
            + "91370200AY4CL12T2L,A-11,2026-10-03,年度,\(badRow ? "L9" : "L3"),青岛海川,青岛市,黄岛区,3484,\n"
            + "91370200AY4CL12T2L,A-12,2026-10-06,年度,L3,青岛海川,青岛市,黄岛区,3484,\n"
    }

    @Test(
        "checked and appended a part at a time, an import appends what it appends checked whole; a bad row stops it with the parts before it in",
        arguments: [1, 2, 100])
    func checkedAndAppendedInParts(rowsPerPart: Int) async throws {
        let reader = AssessmentImport()
        let actor = Actor(name: "test", role: "province")
        let (_, whole, wholeRoot) = try await DomainRulesTests.rules()
        defer { try? FileManager.default.removeItem(atPath: wholeRoot) }
        var wholeIntake = try Intake(log: whole, actor: actor, today: "2026-11-28")
        let checked = reader.check(try reader.table(csv: Array(Self.pipelineFile(badRow: false).utf8)), with: &wholeIntake, registerMissing: true)
        #expect(checked.refusedRows == 0 && checked.registrations == 1)
        let expected = try await wholeIntake.append(checked.drafts)

        let (_, log, root) = try await DomainRulesTests.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var intake = try Intake(log: log, actor: actor, today: "2026-11-28")
        var reported: [Int] = []
        let results = try await reader.checkAndAppend(
            try reader.table(csv: Array(Self.pipelineFile(badRow: false).utf8)), rowsPerPart: rowsPerPart, with: &intake, registerMissing: true
        ) { reported.append($0) }
        #expect(results == expected)
        #expect(try IntakeTests.contents(of: log) == IntakeTests.contents(of: whole))
        #expect(reported.last == expected.count && reported == reported.sorted())
        // Again: every row's key is in the log, so nothing is appended and each row answers its
        // assessment's first seq (its enterprise now registered, no registration is read).
        let again = try await reader.checkAndAppend(
            try reader.table(csv: Array(Self.pipelineFile(badRow: false).utf8)), rowsPerPart: rowsPerPart, with: &intake, registerMissing: true)
        let assessments = zip(checked.drafts, expected).filter { $0.0.type == "AssessmentRecorded" }.map(\.1.seq)
        #expect(again.allSatisfy(\.isDuplicate) && again.map(\.seq) == assessments && log.size == whole.size)
        await whole.close()
        await log.close()

        let (_, refusing, refusingRoot) = try await DomainRulesTests.rules()
        defer { try? FileManager.default.removeItem(atPath: refusingRoot) }
        let before = refusing.size
        var refusingIntake = try Intake(log: refusing, actor: actor, today: "2026-11-28")
        let error = await #expect(throws: IntakeError.self) {
            _ = try await reader.checkAndAppend(
                try reader.table(csv: Array(Self.pipelineFile(badRow: true).utf8)), rowsPerPart: rowsPerPart, with: &refusingIntake,
                registerMissing: true)
        }
        #expect(error?.place == IntakePlace(.row, 5) && error?.message.contains("stage") == true, "\(String(describing: error))")
        // The parts before the bad row's are in the log (the registration comes with row 3).
        let rowsIn = 3 / rowsPerPart * rowsPerPart
        #expect(refusing.size == before + UInt64(rowsIn + (rowsIn >= 2 ? 1 : 0)))
        await refusing.close()
    }

    @Test("keys seen by hash: a repeat finds its first row, and keys whose hashes meet stay apart")
    func seenKeys() throws {
        let csv = "uscc,assessment,date,kind,stage\n" + ["A", "B", "A", "B", "C", "C"].map { "91370200AY4CL12T2L,\($0),2025-10-03,年度,L2\n" }.joined()
        let table = try AssessmentImport().table(csv: Array(csv.utf8))
        let keys = table.rows.map { "import/assessment/91370200AY4CL12T2L/" + table.cell("assessment", of: $0.fields) }
        let hashes: [(String) -> Int] = [{ _ in 0 }, \.hashValue]
        for hash in hashes {
            var seen = AssessmentImport.SeenKeys(hash: hash)
            let firsts = keys.indices.map { index in seen.first(keys[index], atRow: index, of: table) { keys[$0] } }
            #expect(firsts == [nil, nil, 2, 3, nil, 6], "the rows' numbers: the header is row 1")
        }
    }
}
