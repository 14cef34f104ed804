import ArgumentParser
import EventLog
import Foundation
import Logging
import Projections

extension DataOptions {
    /// Opens the read models for maintenance, catching them up with the log.
    func openReadModels(only: [String]? = nil, log: EventLog) throws -> ReadModels {
        var logger = Logger(label: "gongfu.projections")
        logger.logLevel = .notice
        return try ReadModels(log: log, only: only, logger: logger)
    }
}

/// The read models a reading verb uses: caught up first, or — while another process (the
/// daemon) keeps them and holds their lock — read as they are.
struct ReadModelAccess {
    let log: EventLog
    private let store: (String) throws -> ReadModelStore

    init(options: DataOptions, only names: [String]? = nil, log: EventLog? = nil) throws {
        let log = try log ?? options.openLog(writable: false)
        self.log = log
        do {
            let readModels = try options.openReadModels(only: names, log: log)
            try readModels.buildEmpty()
            try readModels.catchUp()
            store = { try readModels.store(named: $0) }
        } catch ProjectionError.busy {
            let directory = ReadModels.directory(of: options.directory)
            store = { name in
                try ReadModelStore(path: directory + "/\(name).sqlite", projection: try ReadModelCatalogue.projection(named: name), mode: .readOnly)
            }
        }
    }

    /// Runs `body` with the stores by name, keeping the read models open (their connections and
    /// lock) until it returns.
    func withStores<Result>(_ body: (_ store: @escaping (String) throws -> ReadModelStore) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(store) }
    }
}

/// Which read model(s) a verb acts on.
struct ProjectionOption: ParsableArguments {
    @Option(help: ArgumentHelp("Only this read model: \(ReadModelCatalogue.names.joined(separator: ", ")) (default: all).", valueName: "NAME"))
    var projection: String?

    func validate() throws {
        if let projection, !ReadModelCatalogue.names.contains(projection) {
            throw ValidationError(
                "--projection \(projection) is not a read model; choose one of \(ReadModelCatalogue.names.joined(separator: ", ")).")
        }
    }

    var names: [String]? { projection.map { [$0] } }
}

/// `--as-of-seq`, `--as-of-recorded`, `--as-of-date`: at most one.
struct AsOfOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Build as of the first N events of the log.", valueName: "N"))
    var asOfSeq: UInt64?

    @Option(help: ArgumentHelp("Build from what the system knew at this UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).", valueName: "TIMESTAMP"))
    var asOfRecorded: String?

    @Option(help: ArgumentHelp("Build as of this business date, late records included (YYYY-MM-DD).", valueName: "DATE"))
    var asOfDate: String?

    func validate() throws {
        if [asOfSeq != nil, asOfRecorded != nil, asOfDate != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --as-of-seq, --as-of-recorded and --as-of-date.")
        }
        if let asOfRecorded, AsOf.recordedTime(asOfRecorded) == nil {
            throw ValidationError("--as-of-recorded \(asOfRecorded) is not a date YYYY-MM-DD or a UTC time like 2024-10-31T16:00:00Z.")
        }
        if let asOfDate, asOfDate.count != 10 || !Timestamp.isValidBusinessDate(asOfDate) {
            throw ValidationError("--as-of-date \(asOfDate) is not a date YYYY-MM-DD.")
        }
    }

    var asOf: AsOf? {
        if let asOfSeq { return .seq(asOfSeq) }
        if let asOfRecorded, let time = AsOf.recordedTime(asOfRecorded) { return .recorded(time) }
        if let asOfDate { return .date(asOfDate) }
        return nil
    }
}

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild read models from zero (or build them as of a past point into separate files).",
        discussion: """
            A rebuild writes new files and installs them only when complete; the live read models stay \
            readable until then. With --as-of-…, the read models are built into DIR/readmodels/as-of/ \
            (or --output) and the live ones are not touched.
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var selection: ProjectionOption
    @OptionGroup var point: AsOfOptions

    @Option(help: ArgumentHelp("Where as-of builds go (default DIR/readmodels/as-of).", valueName: "DIR"))
    var output: String?

    func run() throws {
        let log = try options.openLog(writable: false, keepsKeys: false)
        var bar = ProgressBar(label: "rebuild")
        let started = Date()
        if let asOf = point.asOf {
            let directory = output ?? ReadModels.asOfDirectory(of: options.directory)
            let paths = try ReadModels.build(asOf: asOf, log: log, names: selection.names, outputDirectory: directory) { bar.update($0, of: $1) }
            for path in paths { print(path) }
            return
        }
        let readModels = try options.openReadModels(only: selection.names, log: log)
        try readModels.rebuildAll { bar.update($0, of: $1) }
        let seconds = Date().timeIntervalSince(started)
        printError("rebuilt \(readModels.stores.map(\.name).joined(separator: ", ")) from \(log.size) events in \(String(format: "%.1f", seconds)) s")
    }
}

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Bring the read models up to date with the log, and report each one's position and lag.",
        discussion: "With --follow, keeps applying new batches as they land until interrupted (Ctrl-C).")

    @OptionGroup var options: DataOptions
    @OptionGroup var selection: ProjectionOption

    @Flag(help: "Keep following the log.")
    var follow = false

    @Option(help: "Events applied per transaction while catching up.")
    var chunkEvents = 8192

    func validate() throws {
        guard chunkEvents >= 1 else { throw ValidationError("--chunk-events must be at least 1 (got \(chunkEvents)).") }
    }

    func run() async throws {
        let log = try options.openLog(writable: false)
        let readModels = try options.openReadModels(only: selection.names, log: log)
        var bar = ProgressBar(label: "project")
        try readModels.buildEmpty { bar.update($0, of: $1) }
        try readModels.catchUp(chunkEvents: chunkEvents) { bar.update($0, of: $1) }
        for status in try readModels.status() { print(status.line) }
        guard follow else { return }
        let worker = ProjectionWorker(readModels: readModels)
        try await worker.run { status in
            for entry in status { print(entry.line) }
        }
    }
}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print a read model: \(ReadModelQuery.names.map(\.query).joined(separator: ", ")).",
        discussion: ReadModelQuery.names.map { "\($0.query): \($0.summary)" }.joined(separator: "\n"))

    @Argument(help: ArgumentHelp("What to print.", valueName: "NAME"))
    var name: String

    @OptionGroup var options: DataOptions

    @Option(help: "Assessment year (coverage), filing year (projects), award year (benchmarks), …")
    var year: Int?

    @Option(
        help:
            "coverage: group by province, city, county, industry, sector or chain; programme, targets and project-progress: by province, city or county."
    )
    var by: String = "province"

    @Option(help: ArgumentHelp("Only this city or county (GB/T 2260 code, e.g. 370200).", valueName: "CODE"))
    var city: String?

    @Option(help: ArgumentHelp("Only this industry (GB/T 4754 division, e.g. C34).", valueName: "CODE"))
    var industry: String?

    @Option(help: "pending: pending (default), left, reentered or all; projects: filed, inProgress, completed, cancelled; ledger: a status.")
    var status: String?

    @Option(help: ArgumentHelp("Judge statuses and days at this date (default today).", valueName: "YYYY-MM-DD"))
    var date: String?

    @Option(help: "At most this many rows.")
    var limit: Int?

    @Option(help: "table, json or csv.")
    var format: String = "table"

    @OptionGroup var point: AsOfOptions

    func validate() throws {
        guard ReadModelQuery.names.contains(where: { $0.query == name }) else {
            throw ValidationError("no query is called \(name); choose one of \(ReadModelQuery.names.map(\.query).joined(separator: ", ")).")
        }
        guard CoverageQuery.Dimension(rawValue: by) != nil else {
            throw ValidationError("--by \(by) is not a grouping; use \(CoverageQuery.Dimension.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if ["targets", "project-progress", "ledger"].contains(name) || name == "programme" && by != "sector",
            !["province", "city", "county"].contains(by)
        {
            throw ValidationError("--by \(by) does not apply to \(name); use province, city or county.")
        }
        if name == "funnel", !["province", "city", "county", "sector"].contains(by) {
            throw ValidationError("--by \(by) does not apply to funnel; use city, county or sector.")
        }
        if name == "needs", !["province", "city", "county", "industry"].contains(by) {
            throw ValidationError("--by \(by) does not apply to needs; use province, city, county or industry.")
        }
        guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format \(format) is not table, json or csv.") }
        if let date, date.count != 10 || !Timestamp.isValidBusinessDate(date) { throw ValidationError("--date \(date) is not a date YYYY-MM-DD.") }
    }

    func run() throws {
        let query = try ReadModelQuery.Name(named: name)
        let log = try options.openLog(writable: false)
        if let asOf = point.asOf {
            let directory = NSTemporaryDirectory() + "gongfu-query-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let stores = try ReadModels.stores(asOf: asOf, log: log, names: query.readModels, outputDirectory: directory)
            defer { stores.values.forEach { $0.close() } }
            try print(
                query,
                stores: { name in
                    guard let store = stores[name] else { throw ProjectionError.unknownProjection(name) }
                    return store
                })
            return
        }
        try ReadModelAccess(options: options, only: query.readModels, log: log).withStores { store in try print(query, stores: store) }
    }

    private func print(_ query: ReadModelQuery.Name, stores: (String) throws -> ReadModelStore) throws {
        let filters = QueryFilters(region: city, industry: industry, year: year, status: status, date: date, limit: limit)
        let table = try ReadModelQuery.run(query, filters: filters, coverage: CoverageQuery.Dimension(rawValue: by)!, stores: stores)
        var output = StandardOutput()
        switch format {
        case "json": output.write(table.json.prettyText + "\n")
        case "csv": output.write(table.csv)
        default: output.write(table.text)
        }
        output.flush()
    }
}

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print a read model's deterministic dump (every table, sorted): what the golden files in snapshots/ hold.")

    @OptionGroup var options: DataOptions

    @Argument(help: ArgumentHelp("The read model.", valueName: "NAME"))
    var name: String

    func validate() throws {
        guard ReadModelCatalogue.names.contains(name) else {
            throw ValidationError("\(name) is not a read model; choose one of \(ReadModelCatalogue.names.joined(separator: ", ")).")
        }
    }

    func run() throws {
        let log = try options.openLog(writable: false)
        let readModels = try options.openReadModels(only: [name], log: log)
        try readModels.buildEmpty()
        try readModels.catchUp()
        var output = StandardOutput()
        output.write(try ReadModelDump.dump(readModels.store(named: name)))
        output.flush()
    }
}
