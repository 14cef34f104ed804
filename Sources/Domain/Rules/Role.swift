import EventLog

/// Who may write what: a credential's role as the envelope's actor carries it.
public enum Role: Equatable, Sendable {
    /// Province officials: everything.
    case province
    /// A city's officials (GB/T 2260 code): their own enterprises.
    case city(String)
    /// Auditors: read everything, write nothing.
    case auditor
    /// The operator of the data directory (the `gongfu` command line): everything.
    case dataOperator
    case unknown(String)

    /// Reads `province`, `auditor`, `operator` or `city:<code>`.
    public init(_ text: String) {
        switch text {
        case "province": self = .province
        case "auditor": self = .auditor
        case "operator": self = .dataOperator
        case _ where text.hasPrefix("city:") && text.count == 11: self = .city(String(text.dropFirst(5)))
        default: self = .unknown(text)
        }
    }

    /// The role of an envelope's actor (role `city` with its jurisdiction).
    public init(_ actor: Actor) {
        if actor.role == "city", let code = actor.jurisdiction { self = .city(code) } else { self.init(actor.role) }
    }

    public var name: String {
        switch self {
        case .province: "province"
        case .city(let code): "city:\(code)"
        case .auditor: "auditor"
        case .dataOperator: "operator"
        case .unknown(let text): text
        }
    }

    /// The actor for an envelope: the role, and the jurisdiction for a city.
    public func actor(named name: String) -> Actor {
        switch self {
        case .city(let code): Actor(name: name, role: "city", jurisdiction: code)
        default: Actor(name: name, role: self.name)
        }
    }
}
