import Access
import ArgumentParser
import DemoProvince
import Domain
import EventLog
import Foundation
import Projections

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Build the demo province end to end: initialise, generate its history, append it through the validated path, project the read models, print a summary, then serve the API and the dashboard."
    )

    @Option(help: ArgumentHelp("The data directory to create (must not hold a log yet).", valueName: "DIR"))
    var data: String = "gongfu-demo"

    @Option(help: "Seed of the generator: the same seed gives the same province.")
    var seed: UInt64 = 2024

    @Option(help: "Number of enterprises above designated size.")
    var enterprises: Int = 30_000

    @Flag(help: "Stop after the summary instead of serving the daemon and the dashboard.")
    var noServe = false

    @Option(help: "The port the daemon listens on (127.0.0.1).")
    var port: Int = 8080

    func validate() throws {
        guard enterprises >= 50 else { throw ValidationError("--enterprises must be at least 50 (got \(enterprises)).") }
        if FileManager.default.fileExists(atPath: data + "/log") {
            throw ValidationError("\(data) already holds a log; give another --data DIR or remove it first.")
        }
    }

    func run() async throws {
        let started = Date()
        let directory = LogDirectory(root: data)
        // A simulation: its events are recorded along the simulated timeline, and its origin says so.
        try EventLog.initialize(directory: directory, origin: "gongfu.local/demo/seed-\(seed)/simulated", simulation: true)
        let options = DataOptions(data: data)
        // Generated and appended in a function of their own: the drafts are gone before the
        // read models are built (each alone takes gigabytes at national size).
        let (generated, appendSeconds) = try await generateAndAppend(options: options, started: started)

        // The read models are projected and summarised in a scope of their own: their lock is
        // released before the daemon takes them over.
        try Self.projectAndSummarise(options: options, generated: generated, appendSeconds: appendSeconds, started: started)
        guard !noServe else { return }
        let (record, secret) = try TokenStore(directory: data).add(role: .auditor, name: "demo-readonly")
        let port = port
        try await ServeCommand.serve(data: data, host: "127.0.0.1", port: port, logLevel: .warning) { url in
            var output = StandardOutput()
            output.write(
                """

                Dashboard: \(url)login (enter the token below)
                API:       curl -H 'Authorization: Bearer \(secret)' '\(url)v1/coverage?by=city&year=2025'
                The read-only token (auditor, id \(record.id)) is the last line; Ctrl-C stops the daemon.
                \(secret)

                """)
            output.flush()
        }
    }
}

extension DemoCommand {
    /// What the summary needs of the generator, kept once the generator (its annual results and
    /// offices' work, hundreds of megabytes at national size) is gone.
    struct Generated {
        var through: String
        var imperfections: [Imperfection]
    }

    static func projectAndSummarise(options: DataOptions, generated: Generated, appendSeconds: Double, started: Date) throws {
        let data = options.data
        let reader = try options.openLog(writable: false, keepsKeys: false)
        let readModels = try options.openReadModels(log: reader)
        var projectBar = ProgressBar(label: "project")
        let projectStart = Date()
        // A fresh data directory: every read model is built from zero (in memory, written once).
        try readModels.rebuildAll { projectBar.update($0, of: $1) }
        let projectSeconds = Date().timeIntervalSince(projectStart)

        var output = StandardOutput()
        output.write(try DemoSummary(readModels: readModels, through: generated.through).text)
        output.write("\nseeded imperfections for the supervision checks (\(data)/demo-imperfections.json):\n")
        for kind in Imperfection.Kind.allCases {
            let seeded = generated.imperfections.filter { $0.kind == kind }
            output.write("  \(kind.rawValue): \(seeded.count)\(seeded.first.map { " — e.g. \($0.stream): \($0.detail)" } ?? "")\n")
        }
        output.write(
            """

            \(reader.size) events appended in \(String(format: "%.1f", appendSeconds)) s (validated, durable); \
            read models projected in \(String(format: "%.1f", projectSeconds)) s; total \(String(format: "%.1f", Date().timeIntervalSince(started))) s.
            Data directory: \(data)  (try: gongfu query coverage --data \(data) --year 2025 --by city)

            """)
        output.flush()
    }

    /// Generates the province's history and appends it through the intake; returns what the
    /// summary needs of the generator (its last day, its flaws) and the seconds the append took.
    func generateAndAppend(options: DataOptions, started: Date) async throws -> (Generated, Double) {
        let (drafts, results, officeWork, generated) = try generate()
        printError(
            "generated \(drafts.count) events for \(enterprises) enterprises (seed \(seed)) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        )
        try Self.writeImperfections(generated.imperfections, to: data + "/demo-imperfections.json")

        let log = try options.openLog(writable: true)
        var bar = ProgressBar(label: "append ")
        let appendStart = Date()
        let total = UInt64(drafts.count)
        do {
            // Handed over, so that each appended payload goes.
            try await ProvinceIngest.append(
                consume drafts, results: consume results, officeWork: consume officeWork, to: log,
                actor: Role.province.actor(named: "demo-generator"),
                directory: data + "/assessments"
            ) { bar.update(UInt64($0), of: total) }
        } catch let error as IntakeError {
            await log.close()
            throw ValidationError("the generator wrote an event the rules refuse (a generator bug): \(error)")
        } catch {
            await log.close()
            throw error
        }
        let appendSeconds = Date().timeIntervalSince(appendStart)
        await log.close()
        return (generated, appendSeconds)
    }

    /// The generated history, with each October's results and the offices' work apart so that
    /// the append can let each go once it is in; the generator itself is gone on return.
    private func generate() throws -> (GeneratedHistory, [Int: [AnnualResult]], [(role: Role, drafts: [EventDraft])], Generated) {
        var settings = ProvinceGenerator.Options(seed: seed, enterprises: enterprises)
        settings.annualResults = true
        var generator = ProvinceGenerator(options: settings)
        let drafts = try generator.generate()
        return (
            drafts, generator.annualResults, generator.officeWork,
            Generated(through: generator.options.through.description, imperfections: generator.imperfections)
        )
    }

    static func writeImperfections(_ imperfections: [Imperfection], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(imperfections).write(to: URL(fileURLWithPath: path))
    }
}

extension DataOptions {
    init(data: String) {
        self.init()
        self.data = data
    }
}

/// The demo's closing summary: coverage and deep rates per year, the best and worst cities of
/// the latest year, the ledger's status, the plan's scoreboard per year, the supervision
/// incentive ranking, and the events by type.
struct DemoSummary {
    let readModels: ReadModels
    let through: String

    var text: String {
        get throws {
            // The ranking (every enterprise's stage history) takes the longest: it runs on a core
            // of its own, beside the other figures and the count of events by type (the whole log).
            // (Two variables: each written by one thread, read once both are done.)
            nonisolated(unsafe) var figures: Result<[String], any Error> = .success([])
            nonisolated(unsafe) var ranking: Result<[String], any Error> = .success([])
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                if part == 0 {
                    figures = Result { try self.figures() + eventsByType() }
                } else {
                    ranking = Result { try self.ranking() }
                }
            }
            var lines = try figures.get()
            lines.insert(contentsOf: try ranking.get(), at: lines.count - 1)
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The rates per year, the latest year's cities, the ledger and the targets.
    private func figures() throws -> [String] {
        var lines: [String] = ["", "山东省规上工业企业数字化转型 (demo)"]
        let coverage = try ReadModelQuery.run(.coverage, filters: QueryFilters(), store: readModels.store(named: CoverageReadModel.name))
        lines.append("年度  企业数  转型覆盖率  深度转型率  (评估时: 覆盖率/深度率)  目标")
        for row in coverage.rows {
            lines.append(
                "\(row[0].display)  \(row[3].display)  \(row[10].display)%  \(row[11].display)%  (\(row[15].display.isEmpty ? "—" : row[15].display + "%")/\(row[16].display.isEmpty ? "—" : row[16].display + "%"))  \(row[17].display.isEmpty ? "" : row[17].display + "%/" + row[18].display + "%")"
            )
        }
        if let latest = coverage.rows.last.map({ Int($0[0].display)! }) {
            let cities = try ReadModelQuery.run(
                .coverage, filters: QueryFilters(year: latest), coverage: .city, store: readModels.store(named: CoverageReadModel.name))
            let sorted = cities.rows.sorted { (Double($0[10].display) ?? 0) > (Double($1[10].display) ?? 0) }
            func describe(_ rows: ArraySlice<[QueryTable.Value]>) -> String {
                rows.map { "\($0[2].display) \($0[10].display)%" }.joined(separator: "，")
            }
            lines.append("\(latest) 覆盖率最高: \(describe(sorted.prefix(3)))；最低: \(describe(sorted.suffix(3)))")
        }
        let ledger = try ReadModelQuery.run(.ledger, filters: QueryFilters(date: through), store: readModels.store(named: LedgerReadModel.name))
        var statuses: [String: Int] = [:]
        for row in ledger.rows { statuses[row[9].display, default: 0] += 1 }
        lines.append(
            "工作台账 (截至 \(through)): " + LedgerReadModel.Status.allCases.map { "\($0.chinese) \(statuses[$0.chinese] ?? 0)" }.joined(separator: "，")
        )
        lines += try scoreboard()
        return lines
    }

    /// How many events of each type the log holds, most first.
    private func eventsByType() throws -> [String] {
        // Only each line's type is read (the payload is skipped); other layouts are parsed whole.
        var types: [String: Int] = [:]
        try readModels.log.forEachLine { _, line in
            if let fact = try? EnvelopeReader.readFact(line, kinds: EventKind.self, payload: { _ in .none }), let name = fact.kind.knownName {
                types[name, default: 0] += 1
            } else if let event = try? ProjectedEvent(line: line) {
                types[event.type, default: 0] += 1
            }
        }
        return ["events by type: " + types.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
    }

    private func stores(_ name: String) throws -> ReadModelStore { try readModels.store(named: name) }

    /// Each year's targets: actual / goal (due year), status.
    func scoreboard() throws -> [String] {
        let table = try ReadModelQuery.run(.targets, filters: QueryFilters(date: through), stores: stores)
        var lines: [String] = []
        var year = ""
        for row in table.rows {
            func text(_ key: String) -> String { table.value(key, in: row)?.display ?? "" }
            if text("year") != year {
                year = text("year")
                lines.append("方案目标 \(year) 年 (截至 \(through)):")
            }
            let due = text("dueYear") == year ? "" : " (\(text("dueYear")) 年)"
            lines.append("  \(text("title")) \(text("actual")) / \(text("goal"))\(due) \(text("unit")) \(text("status"))")
        }
        return lines
    }

    /// The latest year's incentive ranking, and the cities whose rank the flagged events move.
    func ranking() throws -> [String] {
        let table = try ReadModelQuery.run(.incentiveRanking, filters: QueryFilters(date: through), stores: stores)
        guard let first = table.rows.first else { return [] }
        func text(_ row: [QueryTable.Value], _ key: String) -> String { table.value(key, in: row)?.display ?? "" }
        var lines = [
            "督查激励 \(text(first, "year")) 年覆盖率增幅排名: "
                + table.rows.prefix(5).map { "\(text($0, "rank")) \(text($0, "name")) +\(text($0, "coverageGain"))" }.joined(separator: "，") + " …"
        ]
        for row in table.rows where text(row, "rankMoved") == "本市存疑事件" {
            lines.append(
                "  剔除存疑事件后 \(text(row, "name")) 由第 \(text(row, "rank")) 名变为第 \(text(row, "netRank")) 名（增幅 +\(text(row, "coverageGain")) → +\(text(row, "netCoverageGain"))，存疑企业 \(text(row, "flaggedEnterprises")) 家）"
            )
        }
        return lines
    }
}
