import Domain

/// Who is asking: the token's id and name, and the role it was issued for.
public struct Identity: Sendable, Equatable {
    public var tokenID: String
    public var name: String
    public var role: Role

    public init(tokenID: String, name: String, role: Role) {
        self.tokenID = tokenID
        self.name = name
        self.role = role
    }

    /// The city whose enterprise files this identity may see and write; `nil` means every city.
    public var city: String? {
        if case .city(let code) = role { return code }
        return nil
    }

    /// Auditors read everything and write nothing.
    public var mayWrite: Bool {
        switch role {
        case .province, .city, .dataOperator: true
        case .auditor, .unknown: false
        }
    }

    /// Whether this identity may use the province-wide audit tools (verification, diffs,
    /// replays, exports, reports): province and auditors. City officials read their own
    /// enterprises' events and files only.
    public var mayAudit: Bool {
        switch role {
        case .province, .auditor, .dataOperator: true
        case .city, .unknown: false
        }
    }

    /// Whether an enterprise file of `city` is visible to this identity.
    public func maySee(city enterpriseCity: String?) -> Bool {
        guard let city else { return true }
        return enterpriseCity == city
    }
}
