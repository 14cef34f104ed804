import EventLog
import Foundation
import Projections
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics, in its own registry (so several daemons in one process,
/// as in the tests, do not share counters): request latency by route and status, and, read at
/// scrape time, the log's append counters and each read model's lag.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let log: EventLog
    let readModels: ReadModels
    private let logEvents: Counter
    private let logBatches: Counter
    private let logSyncs: Counter
    private let logSyncSeconds: Counter
    private let logMaximumSyncSeconds: Gauge
    private let logMeanBatchEvents: Gauge
    private let logSize: Gauge
    /// The log's counters at the last scrape (the Prometheus counters move by the difference).
    private let lastStatistics: Mutex<LogStatistics>

    init(log: EventLog, readModels: ReadModels) {
        self.log = log
        self.readModels = readModels
        lastStatistics = Mutex(log.statistics)
        logEvents = registry.makeCounter(
            descriptor: .init(metricName: "gongfu_log_appended_events_total", unitName: "", helpText: "Events appended since the daemon started"))
        logBatches = registry.makeCounter(
            descriptor: .init(
                metricName: "gongfu_log_batches_total", unitName: "",
                helpText: "Commit groups (frames, one trailer each) written since the daemon started"))
        logSyncs = registry.makeCounter(
            descriptor: .init(metricName: "gongfu_log_fsyncs_total", unitName: "", helpText: "fdatasync calls since the daemon started"))
        logSyncSeconds = registry.makeCounter(
            descriptor: .init(metricName: "gongfu_log_fsync_seconds_total", unitName: "", helpText: "Time spent in fdatasync"))
        logMaximumSyncSeconds = registry.makeGauge(
            descriptor: .init(metricName: "gongfu_log_fsync_seconds_max", unitName: "", helpText: "The slowest fdatasync since the daemon started"))
        logMeanBatchEvents = registry.makeGauge(
            descriptor: .init(
                metricName: "gongfu_log_batch_events_mean", unitName: "", helpText: "Mean events per commit group since the daemon started"))
        logSize = registry.makeGauge(descriptor: .init(metricName: "gongfu_log_size_events", unitName: "", helpText: "Events in the log"))
    }

    /// Request-latency histograms by route, method and status (made once each).
    private let histograms = Mutex<[RequestKey: DurationHistogram]>([:])

    struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// Records one request's latency under its route pattern and status.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let histogram = histograms.withLock { histograms in
            if let existing = histograms[key] { return existing }
            let made = registry.makeDurationHistogram(
                descriptor: .init(
                    metricName: "gongfu_http_request_duration_seconds", unitName: "", helpText: "Request latency by route pattern, method and status"),
                labels: [("route", route), ("method", method), ("status", String(status))],
                buckets: [
                    .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(2),
                ])
            histograms[key] = made
            return made
        }
        histogram.record(duration)
    }

    /// The Prometheus text exposition, with the log and projection figures read now.
    func render() -> [UInt8] {
        let statistics = log.statistics
        let last = lastStatistics.withLock { last in
            defer { last = statistics }
            return last
        }
        logEvents.increment(by: Int64(statistics.events - last.events))
        logBatches.increment(by: Int64(statistics.batches - last.batches))
        logSyncs.increment(by: Int64(statistics.syncs - last.syncs))
        logSyncSeconds.increment(by: Double(statistics.syncNanoseconds - last.syncNanoseconds) / 1e9)
        logMaximumSyncSeconds.set(to: Double(statistics.maximumSyncNanoseconds) / 1e9)
        logMeanBatchEvents.set(to: statistics.batches == 0 ? 0 : Double(statistics.events) / Double(statistics.batches))
        logSize.set(to: Double(log.size))
        if let statuses = try? readModels.status() {
            for status in statuses {
                registry.makeGauge(
                    descriptor: .init(metricName: "gongfu_projection_lag_events", unitName: "", helpText: "Events not yet applied to the read model"),
                    labels: [("read_model", status.name)]
                )
                .set(to: Double(status.lagEvents))
                registry.makeGauge(
                    descriptor: .init(metricName: "gongfu_projection_lag_seconds", unitName: "", helpText: "Age of the oldest event not yet applied"),
                    labels: [("read_model", status.name)]
                )
                .set(to: status.lagSeconds)
                registry.makeGauge(
                    descriptor: .init(metricName: "gongfu_projection_seq", unitName: "", helpText: "The last seq applied"),
                    labels: [("read_model", status.name)]
                )
                .set(to: Double(status.seq))
            }
        }
        return registry.emitToBuffer()
    }
}
