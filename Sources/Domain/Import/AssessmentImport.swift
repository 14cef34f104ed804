import EventLog
import Foundation

/// Reads the assessment platform's export — one row per assessment: USCC, assessment id, date,
/// kind, stage, optional scores per dimension, optionally the enterprise's profile — into
/// `AssessmentRecorded` events, and into the `EnterpriseRegistered` event of an enterprise first
/// seen in the file when the profile columns are there.
///
/// Each event carries a key derived from the assessment id (`import/assessment/<USCC>/<id>`),
/// so importing the same file again appends nothing. Scores are the columns headed
/// `得分:<dimension>` (or `score:<dimension>`).
///
/// ```swift
/// for row in try AssessmentImport().rows(csv: bytes) {
///     if case .success(let assessed) = row.result { assessed.assessment /* the event */ }
/// }
/// ```
public struct AssessmentImport: Sendable {
    /// One row read: its assessment event, and the registration its profile columns describe.
    public struct Row: Sendable {
        public let uscc: String
        public let assessment: EventDraft
        /// The stage the assessment found, on its date.
        public let stage: Stage
        public let date: String
        /// Present when the file has the profile columns (name, city, county, industry).
        public let registration: Result<EventDraft, ImportTable.RowError>?
    }

    static let columns: [ImportTable.Column] = [
        .init("uscc", ["uscc", "统一社会信用代码", "信用代码"]),
        .init("assessment", ["assessment", "评估编号", "评估ID", "评估id"]),
        .init("date", ["date", "评估日期", "日期"]),
        .init("kind", ["kind", "评估类型", "类型"]),
        .init("stage", ["stage", "评估等级", "发展阶段", "阶段"]),
        .init("instrument", ["instrument", "评估工具", "评估版本"], required: false),
        .init("name", ["name", "企业名称", "名称"], required: false),
        .init("city", ["city", "所属城市", "城市", "市"], required: false),
        .init("county", ["county", "区县", "所属区县", "县（市、区）"], required: false),
        .init("industry", ["industry", "行业代码", "国民经济行业代码"], required: false),
        .init("yearEntered", ["yearEntered", "纳入规上年份", "入规年份"], required: false),
    ]

    /// The profile columns a registration needs.
    static let profile = ["name", "city", "county", "industry"]

    /// The kinds' names as the platform writes them.
    static let kinds: [String: AssessmentRecorded.Kind] = [
        "annual": .annual, "年度": .annual, "年度评估": .annual, "online": .online, "网上": .online, "网上评测": .online, "线上": .online,
        "自评估": .online, "onsite": .onsite, "现场": .onsite, "现场评估": .onsite, "现场诊断评估": .onsite,
    ]

    let validator: EventValidator
    /// Reads the profile columns as the enterprise import does.
    let enterprises: EnterpriseImport

    public init(reference: ReferenceData = .standard) {
        validator = EventValidator(reference: reference)
        enterprises = EnterpriseImport(reference: reference)
    }

    /// The file's table and each data row's result; throws only when the file as a whole is
    /// unusable (unreadable, no header, a required column missing or repeated).
    public func rows(csv bytes: [UInt8]) throws(ImportTable.Failure) -> (
        table: ImportTable, rows: [(number: Int, result: Result<Row, ImportTable.Failure>)]
    ) {
        let table = try table(csv: bytes)
        return (table, rows(of: table))
    }

    /// The file's table (``ImportTable``), its rows not read yet; throws when the file as a whole
    /// is unusable (unreadable, no header, a required column missing or repeated).
    public func table(csv bytes: [UInt8]) throws(ImportTable.Failure) -> ImportTable {
        try ImportTable(csv: bytes, columns: Self.columns)
    }

    /// Each data row's result, in row order (errors numbered by row).
    public func rows(of table: ImportTable) -> [(number: Int, result: Result<Row, ImportTable.Failure>)] {
        var seen = SeenKeys()
        return rows(table.rows.indices, of: table, seen: &seen)
    }

    /// The results of the rows at `indices` (ascending) of `table`. A repeated assessment (same
    /// enterprise and id: the same key) is refused on its later rows; `seen` holds the keys of
    /// the rows read before, so a file read in parts refuses its repeats as one read whole.
    func rows(
        _ indices: some RandomAccessCollection<Int>, of table: ImportTable, seen: inout SeenKeys
    ) -> [(number: Int, result: Result<Row, ImportTable.Failure>)] {
        refusingRepeats(readRows(Array(indices), of: table), at: indices, of: table, seen: &seen)
    }

    /// `results` (of the rows at `indices`, ascending) with each repeated assessment refused on
    /// its later rows, `seen` holding the keys of the rows before.
    func refusingRepeats(
        _ results: [(number: Int, result: Result<Row, ImportTable.Failure>)], at indices: some RandomAccessCollection<Int>,
        of table: ImportTable, seen: inout SeenKeys
    ) -> [(number: Int, result: Result<Row, ImportTable.Failure>)] {
        var results = results
        seen.reserveCapacity(results.count)
        let earlierKey = { (earlier: Int) in try? readRows([earlier], of: table)[0].result.get().assessment.key }
        for (position, index) in indices.enumerated() {
            guard case .success(let row) = results[position].result, let key = row.assessment.key else { continue }
            let number = results[position].number
            if let first = seen.first(key, atRow: index, of: table, key: earlierKey) {
                let assessment = table.cell("assessment", of: table.rows[index].fields)
                results[position].result = .failure(
                    ImportTable.Failure(errors: [
                        .init(row: number, column: "assessment", reason: "assessment \(assessment) of \(row.uscc) is already on row \(first)")
                    ]))
            }
        }
        return results
    }

    /// The assessment keys of the rows read so far, by hash: a national file's keys are not
    /// kept as text. Two keys with the same hash are told apart by reading the earlier row's key
    /// again; a key whose hash another key holds is kept as text.
    struct SeenKeys {
        /// A key's hash → the index of the first row with a key of that hash.
        private var byHash: [Int: Int] = [:]
        /// Keys whose hash an earlier, different key holds → their first row's number.
        private var collided: [String: Int] = [:]
        private let hash: (String) -> Int

        /// `hash` is the keys' hash (tests make keys collide with one of their own).
        init(hash: @escaping (String) -> Int = \.hashValue) {
            self.hash = hash
        }

        mutating func reserveCapacity(_ count: Int) { byHash.reserveCapacity(byHash.count + count) }

        /// The number of the first row with `key`, when an earlier row has it; otherwise nil, and
        /// `key` is remembered as that of the row at `index` (`keyOfRow` reads the key of the row
        /// at an index again).
        mutating func first(_ key: String, atRow index: Int, of table: ImportTable, key keyOfRow: (Int) -> String?) -> Int? {
            let hash = hash(key)
            guard let earlier = byHash[hash] else {
                byHash[hash] = index
                return nil
            }
            if keyOfRow(earlier) == key { return table.rows[earlier].number }
            if let number = collided[key] { return number }
            collided[key] = table.rows[index].number
            return nil
        }
    }

    /// The rows at `indices` read each on its own (rows do not depend on each other), split
    /// between the cores.
    func readRows(_ indices: [Int], of table: ImportTable) -> [(number: Int, result: Result<Row, ImportTable.Failure>)] {
        let scores = scoreFields(table.header)
        let profile = Self.profile.allSatisfy(table.has)
        let count = indices.count
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / 1024))
        return Array(unsafeUninitializedCapacity: count) { output, initialized in
            nonisolated(unsafe) let output = output
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for position in count * worker / workers..<count * (worker + 1) / workers {
                    let (number, fields) = table.rows[indices[position]]
                    let result = readRow(fields, of: table, scores: scores, profile: profile).mapError { failure in
                        ImportTable.Failure(errors: failure.errors.map { .init(row: number, column: $0.column, reason: $0.reason) })
                    }
                    (output.baseAddress! + position).initialize(to: (number, result))
                }
            }
            initialized = count
        }
    }

    /// One data row: its assessment and, with the profile columns, its registration.
    private func readRow(
        _ fields: [String], of table: ImportTable, scores: [(dimension: String, position: Int)], profile: Bool
    ) -> Result<Row, ImportTable.Failure> {
        func cell(_ field: String) -> String { table.cell(field, of: fields) }
        let result = row(cell: cell, scores: scores.map { ($0.dimension, fields.indices.contains($0.position) ? fields[$0.position] : "") })
        guard profile, case .success(let read) = result else { return result }
        let registration = enterprises.registration { field in
            switch field {
            case "yearEntered": cell("yearEntered").isEmpty ? String(read.date.prefix(4)) : cell("yearEntered")
            case "occurred": cell("yearEntered").isEmpty ? read.date : ""
            default: cell(field)
            }
        }
        let keyed = registration.map { draft in
            var draft = draft
            draft.key = "import/register/\(read.uscc)"
            return draft
        }.mapError { ImportTable.RowError(row: 0, column: $0.column, reason: $0.reason) }
        return .success(Row(uscc: read.uscc, assessment: read.assessment, stage: read.stage, date: read.date, registration: keyed))
    }

    /// The score columns of the header (`得分:<dimension>`), none required.
    private func scoreFields(_ header: [String]) -> [(dimension: String, position: Int)] {
        header.enumerated().compactMap { position, text in
            let cleaned = text.trimmingCharacters()
            for prefix in ["得分:", "得分：", "score:"] where cleaned.hasPrefix(prefix) {
                let dimension = String(cleaned.dropFirst(prefix.count)).trimmingCharacters()
                return dimension.isEmpty ? nil : (dimension, position)
            }
            return nil
        }
    }

    /// A row's assessment, or every problem of the row (one per column).
    private func row(cell: (String) -> String, scores: [(String, String)]) -> Result<Row, ImportTable.Failure> {
        var errors: [ImportTable.RowError] = []
        func problem(_ column: String?, _ reason: String) { errors.append(.init(row: 0, column: column, reason: reason)) }
        let uscc = cell("uscc").uppercased()
        do { _ = try USCC(uscc) } catch { problem("uscc", error.description) }
        let id = cell("assessment")
        if id.isEmpty { problem("assessment", "the assessment id is empty") }
        let dateText = cell("date")
        let date = Self.date(dateText)
        if date == nil { problem("date", "\"\(dateText)\" is not a date (YYYY-MM-DD or YYYY/M/D)") }
        let kindText = cell("kind")
        let kind = Self.kinds[kindText] ?? Self.kinds[kindText.lowercased()]
        if kind == nil { problem("kind", "\"\(kindText)\" is not a kind of assessment: annual (年度), online (网上评测) or onsite (现场)") }
        let stageText = cell("stage")
        let stage = Self.stage(stageText)
        if stage == nil { problem("stage", "\"\(stageText)\" is not a stage: L0 to L5") }
        let instrument = cell("instrument")
        var scored: JSONObject = [:]
        for (dimension, text) in scores {
            let value = text.trimmingCharacters()
            guard !value.isEmpty else { continue }
            guard let number = Double(value), number.isFinite else {
                problem("得分:\(dimension)", "\"\(value)\" is not a number")
                continue
            }
            scored[dimension] = number == number.rounded() && abs(number) < 1e15 ? .integer(Int64(number)) : .double(number)
        }
        guard errors.isEmpty, let date, let kind, let stage else { return .failure(ImportTable.Failure(errors: errors)) }
        var data: JSONObject = [
            "assessment": .string(id), "kind": .string(kind.rawValue), "stage": .string(stage.rawValue),
            "instrument": .string(instrument.isEmpty ? "评估平台导出" : instrument),
        ]
        if !scored.isEmpty { data["scores"] = .object(scored) }
        var draft = EventDraft(stream: "enterprise/\(uscc)", type: AssessmentRecorded.kind.rawValue, occurred: date, data: .object(data))
        draft.key = "import/assessment/\(uscc)/\(id)"
        do {
            try draft.validate()
            try validator.validate(&draft)
        } catch let error as FieldError {
            let column = error.path.hasPrefix("data.") ? String(error.path.dropFirst(5).prefix(while: { $0 != "." && $0 != "[" })) : error.path
            problem(column == "occurred" ? "date" : column, error.reason)
        } catch {
            problem(nil, "\(error)")
        }
        guard errors.isEmpty else { return .failure(ImportTable.Failure(errors: errors)) }
        return .success(Row(uscc: uscc, assessment: draft, stage: stage, date: date, registration: nil))
    }

    /// `YYYY-MM-DD`, or `YYYY/M/D` and `YYYY-M-D` as spreadsheets write dates.
    static func date(_ text: String) -> String? {
        // Three runs of ASCII digits (4, then 1–2, then 1–2), each separator one character.
        var parts: [Int] = []
        var digits = 0
        var value = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < (parts.isEmpty ? 4 : 2) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "."):
                guard parts.count < 2, parts.isEmpty ? digits == 4 : digits > 0 else { return nil }
                parts.append(value)
                (digits, value) = (0, 0)
            default:
                return nil
            }
        }
        guard parts.count == 2, digits > 0 else { return nil }
        let (year, month, day) = (parts[0], parts[1], value)
        let date = "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        return Timestamp.isValidBusinessDate(date) ? date : nil
    }

    /// `L3`, `l3`, `3` or `L3级`.
    static func stage(_ text: String) -> Stage? {
        var digits = text.uppercased()
        if digits.hasPrefix("L") { digits.removeFirst() }
        if digits.hasSuffix("级") { digits.removeLast() }
        return Int(digits).flatMap(Stage.init(level:))
    }
}

extension AssessmentImport {
    /// A file's rows checked through the intake: the events to append, the rows refused with
    /// why, and each accepted assessment.
    public struct Checked: Sendable {
        /// The events to append, in row order (a registration before its enterprise's first
        /// assessment); empty when checked in parts (``checkInParts(_:rowsPerPart:with:registerMissing:progress:)``).
        public var drafts: [EventDraft] = []
        /// The rows accepted, in row order: what ``drafts`` holds, as places in the table.
        public var accepted: [Accepted] = []
        /// How many accepted rows register their enterprise (their registrations are in ``drafts``
        /// when kept).
        public var registrations = 0
        /// What was wrong with the refused rows, in row order (a row may have several problems).
        public var refused: [ImportTable.RowError] = []
        /// How many rows were refused.
        public var refusedRows = 0
        /// Rows refused because the USCC is not registered and no registration came with it.
        public var unknown = 0
        /// Each accepted assessment: its enterprise, date and stage, and the city it registers
        /// the enterprise in when the import registers it.
        public var assessed: [(uscc: String, date: String, stage: Stage, registersIn: String?)] = []
        /// How many data rows the file has.
        public var rows = 0
    }

    /// An accepted row: its index among the table's data rows, and whether its enterprise is
    /// registered from it (its registration comes before its assessment).
    public struct Accepted: Sendable, Equatable {
        public var index: Int
        public var registers: Bool
    }

    /// Reads `table`'s rows and checks each through `intake` (catalogue, jurisdiction,
    /// idempotency, rules) as one input: a row is accepted whole (its registration and its
    /// assessment) or refused whole. With `registerMissing`, an enterprise the log does not hold is
    /// registered from the row's profile columns first. The intake reads the enterprises the rows
    /// name from the log while the rows are read; `progress` is told how many rows have been
    /// checked. A table handed over (not kept by the caller) is let go once its rows are read.
    public func check(
        _ table: consuming ImportTable, with intake: inout Intake, registerMissing: Bool, progress: (Int) -> Void = { _ in }
    ) -> Checked {
        var rows: [(number: Int, result: Result<Row, ImportTable.Failure>)] = []
        // A log that cannot be read is reported by the row checks that follow.
        Self.concurrently({ try? intake.prefetch(enterprises: Self.usccs(of: table)) }, { rows = self.rows(of: table) })
        _ = consume table
        return checkPrefetched(rows, with: &intake, registerMissing: registerMissing, progress: progress)
    }

    /// ``check(_:with:registerMissing:progress:)`` of rows already being read: `reading` is this
    /// table's ``rows(of:)``, started before the intake could be (while the log opened); the
    /// intake reads the rows' enterprises from the log while the rest are read.
    public func check(
        _ table: ImportTable, reading: Task<[(number: Int, result: Result<Row, ImportTable.Failure>)], Never>, with intake: inout Intake,
        registerMissing: Bool, progress: (Int) -> Void = { _ in }
    ) async -> Checked {
        // A log that cannot be read is reported by the row checks that follow.
        try? intake.prefetch(enterprises: Self.usccs(of: table))
        return checkPrefetched(await reading.value, with: &intake, registerMissing: registerMissing, progress: progress)
    }

    /// ``check(_:with:registerMissing:progress:)`` for a file of any size: reads and checks its
    /// rows `rowsPerPart` at a time and keeps of each accepted row only its place
    /// (``Checked/accepted``; ``Checked/drafts`` stays empty), so that what the check holds is
    /// the table and the rules' facts, not every row's events. Still one input: every row is
    /// checked before any is appended. ``drafts(of:in:)`` builds the accepted rows' events again,
    /// a part at a time, to append them.
    public func checkInParts(
        _ table: ImportTable, rowsPerPart: Int = 16_384, with intake: inout Intake, registerMissing: Bool, progress: (Int) -> Void = { _ in }
    ) -> Checked {
        // A log that cannot be read is reported by the row checks that follow.
        try? intake.prefetch(enterprises: Self.usccs(of: table))
        var seen = SeenKeys()
        let rowsPerPart = max(1, rowsPerPart)
        // Each part is read while the one before it is checked; its repeats are found in order.
        let parts = ReadAhead(splitting: table.rows.count, into: rowsPerPart) { range in (range, self.readRows(Array(range), of: table)) }
        let rows = parts.lazy.map { range, results in self.refusingRepeats(results, at: range, of: table, seen: &seen) }.joined()
        return checkPrefetched(
            count: table.rows.count, rows: rows, rowsPerPart: rowsPerPart, keepDrafts: false, with: &intake,
            registerMissing: registerMissing, progress: progress
        ) { accepted in self.drafts(of: accepted, in: table) }
    }

    /// The events of `accepted` rows of `table` (``Checked/accepted``), read again, in row
    /// order — a registration before its assessment: what ``Checked/drafts`` holds when kept.
    public func drafts(of accepted: some Collection<Accepted>, in table: ImportTable) -> [EventDraft] {
        let read = readRows(accepted.map(\.index), of: table)
        var drafts: [EventDraft] = []
        drafts.reserveCapacity(read.count)
        for ((number, result), accepted) in zip(read, accepted) {
            // A row reads the same every time: it was accepted, so it reads as a row again.
            guard case .success(let row) = result else { preconditionFailure("row \(number) was accepted and no longer reads") }
            if accepted.registers {
                guard case .success(let registration)? = row.registration else {
                    preconditionFailure("row \(number) registered its enterprise and no longer reads a registration")
                }
                drafts.append(registration)
            }
            drafts.append(row.assessment)
        }
        return drafts
    }

    /// ``drafts(of:in:)`` of `accepted`, `rowsPerPart` rows at a time and in order, each next
    /// part's built on a thread of its own while the caller appends the part before.
    public func drafts(of accepted: [Accepted], in table: ImportTable, rowsPerPart: Int) -> some Sequence<[EventDraft]> {
        ReadAhead(splitting: accepted.count, into: rowsPerPart) { range in self.drafts(of: accepted[range], in: table) }
    }

    /// The USCCs of `table`'s rows as a row reads them (upper-cased), for the intake's prefetch.
    static func usccs(of table: ImportTable) -> some Sequence<String> {
        table.rows.lazy.map { table.cell("uscc", of: $0.fields).uppercased() }
    }

    /// Runs `first` and `second` at once, on two threads, and returns when both have.
    static func concurrently(_ first: () -> Void, _ second: () -> Void) {
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                nonisolated(unsafe) let (first, second) = (first, second)
                DispatchQueue.concurrentPerform(iterations: 2) { $0 == 0 ? first() : second() }
            }
        }
    }

    /// ``check(_:with:registerMissing:progress:)`` of all of a table's rows (``rows(of:)``, in
    /// table order) once their enterprises are prefetched.
    private func checkPrefetched(
        _ rows: [(number: Int, result: Result<Row, ImportTable.Failure>)], with intake: inout Intake, registerMissing: Bool,
        progress: (Int) -> Void
    ) -> Checked {
        checkPrefetched(
            count: rows.count, rows: rows, keepDrafts: true, with: &intake, registerMissing: registerMissing, progress: progress,
            redraft: { _ in preconditionFailure("drafts are kept") })
    }

    /// Checks `rows` (read in row order, `count` in all), keeping the accepted rows' drafts or
    /// only their places. After a row whose registration passed and whose assessment did not,
    /// the intake forgets everything and checks the accepted rows again (their kept drafts, or
    /// those `redraft` builds again, `rowsPerPart` rows at a time).
    private func checkPrefetched(
        count: Int, rows: some Sequence<(number: Int, result: Result<Row, ImportTable.Failure>)>, rowsPerPart: Int = 16_384,
        keepDrafts: Bool, with intake: inout Intake, registerMissing: Bool, progress: (Int) -> Void,
        redraft: (ArraySlice<Accepted>) -> [EventDraft]
    ) -> Checked {
        var checked = Checked()
        checked.rows = count
        intake.reserveCapacity(count)
        if keepDrafts { checked.drafts.reserveCapacity(count) }
        checked.accepted.reserveCapacity(count)
        checked.assessed.reserveCapacity(count)
        func refuse(_ number: Int, _ column: String?, _ reason: String) {
            checked.refused.append(.init(row: number, column: column, reason: reason))
            checked.refusedRows += 1
        }
        var registeredHere: Set<String> = []
        for (index, (number, result)) in rows.enumerated() {
            if index % 1000 == 999 { progress(index + 1) }
            let row: Row
            switch result {
            case .failure(let failure):
                checked.refused += failure.errors
                checked.refusedRows += 1
                continue
            case .success(let read):
                row = read
            }
            var registration: EventDraft?
            if !registeredHere.contains(row.uscc), intake.version(of: row.assessment.stream) == 0 {
                switch Self.registration(of: row, registerMissing: registerMissing) {
                case .success(let draft):
                    registration = draft
                case .failure(let missing):
                    if missing.unknown { checked.unknown += 1 }
                    refuse(number, missing.column, missing.reason)
                    continue
                }
            }
            do {
                if let registration { _ = try intake.check(registration, at: IntakePlace(.row, number)) }
                _ = try intake.check(row.assessment, at: IntakePlace(.row, number))
            } catch {
                if registration != nil {
                    // The registration passed and was remembered: check the accepted rows again without it.
                    try? intake.reset()
                    if keepDrafts {
                        for draft in checked.drafts { _ = try? intake.check(draft, at: nil) }
                    } else {
                        for start in stride(from: 0, to: checked.accepted.count, by: rowsPerPart) {
                            let accepted = checked.accepted[start..<min(start + rowsPerPart, checked.accepted.count)]
                            for draft in redraft(accepted) { _ = try? intake.check(draft, at: nil) }
                        }
                    }
                }
                refuse(number, Self.column(of: error), error.message)
                continue
            }
            var registersIn: String?
            if let registration {
                registeredHere.insert(row.uscc)
                checked.registrations += 1
                if keepDrafts { checked.drafts.append(registration) }
                registersIn = registration.data["city"]?.stringValue
            }
            if keepDrafts { checked.drafts.append(row.assessment) }
            checked.accepted.append(Accepted(index: index, registers: registration != nil))
            checked.assessed.append((row.uscc, row.date, row.stage, registersIn))
        }
        progress(count)
        return checked
    }

    /// Why a row naming an enterprise the log does not hold is refused: the column and reason,
    /// and whether for want of a registration (`unknown`) rather than a bad one.
    struct Unregistered: Error {
        var column: String?
        var reason: String
        var unknown: Bool
    }

    /// The registration a row naming an enterprise the log does not hold comes with: with
    /// `registerMissing`, the `EnterpriseRegistered` its profile columns read as; otherwise, or
    /// without those columns or when they do not read, why the row is refused.
    static func registration(of row: Row, registerMissing: Bool) -> Result<EventDraft, Unregistered> {
        switch (registerMissing, row.registration) {
        case (true, .success(let draft)?):
            .success(draft)
        case (true, .failure(let error)?):
            .failure(Unregistered(column: error.column, reason: error.reason, unknown: false))
        case (true, nil):
            .failure(
                Unregistered(
                    column: "uscc",
                    reason: "\(row.uscc) is not registered, and the file has no profile columns (企业名称, 所属城市, 区县, 行业代码) to register it from",
                    unknown: true))
        case (false, _):
            .failure(
                Unregistered(
                    column: "uscc",
                    reason:
                        "\(row.uscc) is not registered; register it first (gongfu import --enterprises) or import with --register-missing and the profile columns",
                    unknown: true))
        }
    }

    /// The column an intake refusal of a row points at.
    static func column(of error: IntakeError) -> String? {
        switch error.rule {
        case "no-future-dates": "date"
        case "registered-enterprise", "in-population", "jurisdiction", "register-once": "uscc"
        case nil where error.code == .conflict: "assessment"
        default: nil
        }
    }
}
