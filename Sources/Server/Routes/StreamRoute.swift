import EventLog
import Hummingbird
import ServiceLifecycle

/// `GET /v1/stream?from=SEQ` (or `Last-Event-ID`): Server-Sent Events, one `event` per log
/// event (`id` = its seq, `data` = its envelope line), live as batches land; it ends when the
/// daemon shuts down (clients reconnect with `Last-Event-ID`). A city token receives the events
/// of its own enterprises and their projects only.
///
/// Memory per connection is bounded: events are read a chunk at a time, and the next chunk only
/// once the client has taken the previous one (the channel's backpressure). Each token holds at
/// most ``ServerConfiguration/maximumStreamsPerToken`` streams at once.
struct StreamRoute {
    let daemon: Daemon
    /// Events read and sent at a time.
    static let chunkEvents = 256
    static let lastEventID = HTTPFields.Element.Name("Last-Event-ID")!

    func add(to router: Router<GongfuRequestContext>) {
        router.get("v1/stream") { request, context in
            let identity = try context.requireIdentity()
            let log = daemon.log
            let size = log.size
            let from = try start(request, size: size)
            let lease = try daemon.streams.open(for: identity.tokenID)
            let daemon = daemon
            let region = identity.region
            let body = ResponseBody { writer in
                defer { lease.close() }
                let scope = region.map { CityScope(region: $0, daemon: daemon) }
                try await writer.write(ByteBuffer(string: ": gongfu stream from seq \(from)\n\n"))
                var next = from
                if let scope {
                    // Catch up through the city's streams' positions instead of the whole log.
                    while next <= log.size {
                        let through = log.size
                        let first = next
                        let seqs = try await daemon.work.run(WorkPool.query) {
                            try scope.seqs(from: first, through: through, limit: Self.chunkEvents)
                        }
                        guard let last = seqs.last else {
                            next = through + 1
                            break
                        }
                        var buffer = ByteBuffer()
                        try log.forEachLine(seqs: seqs) { seq, line in Self.write(seq, line, into: &buffer) }
                        try await writer.write(buffer)
                        next = seqs.count < Self.chunkEvents ? through + 1 : last + 1
                    }
                }
                // Ends on graceful shutdown, so the server's drain does not wait for it forever.
                for try await events in log.follow(from: next, maximumEvents: Self.chunkEvents).cancelOnGracefulShutdown() {
                    var buffer = ByteBuffer()
                    for (seq, line) in events {
                        if let scope, !scope.includes(line: line) { continue }
                        Self.write(seq, line[...], into: &buffer)
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream",
                    .cacheControl: "no-cache",
                    Responses.seqHeader: String(size),
                ], body: body)
        }
    }

    /// The first seq to send: `from`, else the one after `Last-Event-ID`, else the next to be
    /// appended. Anything past the end of the log is the client's mistake (seqs have no gaps).
    func start(_ request: Request, size: UInt64) throws -> UInt64 {
        if let from = try Parameters(request: request).seq("from") {
            guard from <= size + 1 else {
                throw Problem(.badRequest, "from=\(from) is beyond the end of the log (\(size) events); give a seq from 1 to \(size + 1)")
            }
            return max(from, 1)
        }
        if let text = request.headers[Self.lastEventID] {
            guard let last = UInt64(text), last <= size else {
                throw Problem(
                    .badRequest,
                    "Last-Event-ID: \(text.prefix(40)) is not the seq of an event in the log (1 to \(size)); reconnect with the id of the last event received"
                )
            }
            return last + 1
        }
        return size + 1
    }

    static func write(_ seq: UInt64, _ line: some BidirectionalCollection<UInt8>, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(seq)\nevent: event\ndata: ")
        buffer.writeBytes(line.last == 0x0A ? line.dropLast() : line[...])
        buffer.writeString("\n\n")
    }
}
