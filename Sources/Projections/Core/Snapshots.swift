import EventLog
import Foundation
import GRDB

/// Snapshots of read models: a copy of the SQLite file with the log position and Merkle root it
/// reflects (its checkpoint row). Restoring one checks that root against the log, installs the
/// copy and catches up from its position instead of from zero.
extension ReadModels {
    /// Saves each maintained read model into `directory` as `<name>-seq-<N>.sqlite`.
    public func saveSnapshots(to directory: String) throws(ProjectionError) -> [String] {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try stores.map { store throws(ProjectionError) in
            let checkpoint = try store.checkpoint()
            let path = directory + "/\(store.name)-seq-\(checkpoint.seq).sqlite"
            try? FileManager.default.removeItem(atPath: path)
            try Self.run {
                try store.writer.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
            }
            return path
        }
    }

    /// Restores a snapshot file in place of its live read model and catches up from it. Refuses
    /// a snapshot of another log (Merkle root mismatch), of other projection logic (version), or
    /// built as of a past point.
    public func restoreSnapshot(_ path: String) throws(ProjectionError) -> ReadModelCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw .invalidSnapshot(path: path, reason: "no such file") }
        let info: (name: String, checkpoint: ReadModelCheckpoint)
        _ = SQLiteSettings.applied
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            info = try queue.read { db in
                guard let name = try String.fetchOne(db, sql: "SELECT projection FROM gongfu_checkpoint") else {
                    throw ProjectionError.invalidSnapshot(path: path, reason: "it has no read-model checkpoint")
                }
                return (name, try ReadModelStore.checkpoint(in: db))
            }
            try queue.close()
        } catch let error as ProjectionError {
            throw error
        } catch {
            throw .invalidSnapshot(path: path, reason: "not a read-model database (\(error))")
        }
        guard let index = stores.firstIndex(where: { $0.name == info.name }) else {
            throw .invalidSnapshot(path: path, reason: "it holds read model \(info.name), which is not open here")
        }
        let type = stores[index].projectionType
        guard info.checkpoint.version == type.version else {
            throw .invalidSnapshot(
                path: path,
                reason: "it was built by \(info.name) logic v\(info.checkpoint.version) and this build is v\(type.version); rebuild instead")
        }
        guard info.checkpoint.asOf.isEmpty else {
            throw .invalidSnapshot(path: path, reason: "it was built as of \(info.checkpoint.asOf), not from the whole log")
        }
        do {
            try checkMatchesLog(info.checkpoint, name: info.name)
        } catch .rootMismatch(_, let seq, let stored, let root) {
            throw .invalidSnapshot(
                path: path, reason: "its Merkle root at seq \(seq) is \(stored) but the log's is \(root): it was not built from this log")
        } catch .ahead(_, let seq, let size) {
            throw .invalidSnapshot(path: path, reason: "it reflects seq \(seq) but the log holds only \(size) events")
        }
        stores[index].close()
        let live = self.path(of: info.name)
        let copy = live + ".building"
        try? FileManager.default.removeItem(atPath: copy)
        do { try FileManager.default.copyItem(atPath: path, toPath: copy) } catch { throw .database("cannot copy \(path): \(error)") }
        let staged = try ReadModelStore(path: copy, projection: type, mode: .building)
        try Self.install(staged, at: live)
        stores[index] = try ReadModelStore(path: live, projection: type, mode: .live)
        try catchUp()
        return try stores[index].checkpoint()
    }
}
