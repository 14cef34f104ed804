import Access
import Hummingbird

/// The request context: Hummingbird's core storage plus who is asking (set by authentication).
public struct GongfuRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's token identity; nil on the public routes (`/health`, `/metrics`).
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The identity of an authenticated route (authentication runs before every `/v1` and
    /// dashboard route, so a missing identity is a programming error reported as 401).
    public func requireIdentity() throws -> Identity {
        guard let identity else { throw Authentication.missingToken }
        return identity
    }
}
