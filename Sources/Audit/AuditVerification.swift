import EventLog
import Foundation
import Projections

/// `audit verify`: the whole log as `gongfu verify` checks it (every frame, trailer, seq,
/// version, root, checkpoint signature), every stored checkpoint proven a prefix of the current
/// tree by a consistency proof, and every read model's checkpoint matching the log's root at
/// its seq.
public struct AuditVerification: Sendable {
    public struct ReadModelCheck: Sendable {
        public var name: String
        public var seq: UInt64
        public var matches: Bool
        public var detail: String
    }

    public var log: LogVerifier.Report
    /// Stored checkpoint sizes, each with whether its consistency proof to the current tree verified.
    public var checkpoints: [(size: UInt64, consistent: Bool)]
    public var readModels: [ReadModelCheck]

    public var isIntact: Bool {
        log.isIntact && checkpoints.allSatisfy(\.consistent) && readModels.allSatisfy(\.matches)
    }

    public static func run(directory: LogDirectory) throws -> AuditVerification {
        let report = try LogVerifier(directory: directory).verify()
        let log = try EventLog(directory: directory, writable: false)
        let size = log.size
        var checkpoints: [(UInt64, Bool)] = []
        for stored in (try? log.storedCheckpointSizes()) ?? [] where stored <= size && stored > 0 {
            let consistent = (try? log.consistencyProof(from: stored, to: size)).map { (try? $0.verify()) != nil } ?? false
            checkpoints.append((stored, consistent))
        }
        var readModels: [ReadModelCheck] = []
        let folder = ReadModels.directory(of: directory)
        for type in ReadModelCatalogue.all {
            let path = folder + "/\(type.name).sqlite"
            guard FileManager.default.fileExists(atPath: path) else {
                readModels.append(.init(name: type.name, seq: 0, matches: true, detail: "not built yet"))
                continue
            }
            do {
                let store = try ReadModelStore(path: path, projection: type, mode: .readOnly)
                defer { store.close() }
                let checkpoint = try store.checkpoint()
                if checkpoint.seq == 0 {
                    readModels.append(.init(name: type.name, seq: 0, matches: true, detail: "empty"))
                } else if checkpoint.seq > size {
                    readModels.append(
                        .init(
                            name: type.name, seq: checkpoint.seq, matches: false,
                            detail: "ahead of the log (\(size) events): it was built from another log"))
                } else {
                    let root = try log.root(size: checkpoint.seq).base64
                    let matches = root == checkpoint.root
                    readModels.append(
                        .init(
                            name: type.name, seq: checkpoint.seq, matches: matches,
                            detail: matches
                                ? "root at seq \(checkpoint.seq) matches the log"
                                : "its root \(checkpoint.root) is not the log's root \(root) at seq \(checkpoint.seq)"))
                }
            } catch {
                readModels.append(.init(name: type.name, seq: 0, matches: false, detail: "cannot be read: \(error)"))
            }
        }
        return AuditVerification(log: report, checkpoints: checkpoints, readModels: readModels)
    }

    /// The report as an auditor reads it.
    public var text: String {
        var lines = ["审计核验 / audit verify"]
        if let problem = log.problem {
            lines.append("✗ log NOT intact: \(problem)")
        } else {
            lines.append("✓ log intact: \(log.segments) segment(s), \(log.batches) batch(es), \(log.events) event(s); root \(log.root.base64)")
            lines.append("✓ \(log.checkpointsChecked) stored checkpoint(s): signature and root verified")
        }
        for checkpoint in checkpoints {
            lines.append(
                "\(checkpoint.consistent ? "✓" : "✗") checkpoint of size \(checkpoint.size): consistency proof to size \(log.events) \(checkpoint.consistent ? "verifies (the log only grew)" : "FAILS")"
            )
        }
        for model in readModels {
            lines.append("\(model.matches ? "✓" : "✗") read model \(model.name): \(model.detail)")
        }
        lines.append(isIntact ? "RESULT: intact" : "RESULT: NOT intact")
        return lines.joined(separator: "\n") + "\n"
    }
}
