import Hummingbird
import Logging

/// The one middleware: authenticates the caller (``Authentication``), turns every error into
/// an `application/problem+json` response (internal errors are logged with the request id and
/// never shown to the client), records each request's latency for `/metrics`, and writes one
/// structured log line per request, naming the acting token.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = GongfuRequestContext
    let metrics: ServerMetrics
    /// The router's routes, to answer 405 with `Allow` when a path exists but not for the method asked.
    let routes: RouteTable
    let authentication: Authentication

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        var response: Response
        do {
            context.identity = try authentication.identity(for: request)
            if let identity = context.identity { context.logger[metadataKey: "auth.token_id"] = .string(identity.tokenID) }
            response = try await next(request, context)
        } catch let problem as Problem {
            response = try problem.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound && !routes.allowedMethods(for: request.uri.path).isEmpty {
            let allowed = routes.allowedMethods(for: request.uri.path)
            response = try Problem(
                .methodNotAllowed, "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method.rawValue)",
                headers: [.allow: allowed.joined(separator: ", ")]
            ).response(from: request, context: context)
        } catch let error as HTTPError {
            let detail =
                error.body
                ?? (error.status == .notFound
                    ? "no such resource: \(request.uri.path); the routes are described in schemas/openapi.yaml" : error.status.reasonPhrase)
            response = try Problem(error.status, detail, headers: error.headers).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try Problem(error.status, error.status.reasonPhrase).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error.message": "\(error)", "http.path": "\(request.uri.path)"])
            response = try Problem(.internalServerError, "the server could not answer this request; quote request id \(context.id) to the operator")
                .response(from: request, context: context)
        }
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        context.logger.info(
            "request",
            metadata: [
                "http.method": "\(request.method.rawValue)",
                "http.route": "\(route)",
                "http.status": "\(response.status.code)",
                "http.duration_ms":
                    "\(Double(duration.components.attoseconds / 1_000_000_000_000) / 1000 + Double(duration.components.seconds) * 1000)",
                "auth.token_id": "\(context.identity?.tokenID ?? "-")",
            ])
        return response
    }
}
