import Audit
import Foundation
import Hummingbird
import Projections

/// `/v1/audit`: the auditor's verbs over HTTP — findings (also for officials, scoped like the
/// enterprise files), the provenance of a figure, the difference between two points, the
/// verification report and the annual report. Verification, diffs and reports are for
/// `auditor` and `province` tokens.
struct AuditRoutes {
    let daemon: Daemon
    let readModels: ReadModelRoutes

    func add(to router: Router<GongfuRequestContext>) {
        let audit = router.group("v1/audit")
        audit.get("findings") { request, context in
            let parameters = Parameters(request: request)
            let filters = try readModels.scoped(try readModels.filters(parameters), context)
            return try await readModels.table("findings", request, parameters, context, filters: filters)
        }
        audit.get("explain") { request, context in
            let identity = try context.requireIdentity()
            let parameters = Parameters(request: request)
            guard let year = try parameters.integer("year", in: 2000...2100) else {
                throw Problem(.badRequest, "query parameter year is required: the assessment year to explain")
            }
            let region = try parameters.region()
            if let city = identity.city, region?.prefix(4) != city.prefix(4) {
                throw Problem(.forbidden, "a city \(city) token explains figures of \(city) and its counties only; add region=\(city)")
            }
            let figure = try parameters.choice("figure", Provenance.Figure.allCases.map(\.rawValue)).flatMap(Provenance.Figure.init) ?? .coverage
            let frozen = try parameters.choice("basis", ["known", "frozen"]) == "frozen"
            let provenance = try Provenance.explain(year: year, region: region, figure: figure, frozen: frozen,
                                                    coverage: daemon.store("coverage"), log: daemon.log)
            let csv = try Responses.wantsCSV(request, parameters)
            return Responses.table(provenance.table, name: "explain-\(year)-\(region ?? "province")-\(figure.rawValue)", csv: csv).response
        }
        audit.get("diff") { request, context in
            try requireAuditor(context)
            let parameters = Parameters(request: request)
            guard let year = try parameters.integer("year", in: 2000...2100) else {
                throw Problem(.badRequest, "query parameter year is required: the assessment year to compare")
            }
            func point(_ name: String, _ fallback: FigureDiff.Point) throws -> FigureDiff.Point {
                guard let text = parameters.string(name) else { return fallback }
                guard let point = FigureDiff.Point(parsing: text) else {
                    throw Problem(.badRequest, "query parameter \(name)=\(text) must be frozen, now, seq:N, recorded:TIME or date:YYYY-MM-DD")
                }
                return point
            }
            let scratch = NSTemporaryDirectory() + "gongfu-diff-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            do {
                let diff = try FigureDiff.compare(year: year, from: try point("from", .frozen), to: try point("to", .now),
                                                  coverage: daemon.store("coverage"), log: daemon.log, scratch: scratch)
                return Responses.text(diff.text, seq: daemon.log.size)
            } catch let error as AuditError {
                throw Problem(.conflict, error.description)
            }
        }
        audit.get("verify") { _, context in
            try requireAuditor(context)
            let verification = try AuditVerification.run(directory: daemon.log.directory)
            return Responses.text(verification.text, seq: verification.log.events)
        }
        audit.get("report") { request, context in
            try requireAuditor(context)
            guard let year = try Parameters(request: request).integer("year", in: 2000...2100) else {
                throw Problem(.badRequest, "query parameter year is required: the assessment year of the report")
            }
            let html = try AuditReport(year: year, store: { try daemon.store($0) }).html()
            return Responses.text(html, contentType: "text/html; charset=utf-8", seq: try daemon.store("coverage").checkpoint().seq)
        }
    }

    func requireAuditor(_ context: GongfuRequestContext) throws {
        let identity = try context.requireIdentity()
        guard identity.mayAudit else {
            throw Problem(.forbidden, "verification, diffs and reports are for auditor and province tokens")
        }
    }
}

extension AuditRoutes {
    /// `/v1/audit/replay` (a query answered from a read model built as of a past point) and
    /// `/v1/audit/export` (the export directory as a tar archive), for auditor and province tokens.
    func addReplayAndExport(to router: Router<GongfuRequestContext>) {
        let audit = router.group("v1/audit")
        audit.get("replay") { request, context in
            try requireAuditor(context)
            let parameters = Parameters(request: request)
            guard let name = parameters.string("query"), ReadModelQuery.names.contains(where: { $0.query == name }) else {
                throw Problem(.badRequest, "query parameter query must name a query: \(ReadModelQuery.names.map(\.query).joined(separator: ", "))")
            }
            let asOf: AsOf
            if let seq = try parameters.seq("asOfSeq") {
                asOf = .seq(seq)
            } else if let date = try parameters.date("asOfDate") {
                asOf = .date(date)
            } else if let text = parameters.string("asOfRecorded"), let time = AsOf.recordedTime(text) {
                asOf = .recorded(time)
            } else {
                throw Problem(.badRequest, "give the point to replay to: asOfSeq=N, asOfDate=YYYY-MM-DD or asOfRecorded=TIME (UTC, e.g. 2024-10-31T16:00:00Z)")
            }
            let by = try parameters.choice("by", CoverageQuery.Dimension.allCases.map(\.rawValue)).flatMap(CoverageQuery.Dimension.init) ?? .province
            let readModel = try ReadModelQuery.readModel(for: name)
            let scratch = NSTemporaryDirectory() + "gongfu-replay-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let path = try ReadModels.build(asOf: asOf, log: daemon.log, names: [readModel], outputDirectory: scratch)[0]
            let store = try ReadModelStore(path: path, projection: try ReadModelCatalogue.projection(named: readModel), mode: .readOnly)
            defer { store.close() }
            let table = try ReadModelQuery.run(name, filters: try readModels.filters(parameters), coverage: by, store: store)
            return Responses.table(table, name: "\(name)-\(asOf.label)", csv: try Responses.wantsCSV(request, parameters)).response
        }
        audit.get("export") { request, context in
            try requireAuditor(context)
            let parameters = Parameters(request: request)
            let scratch = NSTemporaryDirectory() + "gongfu-export-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let summary: AuditExport.Summary
            do {
                summary = try AuditExport.run(log: daemon.log, from: try parameters.seq("from") ?? 1, to: try parameters.seq("to"), output: scratch + "/export")
            } catch let error as AuditError {
                throw Problem(.badRequest, error.description)
            }
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
            tar.arguments = ["-cf", scratch + "/export.tar", "-C", scratch, "export"]
            try tar.run()
            tar.waitUntilExit()
            guard tar.terminationStatus == 0, let archive = FileManager.default.contents(atPath: scratch + "/export.tar") else {
                throw Problem(.internalServerError, "the export could not be archived")
            }
            return Response(status: .ok, headers: [
                .contentType: "application/x-tar",
                .contentDisposition: "attachment; filename=\"gongfu-export-\(summary.from)-\(summary.to).tar\"",
                Responses.seqHeader: String(summary.to),
            ], body: .init(byteBuffer: ByteBuffer(bytes: archive)))
        }
    }
}
