import Domain
import EventLog
import Foundation

/// Appends a generated province through the one intake as it would have arrived: the history up
/// to each October's end, then that October's annual results as the assessment platform's file
/// through the assessment import (``AssessmentImport``, as `gongfu import --assessments` reads
/// it, registering the enterprises first seen there), then the rest. The 2025 file is written in GB18030, as Excel on a Chinese Windows saves
/// it; the others in UTF-8 with a byte-order mark. Last, what the city and county offices
/// record themselves (``ProvinceGenerator/officeWork``), each through an intake of its role.
public enum ProvinceIngest {
    /// Appends `history` and `results` (``ProvinceGenerator/annualResults``) to `log`, writing
    /// each year's file into `directory`; `progress` is told how many of the history's events are
    /// in. A refused history event is thrown with its index in `history`.
    public static func append(
        _ history: GeneratedHistory, results: [Int: [AnnualResult]], officeWork: [(role: Role, drafts: [EventDraft])] = [], to log: EventLog,
        actor: Actor, directory: String, progress: (Int) -> Void = { _ in }
    ) async throws {
        var intake = try Intake(log: log, actor: actor)
        var start = history.startIndex
        func appendHistory(upTo end: Int) async throws {
            let done = start
            do {
                _ = try await intake.checkAndAppend(history[start..<end]) { progress(done + $0) }
            } catch {
                var error = error
                if let place = error.place { error.place = IntakePlace(.event, done + place.number) }
                throw error
            }
            start = end
        }
        for year in results.keys.sorted() {
            var end = start
            while end < history.endIndex, history.occurred(at: end) <= "\(year)-10-31" { end += 1 }
            try await appendHistory(upTo: end)
            // Through the same intake: its rules already know every enterprise of the history.
            try await importResults(results[year]!, year: year, intake: &intake, directory: directory)
        }
        try await appendHistory(upTo: history.endIndex)
        // What the cities and counties record themselves, each as its own role.
        for (role, drafts) in officeWork where !drafts.isEmpty {
            var office = try Intake(log: log, actor: role.actor(named: "demo-office"))
            _ = try await office.checkAndAppend(drafts)
        }
    }

    /// Writes a year's results as the platform's CSV and imports it; every row must pass.
    static func importResults(_ results: [AnnualResult], year: Int, intake: inout Intake, directory: String) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = AnnualResult.csv(results)
        let bytes = year == 2025 ? CSV.gb18030(text) ?? Array(text.utf8) : [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        let file = directory + "/\(year)-annual\(year == 2025 ? "-gb18030" : "").csv"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let reader = AssessmentImport()
        let rows = try reader.rows(csv: Array(try Data(contentsOf: URL(fileURLWithPath: file)))).rows
        // Enterprises first seen in the results are registered from their profile columns.
        let checked = reader.check(rows, with: &intake, registerMissing: true)
        guard checked.refusedRows == 0 else {
            throw IntakeError(
                .invalid, at: nil,
                "the \(year) annual results were refused (a generator bug): \(checked.refused.prefix(3).map(\.description).joined(separator: "; "))")
        }
        _ = try await intake.append(checked.drafts, batchEvents: checked.drafts.count)
    }
}
