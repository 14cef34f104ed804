import EventLog
import Hummingbird
import ServiceLifecycle

/// `GET /v1/stream?from=SEQ` (or `Last-Event-ID`): Server-Sent Events, one `event` per log
/// event (`id` = its seq, `data` = its envelope line), live as batches land; it ends when the
/// daemon shuts down (clients reconnect with `Last-Event-ID`). A city token receives the events
/// of its own enterprises and their projects only.
struct StreamRoute {
    let daemon: Daemon

    func add(to router: Router<GongfuRequestContext>) {
        router.get("v1/stream") { request, context in
            let identity = try context.requireIdentity()
            let lastID = request.headers[HTTPFields.Element.Name("Last-Event-ID")!].flatMap { UInt64($0) }
            let from = try Parameters(request: request).seq("from") ?? lastID.map { $0 + 1 } ?? (daemon.log.size + 1)
            let log = daemon.log
            let daemon = daemon
            let city = identity.city
            let body = ResponseBody { writer in
                let scope = city.map { CityScope(city: $0, daemon: daemon) }
                try await writer.write(ByteBuffer(string: ": gongfu stream from seq \(from)\n\n"))
                // Ends on graceful shutdown, so the server's drain does not wait for it forever.
                for try await events in log.follow(from: from).cancelOnGracefulShutdown() {
                    var buffer = ByteBuffer()
                    for (seq, line) in events {
                        if let scope, !scope.includes(line: line) { continue }
                        buffer.writeString("id: \(seq)\nevent: event\ndata: ")
                        buffer.writeBytes(line.last == 0x0A ? line.dropLast() : line[...])
                        buffer.writeString("\n\n")
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [
                .contentType: "text/event-stream",
                .cacheControl: "no-cache",
                Responses.seqHeader: String(log.size),
            ], body: body)
        }
    }
}
