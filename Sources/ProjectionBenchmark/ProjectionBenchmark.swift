import Allocator
import DemoProvince
import Domain
import EventLog
import Foundation
import Logging
import Projections

// Projection benchmark: full rebuild of every read model from a 1M+ event demo-province log,
// against a plain full read of the same log (the ceiling), on a release build; then the
// catch-up latency of a new batch into the read models with the worker running.
//
// Usage: ProjectionBenchmark [--enterprises N] [--scratch DIR] [--batches N] [--each [--only NAME]] [--models A,B]
// (--models rebuilds only those read models, e.g. to profile one; --batches 0 skips the latency run)
// The log is generated once per (enterprises, seed) under the scratch directory and reused.
#if canImport(Glibc)
    import Glibc
#endif

func argument(_ name: String, default value: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// CPU seconds (user + system) this process has used: compared with the wall time, it shows how
/// busy the cores were, and it is less disturbed than wall time by other work on the machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

final class Progress: @unchecked Sendable {
    let lock = NSLock()
    var seq: UInt64 = 0
    var waiter: (UInt64, CheckedContinuation<Void, Never>)?
    func update(_ seq: UInt64) {
        lock.lock()
        self.seq = seq
        if let (target, continuation) = waiter, seq >= target {
            waiter = nil
            lock.unlock()
            continuation.resume()
            return
        }
        lock.unlock()
    }
    func wait(for target: UInt64) async {
        await withCheckedContinuation { continuation in
            lock.lock()
            if seq >= target {
                lock.unlock()
                continuation.resume()
                return
            }
            waiter = (target, continuation)
            lock.unlock()
        }
    }
}
@main
enum ProjectionBenchmark {
    static func main() async throws {
        let enterprises = Int(argument("--enterprises", default: "190000"))!
        let scratch = argument("--scratch", default: NSTemporaryDirectory() + "gongfu-projection-bench")
        let latencyBatches = Int(argument("--batches", default: "200"))!
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }

        let directory = LogDirectory(root: scratch + "/province-\(enterprises)")
        if !FileManager.default.fileExists(atPath: directory.config) {
            try? FileManager.default.removeItem(atPath: directory.root)
            try EventLog.initialize(directory: directory, origin: "bench.gongfu/projections")
            var generator = ProvinceGenerator(options: .init(seed: 2024, enterprises: enterprises))
            let started = now()
            let drafts = try generator.generate()
            let log = try EventLog(directory: directory, writable: true)
            var intake = try Intake(log: log, actor: Role.province.actor(named: "bench"))
            _ = try await intake.checkAndAppend(drafts)
            await log.close()
            FileHandle.standardError.write(
                Data("generated and appended \(drafts.count) events in \(String(format: "%.1f", now() - started)) s\n".utf8))
        }

        let log = try EventLog(directory: directory, writable: false)
        let events = log.size
        var bytes = 0

        // The ceiling: read every event line (decompress, CRC, split), nothing else.
        var started = now()
        try log.forEachLine { _, line in bytes += line.count }
        let readSeconds = now() - started

        // Parsing alone (what every projection pays once per event).
        started = now()
        var actors = ActorCache()
        try log.forEachLine { _, line in _ = try ProjectedEvent(line: line, actors: &actors) }
        let parseSeconds = now() - started

        // Each read model rebuilt alone (where the time goes).
        var each: [(String, Double)] = []
        if CommandLine.arguments.contains("--each") {
            for name in ReadModelCatalogue.names where argument("--only", default: name) == name {
                let alone = try ReadModels(log: log, only: [name])
                let start = now()
                try alone.rebuildAll()
                each.append((name, now() - start))
            }
        }
        // The full rebuild of all the read models into new files.
        try? FileManager.default.removeItem(atPath: ReadModels.directory(of: directory))
        let chosen = CommandLine.arguments.contains("--models") ? argument("--models", default: "").split(separator: ",").map(String.init) : nil
        let readModels = try ReadModels(log: log, only: chosen)
        started = now()
        let cpuStarted = cpuSeconds()
        try readModels.rebuildAll()
        let rebuildSeconds = now() - started
        let rebuildCPU = cpuSeconds() - cpuStarted
        let peak = peakResidentMegabytes()
        var modelBytes = 0
        for store in readModels.stores { modelBytes += (try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0 }

        func rate(_ seconds: Double) -> String { String(format: "%.0f", Double(events) / seconds) }
        print(
            """
            ## Projection rebuild (\(events) events, \(enterprises) enterprises, \(bytes / 1_000_000) MB of NDJSON)

            | pass | seconds | events/s | ratio to plain read |
            |---|---|---|---|
            | plain full read (ceiling) | \(String(format: "%.2f", readSeconds)) | \(rate(readSeconds)) | 1.00 |
            | read + parse envelopes | \(String(format: "%.2f", parseSeconds)) | \(rate(parseSeconds)) | \(String(format: "%.2f", readSeconds / parseSeconds)) |
            | full rebuild, \(chosen.map { $0.joined(separator: "+") } ?? "all \(ReadModelCatalogue.all.count) read models") | \(String(format: "%.2f", rebuildSeconds)) | \(rate(rebuildSeconds)) | \(String(format: "%.2f", readSeconds / rebuildSeconds)) |

            CPU time of the rebuild (user + system): \(String(format: "%.1f", rebuildCPU)) s = \(String(format: "%.1f", rebuildCPU * 1e6 / Double(events))) µs per event, \(String(format: "%.2f", rebuildCPU / rebuildSeconds)) cores busy on average.

            Rebuild phases (wall s) and each read model's own apply time (s): \(readModels.lastRebuildTimings.map { "\($0.0) \(String(format: "%.1f", $0.1))" }.joined(separator: ", ")).

            Peak RSS of the process after the rebuild: \(String(format: "%.0f", peak)) MB; read-model files: \(modelBytes / 1_000_000) MB. Memory allocator: \(Allocator.description).
            \(each.isEmpty ? "" : "\nEach alone (--each): " + each.map { "\($0.0) \(String(format: "%.1f", $0.1)) s" }.joined(separator: ", ") + "\n")

            """)

        guard latencyBatches > 0 else { return }
        // Catch-up latency: a writer in this process appends small batches; the worker applies each.
        let copy = scratch + "/latency"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        let small = LogDirectory(root: copy + "/data")
        try EventLog.initialize(directory: small, origin: "bench.gongfu/latency")
        let writer = try EventLog(directory: small, writable: true)
        var generator = ProvinceGenerator(options: .init(seed: 9, enterprises: 2000))
        let drafts = try generator.generate()
        let split = drafts.count - latencyBatches * 5
        var intake = try Intake(log: writer, actor: Role.province.actor(named: "bench"))
        _ = try await intake.checkAndAppend(Array(drafts[..<split]))
        let live = try ReadModels(log: writer)
        try live.catchUp()
        let progress = Progress()
        let worker = ProjectionWorker(readModels: live)
        let task = Task { try await worker.run { status in progress.update(status.map(\.seq).min() ?? 0) } }
        var latencies: [Double] = []
        var position = split
        while position < drafts.count {
            let batch = Array(drafts[position..<min(position + 5, drafts.count)])
            let before = now()
            _ = try await intake.checkAndAppend(batch)
            await progress.wait(for: writer.size)
            latencies.append(now() - before)
            position += batch.count
        }
        task.cancel()
        await writer.close()
        latencies.sort()
        func percentile(_ p: Double) -> String {
            String(format: "%.1f", latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000)
        }
        print(
            """
            ## Catch-up latency (\(latencies.count) batches of 5 events, append → all \(ReadModelCatalogue.all.count) read models committed)

            | p50 ms | p90 ms | p99 ms | max ms |
            |---|---|---|---|
            | \(percentile(0.5)) | \(percentile(0.9)) | \(percentile(0.99)) | \(String(format: "%.1f", latencies.last! * 1000)) |

            (Measured from the append call to the read models' commit: includes the append's own fdatasync.)
            """)

    }
}
