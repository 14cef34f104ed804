import DemoProvince
import Domain
import EventLog
import Foundation
import Projections
import TestSupport

/// The repository's `snapshots/sample/` — a seeded demo province's log and its golden dumps —
/// and `snapshots/legacy/`, a log written when stages still moved by `StageUpgraded`.
enum Sample {
    static let snapshots = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("snapshots")

    static func root(legacy: Bool) -> URL { snapshots.appendingPathComponent(legacy ? "legacy" : "sample") }

    /// A copy of the sample's data directory (tests never write into the repository).
    static func copy(into temporary: TemporaryDirectory, legacy: Bool = false) throws -> LogDirectory {
        let target = temporary.path + (legacy ? "/legacy" : "/sample")
        try FileManager.default.copyItem(atPath: root(legacy: legacy).appendingPathComponent("data").path, toPath: target)
        return LogDirectory(root: target)
    }

    static func dump(_ name: String, legacy: Bool = false) throws -> String {
        try String(contentsOf: root(legacy: legacy).appendingPathComponent("dumps/\(name).dump"), encoding: .utf8)
    }
}

let province = Role.province.actor(named: "test")

/// A small generated province appended to a fresh log, in batches of `batchSize`, calling
/// `afterBatch` after each one.
func generatedLog(
    in temporary: TemporaryDirectory, enterprises: Int = 120, seed: UInt64 = 11, batchSize: Int = 400,
    afterBatch: (EventLog) throws -> Void = { _ in }
) async throws -> LogDirectory {
    let directory = try temporary.initialisedLog()
    var generator = ProvinceGenerator(options: .init(seed: seed, enterprises: enterprises))
    let drafts = try generator.generate()
    let log = try EventLog(directory: directory, writable: true)
    var intake = try Intake(log: log, actor: province)
    var start = 0
    while start < drafts.count {
        let batch = Array(drafts[start..<min(start + batchSize, drafts.count)])
        _ = try await intake.checkAndAppend(batch)
        try afterBatch(log)
        start += batch.count
    }
    await log.close()
    return directory
}

/// The dumps of every read model built from `log` in one pass; the files are removed after,
/// so that the same directory can be built again another way.
func onePassDumps(of log: EventLog, in directory: LogDirectory) throws -> [String: String] {
    let expected: [String: String]
    do {
        let whole = try ReadModels(log: log)
        try whole.rebuildAll()
        expected = try dumps(whole)
    }
    try FileManager.default.removeItem(atPath: ReadModels.directory(of: directory))
    return expected
}

func dumps(_ readModels: ReadModels) throws -> [String: String] {
    var result: [String: String] = [:]
    for store in readModels.stores { result[store.name] = try ReadModelDump.dump(store) }
    return result
}
