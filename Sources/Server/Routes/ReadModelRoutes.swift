import Access
import Domain
import EventLog
import Hummingbird
import Projections

/// `/v1` read-model routes: coverage, the pending library and its funnel, one enterprise's
/// file, the project library, the work ledger, providers, benchmarks and incentives, programme
/// metrics. Each answers JSON or CSV, names its `seq`, and waits for `?waitFor=SEQ` first.
struct ReadModelRoutes {
    let daemon: Daemon

    func add(to router: Router<GongfuRequestContext>) {
        let v1 = router.group("v1")
        v1.get("coverage") { request, context in
            let parameters = Parameters(request: request)
            let by = try parameters.choice("by", CoverageQuery.Dimension.allCases.map(\.rawValue)).flatMap(CoverageQuery.Dimension.init) ?? .province
            return try await table(.coverage, request, parameters, context, filters: try filters(parameters), coverage: by)
        }
        v1.get("coverage/moves") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.stageMoves, request, parameters, context, filters: try filters(parameters))
        }
        v1.get("pending") { request, context in
            let parameters = Parameters(request: request)
            var filters = try filters(parameters, defaultLimit: 100)
            filters.status = try parameters.choice("status", ["pending", "left", "reentered", "all"])
            return try await table(.pending, request, parameters, context, filters: scoped(filters, context))
        }
        v1.get("pending/funnel") { request, context in
            let parameters = Parameters(request: request)
            let by = try parameters.choice("by", ["city", "county", "sector"]).flatMap(CoverageQuery.Dimension.init) ?? .city
            return try await table(.funnel, request, parameters, context, filters: try filters(parameters), coverage: by)
        }
        v1.get("enterprises/:uscc") { request, context in
            try await enterprise(request, context)
        }
        v1.get("projects") { request, context in
            let parameters = Parameters(request: request)
            var filters = try filters(parameters, defaultLimit: 100)
            filters.status = try parameters.choice("status", ["filed", "inProgress", "completed", "cancelled"])
            return try await table(.projects, request, parameters, context, filters: scoped(filters, context))
        }
        v1.get("projects/progress") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.projectProgress, request, parameters, context, filters: try filters(parameters), coverage: try places(parameters))
        }
        v1.get("ledger") { request, context in
            let parameters = Parameters(request: request)
            var filters = try filters(parameters)
            filters.status = try parameters.choice("status", LedgerReadModel.Status.allCases.map(\.rawValue))
            return try await table(.ledger, request, parameters, context, filters: filters, coverage: try places(parameters))
        }
        v1.get("providers") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.providers, request, parameters, context, filters: try filters(parameters, defaultLimit: 500))
        }
        v1.get("providers/progress") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.providerProgress, request, parameters, context, filters: try filters(parameters))
        }
        v1.get("benchmarks") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.benchmarks, request, parameters, context, filters: scoped(try filters(parameters), context))
        }
        v1.get("incentives") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.incentives, request, parameters, context, filters: scoped(try filters(parameters), context))
        }
        v1.get("metrics/programme") { request, context in
            let parameters = Parameters(request: request)
            let by = try parameters.choice("by", ["province", "city", "county", "sector"]).flatMap(CoverageQuery.Dimension.init) ?? .province
            return try await table(.programme, request, parameters, context, filters: try filters(parameters), coverage: by)
        }
        v1.get("needs") { request, context in
            let parameters = Parameters(request: request)
            let by = try parameters.choice("by", ["province", "city", "county", "industry"]).flatMap(CoverageQuery.Dimension.init) ?? .province
            return try await table(.needs, request, parameters, context, filters: try filters(parameters), coverage: by)
        }
        v1.get("targets") { request, context in
            let parameters = Parameters(request: request)
            return try await table(.targets, request, parameters, context, filters: try filters(parameters), coverage: try places(parameters))
        }
    }

    /// `by=province|city|county` for the queries told per place.
    func places(_ parameters: Parameters) throws -> CoverageQuery.Dimension {
        try parameters.choice("by", ["province", "city", "county"]).flatMap(CoverageQuery.Dimension.init) ?? .province
    }

    func filters(_ parameters: Parameters, defaultLimit: Int? = nil) throws -> QueryFilters {
        var filters = QueryFilters()
        filters.region = try parameters.region()
        if let industry = parameters.string("industry") {
            guard ReferenceData.standard.industry(for: industry) != nil else {
                throw Problem(
                    .badRequest,
                    "query parameter industry=\(industry) is not a GB/T 4754-2017 industrial code (B06–B12, C13–C43, D44–D46, e.g. C26, C3670 or D44)"
                )
            }
            filters.industry = industry
        }
        filters.year = try parameters.integer("year", in: 2000...2100)
        filters.date = try parameters.date("date")
        filters.limit = try parameters.integer("limit", in: 1...5000) ?? defaultLimit
        filters.offset = try parameters.integer("offset", in: 0...Int.max) ?? 0
        return filters
    }

    /// Enterprise-level lists (pending, projects, awards, incentives, findings): a city or
    /// county token sees its own region only.
    func scoped(_ filters: QueryFilters, _ context: GongfuRequestContext) throws -> QueryFilters {
        let identity = try context.requireIdentity()
        guard let own = identity.region else { return filters }
        var filters = filters
        if let region = filters.region {
            let inside = ReferenceData.region(own, contains: region)
            guard inside else {
                throw Problem(
                    .forbidden,
                    "a \(identity.role.name) token sees only the enterprise files of \(own)\(own.hasSuffix("00") ? " and its counties" : ""); region \(region) is outside it"
                )
            }
        } else {
            filters.region = own
        }
        return filters
    }

    func table(
        _ query: ReadModelQuery.Name, _ request: Request, _ parameters: Parameters, _ context: GongfuRequestContext, filters: QueryFilters,
        coverage: CoverageQuery.Dimension = .province
    ) async throws -> Response {
        let identity = try context.requireIdentity()
        if let waitFor = try parameters.seq("waitFor") {
            for readModel in query.readModels { try await daemon.waitUntilProjected(waitFor, in: readModel) }
        }
        let stores = try query.readModels.map { try daemon.store($0) }
        let csv = try Responses.wantsCSV(request, parameters)
        // The parsed filters, not the raw query string: `waitFor` and parameter order do not matter.
        var key = query.rawValue
        for part in [
            coverage.rawValue, filters.region ?? "", filters.industry ?? "", filters.year.map(String.init) ?? "", filters.status ?? "",
            filters.date ?? Today.utc, filters.limit.map(String.init) ?? "", String(filters.offset), csv ? "csv" : "json", identity.region ?? "*",
        ] {
            key += "|"
            key += part
        }
        // The answer is cached for the seq the read model had before the query ran, and only
        // when the query saw that very seq; a query over several read models also keys on the
        // others' seqs.
        let seqs = stores.map(\.appliedSeq)
        let before = seqs.min()!
        if seqs.count > 1 { key += "|" + seqs.map(String.init).joined(separator: ",") }
        if let cached = daemon.cache.lookup(key, seq: before) { return cached }
        let viewer = identity.region
        let answer = try await daemon.work.run(WorkPool.query) { () throws -> (ResponseCache.CachedResponse, UInt64) in
            var result = try ReadModelQuery.run(query, filters: filters, coverage: coverage) { name in
                guard let store = stores.first(where: { $0.name == name }) else { throw ProjectionError.unknownProjection(name) }
                return store
            }
            if let viewer { result = SmallCells.suppress(result, query: query, filters: filters, coverage: coverage, viewer: viewer) }
            return (Responses.table(result, name: query.rawValue, csv: csv), result.seq)
        }
        if answer.1 == before, stores.map(\.appliedSeq) == seqs { daemon.cache.store(key, seq: before, answer.0) }
        return answer.0.response
    }

    /// The file of enterprise `uscc` if `identity` may see it; another region's enterprise and a
    /// missing one answer alike (403 for a city or county token).
    func visibleFile(_ uscc: String, for identity: Identity) async throws -> EnterpriseFile {
        let daemon = daemon
        let file = try await daemon.work.run(WorkPool.query) {
            try EnterpriseFile.load(
                uscc, pending: daemon.store(PendingReadModel.name), projects: daemon.store(ProjectsReadModel.name),
                coverage: daemon.store(CoverageReadModel.name), log: daemon.log)
        }
        guard let file, identity.maySee(city: file.city, county: file.county) else {
            if let region = identity.region {
                throw Problem(.forbidden, "no enterprise \(uscc) among the files of \(identity.role.name.prefix { $0 != ":" }) \(region)")
            }
            guard (try? USCC(uscc)) != nil else {
                throw Problem(.notFound, "\(uscc) is not a valid unified social credit code (GB 32100-2015)")
            }
            throw Problem(.notFound, "no enterprise \(uscc) is registered in the population")
        }
        return file
    }

    func enterprise(_ request: Request, _ context: GongfuRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let uscc = try context.parameters.require("uscc")
        if let waitFor = try Parameters(request: request).seq("waitFor") {
            try await daemon.waitUntilProjected(waitFor, in: PendingReadModel.name)
            try await daemon.waitUntilProjected(waitFor, in: ProjectsReadModel.name)
            try await daemon.waitUntilProjected(waitFor, in: CoverageReadModel.name)
        }
        let file = try await visibleFile(uscc, for: identity)
        return Responses.json(file.json, seq: file.seq)
    }
}
