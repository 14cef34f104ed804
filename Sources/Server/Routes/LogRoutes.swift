import EventLog
import Foundation
import Hummingbird

/// `/v1` log routes: append events, read them by range or stream, the signed checkpoint and
/// Merkle proofs (the same JSON as `gongfu prove`).
struct LogRoutes {
    let daemon: Daemon

    func add(to router: Router<GongfuRequestContext>) {
        let v1 = router.group("v1")
        v1.post("events") { request, context in try await append(request, context) }
        v1.get("events") { request, context in try await read(request, context) }
        v1.get("checkpoint") { _, context in
            _ = try context.requireIdentity()
            return try checkpoint()
        }
        v1.get("proofs/inclusion") { request, context in
            _ = try context.requireIdentity()
            let parameters = Parameters(request: request)
            guard let seq = try parameters.seq("seq") else {
                throw Problem(.badRequest, "query parameter seq is required: the event to prove (1 to \(daemon.log.size))")
            }
            let proof = try logCall { try daemon.log.inclusionProof(seq: seq, treeSize: try parameters.seq("size")) }
            return Responses.json(proof.json, seq: proof.treeSize)
        }
        v1.get("proofs/consistency") { request, context in
            _ = try context.requireIdentity()
            let parameters = Parameters(request: request)
            guard let from = try parameters.seq("from"), let to = try parameters.seq("to") else {
                throw Problem(.badRequest, "query parameters from and to are required: the older and newer tree sizes")
            }
            guard from >= 1, from <= to else {
                throw Problem(.badRequest, "from must be at least 1 and at most to (got from=\(from), to=\(to))")
            }
            let proof = try logCall { try daemon.log.consistencyProof(from: from, to: to) }
            return Responses.json(proof.json, seq: to)
        }
    }

    /// The signed checkpoint of the whole log; without the signing key (a copy of the log made
    /// for readers), the latest stored checkpoint, whose size `Gongfu-Seq` names.
    func checkpoint() throws -> Response {
        let log = daemon.log
        if let note = try? log.checkpoint() { return Responses.text(note, seq: log.size) }
        if let size = (try? log.storedCheckpointSizes())?.last,
            let note = FileManager.default.contents(atPath: log.directory.checkpointPath(size: size))
        {
            return Responses.text(String(decoding: note, as: UTF8.self), seq: size)
        }
        throw Problem(
            .serviceUnavailable,
            "no checkpoint can be signed: \(log.directory.signingKey) is missing and no checkpoint is stored; the operator must restore the signing key"
        )
    }

    /// Log errors a caller caused (a seq or size past the end) are 400s.
    func logCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LogError {
            switch error {
            case .seqOutOfRange: throw Problem(.badRequest, "\(error)")
            default: throw error
            }
        }
    }

    func append(_ request: Request, _ context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.mayWrite else {
            throw Problem(.forbidden, "auditors read everything and write nothing; this token is an auditor's")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: daemon.configuration.maximumBodyBytes)
        } catch {
            throw Problem(.contentTooLarge, "the body is larger than \(daemon.configuration.maximumBodyBytes) bytes; split the batch")
        }
        let drafts = try daemon.writer.drafts(from: Array(buffer: body))
        let results = try await daemon.writer.append(drafts, by: identity)
        let json: JSONValue = .object([
            "seq": .integer(Int64(results.map(\.seq).max() ?? daemon.log.size)),
            "events": .array(
                results.map { result in
                    .object([
                        "seq": .integer(Int64(result.seq)),
                        "stream": .string(result.stream),
                        "version": .integer(Int64(result.version)),
                        "duplicate": .bool(result.isDuplicate),
                    ])
                }),
        ])
        let created = results.contains { !$0.isDuplicate }
        return Responses.json(json, seq: results.map(\.seq).max(), status: created ? .created : .ok)
    }

    /// `GET /v1/events`: stored lines as NDJSON, by range or by stream. A city token reads the
    /// events of its own enterprises and their projects only, found through its streams'
    /// positions (``CityScope/seqs(from:through:limit:)``), not by scanning the log.
    func read(_ request: Request, _ context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let parameters = Parameters(request: request)
        let log = daemon.log
        let size = log.size
        let from = try parameters.seq("from") ?? 1
        let limit = try parameters.integer("limit", in: 1...10_000) ?? 1000
        let to = min(try parameters.seq("to") ?? size, size)
        let stream = parameters.string("stream")
        let daemon = daemon
        let output = try await daemon.work.run(identity.region != nil && stream == nil ? WorkPool.heavy : WorkPool.query) { () throws -> [UInt8] in
            let scope = identity.region.map { CityScope(region: $0, daemon: daemon) }
            var output: [UInt8] = []
            var count = 0
            if let stream {
                try log.forEachLine(stream: stream, from: from, through: to) { _, line in
                    guard count < limit, scope?.includes(line: line) ?? true else { return }
                    output.append(contentsOf: line)
                    count += 1
                }
            } else if let scope {
                try log.forEachLine(seqs: try scope.seqs(from: from, through: to, limit: limit)) { _, line in output.append(contentsOf: line) }
            } else if from <= to, from >= 1 {
                try log.forEachLine(from: from, through: min(to, from + UInt64(limit) - 1)) { _, line in output.append(contentsOf: line) }
            }
            return output
        }
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson", Responses.seqHeader: String(size)],
            body: .init(byteBuffer: ByteBuffer(bytes: output)))
    }
}
