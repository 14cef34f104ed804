import Dashboard
import Domain
import EventLog
import Foundation
import Hummingbird

/// `GET /`: the officials' dashboard, scoped by the token (a city token sees its own city).
/// In a browser, log in once at `/login`: the token becomes an HttpOnly cookie.
struct DashboardRoute {
    let daemon: Daemon

    func add(to router: Router<GongfuRequestContext>) {
        router.get("/") { request, context in
            let identity = try context.requireIdentity()
            let parameters = Parameters(request: request)
            var city = try parameters.region("city")
            if let own = identity.city {
                if let city, city != own {
                    throw Problem(.forbidden, "a city \(own) token sees the dashboard of \(own) only")
                }
                city = own
            }
            if let city, !gongfuCities.contains(city) {
                throw Problem(.badRequest, "city=\(city) is not one of Shandong's 16 cities (e.g. 370200 for 青岛市)")
            }
            let industry = parameters.string("industry")
            let today = String(Timestamp.format(microseconds: Timestamp.nowMicroseconds() + 8 * 3_600_000_000).prefix(10))
            let page = DashboardPage(
                scope: .init(
                    city: city, industry: industry, cityLocked: identity.city != nil,
                    county: identity.region.flatMap { $0.hasSuffix("00") ? nil : $0 }),
                today: try parameters.date("date") ?? today,
                viewer: "\(identity.name)（\(identity.role.name)）",
                store: { try daemon.store($0) })
            let (html, seq) = try await daemon.work.run(WorkPool.query) { try page.render() }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8",
                    .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'",
                    Responses.seqHeader: String(seq),
                ], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }
}

private let gongfuCities = Set(Domain.ReferenceData.standard.cities.map(\.code))
