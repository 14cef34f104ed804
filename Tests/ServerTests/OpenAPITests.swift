import Foundation
import Hummingbird
import Server
import Testing

@Suite("OpenAPI")
struct OpenAPITests {
    static let specification = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/openapi.yaml")

    /// `METHOD /path` for every operation in schemas/openapi.yaml (paths at two spaces of
    /// indentation under `paths:`, operations at four).
    static func documentedRoutes() throws -> Set<String> {
        let text = try String(contentsOf: specification, encoding: .utf8)
        var routes: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "),
                let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" })
            {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test("every route the router serves is in schemas/openapi.yaml, and every documented route is served")
    func routesMatchSpecification() async throws {
        let fixture = try await TestDaemon()
        let router = buildRouter(fixture.daemon)
        let served = Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                    separator: "/")
                return "\(route.method.rawValue) /\(path)"
            }.map { $0.replacingOccurrences(of: " //", with: " /") })
        let documented = try Self.documentedRoutes()
        #expect(documented.count >= 19)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        await fixture.close()
    }
}
