import Access
import Domain
import EventLog
import Hummingbird
import Projections

/// `POST /v1/imports/assessments`: the assessment platform's export (the CSV `gongfu import
/// --assessments` reads), for province tokens. The rows are read and checked off the
/// cooperative pool against a fresh intake (every problem of every row reported), then the
/// accepted events go through the daemon's writer like any other write — checked again in
/// order with concurrent writes, appended in one durable batch.
///
/// `?dryRun=true` answers what the import would change per year and city and appends
/// nothing; `?skipInvalid=true` appends the valid rows and lists the others;
/// `?registerMissing=true` registers enterprises first seen in the file.
struct ImportRoutes {
    let daemon: Daemon

    func add(to router: Router<GongfuRequestContext>) {
        router.group("v1").post("imports/assessments") { request, context in try await importAssessments(request, context) }
    }

    func importAssessments(_ request: Request, _ context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try Self.requireProvince(identity)
        let parameters = Parameters(request: request)
        let dryRun = try parameters.flag("dryRun")
        let skipInvalid = try parameters.flag("skipInvalid")
        let registerMissing = try parameters.flag("registerMissing")
        let body = try await file(request)
        let checked = try await check(Array(buffer: body), registerMissing: registerMissing, by: identity)
        let log = daemon.log
        let refused: [JSONValue] = checked.refused.map { (error: ImportTable.RowError) -> JSONValue in
            let column: JSONValue = error.column.map { JSONValue.string($0) } ?? .null
            return .object(["row": .integer(Int64(error.row)), "column": column, "reason": .string(error.reason)])
        }
        var answer: JSONObject = [:]
        answer["dryRun"] = .bool(dryRun)
        answer["assessments"] = .integer(Int64(checked.assessed.count))
        answer["registrations"] = .integer(Int64(checked.registrations))
        answer["refusedRows"] = .integer(Int64(checked.refusedRows))
        answer["unknown"] = .integer(Int64(checked.unknown))
        answer["refused"] = .array(refused)
        if dryRun {
            let preview = try await preview(checked)
            answer["preview"] = preview.json
            return Responses.json(.object(answer), seq: preview.seq)
        }
        guard checked.refusedRows == 0 || skipInvalid else {
            let listed = checked.refused.prefix(20).map { (error: ImportTable.RowError) in error.description }.joined(separator: "; ")
            throw Problem(
                .unprocessableContent,
                "\(checked.refusedRows) row(s) refused; nothing was imported (skipInvalid=true imports the valid rows): \(listed)"
                    + (checked.refused.count > 20 ? "; …" : ""),
                extensions: ["refusedRows": String(checked.refusedRows)])
        }
        let results = checked.drafts.isEmpty ? [] : try await daemon.writer.append(checked.drafts, by: identity)
        let duplicates = results.filter { (result: AppendResult) in result.isDuplicate }.count
        answer["appended"] = .integer(Int64(results.count - duplicates))
        answer["duplicates"] = .integer(Int64(duplicates))
        let seq = results.map { (result: AppendResult) in result.seq }.max()
        answer["seq"] = .integer(Int64(seq ?? log.size))
        return Responses.json(.object(answer), seq: seq, status: duplicates < results.count ? .created : .ok)
    }

    /// The uploaded file: the request's body, up to the daemon's limit.
    func file(_ request: Request) async throws -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: daemon.configuration.maximumBodyBytes)
        } catch {
            throw Problem(
                .contentTooLarge,
                "the file is larger than \(daemon.configuration.maximumBodyBytes) bytes; split it, or import it on the server with gongfu import --assessments"
            )
        }
    }

    /// Reads a file's rows and checks each against a fresh intake, off the cooperative pool:
    /// every problem of every row, nothing appended.
    func check(_ bytes: [UInt8], registerMissing: Bool, by identity: Identity) async throws -> AssessmentImport.Checked {
        let log = daemon.log
        let writer = identity.role.actor(named: identity.name)
        return try await daemon.work.run(WorkPool.heavy) { () throws -> AssessmentImport.Checked in
            let reader = AssessmentImport()
            let table: ImportTable
            do throws(ImportTable.Failure) {
                table = try reader.table(csv: bytes)
            } catch {
                throw Problem(
                    .unprocessableContent, "the file cannot be imported: \(error)", extensions: ["row": String(error.errors.first?.row ?? 1)])
            }
            var intake = try Intake(log: log, actor: writer)
            return reader.check(table, with: &intake, registerMissing: registerMissing)
        }
    }

    /// What the checked rows would change, per year and city (``AssessmentImportPreview``).
    func preview(_ checked: AssessmentImport.Checked) async throws -> QueryTable {
        let store = try daemon.store(CoverageReadModel.name)
        return try await daemon.work.run(WorkPool.query) { try store.read { db in try AssessmentImportPreview(checked).table(in: db) } }
    }

    /// Only the province (and the operator) imports the province's results.
    static func requireProvince(_ identity: Identity) throws {
        switch identity.role {
        case .province, .dataOperator: break
        default: throw Problem(.forbidden, "the assessment results of the whole province are imported by the province; this token cannot")
        }
    }
}
