import Foundation
import Logging
import Projections
import ServiceLifecycle

/// Keeps the read models current as events land; stops on graceful shutdown (its wait for the
/// next commit is cancelled) with every applied batch committed with its checkpoint.
///
/// A failure to apply (the disk full under a read model, say) does not end the daemon: the
/// worker is started again after a pause, from the checkpoints, while the server goes on
/// answering from what is committed (`/health` shows the lag).
struct ProjectionService: Service {
    let readModels: ReadModels
    let logger: Logger
    var retryAfter: Duration = .seconds(2)

    func run() async throws {
        let logger = logger
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await ProjectionWorker(readModels: readModels).run { statuses in
                        if let behind = statuses.max(by: { $0.lagEvents < $1.lagEvents }), behind.lagEvents > 0 {
                            logger.debug(
                                "projections behind", metadata: ["projection.name": "\(behind.name)", "projection.lag_events": "\(behind.lagEvents)"])
                        }
                    }
                    return
                } catch is CancellationError {
                    return
                } catch {
                    logger.error(
                        "projection failed; retrying",
                        metadata: ["error.message": "\(error)", "projection.retry_seconds": "\(retryAfter.components.seconds)"])
                    try await Task.sleep(for: retryAfter)
                }
            }
        }
        logger.info("projection worker stopped", metadata: ["projection.seq": "\(readModels.log.size)"])
    }
}

/// Owns the log's writer. While the log refuses writes after a failed write or sync (a full
/// disk), it looks every few seconds for free space and then resumes writes in place
/// (``EventLog/resumeWrites()``). On graceful shutdown (after the HTTP server has finished its
/// in-flight requests) it closes the log, which finishes queued appends and syncs them, and
/// stops the work pool.
struct LogService: Service {
    let daemon: Daemon
    /// Free bytes the log's file system needs before writes are tried again.
    var resumeFreeBytes: UInt64 = 64 << 20
    var checkEvery: Duration = .seconds(2)

    func run() async throws {
        let daemon = daemon
        let logger = daemon.logger
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let refusal = daemon.log.refusal, daemon.log.isOpenForWriting {
                    let free = Self.freeBytes(at: daemon.log.directory.root)
                    if free >= resumeFreeBytes {
                        do {
                            try await daemon.log.resumeWrites()
                            await daemon.writer.reset()
                        } catch {
                            logger.error("log writes not resumed", metadata: ["log.error": "\(error)", "log.refusal": "\(refusal)"])
                        }
                    }
                }
                try? await Task.sleep(for: checkEvery)
            }
        }
        await daemon.log.close()
        await daemon.work.shutdown()
        logger.info("log closed", metadata: ["log.size": "\(daemon.log.size)"])
    }

    /// Bytes available to an unprivileged writer on the file system holding `path`.
    static func freeBytes(at path: String) -> UInt64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }
}
