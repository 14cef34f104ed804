import EventLog

/// Who may write what: a credential's role as the envelope's actor carries it.
public enum Role: Equatable, Sendable {
    /// Province officials: everything.
    case province
    /// A city's officials (GB/T 2260 code): their own enterprises.
    case city(String)
    /// A county's officials (县、市、区, GB/T 2260 code): their own county's enterprises.
    case county(String)
    /// Auditors: read everything, write nothing.
    case auditor
    /// The operator of the data directory (the `gongfu` command line): everything.
    case dataOperator
    case unknown(String)

    /// Reads `province`, `auditor`, `operator`, `city:<code>` or `county:<code>`.
    public init(_ text: String) {
        switch text {
        case "province": self = .province
        case "auditor": self = .auditor
        case "operator": self = .dataOperator
        case _ where text.hasPrefix("city:") && text.count == 11: self = .city(String(text.dropFirst(5)))
        case _ where text.hasPrefix("county:") && text.count == 13: self = .county(String(text.dropFirst(7)))
        default: self = .unknown(text)
        }
    }

    /// The role of an envelope's actor (role `city` or `county` with its jurisdiction).
    public init(_ actor: Actor) {
        switch (actor.role, actor.jurisdiction) {
        case ("city", let code?): self = .city(code)
        case ("county", let code?): self = .county(code)
        default: self.init(actor.role)
        }
    }

    /// The city or county whose enterprises the role is confined to; nil for the province-wide
    /// roles.
    public var region: String? {
        switch self {
        case .city(let code), .county(let code): code
        default: nil
        }
    }

    /// Whether an enterprise registered in `city` and `county` is within the role's region.
    public func covers(city: String?, county: String?) -> Bool {
        switch self {
        case .city(let code): city == code
        case .county(let code): county == code
        default: true
        }
    }

    public var name: String {
        switch self {
        case .province: "province"
        case .city(let code): "city:\(code)"
        case .county(let code): "county:\(code)"
        case .auditor: "auditor"
        case .dataOperator: "operator"
        case .unknown(let text): text
        }
    }

    /// The actor for an envelope: the role, and the jurisdiction for a city or county.
    public func actor(named name: String) -> Actor {
        switch self {
        case .city(let code): Actor(name: name, role: "city", jurisdiction: code)
        case .county(let code): Actor(name: name, role: "county", jurisdiction: code)
        default: Actor(name: name, role: self.name)
        }
    }
}
