import Logging
import Projections
import ServiceLifecycle

/// Keeps the read models current as events land; stops on graceful shutdown (its wait for the
/// next commit is cancelled) with every applied batch committed with its checkpoint.
struct ProjectionService: Service {
    let readModels: ReadModels
    let logger: Logger

    func run() async throws {
        let worker = ProjectionWorker(readModels: readModels)
        let logger = logger
        try await cancelWhenGracefulShutdown {
            try await worker.run { statuses in
                if let behind = statuses.max(by: { $0.lagEvents < $1.lagEvents }), behind.lagEvents > 0 {
                    logger.debug("projections behind", metadata: ["projection.name": "\(behind.name)", "projection.lag_events": "\(behind.lagEvents)"])
                }
            }
        }
        logger.info("projection worker stopped", metadata: ["projection.seq": "\(readModels.log.size)"])
    }
}

/// Owns the log's writer: on graceful shutdown (after the HTTP server has finished its
/// in-flight requests) it closes the log, which finishes queued appends and syncs them.
struct LogService: Service {
    let daemon: Daemon

    func run() async throws {
        try? await gracefulShutdown()
        await daemon.log.close()
        daemon.logger.info("log closed", metadata: ["log.size": "\(daemon.log.size)"])
    }
}
