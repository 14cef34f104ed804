/// Re-checks a whole log from its files alone (ignoring the derived index): every frame,
/// trailer, header, sequence number, stream version, idempotency key and Merkle root, and every
/// stored checkpoint's signature and root.
public struct LogVerifier {
    public let directory: LogDirectory

    public init(directory: LogDirectory) {
        self.directory = directory
    }

    /// What verification found.
    public struct Report: Sendable {
        public var segments = 0
        public var batches = 0
        public var events: UInt64 = 0
        public var root = MerkleHash.empty
        public var checkpointsChecked = 0
        /// The first problem, naming the file and offset; nil when the log is intact.
        public var problem: Problem?

        public var isIntact: Bool { problem == nil }
    }

    public struct Problem: Sendable, CustomStringConvertible {
        public var file: String
        public var offset: Int?
        public var reason: String

        public var description: String {
            if let offset { return "\(file) at byte offset \(offset): \(reason)" }
            return "\(file): \(reason)"
        }
    }

    public func verify() throws(LogError) -> Report {
        guard File.exists(directory.config) else { throw .notInitialized(directory: directory.root) }
        var report = Report()
        var catalog = LogCatalog()
        var keys: Set<String> = []
        let bases: [UInt64]
        do { bases = try directory.segmentBases() } catch { throw .storage(error) }
        for (position, base) in bases.enumerated() {
            let name = LogDirectory.segmentName(baseSeq: base)
            let bytes: [UInt8]
            do { bytes = try File(path: directory.segmentPath(baseSeq: base), mode: .readOnly).readAll() } catch { throw .storage(error) }
            let scanner = SegmentScanner(strict: true, isLast: position == bases.count - 1)
            let result = scanner.scan(bytes, baseSeq: base, origin: 0, into: &catalog, keys: &keys)
            report.segments += 1
            report.batches += result.batches.count
            switch result.end {
            case .clean: break
            case .torn(let offset, let reason):
                report.problem = Problem(
                    file: "segments/" + name, offset: offset,
                    reason: "unfinished write after the last commit (\(reason)); opening the log for writing truncates it")
            case .corrupt(let offset, let reason):
                report.problem = Problem(file: "segments/" + name, offset: offset, reason: reason)
            }
            if report.problem != nil { break }
        }
        report.events = catalog.size
        report.root = catalog.tree.root(size: catalog.size)
        if report.problem == nil { report.problem = checkCheckpoints(catalog: catalog, report: &report) }
        return report
    }

    private func checkCheckpoints(catalog: LogCatalog, report: inout Report) -> Problem? {
        let verifier: CheckpointVerifierKey
        let origin: String
        do {
            verifier = try CheckpointVerifierKey(
                text: String(decoding: try File(path: directory.verifierKey, mode: .readOnly).readAll(), as: UTF8.self))
            let config = try JSONParser.parse(try File(path: directory.config, mode: .readOnly).readAll())
            origin = config["origin"]?.stringValue ?? ""
        } catch {
            return Problem(file: "keys/checkpoint.pub", offset: nil, reason: "cannot read the verifier key or config: \(error)")
        }
        let names: [String]
        do { names = try File.listDirectory(directory.checkpoints).filter { $0.hasSuffix(".txt") } } catch {
            return Problem(file: "log/checkpoints", offset: nil, reason: "\(error)")
        }
        for name in names {
            let file = "log/checkpoints/" + name
            do {
                let note = String(decoding: try File(path: directory.checkpoints + "/" + name, mode: .readOnly).readAll(), as: UTF8.self)
                let checkpoint = try Checkpoint(note: note, verifier: verifier)
                guard checkpoint.origin == origin else {
                    return Problem(file: file, offset: nil, reason: CheckpointError.wrongOrigin(checkpoint.origin).description)
                }
                guard checkpoint.size <= catalog.size else {
                    return Problem(
                        file: file, offset: nil,
                        reason: "checkpoint for \(checkpoint.size) events but the log holds \(catalog.size): events are missing")
                }
                guard checkpoint.root == catalog.tree.root(size: checkpoint.size) else {
                    return Problem(
                        file: file, offset: nil, reason: "checkpoint root for size \(checkpoint.size) differs from the log's: history was rewritten")
                }
                report.checkpointsChecked += 1
            } catch {
                return Problem(file: file, offset: nil, reason: "\(error)")
            }
        }
        return nil
    }
}
