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
            return try await readModels.table(.findings, request, parameters, context, filters: filters)
        }
        audit.get("ranking") { request, context in
            // Every city's figures, for officials as for supervision: the ranking is province-wide.
            let parameters = Parameters(request: request)
            let filters = try readModels.filters(parameters)
            return try await readModels.table(.incentiveRanking, request, parameters, context, filters: filters)
        }
        audit.get("explain") { request, context in
            let identity = try context.requireIdentity()
            let parameters = Parameters(request: request)
            guard let year = try parameters.integer("year", in: 2000...2100) else {
                throw Problem(.badRequest, "query parameter year is required: the assessment year to explain")
            }
            let region = try parameters.region()
            switch identity.role {
            case .city(let city) where region?.prefix(4) != city.prefix(4):
                throw Problem(.forbidden, "a city \(city) token explains figures of \(city) and its counties only; add region=\(city)")
            case .county(let county) where region != county:
                throw Problem(.forbidden, "a county \(county) token explains figures of \(county) only; add region=\(county)")
            default:
                break
            }
            let figure = try parameters.choice("figure", Provenance.Figure.allCases.map(\.rawValue)).flatMap(Provenance.Figure.init) ?? .coverage
            let frozen = try parameters.choice("basis", ["known", "frozen"]) == "frozen"
            let csv = try Responses.wantsCSV(request, parameters)
            let daemon = daemon
            return try await daemon.work.run(WorkPool.heavy) {
                let provenance = try Provenance.explain(
                    year: year, region: region, figure: figure, frozen: frozen,
                    coverage: daemon.store(CoverageReadModel.name), log: daemon.log)
                return Responses.table(provenance.table, name: "explain-\(year)-\(region ?? "province")-\(figure.rawValue)", csv: csv)
            }.response
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
            let from = try point("from", .frozen)
            let to = try point("to", .now)
            let daemon = daemon
            let text = try await daemon.work.run(WorkPool.heavy) { () throws -> String in
                let scratch = NSTemporaryDirectory() + "gongfu-diff-" + UUID().uuidString
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                do {
                    return try FigureDiff.compare(
                        year: year, from: from, to: to, coverage: daemon.store(CoverageReadModel.name),
                        log: daemon.log, scratch: scratch
                    ).text
                } catch let error as AuditError {
                    throw Problem(.conflict, error.description)
                }
            }
            return Responses.text(text, seq: daemon.log.size)
        }
        audit.get("verify") { _, context in
            try requireAuditor(context)
            let directory = daemon.log.directory
            let (text, events) = try await daemon.work.run(WorkPool.heavy) {
                let verification = try AuditVerification.run(directory: directory)
                return (verification.text, verification.log.events)
            }
            return Responses.text(text, seq: events)
        }
        audit.get("report") { request, context in
            try requireAuditor(context)
            guard let year = try Parameters(request: request).integer("year", in: 2000...2100) else {
                throw Problem(.badRequest, "query parameter year is required: the assessment year of the report")
            }
            let daemon = daemon
            let html = try await daemon.work.run(WorkPool.heavy) { try AuditReport(year: year, store: { try daemon.store($0) }).html() }
            return Responses.text(html, contentType: "text/html; charset=utf-8", seq: try daemon.store(CoverageReadModel.name).checkpoint().seq)
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
                throw Problem(
                    .badRequest, "give the point to replay to: asOfSeq=N, asOfDate=YYYY-MM-DD or asOfRecorded=TIME (UTC, e.g. 2024-10-31T16:00:00Z)")
            }
            let by = try parameters.choice("by", CoverageQuery.Dimension.allCases.map(\.rawValue)).flatMap(CoverageQuery.Dimension.init) ?? .province
            let query = try ReadModelQuery.Name(named: name)
            let filters = try readModels.filters(parameters)
            let csv = try Responses.wantsCSV(request, parameters)
            let log = daemon.log
            return try await daemon.work.run(WorkPool.heavy) {
                let scratch = NSTemporaryDirectory() + "gongfu-replay-" + UUID().uuidString
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                let stores = try ReadModels.stores(asOf: asOf, log: log, names: query.readModels, outputDirectory: scratch)
                defer { stores.values.forEach { $0.close() } }
                let table = try ReadModelQuery.run(query, filters: filters, coverage: by) { name in
                    guard let store = stores[name] else { throw ProjectionError.unknownProjection(name) }
                    return store
                }
                return Responses.table(table, name: "\(name)-\(asOf.label)", csv: csv)
            }.response
        }
        audit.get("export") { request, context in
            try requireAuditor(context)
            let parameters = Parameters(request: request)
            let from = try parameters.seq("from") ?? 1
            let to = try parameters.seq("to")
            let log = daemon.log
            let (summary, archive) = try await daemon.work.run(WorkPool.heavy) { () throws -> (AuditExport.Summary, Data) in
                let scratch = NSTemporaryDirectory() + "gongfu-export-" + UUID().uuidString
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                let summary: AuditExport.Summary
                do {
                    summary = try AuditExport.run(log: log, from: from, to: to, output: scratch + "/export")
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
                return (summary, archive)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/x-tar",
                    .contentDisposition: "attachment; filename=\"gongfu-export-\(summary.from)-\(summary.to).tar\"",
                    Responses.seqHeader: String(summary.to),
                ], body: .init(byteBuffer: ByteBuffer(bytes: archive)))
        }
    }
}
