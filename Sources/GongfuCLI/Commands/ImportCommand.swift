import ArgumentParser
import Domain
import EventLog
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Register enterprises in bulk from an assessment campaign's CSV (UTF-8 with or without BOM, or GB18030 as Excel saves it; Chinese headers accepted).",
        discussion: """
            Columns: 企业名称 (name), 统一社会信用代码 (uscc), 所属城市 (city: code or name), 区县 (county: code or name),
            行业代码 (industry, GB/T 4754-2017), 纳入规上年份 (yearEntered), optional 产业链 (chains, separated by ；) and
            纳入日期 (occurred; default 1 January of yearEntered).
            All rows are appended in one durable batch, or none: every bad row is reported with its row number and column.
            With --skip-invalid the valid rows are appended and the bad ones reported.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The CSV file of enterprises.", valueName: "FILE"))
    var enterprises: String

    @Flag(help: "Append the valid rows and report the others, instead of refusing the whole file.")
    var skipInvalid = false

    @OptionGroup var writer: ActorOptions

    func run() async throws {
        let data = try readInputFile(enterprises)
        let rows = try EnterpriseImport().rows(csv: Array(data))
        let log = try options.openLog(writable: true)
        var intake = try Intake(log: log, actor: writer.actor)
        var accepted: [(row: Int, draft: EventDraft)] = []
        var problems: [String] = []
        for row in rows {
            switch row.result {
            case .failure(let error):
                problems.append("\(enterprises) \(error)")
            case .success(let draft):
                do {
                    _ = try intake.check(draft, at: IntakePlace(.row, row.row))
                    accepted.append((row.row, draft))
                } catch {
                    problems.append("\(enterprises) \(error)")
                }
            }
        }
        for problem in problems.prefix(100) { printError(problem) }
        if problems.count > 100 { printError("… and \(problems.count - 100) more") }
        guard problems.isEmpty || skipInvalid else {
            await log.close()
            printError("\(problems.count) of \(rows.count) row(s) refused; nothing was imported (use --skip-invalid to import the valid rows)")
            throw ExitCode(1)
        }
        var results: [AppendResult] = []
        if !accepted.isEmpty {
            do {
                results = try await intake.append(accepted.map(\.draft), batchEvents: accepted.count)
            } catch {
                await log.close()
                throw ValidationError("\(enterprises): \(error.message)")
            }
        }
        await log.close()
        print(
            "imported \(results.count) enterprise(s)" + (results.isEmpty ? "" : " as seq \(results.first!.seq)…\(results.last!.seq)")
                + (problems.isEmpty ? "" : "; \(problems.count) row(s) skipped"))
        if !problems.isEmpty { throw ExitCode(2) }
    }
}
