import EventLog
import Foundation
import Projections
import TestSupport
import Testing

@Suite("Projection workers survive being killed")
struct ProjectionCrashTests {
    @Test("kill -9 of `gongfu project` at varying moments, then a catch-up, equals a clean rebuild")
    func killNineWhileProjecting() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await generatedLog(in: temporary, enterprises: 4000, seed: 21, batchSize: 2000)
        let size = try EventLog(directory: directory, writable: false).size
        var killedMidway = 0
        var positions: Set<UInt64> = []
        for round in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Products.path("gongfu"))
            process.arguments = ["project", "--data", directory.root]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(200 + round * 350))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedMidway += 1
            }
            process.waitUntilExit()
            // Where the killed worker left the read models: every one at a committed chunk.
            let path = ReadModels.directory(of: directory) + "/coverage.sqlite"
            if FileManager.default.fileExists(atPath: path) {
                let store = try ReadModelStore(path: path, projection: CoverageMetrics.self, mode: .readOnly)
                positions.insert(try store.checkpoint().seq)
                store.close()
            }
        }
        let log = try EventLog(directory: directory, writable: false)
        let survivor = try ReadModels(log: log)
        try survivor.catchUp()
        let afterCrashes = try dumps(survivor)
        try survivor.rebuildAll()
        let clean = try dumps(survivor)
        for name in ReadModelCatalogue.names {
            #expect(afterCrashes[name] == clean[name], "read model \(name) after kill -9 differs from a clean rebuild")
        }
        #expect(killedMidway > 0, "the child always finished before it was killed; the test proved nothing")
        #expect(positions.contains { $0 > 0 && $0 < size }, "no kill landed between two committed chunks (positions \(positions.sorted()) of \(size))")
    }
}
