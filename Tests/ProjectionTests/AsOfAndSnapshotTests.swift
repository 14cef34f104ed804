import EventLog
import Foundation
import Projections
import TestSupport
import Testing

@Suite("As-of builds and snapshots")
struct AsOfAndSnapshotTests {
    @Test("--as-of-seq N equals the read models as they stood at seq N, and leaves the live ones alone")
    func asOfSeq() async throws {
        let temporary = TemporaryDirectory()
        var readModels: ReadModels?
        var atPoint: (seq: UInt64, dumps: [String: String])?
        let directory = try await generatedLog(in: temporary, batchSize: 150) { log in
            if readModels == nil { readModels = try ReadModels(log: log) }
            try readModels!.catchUp()
            if atPoint == nil, log.size > 300 { atPoint = (log.size, try dumps(readModels!)) }
        }
        let live = try dumps(readModels!)
        readModels = nil
        let log = try EventLog(directory: directory, writable: false)
        let paths = try ReadModels.build(asOf: .seq(atPoint!.seq), log: log, outputDirectory: temporary.path + "/as-of")
        #expect(paths.count == ReadModelCatalogue.all.count)
        for (path, type) in zip(paths, ReadModelCatalogue.all) {
            let store = try ReadModelStore(path: path, projection: type, mode: .readOnly)
            let dump = try ReadModelDump.dump(store)
            // Identical but for the checkpoint's as-of label.
            let expected = atPoint!.dumps[type.name]!.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("\"\(type.name)\"\t") ? line.replacingOccurrences(of: "\t\"\"", with: "\t\"seq \(atPoint!.seq)\"") : String(line)
            }.joined(separator: "\n")
            #expect(dump == expected, "\(type.name) as of seq \(atPoint!.seq)")
        }
        let reopened = try ReadModels(log: log)
        #expect(try dumps(reopened) == live, "the live read models are untouched")
    }

    @Test("--as-of-date keeps business dates up to that day; --as-of-recorded keeps what was recorded by then")
    func asOfDateAndRecorded() throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try Sample.copy(into: temporary), writable: false)
        let path = try ReadModels.build(asOf: .date("2024-06-30"), log: log, names: ["coverage"], outputDirectory: temporary.path + "/as-of")[0]
        let store = try ReadModelStore(path: path, projection: CoverageReadModel.self, mode: .readOnly)
        let years = try ReadModelQuery.run("coverage", filters: QueryFilters(), store: store).rows.map { $0[0] }
        #expect(years == [.integer(2023)], "the 2024 assessment opens in October: not known by June")
        #expect(try store.checkpoint().asOf == "date 2024-06-30")
        #expect(path.hasSuffix("coverage.date-2024-06-30.sqlite"))

        let before = try ReadModels.build(
            asOf: .recorded("2000-01-01T00:00:00.000000Z"), log: log, names: ["programme"], outputDirectory: temporary.path + "/as-of")[0]
        let empty = try ReadModelStore(path: before, projection: ProgrammeReadModel.self, mode: .readOnly)
        #expect(try empty.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM metric") } == 0)
        #expect(AsOf.recordedTime("2024-10-31") == "2024-10-31T23:59:59.999999Z")
        #expect(AsOf.recordedTime("2024-10-31T08:00:00Z") == "2024-10-31T08:00:00.000000Z")
        #expect(AsOf.recordedTime("2024-10-31T08:00:00+08:00") == nil)
    }

    @Test("A snapshot restores, catches up, and equals the live read model; another log's snapshot is refused")
    func snapshots() async throws {
        let temporary = TemporaryDirectory()
        var readModels: ReadModels?
        var saved: [String] = []
        let directory = try await generatedLog(in: temporary, batchSize: 200) { log in
            if readModels == nil { readModels = try ReadModels(log: log) }
            try readModels!.catchUp()
            if saved.isEmpty, log.size > 250 { saved = try readModels!.saveSnapshots(to: temporary.path + "/snapshots") }
        }
        let live = try dumps(readModels!)
        readModels = nil
        let log = try EventLog(directory: directory, writable: false)
        let restoring = try ReadModels(log: log)
        for path in saved {
            let checkpoint = try restoring.restoreSnapshot(path)
            #expect(checkpoint.seq == log.size)
        }
        #expect(try dumps(restoring) == live)

        let sample = try EventLog(directory: try Sample.copy(into: temporary), writable: false)
        let other = try ReadModels(log: sample, only: ["pending"])
        #expect {
            _ = try other.restoreSnapshot(saved.first { $0.contains("/pending-seq-") }!)
        } throws: { error in
            "\(error)".contains("was not built from this log") || "\(error)".contains("holds only")
        }
    }
}
