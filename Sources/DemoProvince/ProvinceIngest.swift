import Domain
import EventLog
import Foundation

/// Appends a generated province through the one intake as it would have arrived: the history up
/// to each October's end, then that October's annual results as the assessment platform's file
/// through the assessment import (``AssessmentImport``, as `gongfu import --assessments` reads
/// it, registering the enterprises first seen there), then the rest. The 2025 file is written in GB18030, as Excel on a Chinese Windows saves
/// it; the others in UTF-8 with a byte-order mark. Last, what the city and county offices
/// record themselves (``ProvinceGenerator/officeWork``), each checked and recorded as its role.
/// On a simulation's log, each week of the timeline is recorded at that week's last day.
public enum ProvinceIngest {
    /// Appends `history` and `results` (``ProvinceGenerator/annualResults``) to `log`, writing
    /// each year's file into `directory`; `progress` is told how many of the history's events are
    /// in. A refused history event is thrown with its index in `history`, its stream's events
    /// (those in the log, then the drafts) listed in the message. The history's drafts are let go
    /// once appended, each year's results once written (at national size each is hundreds of
    /// megabytes); the files are written ahead, beside the history's append.
    public static func append(
        _ history: consuming GeneratedHistory, results: consuming [Int: [AnnualResult]], officeWork: [(role: Role, drafts: [EventDraft])] = [],
        to log: EventLog,
        actor: Actor, directory: String, progress: (Int) -> Void = { _ in }
    ) async throws {
        var intake = try Intake(log: log, actor: actor)
        let simulation = log.configuration.simulation
        // The history's last day, asked before its drafts are let go.
        let lastRecorded = history.indices.last.map { history.recorded(at: $0) }
        let history = HistoryParts(consume history)
        var start = 0
        func appendHistory(upTo end: Int) async throws {
            guard start < end else { return }
            // A simulation records a week of its timeline at a time, at the week's last day;
            // each request is checked while those before it are synced, across weeks.
            let parts = history.parts(from: start, to: end, eventsPerPart: Intake.eventsPerRequest, weekly: simulation)
            let first = start
            // How many of this run are durable: a refusal leaves the requests before it in the log.
            var appended = 0
            do {
                let requests = ReadAhead(parts: parts.count) { index in (parts[index], history.drafts(in: parts[index].range)) }
                _ = try await intake.checkAndAppend(parts: requests, eventsBefore: first) { count in
                    // What is durable is let go (a refusal by the log lists its stream from the drafts after it).
                    appended = count
                    history.release(before: first + count)
                    progress(first + count)
                } checking: { intake, request throws(IntakeError) in
                    let (part, drafts) = request
                    // The requests before this one have their recorded time (they are queued).
                    if let recorded = part.recorded {
                        do { try log.setSimulatedTime(recorded) } catch { throw IntakeError(.unavailable, at: nil, "\(error)") }
                    }
                    try intake.check(batch: drafts, placedFrom: part.range.lowerBound)
                    return drafts
                }
            } catch {
                var error = error
                if let index = error.place?.number, (0..<history.endIndex).contains(index) {
                    let stream = history.stream(at: index)
                    error.message =
                        "\(history.type(at: index)) on \(stream): \(error.message); its stream's events were:\n"
                        + (Self.listing(of: stream, in: log) + history.streamListing(at: index, from: first + appended))
                        .map { "  " + $0 }.joined(separator: "\n") + "\n"
                }
                throw error
            }
            start = end
        }
        // Each year's file is written on a thread of its own while the history before it is
        // appended (writing a national year's file takes about a second on one core).
        let years = results.keys.sorted()
        let files = ResultFiles(consume results, directory: directory)
        for year in years {
            var end = start
            while end < history.endIndex, history.occurred(at: end) <= "\(year)-10-31" { end += 1 }
            try await appendHistory(upTo: end)
            // Through the same intake: its rules already know every enterprise of the history.
            if simulation { try log.setSimulatedTime(Self.endOfDay("\(year)-10-31")) }
            try await importResults(file: try files.path(for: year), year: year, intake: &intake)
        }
        try await appendHistory(upTo: history.endIndex)
        // What the cities and counties record themselves, each as its own role.
        if simulation, let lastRecorded { try log.setSimulatedTime(Self.endOfDay(lastRecorded)) }
        // (Through the same intake, each checked and recorded as its office's role: what its
        // rules have read of the log, such as the plan's ledger, is not read again per office.)
        for (role, drafts) in officeWork where !drafts.isEmpty {
            _ = try await intake.checkAndAppend(drafts, by: role.actor(named: "demo-office"))
        }
    }

    /// The events `log` holds of `stream`, one line each: business date, type and seq.
    static func listing(of stream: String, in log: EventLog) -> [String] {
        ((try? log.envelopes(stream: stream)) ?? []).map { "\($0.occurred) \($0.type) (appended: seq \($0.seq))" }
    }

    /// 23:59:59 China time (UTC+8) of a `YYYY-MM-DD` day, in microseconds since the epoch.
    static func endOfDay(_ day: String) -> Int64 {
        guard let time = Timestamp.microseconds(recorded: day + "T15:59:59.000000Z") else {
            preconditionFailure("a generated entry without its recorded day: \(day)")
        }
        return time
    }

    /// The week a `YYYY-MM-DD` day falls in (days since the epoch, by seven).
    static func week(of day: String) -> Int64 {
        endOfDay(day) / 86_400_000_000 / 7
    }

    /// Imports a year's results from the platform's file; every row must pass. Its rows are
    /// read, checked and appended a part at a time, each part checked while the ones before it
    /// are synced (``AssessmentImport/checkAndAppend(_:rowsPerPart:with:registerMissing:progress:)``):
    /// a national year's events are half a gigabyte, and in requests of a bounded size, as
    /// `gongfu append` sends them, no batch of the log is one that every reader decompresses
    /// whole. (So a refused row would leave the year partly in, where `gongfu import` appends a
    /// file whole or not at all; every row here is the generator's.)
    static func importResults(file: String, year: Int, intake: inout Intake) async throws {
        let reader = AssessmentImport()
        let table = try reader.table(csv: Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        do {
            _ = try await reader.checkAndAppend(table, with: &intake, registerMissing: true)
        } catch {
            throw IntakeError(error.code, at: nil, "the \(year) annual results (\(file)) were refused: \(error)")
        }
    }

    /// Writes a year's results as the platform's file (2025 in GB18030) and returns its path.
    static func write(_ results: [AnnualResult], year: Int, directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = AnnualResult.csv(results)
        let bytes = year == 2025 ? CSV.gb18030(text) ?? Array(text.utf8) : [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        let file = directory + "/\(year)-annual\(year == 2025 ? "-gb18030" : "").csv"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Each year's results written as the platform's file (``ProvinceIngest/write(_:year:directory:)``)
/// on a thread of its own, in year order; the results are let go once written.
final class ResultFiles: @unchecked Sendable {
    // `written` is guarded by `condition`.
    private let condition = NSCondition()
    private var written: [Int: Result<String, any Error>] = [:]

    init(_ results: consuming [Int: [AnnualResult]], directory: String) {
        let results = results
        let thread = Thread { [self] in
            for year in results.keys.sorted() {
                let file = Result { try ProvinceIngest.write(results[year]!, year: year, directory: directory) }
                condition.withLock {
                    written[year] = file
                    condition.broadcast()
                }
            }
        }
        thread.start()
    }

    /// The path of `year`'s file, once written.
    func path(for year: Int) throws -> String {
        try condition.withLock {
            while written[year] == nil { condition.wait() }
            return try written[year]!.get()
        }
    }
}
