import ArgumentParser
import Domain
import EventLog
import Foundation
import Projections

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Import a spreadsheet (CSV: UTF-8 with or without BOM, or GB18030 as Excel saves it; Chinese or English headers): enterprises to register, or the assessment platform's results.",
        discussion: """
            --enterprises FILE registers enterprises. Columns: 企业名称 (name), 统一社会信用代码 (uscc), 所属城市 (city: code
            or name), 区县 (county: code or name), 行业代码 (industry, GB/T 4754-2017), 纳入规上年份 (yearEntered),
            optional 产业链 (chains, separated by ；) and 纳入日期 (occurred; default 1 January of yearEntered).

            --assessments FILE records the assessment platform's export, one row per assessment: 统一社会信用代码 (uscc),
            评估编号 (assessment), 评估日期 (date), 评估类型 (kind: 年度/annual, 网上评测/online, 现场/onsite), 评估等级 (stage:
            L0–L5), optional 评估工具 (instrument), scores as 得分:<dimension> columns, and the profile columns above so
            that --register-missing can register enterprises first seen in the file (纳入规上年份 defaults to the
            assessment's year). Each assessment sets its enterprise's
            stage from its date, up or down. Importing the same file again appends nothing (keys come from the
            assessment ids); --dry-run prints, per city, what the import would change and appends nothing.

            Every row is checked first and every bad row reported with its row number, column and reason; then all rows
            are appended in one durable batch, or none. With --skip-invalid the valid rows are appended and the refused
            ones written, with their reasons, to FILE.rejects.csv beside the input.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("A CSV file of enterprises to register.", valueName: "FILE"))
    var enterprises: String?

    @Option(help: ArgumentHelp("A CSV file of assessment results (the assessment platform's export).", valueName: "FILE"))
    var assessments: String?

    @Flag(help: "Append the valid rows and write the refused ones to FILE.rejects.csv, instead of refusing the whole file.")
    var skipInvalid = false

    @Flag(help: "Assessments: register an enterprise the log does not hold from the row's profile columns first.")
    var registerMissing = false

    @Flag(help: "Assessments: print what the import would change, per city, and append nothing.")
    var dryRun = false

    @OptionGroup var writer: ActorOptions

    func validate() throws {
        guard (enterprises == nil) != (assessments == nil) else {
            throw ValidationError("give one file: --enterprises FILE (registrations) or --assessments FILE (assessment results).")
        }
        if enterprises != nil, registerMissing || dryRun {
            throw ValidationError("--register-missing and --dry-run apply to --assessments; --enterprises registers every row.")
        }
    }

    func run() async throws {
        if let enterprises { try await importEnterprises(enterprises) }
        if let assessments { try await importAssessments(assessments) }
    }

    private func importEnterprises(_ path: String) async throws {
        let rows = try EnterpriseImport().rows(csv: Array(try readInputFile(path)))
        let log = try options.openLog(writable: true)
        var intake = try Intake(log: log, actor: writer.actor)
        var accepted: [EventDraft] = []
        var refused: [ImportTable.RowError] = []
        for row in rows {
            switch row.result {
            case .failure(let error):
                refused.append(error)
            case .success(let draft):
                do {
                    _ = try intake.check(draft, at: IntakePlace(.row, row.row))
                    accepted.append(draft)
                } catch {
                    refused.append(ImportTable.RowError(row: row.row, column: nil, reason: error.message))
                }
            }
        }
        let results = try await finish(path, refused: refused, rows: refused.count, of: rows.count, accepted: accepted, log: log, rejects: nil)
        print("imported \(results.filter { !$0.isDuplicate }.count) enterprise(s)\(Self.seqs(results))\(Self.skipped(refused.count))")
        if !refused.isEmpty { throw ExitCode(2) }
    }

    private func importAssessments(_ path: String) async throws {
        let bytes = Array(try readInputFile(path))  // the whole file: read and checked before anything is appended
        // The log opens (reading its index) while the file is read.
        let (options, writable) = (options, !dryRun)
        let opening = Task { try options.openLog(writable: writable) }
        let reader = AssessmentImport()
        let table: ImportTable
        do throws(ImportTable.Failure) {
            table = try reader.table(csv: bytes)
        } catch {
            if let log = try? await opening.value { await log.close() }
            for problem in error.errors { printError("\(path) \(problem)") }
            printError("nothing was imported")
            throw ExitCode(1)
        }
        // The rows are read while the log finishes opening.
        let reading = Task { reader.rows(of: table) }
        let log = try await opening.value
        var intake = try Intake(log: log, actor: writer.actor)
        var progress = ProgressBar(label: "check ", unit: "rows")
        let rows = table.rows.count
        let checked = await reader.check(table, reading: reading, with: &intake, registerMissing: registerMissing) {
            progress.update(UInt64($0), of: UInt64(rows))
        }
        if dryRun {
            for problem in checked.refused.prefix(100) { printError("\(path) \(problem)") }
            await log.close()
            try printPreview(checked)
            print(
                "would append \(checked.drafts.count) event(s): \(checked.assessed.count) assessment(s), \(checked.registrations) registration(s)"
                    + "; \(checked.refusedRows) row(s) refused, \(checked.unknown) of them unknown USCCs; nothing was appended")
            if !checked.refused.isEmpty && !skipInvalid { throw ExitCode(1) }
            return
        }
        let results = try await finish(
            path, refused: checked.refused, rows: checked.refusedRows, of: rows, accepted: checked.drafts, log: log, rejects: table)
        let fresh = results.indices.filter { !results[$0].isDuplicate }
        let registered = fresh.count { checked.drafts[$0].type == EnterpriseRegistered.kind.rawValue }
        print(
            "imported \(fresh.count - registered) assessment(s) and \(registered) registration(s)\(Self.seqs(results))"
                + (fresh.count < results.count ? "; \(results.count - fresh.count) event(s) already in the log" : "")
                + Self.skipped(checked.refusedRows))
        exitWithoutTeardown(checked.refusedRows > 0 ? 2 : 0)
    }

    /// Reports the problems of the `refusedRows` refused rows, then appends the accepted drafts in
    /// one durable batch — or, when rows were refused without --skip-invalid, nothing.
    private func finish(
        _ path: String, refused: [ImportTable.RowError], rows refusedRows: Int, of rows: Int, accepted: [EventDraft], log: EventLog,
        rejects: ImportTable?
    ) async throws -> [AppendResult] {
        for problem in refused.prefix(100) { printError("\(path) \(problem)") }
        if refused.count > 100 { printError("… and \(refused.count - 100) more") }
        guard refused.isEmpty || skipInvalid else {
            await log.close()
            printError("\(refusedRows) of \(rows) row(s) refused; nothing was imported (use --skip-invalid to import the valid rows)")
            throw ExitCode(1)
        }
        if let rejects, !refused.isEmpty {
            let file = path + ".rejects.csv"
            try Data(Self.rejects(refused, table: rejects)).write(to: URL(fileURLWithPath: file))
            printError("\(refusedRows) refused row(s) written to \(file)")
        }
        guard !accepted.isEmpty else {
            await log.close()
            return []
        }
        let intake = try Intake(log: log, actor: writer.actor)
        do {
            let results = try await intake.append(accepted, batchEvents: accepted.count)
            await log.close()
            return results
        } catch {
            await log.close()
            throw ValidationError("\(path): \(error.message)")
        }
    }

    /// The refused rows as they were, with their row number and why (the query tables' CSV:
    /// UTF-8 with BOM for Excel, formula-like text made inert).
    static func rejects(_ refused: [ImportTable.RowError], table: ImportTable) -> [UInt8] {
        let rows = Dictionary(table.rows.map { ($0.number, $0.fields) }, uniquingKeysWith: { first, _ in first })
        var output = QueryTable(
            title: "refused rows", columns: [("row", "行号")] + table.header.map { ($0, $0) } + [("reason", "错误")], seq: 0)
        var reasons: [(row: Int, text: [String])] = []
        for error in refused {
            let text = (error.column.map { "\($0): " } ?? "") + error.reason
            if reasons.last?.row == error.row { reasons[reasons.count - 1].text.append(text) } else { reasons.append((error.row, [text])) }
        }
        for (row, text) in reasons {
            let fields = rows[row] ?? []
            let cells = table.header.indices.map { fields.indices.contains($0) ? fields[$0] : "" }
            output.rows.append([.integer(Int64(row))] + cells.map(QueryTable.Value.text) + [.text(text.joined(separator: "；"))])
        }
        return Array(output.csv.utf8)
    }

    /// Catches the coverage read model up and prints what the checked rows would change.
    private func printPreview(_ checked: AssessmentImport.Checked) throws {
        let log = try options.openLog(writable: false)
        try ReadModelAccess(options: options, only: [CoverageReadModel.name], log: log).withStores { store in
            let table = try store(CoverageReadModel.name).read { db in try AssessmentImportPreview(checked).table(in: db) }
            print(table.text, terminator: "")
        }
    }

    static func seqs(_ results: [AppendResult]) -> String {
        let fresh = results.filter { !$0.isDuplicate }
        guard let first = fresh.first, let last = fresh.last else { return "" }
        return " as seq \(first.seq)…\(last.seq)"
    }

    static func skipped(_ rows: Int) -> String {
        rows == 0 ? "" : "; \(rows) row(s) skipped"
    }
}
