import Synchronization

/// The routes the router serves (set once they are all added), so a request for an existing
/// path with another method gets 405 and `Allow` instead of 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: String)]>([])

    func set(_ routes: [(path: String, method: String)]) {
        self.routes.withLock { $0 = routes.map { ($0.path.split(separator: "/"), $0.method) } }
    }

    /// The methods served at `path` (a `{parameter}` segment matches any segment), sorted.
    func allowedMethods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            routes.filter { route in
                route.segments.count == parts.count && zip(route.segments, parts).allSatisfy { $0.hasPrefix("{") || $0.hasPrefix(":") || $0 == $1 }
            }.map(\.method)
        }.sorted()
    }
}
