import Crypto
import EventLog
import Foundation

/// `audit export`: the raw segment files holding events FROM..TO, the signed checkpoint for
/// size TO, the log's public key, the Merkle peaks of the first FROM-1 events, a SHA256SUMS
/// manifest and `verify.py`, so a third party can check the range with `lz4`, `sha256sum` and
/// Python 3 alone.
public enum AuditExport {
    public struct Summary: Sendable {
        public var directory: String
        public var from: UInt64
        public var to: UInt64
        public var segments: [String]
    }

    public static func run(log: EventLog, from: UInt64, to: UInt64?, output: String) throws -> Summary {
        let to = to ?? log.size
        guard from >= 1, from <= to, to <= log.size else {
            throw AuditError.badRange("--from \(from) --to \(to) is not a range of the log's 1..\(log.size) events")
        }
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: output), !((try? fileManager.contentsOfDirectory(atPath: output))?.isEmpty ?? true) {
            throw AuditError.badRange("\(output) exists and is not empty; give a new directory")
        }
        try fileManager.createDirectory(atPath: output + "/segments", withIntermediateDirectories: true)
        let note: String
        do { note = try log.checkpoint(size: to) } catch {
            throw AuditError.noSigningKey(path: log.directory.signingKey)
        }
        // The segments whose events overlap FROM..TO (a segment is named by its first seq).
        let names = try fileManager.contentsOfDirectory(atPath: log.directory.segments).filter { $0.hasSuffix(".lz4") }.sorted()
        let bases = names.compactMap { UInt64($0.prefix(20)) }
        var chosen: [String] = []
        for (index, name) in names.enumerated() {
            let first = bases[index]
            let next = index + 1 < bases.count ? bases[index + 1] : UInt64.max
            if first <= to && next > from { chosen.append(name) }
        }
        for name in chosen {
            try fileManager.copyItem(atPath: log.directory.segments + "/" + name, toPath: output + "/segments/" + name)
        }
        try Data(note.utf8).write(to: URL(fileURLWithPath: output + "/checkpoint.txt"))
        try fileManager.copyItem(atPath: log.directory.keys + "/checkpoint.pub", toPath: output + "/checkpoint.pub")
        let peaks = try log.peaks(size: from - 1).map(\.base64)
        let manifest: [String: Any] = [
            "from": from, "to": to, "origin": log.configuration.origin,
            "segments": chosen.map { "segments/" + $0 }, "checkpoint": "checkpoint.txt", "peaks": peaks,
            "note": "Events FROM..TO of a Gongfu log. Verify: python3 verify.py (needs lz4, sha256sum; openssl for the signature).",
        ]
        try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            .write(to: URL(fileURLWithPath: output + "/export.json"))
        guard let script = Bundle.module.url(forResource: "verify_export", withExtension: "py") else {
            throw AuditError.badRange("the verification script is missing from the Audit bundle")
        }
        try fileManager.copyItem(at: script, to: URL(fileURLWithPath: output + "/verify.py"))
        var sums = ""
        for file in ["export.json", "checkpoint.txt", "checkpoint.pub", "verify.py"] + chosen.map({ "segments/" + $0 }) {
            let digest = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: output + "/" + file)))
            sums += digest.map { String(format: "%02x", $0) }.joined() + "  " + file + "\n"
        }
        try Data(sums.utf8).write(to: URL(fileURLWithPath: output + "/SHA256SUMS"))
        return Summary(directory: output, from: from, to: to, segments: chosen)
    }
}
