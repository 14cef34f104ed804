import EventLog
import Hummingbird

/// `/health` (is the log writable, how far behind are the read models) and `/metrics`
/// (Prometheus text). Neither needs a token nor shows any enterprise's data.
struct OperationsRoutes {
    let daemon: Daemon

    func add(to router: Router<GongfuRequestContext>) {
        router.get("health") { _, _ in
            let statuses = try daemon.readModels.status()
            let refusal = daemon.log.refusal
            let healthy = daemon.log.isWritable && refusal == nil
            var log: JSONObject = ["size": .integer(Int64(daemon.log.size)), "writable": .bool(healthy)]
            if let refusal {
                log["refusal"] = .string(
                    refusal.contains("No space left")
                        ? "the disk holding the log is full; writes resume once space is freed"
                        : "a write or sync failed; writes are refused until the log is reopened")
            }
            let json: JSONValue = .object([
                "status": .string(healthy ? "ok" : "degraded"),
                "log": .object(log),
                "readModels": .array(
                    statuses.map { status in
                        .object([
                            "name": .string(status.name),
                            "seq": .integer(Int64(status.seq)),
                            "lagEvents": .integer(Int64(status.lagEvents)),
                            "lagSeconds": .double(status.lagSeconds),
                        ])
                    }),
            ])
            return Responses.json(json, seq: statuses.map(\.seq).min(), status: healthy ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: daemon.metrics.render())))
        }
    }
}
