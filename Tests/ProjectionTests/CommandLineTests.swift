import EventLog
import Foundation
import Projections
import TestSupport
import Testing

@Suite("gongfu project, rebuild, query, dump, snapshot")
struct ProjectionCommandLineTests {
    let gongfu = Products.path("gongfu")

    @Test("query prints coverage by city as JSON with the seq it reflects; CSV has a BOM")
    func query() throws {
        let temporary = TemporaryDirectory()
        let data = try Sample.copy(into: temporary).root
        let json = try run(gongfu, ["query", "coverage", "--data", data, "--year", "2023", "--by", "city", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let value = try JSONParser.parse(Array(json.stdout))
        guard case .array(let rows)? = value["rows"] else {
            Issue.record("no rows: \(json.stderr)")
            return
        }
        #expect(rows.count == 16)
        #expect(rows.contains { $0["code"] == .string("370200") && $0["name"] == .string("青岛市") })
        #expect(value["seq"] == .integer(Int64(try EventLog(directory: LogDirectory(root: data), writable: false).size)))
        let csv = try run(gongfu, ["query", "pending", "--data", data, "--city", "370200", "--format", "csv"])
        #expect(csv.status == 0)
        #expect(String(decoding: csv.stdout, as: UTF8.self).hasPrefix("\u{FEFF}统一社会信用代码,企业名称"))
        let table = try run(gongfu, ["query", "ledger", "--data", data, "--date", "2026-11-27"])
        #expect(String(decoding: table.stdout, as: UTF8.self).contains("已逾期"))
    }

    @Test("coverage by section counts mining, manufacturing and utilities, each the sum of its divisions")
    func coverageBySection() throws {
        let temporary = TemporaryDirectory()
        let data = try Sample.copy(into: temporary).root
        func rows(_ by: String) throws -> [JSONValue] {
            let result = try run(gongfu, ["query", "coverage", "--data", data, "--year", "2026", "--by", by, "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            guard case .array(let rows)? = try JSONParser.parse(Array(result.stdout))["rows"] else { return [] }
            return rows
        }
        func count(_ row: JSONValue, _ column: String) -> Int64 { row[column]?.integerValue ?? -1 }
        let sections = try rows("section")
        #expect(sections.map { $0["name"]?.stringValue } == ["采矿业", "制造业", "电力、热力、燃气及水生产和供应业"])
        let divisions = try rows("industry")
        for section in sections {
            let letter = section["code"]?.stringValue ?? "?"
            let own = divisions.filter { $0["code"]?.stringValue?.hasPrefix(letter) == true }
            #expect(!own.isEmpty, "the sample has enterprises of section \(letter)")
            for column in ["population", "l0", "l1", "l2", "l3", "l4", "l5"] {
                #expect(count(section, column) == own.reduce(0) { $0 + count($1, column) }, "\(letter) \(column)")
            }
        }
        let province = try #require(try rows("province").first)
        #expect(count(province, "population") == sections.reduce(0) { $0 + count($1, "population") })
    }

    @Test("Bad query input is refused with a message saying what to do")
    func badInput() throws {
        let temporary = TemporaryDirectory()
        let data = try Sample.copy(into: temporary).root
        let cases: [([String], String)] = [
            (["query", "kpis", "--data", data], "no query is called kpis"),
            (["query", "coverage", "--data", data, "--by", "street"], "--by street is not a grouping"),
            (["query", "coverage", "--data", data, "--format", "xml"], "--format xml is not table, json or csv"),
            (["rebuild", "--data", data, "--projection", "nope"], "--projection nope is not a read model"),
            (["rebuild", "--data", data, "--as-of-seq", "3", "--as-of-date", "2024-01-01"], "at most one of"),
            (["rebuild", "--data", data, "--as-of-date", "2024-13-01"], "is not a date"),
            (["snapshot", "restore", "--data", data, data + "/log/config.json"], "is not a usable snapshot"),
        ]
        for (arguments, message) in cases {
            let result = try run(gongfu, arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test("rebuild --as-of-date writes a separate file; rebuild and dump reproduce the golden dump")
    func rebuildAndDump() throws {
        let temporary = TemporaryDirectory()
        let data = try Sample.copy(into: temporary).root
        let asOf = try run(gongfu, ["rebuild", "--data", data, "--projection", "coverage", "--as-of-date", "2024-12-31"])
        #expect(asOf.status == 0, "\(asOf.stderr)")
        let path = String(decoding: asOf.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path == data + "/readmodels/as-of/coverage.date-2024-12-31.sqlite")
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: data + "/readmodels/coverage.sqlite"), "the live read model is not built by an as-of build")
        let rebuild = try run(gongfu, ["rebuild", "--data", data])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stderr.contains("rebuilt pending, projects, coverage, ledger, providers, benchmarks, programme"))
        let dump = try run(gongfu, ["dump", "coverage", "--data", data])
        #expect(String(decoding: dump.stdout, as: UTF8.self) == (try Sample.dump("coverage")))
        let status = try run(gongfu, ["project", "--data", data])
        #expect(String(decoding: status.stdout, as: UTF8.self).contains("coverage: seq 2570 of 2570, lag 0 events"))
    }
}

@Suite("Projection worker")
struct ProjectionWorkerTests {
    @Test("The worker applies each new batch as it lands and reports zero lag")
    func followsTheLog() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await generatedLog(in: temporary, enterprises: 60, seed: 5)
        let log = try EventLog(directory: directory, writable: true)
        let readModels = try ReadModels(log: log, only: ["programme", "pending"])
        let worker = ProjectionWorker(readModels: readModels)
        let updates = UpdateBox()
        let task = Task { try await worker.run { updates.record($0) } }
        let sizeBefore = log.size
        let code = "enterprise/" + (log.streamNames(prefix: "enterprise/").first!.dropFirst(11))
        _ = try await log.append(
            [EventDraft(stream: code, type: "TrainingAttended", occurred: "2026-11-20", data: ["session": "2026年第21期"])], actor: province)
        var waited = 0
        while updates.last.map({ $0.allSatisfy { $0.seq == sizeBefore + 1 } }) != true, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(updates.last?.allSatisfy { $0.seq == sizeBefore + 1 && $0.lagEvents == 0 } == true)
        task.cancel()
        await log.close()
        _ = try? await task.value
    }
}

final class UpdateBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [ProjectionStatus]?
    var last: [ProjectionStatus]? { lock.withLock { value } }
    func record(_ status: [ProjectionStatus]) { lock.withLock { value = status } }
}
