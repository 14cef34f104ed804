import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the daemon: the router with its middleware and routes, and the projection worker
/// and the log's owner as services of the same ServiceGroup (graceful shutdown on SIGTERM and
/// SIGINT: the server drains in-flight requests, the worker stops, then the log closes with
/// every acknowledged append durable).
public func buildApplication(_ daemon: Daemon, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildRouter(daemon)
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(daemon.configuration.idleTimeout.components.seconds) * 1_000_000_000))),
        configuration: .init(address: .hostname(daemon.configuration.host, port: daemon.configuration.port), serverName: "gongfu"),
        services: [
            LogService(
                daemon: daemon, resumeFreeBytes: daemon.configuration.resumeWritesFreeBytes,
                checkEvery: daemon.configuration.resumeWritesCheckInterval),
            ProjectionService(readModels: daemon.readModels, logger: daemon.logger),
        ],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: daemon.logger
    )
}

/// The router alone (the tests drive it with `app.test(.router)`).
public func buildRouter(_ daemon: Daemon) -> Router<GongfuRequestContext> {
    let router = Router(context: GongfuRequestContext.self)
    let routes = RouteTable()
    let authentication = Authentication(tokens: daemon.tokens, secureCookies: daemon.configuration.secureCookies)
    router.middlewares.add(RequestMiddleware(metrics: daemon.metrics, routes: routes, authentication: authentication))
    OperationsRoutes(daemon: daemon).add(to: router)
    let readModels = ReadModelRoutes(daemon: daemon)
    readModels.add(to: router)
    let audit = AuditRoutes(daemon: daemon, readModels: readModels)
    audit.add(to: router)
    audit.addReplayAndExport(to: router)
    LogRoutes(daemon: daemon).add(to: router)
    let imports = ImportRoutes(daemon: daemon)
    imports.add(to: router)
    StreamRoute(daemon: daemon).add(to: router)
    DashboardRoute(daemon: daemon).add(to: router)
    PageRoutes(daemon: daemon, readModels: readModels).add(to: router)
    ImportPageRoutes(daemon: daemon, imports: imports).add(to: router)
    LoginRoutes(daemon: daemon, authentication: authentication).add(to: router)
    routes.set(router.routes.map { ("\($0.path)", $0.method.rawValue) })
    return router
}
