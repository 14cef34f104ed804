import EventLog
import Foundation
import Projections
import TestSupport
import Testing

@Suite("Projection workers survive being killed")
struct ProjectionCrashTests {
    @Test("kill -9 of `gongfu project` between and during its transactions, then a catch-up, equals a clean rebuild")
    func killNineWhileProjecting() async throws {
        let temporary = TemporaryDirectory()
        // The read models are first built at the end of the first batch, so the worker below
        // catches up one transaction per event (a first build from zero is one file swap).
        var built = false
        let directory = try await generatedLog(in: temporary, enterprises: 400, seed: 21, batchSize: 1000) { log in
            guard !built else { return }
            built = true
            _ = try ReadModels(log: log).catchUp()
        }
        let size = try EventLog(directory: directory, writable: false).size
        let coverage = ReadModels.directory(of: directory) + "/coverage.sqlite"
        @Sendable func position() -> UInt64 {
            guard FileManager.default.fileExists(atPath: coverage),
                let store = try? ReadModelStore(path: coverage, projection: CoverageReadModel.self, mode: .readOnly)
            else { return 0 }
            defer { store.close() }
            return (try? store.checkpoint().seq) ?? 0
        }
        // Each round: start the worker (one event per transaction), watch its checkpoint, and kill
        // it as soon as it has moved past where the last round left it — mid-way through the log.
        // The watching runs on its own thread: the test pool's threads may be busy with other suites.
        let (killedAt, exits) = await withCheckedContinuation { (continuation: CheckedContinuation<([UInt64], [String]), Never>) in
            Thread.detachNewThread {
                var killedAt: [UInt64] = []
                var exits: [String] = []
                var last: UInt64 = 0
                for _ in 0..<4 {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: Products.path("gongfu"))
                    process.arguments = ["project", "--data", directory.root, "--chunk-events", "1"]
                    process.standardOutput = FileHandle.nullDevice
                    let errors = Pipe()
                    process.standardError = errors
                    do { try process.run() } catch {
                        exits.append("\(error)")
                        break
                    }
                    while process.isRunning {
                        let now = position()
                        if now > last, now < size {
                            kill(process.processIdentifier, SIGKILL)
                            killedAt.append(now)
                            break
                        }
                        usleep(2000)
                    }
                    process.waitUntilExit()
                    exits.append(
                        "status \(process.terminationStatus): " + String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
                    last = position()
                    if last == size { break }
                }
                continuation.resume(returning: (killedAt, exits))
            }
        }
        #expect(!killedAt.isEmpty, "the worker always finished before it could be killed mid-way: \(exits)")
        let log = try EventLog(directory: directory, writable: false)
        let survivor = try ReadModels(log: log)
        try survivor.catchUp()
        let afterCrashes = try dumps(survivor)
        try survivor.rebuildAll()
        let clean = try dumps(survivor)
        for name in ReadModelCatalogue.names {
            #expect(afterCrashes[name] == clean[name], "read model \(name) after kill -9 differs from a clean rebuild")
        }
    }
}
