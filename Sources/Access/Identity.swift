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

    /// The city or county whose enterprise files this identity may see and write; `nil` means
    /// the whole province.
    public var region: String? { role.region }

    /// The city of ``region`` (a county's city): where its aggregate views are locked to.
    public var city: String? {
        switch role {
        case .city(let code): code
        case .county(let code): ReferenceData.standard.city(containing: code)?.code
        default: nil
        }
    }

    /// Auditors read everything and write nothing.
    public var mayWrite: Bool {
        switch role {
        case .province, .city, .county, .dataOperator: true
        case .auditor, .unknown: false
        }
    }

    /// Whether this identity may use the province-wide audit tools (verification, diffs,
    /// replays, exports, reports): province and auditors. City officials read their own
    /// enterprises' events and files only.
    public var mayAudit: Bool {
        switch role {
        case .province, .auditor, .dataOperator: true
        case .city, .county, .unknown: false
        }
    }

    /// Whether the file of an enterprise registered in `city` and `county` is visible to this
    /// identity.
    public func maySee(city: String?, county: String?) -> Bool {
        role.covers(city: city, county: county)
    }
}
