import EventLog

/// Checks an event draft against the catalogue: a known type, the right stream category and
/// schema version, and a payload whose every field is as its spec says.
public struct EventValidator: Sendable {
    public let reference: ReferenceData

    public init(reference: ReferenceData = .standard) {
        self.reference = reference
    }

    /// Puts the draft's text in NFC (``TextRules``), then checks it.
    public func validate(_ draft: inout EventDraft) throws(FieldError) {
        if TextRules.mayChangeUnderNFC(draft.data) { draft.data = TextRules.nfc(draft.data) }
        try validate(draft)
    }

    /// Checks a draft as it is.
    public func validate(_ draft: EventDraft) throws(FieldError) {
        guard let spec = EventCatalogue.spec(for: draft.type) else {
            throw FieldError(
                path: "type",
                reason: "\"\(draft.type)\" is not an event type of the plan; known types: \(EventCatalogue.all.map(\.type).joined(separator: ", "))")
        }
        let (category, id) = draft.streamParts
        if let expected = spec.category, category != expected {
            throw FieldError(path: "stream", reason: "\(spec.type) belongs to a \(expected)/… stream, not \"\(draft.stream)\"")
        }
        guard draft.schema == spec.schema else {
            throw FieldError(path: "schema", reason: "\(spec.type) has schema version \(spec.schema), not \(draft.schema)")
        }
        if category == "enterprise" || category == "provider" {
            do { _ = try USCC(id) } catch {
                throw FieldError(path: "stream", reason: "\(category) streams are named by the unified social credit code: \(error)")
            }
        }
        guard case .object(let members) = draft.data else { throw FieldError(path: "data", reason: "must be an object") }
        try Field.validate(members, fields: spec.fields, at: "data", reference: reference)
        if spec.kind == .enterpriseRegistered, members["uscc"]?.stringValue != id {
            throw FieldError(path: "data.uscc", reason: "must equal the stream's code \(id)")
        }
        if spec.kind == .enterpriseRegistered, let county = members["county"]?.stringValue, let city = members["city"]?.stringValue,
            let owner = reference.city(containing: county), owner.code != city
        {
            throw FieldError(path: "data.county", reason: "\(county) belongs to \(owner.name) (\(owner.code)), not to city \(city)")
        }
    }
}
