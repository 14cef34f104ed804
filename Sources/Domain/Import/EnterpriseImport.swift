import EventLog

/// Turns the CSV of an assessment campaign into EnterpriseRegistered events. Headers may be
/// English field names or the Chinese ones officials use; cities and counties may be given by
/// code or by name.
public struct EnterpriseImport: Sendable {
    public typealias RowError = ImportTable.RowError
    public typealias Failure = ImportTable.Failure

    /// The columns, with the header texts accepted for each.
    static let columns: [ImportTable.Column] = [
        .init("name", ["name", "企业名称", "名称"]),
        .init("uscc", ["uscc", "统一社会信用代码", "信用代码"]),
        .init("city", ["city", "所属城市", "城市", "市"]),
        .init("county", ["county", "区县", "所属区县", "县（市、区）"]),
        .init("industry", ["industry", "行业代码", "国民经济行业代码"]),
        .init("chains", ["chains", "产业链", "所属产业链"], required: false),
        .init("yearEntered", ["yearEntered", "纳入规上年份", "入规年份"]),
        .init("occurred", ["occurred", "纳入日期", "登记日期"], required: false),
    ]

    let reference: ReferenceData
    let validator: EventValidator

    public init(reference: ReferenceData = .standard) {
        self.reference = reference
        validator = EventValidator(reference: reference)
    }

    /// The events for every row, or every row's problems (all of them, in order).
    public func drafts(csv bytes: [UInt8]) throws(Failure) -> [(row: Int, draft: EventDraft)] {
        let rows = try rows(csv: bytes)
        let errors = rows.compactMap { row -> RowError? in
            if case .failure(let error) = row.result { return error }
            return nil
        }
        guard errors.isEmpty else { throw Failure(errors: errors) }
        return rows.compactMap { row in (try? row.result.get()).map { (row.row, $0) } }
    }

    /// Each data row's event or problem; throws only when the file as a whole is unusable.
    public func rows(csv bytes: [UInt8]) throws(Failure) -> [(row: Int, result: Result<EventDraft, RowError>)] {
        let table = try ImportTable(csv: bytes, columns: Self.columns)
        var results: [(row: Int, result: Result<EventDraft, RowError>)] = []
        var seen: [String: Int] = [:]
        for (number, row) in table.rows {
            func cell(_ field: String) -> String { table.cell(field, of: row) }
            switch registration(cell: cell) {
            case .failure(let error):
                results.append((number, .failure(RowError(row: number, column: error.column, reason: error.reason))))
            case .success(let draft):
                let uscc = cell("uscc")
                if let first = seen[uscc] {
                    results.append((number, .failure(RowError(row: number, column: "uscc", reason: "\(uscc) is already on row \(first)"))))
                } else {
                    seen[uscc] = number
                    results.append((number, .success(draft)))
                }
            }
        }
        return results
    }

    /// The registration a row's cells describe (`cell` gives a field's trimmed text).
    func registration(cell: (String) -> String) -> Result<EventDraft, RowError> {
        do { _ = try USCC(cell("uscc")) } catch { return .failure(RowError(row: 0, column: "uscc", reason: error.description)) }
        let cityText = cell("city")
        guard let city = reference.cities.first(where: { $0.code == cityText || $0.name == cityText || $0.name == cityText + "市" }) else {
            return .failure(
                RowError(row: 0, column: "city", reason: "\"\(cityText)\" is not one of Shandong's 16 cities (code or name, e.g. 370200 or 青岛市)"))
        }
        let countyText = cell("county")
        let county =
            city.counties.first(where: { $0.code == countyText || $0.name == countyText })?.code
            ?? (reference.isKnownDivision(countyText) ? countyText : nil)
        guard let county else {
            return .failure(RowError(row: 0, column: "county", reason: "\"\(countyText)\" is not a county of \(city.name) (code or name)"))
        }
        var industry = cell("industry").uppercased()
        // Spreadsheets often carry the digits alone: the division says which section they are in.
        if industry.first?.isNumber == true, let division = reference.industry(for: industry) { industry = division.section + industry }
        guard let year = Int64(cell("yearEntered")) else {
            return .failure(RowError(row: 0, column: "yearEntered", reason: "\"\(cell("yearEntered"))\" is not a year"))
        }
        let chains = cell("chains").split(whereSeparator: { $0 == ";" || $0 == "；" || $0 == "、" }).map {
            JSONValue.string(String($0).trimmingCharacters())
        }
        var data: JSONObject = [
            "name": .string(cell("name")), "uscc": .string(cell("uscc")), "city": .string(city.code),
            "county": .string(county), "industry": .string(industry), "yearEntered": .integer(year),
        ]
        if !chains.isEmpty { data["chains"] = .array(chains) }
        let occurred = cell("occurred").isEmpty ? "\(year)-01-01" : cell("occurred")
        var draft = EventDraft(
            stream: "enterprise/\(cell("uscc"))", type: "EnterpriseRegistered", occurred: occurred,
            data: .object(data), expectedVersion: .none)
        do {
            try draft.validate()
            try validator.validate(&draft)
        } catch let error as FieldError {
            let column =
                error.path.hasPrefix("data.")
                ? String(error.path.dropFirst(5).prefix(while: { $0 != "." && $0 != "[" })) : (error.path == "stream" ? "uscc" : error.path)
            return .failure(RowError(row: 0, column: column, reason: error.reason))
        } catch {
            return .failure(RowError(row: 0, column: nil, reason: "\(error)"))
        }
        return .success(draft)
    }
}
