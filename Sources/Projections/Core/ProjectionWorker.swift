import EventLog
import Foundation
import Logging

/// Where one read model stands against the log.
public struct ProjectionStatus: Sendable, Equatable {
    public var name: String
    public var seq: UInt64
    public var logSize: UInt64
    /// Events in the log not yet applied.
    public var lagEvents: UInt64
    /// Seconds since the oldest unapplied event was recorded (0 when caught up).
    public var lagSeconds: Double

    public var line: String {
        "\(name): seq \(seq) of \(logSize), lag \(lagEvents) events, \(String(format: "%.3f", lagSeconds)) s"
    }
}

extension ReadModels {
    /// Each read model's position and lag.
    public func status() throws(ProjectionError) -> [ProjectionStatus] {
        let size = log.size
        let now = Timestamp.nowMicroseconds()
        return try stores.map { store throws(ProjectionError) in
            let seq = try store.checkpoint().seq
            var lagSeconds = 0.0
            if seq < size, let next = try? log.envelope(seq: seq + 1), let recorded = Timestamp.microseconds(recorded: next.recorded) {
                lagSeconds = max(0, Double(now - recorded) / 1_000_000)
            }
            return ProjectionStatus(name: store.name, seq: seq, logSize: size, lagEvents: size - min(seq, size), lagSeconds: lagSeconds)
        }
    }
}

/// Keeps read models current: waits for new batches (woken by the in-process writer, or polling
/// a log another process writes) and applies them, each in one transaction with its checkpoint.
/// Stops when its task is cancelled; a restart at any moment resumes from the checkpoints.
public final class ProjectionWorker: @unchecked Sendable {
    public let readModels: ReadModels
    /// How often to look for new events when another process writes the log.
    public var pollInterval: Duration = .milliseconds(100)

    public init(readModels: ReadModels) {
        self.readModels = readModels
    }

    /// Runs until cancelled, calling `onUpdate` after each catch-up with the read models' status.
    public func run(onUpdate: @escaping @Sendable ([ProjectionStatus]) -> Void = { _ in }) async throws {
        let log = readModels.log
        while !Task.isCancelled {
            let size = try readModels.catchUp()
            onUpdate(try readModels.status())
            if log.isWritable {
                await log.waitForCommit(after: size)
                if log.size == size { return }  // the log closed
            } else {
                while !Task.isCancelled {
                    try await Task.sleep(for: pollInterval)
                    try log.refresh()
                    if log.size > size { break }
                }
            }
        }
    }
}
