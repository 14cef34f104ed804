import Access
import Domain
import EventLog
import Foundation
import Logging
import Projections
import Synchronization

/// What the routes and services share: the log (opened for writing: the daemon is its only
/// writer while it runs), the read models, the tokens, the serialised writer and the metrics.
public final class Daemon: Sendable {
    public let configuration: ServerConfiguration
    public let log: EventLog
    public let readModels: ReadModels
    public let tokens: TokenStore
    let writer: EventWriter
    let metrics: ServerMetrics
    let cache = ResponseCache()
    /// The latest supervision findings computed, for the findings read model's seq and the
    /// date they were judged at: an enterprise's page shows its own without running every
    /// check again for each page.
    let findings = Mutex<(seq: UInt64, date: String, findings: [SupervisionQuery.Finding])?>(nil)
    /// The industrial chains the enterprise search offers, for the pending library's seq.
    let chains = Mutex<(seq: UInt64, chains: [String])?>(nil)
    /// Where blocking work runs, with a bound per kind (``WorkPool``).
    let work: WorkPool
    /// Live event streams per token.
    let streams: StreamLeases
    let logger: Logger

    /// Opens the data directory: the log for writing, every read model (caught up before the
    /// server starts), and the token store.
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let directory = LogDirectory(root: configuration.dataDirectory)
        log = try EventLog(directory: directory, writable: true, logger: logger)
        readModels = try ReadModels(log: log, logger: logger)
        try readModels.buildEmpty()
        try readModels.catchUp()
        tokens = try TokenStore(directory: configuration.dataDirectory)
        writer = try EventWriter(log: log, maximumEvents: configuration.maximumEventsPerRequest)
        metrics = ServerMetrics(log: log, readModels: readModels)
        work = WorkPool(threads: configuration.workThreads)
        streams = StreamLeases(perToken: configuration.maximumStreamsPerToken, total: configuration.maximumStreams)
    }

    /// The store of read model `name`.
    func store(_ name: String) throws -> ReadModelStore {
        try readModels.store(named: name)
    }

    /// Waits until read model `name` has applied `seq` (read-your-writes), up to the configured
    /// maximum; 504 if it has not by then.
    func waitUntilProjected(_ seq: UInt64, in name: String) async throws {
        let store = try store(name)
        let deadline = ContinuousClock.now + configuration.maximumWait
        while try store.checkpoint().seq < seq {
            guard seq <= log.size else {
                throw Problem(.badRequest, "waitFor=\(seq) is beyond the end of the log (\(log.size) events); ask for a seq a POST returned")
            }
            guard ContinuousClock.now < deadline else {
                throw Problem(.gatewayTimeout, "read model \(name) has not reached seq \(seq) within \(configuration.maximumWait); try again")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
