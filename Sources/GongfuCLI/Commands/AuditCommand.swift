import ArgumentParser
import Audit
import EventLog
import Foundation
import Projections

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The auditor's verbs: verify, replay, diff, explain, export, report.",
        subcommands: [Verify.self, Replay.self, Diff.self, Explain.self, Export.self, Report.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The whole log as `gongfu verify`, every stored checkpoint proven consistent with the current tree, every read model's checkpoint matching the log; exit 0 only when intact."
        )
        @OptionGroup var options: DataOptions

        func run() throws {
            let verification = try AuditVerification.run(directory: options.directory)
            print(verification.text, terminator: "")
            if !verification.isIntact { throw ExitCode(1) }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build read models as they were at a point, into separate files (the live ones are not touched).")
        @OptionGroup var options: DataOptions
        @OptionGroup var selection: ProjectionOption
        @OptionGroup var point: AsOfOptions
        @Option(help: ArgumentHelp("Where to write them (default DIR/readmodels/as-of).", valueName: "DIR"))
        var output: String?

        func validate() throws {
            guard point.asOf != nil else {
                throw ValidationError("give the point to replay to: --as-of-seq N, --as-of-recorded TIME or --as-of-date YYYY-MM-DD.")
            }
        }

        func run() throws {
            let log = try options.openLog(writable: false)
            let directory = output ?? ReadModels.asOfDirectory(of: options.directory)
            for path in try ReadModels.build(asOf: point.asOf!, log: log, names: selection.names, outputDirectory: directory) { print(path) }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "A year's coverage at two points (frozen at the close, or seq:N / recorded:TIME / date:D, vs now), per city, with the enterprises that differ and the events that make the difference."
        )
        @OptionGroup var options: DataOptions
        @Option(help: "The assessment year.") var year: Int
        @Option(help: "frozen (default), seq:N, recorded:TIME or date:YYYY-MM-DD.") var from: String = "frozen"
        @Option(help: "now (default), seq:N, recorded:TIME or date:YYYY-MM-DD.") var to: String = "now"

        func validate() throws {
            for (name, text) in [("--from", from), ("--to", to)] where FigureDiff.Point(parsing: text) == nil {
                throw ValidationError("\(name) \(text) is not a point: use frozen, now, seq:N, recorded:TIME or date:YYYY-MM-DD.")
            }
        }

        func run() throws {
            let access = try ReadModelAccess(options: options)
            let scratch = NSTemporaryDirectory() + "gongfu-diff-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let diff = try access.withStores { store in
                try FigureDiff.compare(
                    year: year, from: FigureDiff.Point(parsing: from)!, to: FigureDiff.Point(parsing: to)!,
                    coverage: store(CoverageReadModel.name), log: access.log, scratch: scratch)
            }
            print(diff.text, terminator: "")
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where a coverage figure comes from: the population and numerator enterprises and the event that put each at its stage.")
        @OptionGroup var options: DataOptions
        @Option(help: "The assessment year.") var year: Int
        @Option(help: "A city or county code (default: the province).") var region: String?
        @Option(help: "coverage (L1–L5 share) or deep (L3–L5 share).") var figure: String = "coverage"
        @Flag(help: "Explain the figure as frozen at the year's close instead of as known now.") var frozen = false
        @Option(help: "table, json or csv.") var format: String = "table"

        func validate() throws {
            guard Provenance.Figure(rawValue: figure) != nil else { throw ValidationError("--figure \(figure) is not coverage or deep.") }
            guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format \(format) is not table, json or csv.") }
            if let region, region.count != 6 || !region.allSatisfy(\.isNumber) {
                throw ValidationError("--region \(region) is not a six-digit GB/T 2260 city or county code (e.g. 370200).")
            }
        }

        func run() throws {
            let access = try ReadModelAccess(options: options)
            let provenance = try access.withStores { store in
                try Provenance.explain(
                    year: year, region: region, figure: Provenance.Figure(rawValue: figure)!, frozen: frozen,
                    coverage: store(CoverageReadModel.name), log: access.log)
            }
            var output = StandardOutput()
            switch format {
            case "json": output.write(provenance.table.json.prettyText + "\n")
            case "csv": output.write(provenance.table.csv)
            default: output.write(provenance.table.text)
            }
            output.flush()
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Export events FROM..TO as raw segments with a signed checkpoint and verify.py, for verification with lz4, sha256sum and Python 3 alone."
        )
        @OptionGroup var options: DataOptions
        @Option(help: "The first seq of the range.") var from: UInt64 = 1
        @Option(help: "The last seq of the range (default: the end of the log).") var to: UInt64?
        @Option(help: ArgumentHelp("A new directory to write.", valueName: "DIR")) var output: String

        func run() throws {
            let log = try options.openLog(writable: false)
            let summary = try AuditExport.run(log: log, from: from, to: to, output: output)
            print(
                "exported seq \(summary.from)..\(summary.to) (\(summary.segments.count) segment(s)) to \(summary.directory); verify with: python3 \(summary.directory)/verify.py"
            )
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The annual assessment report: report.html (prints well, SVG charts) and its tables as CSV.")
        @OptionGroup var options: DataOptions
        @Option(help: "The assessment year.") var year: Int
        @Option(help: "The date the ledger and the findings are judged at (default: the year's last day).") var date: String?
        @Option(help: ArgumentHelp("Where to write (default DIR/reports/<year>).", valueName: "DIR")) var output: String?

        func run() throws {
            let directory = output ?? options.data + "/reports/\(year)"
            let files = try ReadModelAccess(options: options).withStores { store in
                try AuditReport(year: year, date: date, store: store).write(to: directory)
            }
            for file in files { print(file) }
        }
    }
}
