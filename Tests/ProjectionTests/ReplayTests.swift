import EventLog
import Foundation
import GRDB
import Projections
import TestSupport
import Testing

@Suite("Deterministic replay, rebuilds and exactly-once application")
struct ReplayTests {
    @Test(
        "Replaying a committed log reproduces every golden dump byte for byte: the sample, and the legacy log whose stages moved by StageUpgraded",
        arguments: [false, true])
    func goldenSample(legacy: Bool) throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary, legacy: legacy)
        let log = try EventLog(directory: directory, writable: false)
        let readModels = try ReadModels(log: log)
        try readModels.catchUp()
        for name in ReadModelCatalogue.names {
            let dump = try ReadModelDump.dump(readModels.store(named: name))
            #expect(
                dump == (try Sample.dump(name, legacy: legacy)),
                "read model \(name) differs from snapshots/\(legacy ? "legacy" : "sample")/dumps/\(name).dump")
        }
    }

    @Test("Read models with nothing yet are built from zero, the others left to catch up; both equal the golden dumps")
    func buildEmptyOnly() throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        do {
            let ledgerOnly = try ReadModels(log: log, only: ["ledger"])
            try ledgerOnly.catchUp()
        }
        let readModels = try ReadModels(log: log)
        let built = try readModels.buildEmpty()
        #expect(built == ReadModelCatalogue.names.filter { $0 != "ledger" })
        #expect(try readModels.buildEmpty().isEmpty, "nothing is empty any more")
        try readModels.catchUp()
        for name in ReadModelCatalogue.names {
            #expect(try ReadModelDump.dump(readModels.store(named: name)) == (try Sample.dump(name)), "read model \(name)")
        }
    }

    @Test("Read models maintained batch by batch equal a rebuild from zero")
    func incrementalEqualsRebuild() async throws {
        let temporary = TemporaryDirectory()
        var readModels: ReadModels?
        var catchUps = 0
        let directory = try await generatedLog(in: temporary, batchSize: 60) { log in
            if readModels == nil { readModels = try ReadModels(log: log) }
            try readModels!.catchUp()
            catchUps += 1
        }
        #expect(catchUps > 5)
        let incremental = try dumps(readModels!)
        readModels = nil
        let log = try EventLog(directory: directory, writable: false)
        let rebuilt = try ReadModels(log: log)
        try rebuilt.rebuildAll()
        let fromZero = try dumps(rebuilt)
        for name in ReadModelCatalogue.names {
            #expect(incremental[name] == fromZero[name], "read model \(name): incremental and rebuilt dumps differ")
        }
        #expect(try rebuilt.status().allSatisfy { $0.seq == log.size && $0.lagEvents == 0 })
    }

    @Test("Batches larger than a chunk are applied a chunk at a time, to the same read models as one pass")
    func batchesLargerThanAChunk() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await generatedLog(in: temporary, batchSize: 400)
        let log = try EventLog(directory: directory, writable: false)
        let expected = try onePassDumps(of: log, in: directory)
        let chunked = try ReadModels(log: log)
        var reached: [UInt64] = []
        try chunked.catchUp(chunkEvents: 7) { seq, _ in reached.append(seq) }
        #expect(reached.count > Int(log.size) / 8, "every 400-event batch is cut into pieces of at most 7 events")
        #expect(reached == reached.sorted() && reached.last == log.size)
        let found = try dumps(chunked)
        for name in ReadModelCatalogue.names { #expect(found[name] == expected[name], "read model \(name)") }
    }

    @Test("A chunk handed twice is applied once; a gap is refused")
    func exactlyOnce() throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        let store = try ReadModelStore(path: temporary.path + "/programme.sqlite", projection: ProgrammeReadModel.self, mode: .live)
        var events: [ProjectedEvent] = []
        try log.forEachLine(from: 1, through: 400) { _, line in events.append(try ProjectedEvent(line: line)) }
        try store.apply(Array(events[0..<300]), from: 1, through: 300, root: try log.root(size: 300))
        let once = try ReadModelDump.dump(store)
        // The same chunk again (a worker restarted before learning it had committed): no change.
        try store.apply(Array(events[0..<300]), from: 1, through: 300, root: try log.root(size: 300))
        #expect(try ReadModelDump.dump(store) == once)
        // An overlapping chunk applies only the new part.
        try store.apply(Array(events[200..<400]), from: 201, through: 400, root: try log.root(size: 400))
        #expect(try store.checkpoint().seq == 400)
        // A chunk that would skip events is refused and changes nothing.
        let before = try ReadModelDump.dump(store)
        #expect(throws: ProjectionError.gap(projection: "programme", checkpoint: 400, next: 402)) {
            try store.apply([], from: 402, through: 450, root: try log.root(size: 450))
        }
        #expect(try ReadModelDump.dump(store) == before)
    }

    @Test(
        "A transaction that fails part-way changes nothing, not even the rows a fold keeps in memory",
        arguments: ["pending", "coverage", "findings"])
    func failedTransactionLeavesNothing(name: String) throws {
        let projection = try ReadModelCatalogue.projection(named: name)
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        var events: [ProjectedEvent] = []
        try log.forEachLine(from: 1, through: 900) { _, line in events.append(try ProjectedEvent(line: line)) }
        let store = try ReadModelStore(path: temporary.path + "/live.sqlite", projection: projection, mode: .live)
        try store.apply(Array(events[0..<300]), from: 1, through: 300, root: try log.root(size: 300))
        let before = try ReadModelDump.dump(store)
        // The chunk's enterprise events change rows in memory, then its last event cannot be read.
        var chunk = Array(events[300..<900])
        let enterprise = try #require(chunk.first { $0.category == "enterprise" })
        #expect(chunk.filter { $0.category == "enterprise" }.count > 100)
        let last = chunk.removeLast()
        chunk.append(
            ProjectedEvent(
                seq: last.seq, stream: enterprise.stream, version: 99, type: "AssessmentRecorded", occurred: last.occurred,
                recorded: last.recorded, actor: last.actor, data: .object(["stage": .string("L9")])))
        #expect(throws: ProjectionError.self) { try store.apply(chunk, from: 301, through: 900, root: try log.root(size: 900)) }
        #expect(try ReadModelDump.dump(store) == before)
        #expect(try store.checkpoint().seq == 300)
        // The real chunk then gives what applying everything at once gives.
        try store.apply(Array(events[300..<900]), from: 301, through: 900, root: try log.root(size: 900))
        let straight = try ReadModelStore(path: temporary.path + "/straight.sqlite", projection: projection, mode: .live)
        try straight.apply(events, from: 1, through: 900, root: try log.root(size: 900))
        #expect(try ReadModelDump.dump(store) == (try ReadModelDump.dump(straight)))
    }

    @Test("Changing a projection's version rebuilds it instead of mixing old and new")
    func versionChangeRebuilds() throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        do {
            let readModels = try ReadModels(log: log, only: ["ledger"])
            try readModels.catchUp()
            // Simulate a file written by older logic, with a row that logic would no longer write.
            try readModels.store(named: "ledger").writer.write { db in
                try db.execute(sql: "UPDATE gongfu_checkpoint SET version = 0")
                try db.execute(sql: "INSERT INTO plan VALUES ('stale', 'written by old logic', '2024-01-01')")
            }
        }
        let reopened = try ReadModels(log: log, only: ["ledger"])
        let store = try reopened.store(named: "ledger")
        #expect(try store.checkpoint().version == LedgerReadModel.version)
        #expect(try store.checkpoint().seq == log.size)
        #expect(try ReadModelDump.dump(store) == (try Sample.dump("ledger")))
    }

    @Test("A read model of older logic is not migrated in place: it reads as before until its rebuild replaces it")
    func olderLogicNotMigratedInPlace() throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        let path = ReadModels.directory(of: directory) + "/coverage.sqlite"
        do {
            let readModels = try ReadModels(log: log, only: ["coverage"])
            try readModels.catchUp()
            // Put the file back in its version-2 shape: `enterprise_year` a table.
            try readModels.store(named: "coverage").writer.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE old_rows AS SELECT * FROM enterprise_year;
                        DROP VIEW enterprise_year; DROP TABLE known_year; DROP TABLE frozen_year;
                        ALTER TABLE old_rows RENAME TO enterprise_year;
                        UPDATE gongfu_checkpoint SET version = 2;
                        """)
            }
        }
        func kind(_ name: String, in store: ReadModelStore) throws -> String? {
            try store.read { db in try String.fetchOne(db, sql: "SELECT type FROM sqlite_master WHERE name = ?", arguments: [name]) }
        }
        let old = try ReadModelStore(path: path, projection: CoverageReadModel.self, mode: .live)
        #expect(try kind("enterprise_year", in: old) == "table" && kind("known_year", in: old) == nil, "left in its old shape")
        #expect(try old.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM enterprise_year") } ?? 0 > 0, "its rows still there")
        old.close()
        let rebuilt = try ReadModels(log: log, only: ["coverage"])
        let store = try rebuilt.store(named: "coverage")
        #expect(try store.checkpoint().version == CoverageReadModel.version)
        #expect(try kind("enterprise_year", in: store) == "view")
        #expect(try ReadModelDump.dump(store) == (try Sample.dump("coverage")))
    }

    @Test("A read model from another log is refused, naming its Merkle root")
    func readModelFromAnotherLog() async throws {
        let temporary = TemporaryDirectory()
        let sample = try Sample.copy(into: temporary)
        let other = try await generatedLog(in: temporary, enterprises: 60, seed: 99)
        let foreign = try ReadModels(log: try EventLog(directory: other, writable: false), only: ["pending"])
        try foreign.catchUp()
        let copy = try foreign.saveSnapshots(to: temporary.path + "/foreign")[0]
        try FileManager.default.createDirectory(atPath: sample.root + "/readmodels", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: copy, toPath: sample.root + "/readmodels/pending.sqlite")
        let log = try EventLog(directory: sample, writable: false)
        #expect {
            _ = try ReadModels(log: log, only: ["pending"])
        } throws: { error in
            guard case .rootMismatch(let name, _, _, _) = error as? ProjectionError else { return false }
            return name == "pending" && "\(error)".contains("does not reflect this log")
        }
    }

    @Test("One process maintains the read models at a time")
    func exclusiveMaintenance() throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        let first = try ReadModels(log: log, only: ["ledger"])
        #expect(throws: ProjectionError.busy(path: ReadModels.directory(of: directory))) {
            _ = try ReadModels(log: log, only: ["ledger"])
        }
        _ = first
    }

    @Test("Closing the read models releases them even while a copy of the lock's descriptor lives on (a child forked at that moment)")
    func lockReleasedDespiteCopies() throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        let log = try EventLog(directory: directory, writable: false)
        var first: ReadModels? = try ReadModels(log: log, only: ["ledger"])
        let copy = try #require(duplicateOpenDescriptor(of: ReadModels.directory(of: directory) + "/LOCK"))
        defer { close(copy) }
        _ = first
        first = nil
        let second = try ReadModels(log: log, only: ["ledger"])
        _ = second
    }

    @Test("Closing a writable log releases its writer lock even while a copy of the descriptor lives on")
    func logLockReleasedDespiteCopies() async throws {
        let temporary = TemporaryDirectory()
        let directory = try Sample.copy(into: temporary)
        var first: EventLog? = try EventLog(directory: directory, writable: true)
        let copy = try #require(duplicateOpenDescriptor(of: directory.lock))
        defer { close(copy) }
        await first!.close()
        first = nil
        let second = try EventLog(directory: directory, writable: true)
        await second.close()
    }
}
