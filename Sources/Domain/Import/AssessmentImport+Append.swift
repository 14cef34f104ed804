import EventLog

extension AssessmentImport {
    /// Reads `table`'s rows and checks and appends them a part at a time, for a writer whose
    /// every row must pass, such as the demo's generator: each part of `rowsPerPart` rows is
    /// read on a thread of its own, checked through `intake` as ``check(_:with:registerMissing:progress:)``
    /// checks a row (with `registerMissing`, an enterprise the log does not hold is registered
    /// from the row's profile columns first), and appended as one request while the next part
    /// is checked (``Intake/checkAndAppend(parts:by:inFlight:eventsBefore:progress:checking:)``).
    ///
    /// A refused row stops it, with its row number: the parts before it stay in the log, where
    /// ``checkInParts(_:rowsPerPart:with:registerMissing:progress:)`` (`gongfu import`) takes a
    /// file whole or not at all. `progress` is told how many events are durable.
    ///
    /// ```swift
    /// let table = try AssessmentImport().table(csv: bytes)
    /// let results = try await AssessmentImport().checkAndAppend(table, with: &intake, registerMissing: true)
    /// ```
    public func checkAndAppend(
        _ table: ImportTable, rowsPerPart: Int = Intake.eventsPerRequest, with intake: inout Intake, registerMissing: Bool,
        progress: (Int) -> Void = { _ in }
    ) async throws(IntakeError) -> [AppendResult] {
        // A log that cannot be read is reported by the row checks that follow.
        try? intake.prefetch(enterprises: Self.usccs(of: table))
        var seen = SeenKeys()
        let parts = ReadAhead(splitting: table.rows.count, into: rowsPerPart) { range in (range, self.readRows(Array(range), of: table)) }
        return try await intake.checkAndAppend(parts: parts, progress: progress) { intake, part throws(IntakeError) in
            var drafts: [EventDraft] = []
            drafts.reserveCapacity(part.1.count)
            for (number, result) in refusingRepeats(part.1, at: part.0, of: table, seen: &seen) {
                let place = IntakePlace(.row, number)
                let row: Row
                switch result {
                case .success(let read): row = read
                case .failure(let failure):
                    throw IntakeError(
                        .invalid, at: place, failure.errors.map { Self.problem(column: $0.column, reason: $0.reason) }.joined(separator: "; "))
                }
                if intake.version(of: row.assessment.stream) == 0 {
                    switch Self.registration(of: row, registerMissing: registerMissing) {
                    case .success(let registration):
                        _ = try intake.check(registration, at: place)
                        drafts.append(registration)
                    case .failure(let missing):
                        throw IntakeError(.invalid, at: place, Self.problem(column: missing.column, reason: missing.reason))
                    }
                }
                _ = try intake.check(row.assessment, at: place)
                drafts.append(row.assessment)
            }
            return drafts
        }
    }

    /// A row's problem without its row number (the intake's place names the row).
    private static func problem(column: String?, reason: String) -> String {
        (column.map { "\($0): " } ?? "") + reason
    }
}
