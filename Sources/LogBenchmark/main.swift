// Log append/read benchmark, with the SQLite baseline side by side in the same run.
// Run through tools/bench-log.sh (release build). Prints a Markdown table.
import Allocator
import EventLog
import Foundation
import GRDB

struct Settings {
    var events = 1_000_000
    var appenders = [1, 8, 64]
    var batch = 100
    /// Rounds per appender count: log and SQLite alternate, and the table gives medians (this
    /// machine is shared: one round can be 10–15% off).
    var rounds = 1
    var scratch = NSTemporaryDirectory() + "gongfu-bench"
    var sqlite = true
    var compressionLevel = EventLog.Options().compressionLevel
    /// Only time the canonical JSON of every payload on one core (the append path's largest part).
    var canonicalOnly = false

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--events": events = Int(iterator.next() ?? "") ?? events
            case "--appenders": appenders = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--batch": batch = Int(iterator.next() ?? "") ?? batch
            case "--rounds": rounds = max(1, Int(iterator.next() ?? "") ?? rounds)
            case "--scratch": scratch = iterator.next() ?? scratch
            case "--no-sqlite": sqlite = false
            case "--canonical-json": canonicalOnly = true
            case "--lz4-level": compressionLevel = Int32(iterator.next() ?? "") ?? compressionLevel
            default:
                FileHandle.standardError.write(
                    Data(
                        "usage: LogBenchmark [--events N] [--appenders 1,8,64] [--batch B] [--rounds R] [--scratch DIR] [--no-sqlite] [--lz4-level L] [--canonical-json]\n"
                            .utf8))
                exit(2)
            }
        }
    }
}

let settings = Settings(arguments: CommandLine.arguments)
let cities = [
    "370100", "370200", "370300", "370400", "370500", "370600", "370700", "370800", "370900", "371000", "371100", "371300", "371400", "371500",
    "371600", "371700",
]
let kinds = ["DiagnosisVisited", "AssessmentRecorded", "TrainingAttended", "TrialStarted", "ProjectFiled", "StageUpgraded"]
let providers = (0..<500).map { "91370\(String($0 % 16 + 1).leftPadded(6))MA3C\(String($0).leftPadded(4))" }

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// SplitMix64: fast, seeded, so every run appends the same events.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Realistic events: ~30k enterprises, domain-shaped payloads of 300–500 bytes as envelopes.
func makeDrafts(_ count: Int) -> [EventDraft] {
    var generator = SplitMix(state: 2024)
    return (0..<count).map { index in
        let enterprise = Int.random(in: 0..<30_000, using: &generator)
        let city = cities[enterprise % cities.count]
        return EventDraft(
            stream: "enterprise/91\(city)MA\(String(enterprise).leftPadded(7))X",
            type: kinds[index % kinds.count],
            occurred: "202\(4 + index % 3)-\(String(index % 12 + 1).leftPadded(2))-\(String(index % 28 + 1).leftPadded(2))",
            data: [
                "city": .string(city), "county": .string(String(city.prefix(4)) + String(enterprise % 17 + 1).leftPadded(2)),
                "industry": .string("C\(13 + enterprise % 31)\(enterprise % 9)"),
                "provider": .string(providers[Int.random(in: 0..<providers.count, using: &generator)]),
                "commissioner": .string(["张伟", "王芳", "李娜", "刘洋", "陈静"][index % 5]),
                "findings": .string("设备联网率\(Int.random(in: 10...90, using: &generator))%，生产数据未贯通，建议实施\(["设备上云", "MES", "ERP", "数字孪生"][index % 4])"),
                "stage": .string("L\(Int.random(in: 0...5, using: &generator))"),
                "scores": .array((0..<6).map { _ in .integer(Int64(Int.random(in: 0...100, using: &generator))) }),
                "budgetFen": .integer(Int64(Int.random(in: 100_000...50_000_000, using: &generator))),
            ])
    }
}

/// Lets the machine settle before a timed run: dirty pages written back and a second for the
/// kernel's background work (journal commits, freeing the previous run's deleted files) to end.
/// Without it each run paid for the one before: the log, run right after SQLite had written and
/// deleted its ~1 GB, appended 15% slower (3.9–4.1 µs of CPU per event instead of 3.4–3.5).
func settle() {
    sync()
    Thread.sleep(forTimeInterval: 1)
}

func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// CPU seconds (user + system) this process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func directorySize(_ path: String) -> Int {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: path + "/" + $1)[.size] as? Int) ?? 0) }
}

func slices(_ count: Int, appenders: Int, batch: Int) -> [[Range<Int>]] {
    var work = Array(repeating: [Range<Int>](), count: appenders)
    var start = 0
    var next = 0
    while start < count {
        work[next % appenders].append(start..<min(start + batch, count))
        start += batch
        next += 1
    }
    return work
}

let actor = Actor(name: "bench", role: "operator")
print("Memory allocator: \(Allocator.description)")
print("Generating \(settings.events) events…")
let drafts = makeDrafts(settings.events)
if settings.canonicalOnly {
    var bytes = 0
    for _ in 0..<2 { for draft in drafts { bytes &+= draft.data.canonicalBytes.count } }  // warm-up
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<3 { for draft in drafts { bytes &+= draft.data.canonicalBytes.count } }
    let nanoseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(3 * drafts.count)
    print(String(format: "canonical JSON of the payload: %.0f ns per event on one core (%d bytes)", nanoseconds, bytes / 5))
    exit(0)
}
try? FileManager.default.removeItem(atPath: settings.scratch)
try FileManager.default.createDirectory(atPath: settings.scratch, withIntermediateDirectories: true)

/// Counts lines the way a consumer splits them: memchr from newline to newline.
func countLines(_ content: UnsafeRawBufferPointer) -> Int {
    guard var position = content.baseAddress else { return 0 }
    let end = position + content.count
    var count = 0
    while position < end, let newline = memchr(position, 10, end - position) {
        count += 1
        position = UnsafeRawPointer(newline) + 1
    }
    return count
}

/// One round of one appender count: the log, its full read, `lz4 -dc`, and the SQLite baseline.
struct Round {
    var logRate: Double
    var sqliteRate: Double?
    var diskRatio: Double
    var bytesPerEvent: Double
    var readMegabytesPerSecond: Double
    var lz4MegabytesPerSecond: Double
    var readEventsPerSecond: Double
    var ratio: Double? { sqliteRate.map { logRate / $0 } }
}

func runCase(appenders: Int, round: Int) async throws -> Round {
    let work = slices(drafts.count, appenders: appenders, batch: settings.batch)
    defer {
        try? FileManager.default.removeItem(atPath: settings.scratch + "/log-\(appenders)-\(round)")
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: settings.scratch + "/sqlite-\(appenders)-\(round).db" + suffix)
        }
    }

    // The log.
    let directory = LogDirectory(root: settings.scratch + "/log-\(appenders)-\(round)")
    try EventLog.initialize(directory: directory, origin: "bench/log")
    var options = EventLog.Options()
    options.compressionLevel = settings.compressionLevel
    let log = try EventLog(directory: directory, writable: true, options: options)
    // Each append's events as the array `append` takes, made before the clock starts (SQLite's
    // side reads the same drafts in place).
    let requests = work.map { ranges in ranges.map { Array(drafts[$0]) } }
    settle()
    let logCPUStarted = cpuSeconds()
    let logSeconds = try await measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batches in requests {
                group.addTask {
                    for batch in batches { _ = try await log.append(batch, actor: actor) }
                }
            }
            try await group.waitForAll()
        }
    }
    let logCPU = cpuSeconds() - logCPUStarted
    let appended = log.size
    let stats = log.statistics
    await log.close()
    print(
        String(
            format:
                "  log, %d appenders: %d batches, %.0f events/batch, encoder %.2f µs/event (busy %.0f%%), %d fdatasyncs of %.2f ms (max %.1f ms), %.2f s",
            appenders, stats.batches, Double(stats.events) / Double(stats.batches), Double(stats.encodeNanoseconds) / 1e3 / Double(stats.events),
            100 * Double(stats.encodeNanoseconds) / 1e9 / logSeconds, stats.syncs,
            Double(stats.syncNanoseconds) / 1e6 / Double(max(stats.syncs, 1)), Double(stats.maximumSyncNanoseconds) / 1e6, logSeconds))
    print(
        String(
            format: "  log, %d appenders: CPU %.2f s (user + system) = %.2f µs per event, %.2f cores busy", appenders, logCPU,
            logCPU * 1e6 / Double(drafts.count), logCPU / logSeconds))
    let reader = try EventLog(directory: directory, writable: false)
    var rawBytes = 0
    var lines = 0
    let readSeconds = try await measure {
        try reader.forEachBatch { _, _, content in
            rawBytes += content.count
            lines += countLines(content)
        }
    }
    precondition(lines == drafts.count && appended == UInt64(drafts.count))
    let segments = directorySize(directory.segments)

    // `lz4 -dc` over the same segments (the read ceiling).
    let segmentFiles = try FileManager.default.contentsOfDirectory(atPath: directory.segments).sorted().map { directory.segments + "/" + $0 }
    let lz4Seconds = try await measure {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "cat \(segmentFiles.joined(separator: " ")) | lz4 -dc > /dev/null"]
        try process.run()
        process.waitUntilExit()
    }

    // SQLite baseline: WAL, synchronous=FULL, same events (as their JSON) and batch sizes.
    var sqliteRate: Double?
    if settings.sqlite {
        // `synchronous = FULL` is set on the writer once the pool is open: set in
        // `prepareDatabase`, GRDB's WAL set-up (which runs after it) puts it back to NORMAL, and
        // the WAL would then be synced only at checkpoints, not at each commit (the baseline of
        // sessions 1–6 ran so, without noticing: a non-durable SQLite).
        let pool = try DatabasePool(path: settings.scratch + "/sqlite-\(appenders)-\(round).db")
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(
                sql:
                    "CREATE TABLE events (seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, occurred TEXT NOT NULL, body TEXT NOT NULL)"
            )
        }
        let mode = try await pool.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?", try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
        }
        guard mode == ("wal", 2) else { fatalError("the SQLite baseline must be WAL with synchronous=FULL (2); it is \(mode)") }
        settle()
        let sqliteCPUStarted = cpuSeconds()
        let sqliteSeconds = try await measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for ranges in work {
                    group.addTask {
                        for range in ranges {
                            try await pool.write { db in
                                let statement = try db.cachedStatement(sql: "INSERT INTO events (stream, type, occurred, body) VALUES (?, ?, ?, ?)")
                                for draft in drafts[range] {
                                    try statement.execute(arguments: [draft.stream, draft.type, draft.occurred, draft.data.canonicalText])
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let sqliteCPU = cpuSeconds() - sqliteCPUStarted
        print(
            String(
                format: "  SQLite, %d appenders: CPU %.2f s = %.2f µs per event, %.2f cores busy, %.2f s", appenders, sqliteCPU,
                sqliteCPU * 1e6 / Double(drafts.count), sqliteCPU / sqliteSeconds, sqliteSeconds))
        sqliteRate = Double(drafts.count) / sqliteSeconds
        try pool.close()
    }
    return Round(
        logRate: Double(drafts.count) / logSeconds, sqliteRate: sqliteRate,
        diskRatio: Double(segments) / Double(rawBytes), bytesPerEvent: Double(segments) / Double(drafts.count),
        readMegabytesPerSecond: Double(rawBytes) / readSeconds / 1e6, lz4MegabytesPerSecond: Double(rawBytes) / lz4Seconds / 1e6,
        readEventsPerSecond: Double(drafts.count) / readSeconds)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// A median, with the range when there was more than one round.
func cell(_ values: [Double], _ format: String, suffix: String = "") -> String {
    let middle = String(format: format, median(values)) + suffix
    guard values.count > 1, let low = values.min(), let high = values.max() else { return middle }
    return middle + " (" + String(format: format, low) + "–" + String(format: format, high) + ")"
}

var rows: [String] = []
var readRows: [String] = []
for appenders in settings.appenders {
    var rounds: [Round] = []
    for round in 1...settings.rounds {
        rounds.append(try await runCase(appenders: appenders, round: round))
        if let ratio = rounds.last?.ratio { print(String(format: "appenders %d, round %d: log ÷ SQLite %.2f×", appenders, round, ratio)) }
    }
    let sqlite = rounds.compactMap(\.sqliteRate)
    rows.append(
        "| \(appenders) | \(settings.batch) | \(cell(rounds.map(\.logRate), "%.0f")) | \(sqlite.isEmpty ? "–" : cell(sqlite, "%.0f")) | \(sqlite.isEmpty ? "–" : cell(rounds.compactMap(\.ratio), "%.2f", suffix: "×")) | \(cell(rounds.map { 100 * $0.diskRatio }, "%.1f", suffix: "%")) | \(String(format: "%.0f", median(rounds.map(\.bytesPerEvent)))) B |"
    )
    readRows.append(
        "| \(appenders) | \(String(format: "%.0f", median(rounds.map(\.readMegabytesPerSecond)))) MB/s | \(String(format: "%.0f", median(rounds.map(\.lz4MegabytesPerSecond)))) MB/s | \(cell(rounds.map { 100 * $0.readMegabytesPerSecond / $0.lz4MegabytesPerSecond }, "%.0f", suffix: "%")) | \(String(format: "%.0f", median(rounds.map(\.readEventsPerSecond)))) events/s |"
    )
}

print(
    """

    ## Append: \(settings.events) events, durable (fdatasync before acknowledging)\(settings.rounds > 1 ? ", median (range) of \(settings.rounds) rounds" : "")

    | appenders | events/append | log events/s | SQLite WAL FULL events/s | log ÷ SQLite | log bytes ÷ raw NDJSON | bytes/event on disk |
    |---|---|---|---|---|---|---|
    \(rows.joined(separator: "\n"))

    ## Full read of the same segments

    | log written with | gongfu (decode + CRC) | `cat segments | lz4 -dc` | gongfu ÷ lz4 speed | events/s |
    |---|---|---|---|---|
    \(readRows.joined(separator: "\n"))
    """)
try? FileManager.default.removeItem(atPath: settings.scratch)
