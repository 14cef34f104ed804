import ArgumentParser
import Domain
import EventLog
import Foundation

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append events (NDJSON, a JSON array or one object) all or nothing; prints each assigned seq.",
        discussion: """
            Each event: {"stream","type","occurred","data","expectedVersion"?,"key"?,"schema"?}.
            Every event is checked — the plan's event catalogue (schemas/events/), jurisdiction,
            idempotency keys, expected versions, the domain rules — before any is appended: one
            bad line refuses the whole input with its line number, and nothing is appended.
            An event whose key was used before for the same event is not appended again: its
            first seq is printed (a retry after a crash or a timeout appends exactly what is
            missing). The input is read once, in chunks of whole lines, so memory does not grow
            with its size: past the first chunk, what was checked waits in a temporary file (in
            TMPDIR) until every line passed.
            Returns once the events are durable (fdatasync).
            """)

    @OptionGroup var options: DataOptions

    @Argument(help: ArgumentHelp("File of events, or - for standard input.", valueName: "FILE"))
    var file: String = "-"

    @OptionGroup var writer: ActorOptions

    /// The size of the chunks the input is read in (hidden: for tests of inputs of many chunks).
    @Option(help: .hidden) var chunkBytes = InputChunks.chunkBytes

    func validate() throws {
        guard chunkBytes >= 1 else { throw ValidationError("--chunk-bytes must be at least 1") }
    }

    /// The longest line accepted: an event is a record, not a document store.
    static let maximumLineBytes = 64 << 10

    func run() async throws {
        let source = file == "-" ? "stdin" : file
        let input = try InputChunks(path: file, chunkBytes: chunkBytes)
        let log = try options.openLog(writable: true)
        var output = StandardOutput()
        var appended = 0
        var duplicates = 0
        do {
            try await Self.append(input, source: source, log: log, actor: writer.actor) { results in
                for result in results { output.write("\(result.seq)\n") }
                appended += results.count
                duplicates += results.lazy.filter(\.isDuplicate).count
            }
            output.flush()
            await log.close()
            if appended == 0 { printError("no events in \(source); nothing appended") }
            if duplicates > 0 {
                printError(
                    "\(duplicates) event(s) had idempotency keys already used for the same events; their first seq is printed and nothing new was appended for them"
                )
            }
            exitWithoutTeardown(0)
        } catch {
            output.flush()
            await log.close()
            throw error
        }
    }

    /// Checks every event of `input`, then appends them and hands each durable batch's results
    /// to `emit`; throws naming the first bad line.
    static func append(
        _ input: InputChunks, source: String, log: EventLog, actor: Actor,
        emit: ([AppendResult]) -> Void
    ) async throws {
        var reader = IntakeReader(places: .line, maximumLineBytes: maximumLineBytes)
        reader.encodesCanonicalPayloads = true  // on every core as the lines are read: the log writes them as they are
        // The checking state (the rules' facts, versions, keys) is released before appending:
        // the log's own catalogue grows while appending.
        let (intake, checked) = try await check(input, reader: reader, source: source, log: log, actor: actor)
        switch checked {
        case .kept(let drafts):
            emit(try await appendChecked(drafts, intake: intake, source: source, before: 0))
        case .spooled(let spool):
            var appending = ProgressBar(label: "appending \(source)", unit: "events")
            let total = spool.count
            var before = 0
            // The next batch is read back while this one is appended.
            for batch in spool.readingAhead {
                let drafts: [EventDraft]
                do { drafts = try batch.get() } catch { throw ValidationError("\(source): \(error); \(appendedSoFar(before))") }
                let results = try await appendChecked(drafts, intake: intake, source: source, before: before)
                before += results.count
                emit(results)
                appending.update(UInt64(before), of: UInt64(total))
            }
        }
    }

    /// Where the checked drafts of an input are: an input of one chunk keeps its drafts; a
    /// larger one has them in a spool on disk.
    enum Checked {
        case kept([EventDraft])
        case spooled(DraftSpool)
    }

    /// Checks every event of `input`; returns an intake for appending them (holding nothing of
    /// the checks) and the checked drafts.
    private static func check(
        _ input: InputChunks, reader: IntakeReader, source: String, log: EventLog,
        actor: Actor
    ) async throws -> (Intake, Checked) {
        var intake = try Intake(log: log, actor: actor)
        var checking = ProgressBar(label: "checking \(source)", unit: "bytes")
        // An input of one chunk keeps its drafts in memory; a larger one spools every chunk's,
        // encoded where the chunk is read.
        let spooling = input.hasManyChunks
        var kept: [(draft: EventDraft, place: IntakePlace)] = []
        var spool: DraftSpool?
        try await forEachRead(input, reader: reader, source: source, encodingForSpool: spooling) { chunk in
            for index in chunk.drafts.indices {
                do throws(IntakeError) { _ = try intake.check(chunk.drafts[index].draft, at: chunk.drafts[index].place) } catch {
                    throw InputError(source: source, error)
                }
            }
            if let encoded = chunk.encoded {
                do {
                    // Made once the first chunk has passed (a bad line in it is named, not TMPDIR).
                    if spool == nil { spool = try DraftSpool() }
                    try spool!.write(encoded)
                } catch {
                    throw ValidationError("\(source): \(error); nothing was appended")
                }
            } else {
                // The one chunk of an input no larger than a chunk (a second means the file grew).
                guard kept.isEmpty else { throw ValidationError("\(source) changed while it was being read; nothing was appended") }
                kept = chunk.drafts
            }
            checking.update(UInt64(chunk.end), of: input.size)
        }
        checking.finish()
        // The checks' state is freed on another thread while the append begins.
        let checked = intake
        try intake.reset()
        releaseElsewhere(checked)
        if let spool { return (intake, .spooled(spool)) }
        return (intake, .kept(kept.map(\.draft)))
    }

    /// A chunk of the input as read: its drafts, where it ended, and (for a spool) its drafts
    /// encoded.
    struct ReadChunk: Sendable {
        var drafts: [(draft: EventDraft, place: IntakePlace)]
        var end: Int
        var encoded: DraftSpool.EncodedBatch?
    }

    /// Calls `body` with each chunk in order; the next chunk is read from the file, parsed on
    /// every core and (with `encodingForSpool`) encoded for the spool while `body` works on one,
    /// so that the task that checks does nothing else.
    static func forEachRead(
        _ input: InputChunks, reader: IntakeReader, source: String, encodingForSpool: Bool,
        _ body: (ReadChunk) async throws -> Void
    ) async throws {
        let chunks = try input.chunks()
        func readNext() -> Task<ReadChunk?, any Error> {
            Task {
                // Cancelled when the chunk before was refused: nothing more is read.
                guard !Task.isCancelled, let chunk = try chunks.next() else { return nil }
                let drafts = try await read(chunk.bytes, reader: reader, firstLine: chunk.firstLine, source: source)
                var encoded: DraftSpool.EncodedBatch?
                if encodingForSpool, !Task.isCancelled {
                    do { encoded = try DraftSpool.encode(drafts) } catch { throw ValidationError("\(source): \(error); nothing was appended") }
                }
                return ReadChunk(drafts: drafts, end: chunk.offset + chunk.bytes.count, encoded: encoded)
            }
        }
        var ahead = readNext()
        defer { ahead.cancel() }
        while let chunk = try await ahead.value {
            ahead = readNext()
            try await body(chunk)
        }
    }

    /// A chunk's drafts, read on every core.
    static func read(_ chunk: [UInt8], reader: IntakeReader, firstLine: Int, source: String) async throws -> [(draft: EventDraft, place: IntakePlace)]
    {
        do {
            return try await reader.read(chunk, firstLine: firstLine, parts: min(4, ProcessInfo.processInfo.activeProcessorCount))
        } catch  where error.code == .empty {
            return []
        } catch {
            throw InputError(source: source, error)
        }
    }

    /// Appends drafts every one of which was checked; `before` events of the input were appended already.
    static func appendChecked(_ drafts: [EventDraft], intake: Intake, source: String, before: Int) async throws -> [AppendResult] {
        guard !drafts.isEmpty else { return [] }
        var appendedHere = 0
        do {
            return try await intake.append(drafts, batchEvents: Intake.eventsPerRequest, inFlight: 2, eventsBefore: before) {
                appendedHere = $0
            }
        } catch  where error.code == .unavailable {
            // The message says how many events of the input were stored before the refusal.
            throw ValidationError("\(source): \(error.message)\(before + appendedHere == 0 ? "" : retry)")
        } catch {
            throw ValidationError("\(source): \(error); \(appendedSoFar(before + appendedHere))")
        }
    }

    /// What to do once part of an input is in the log.
    static let retry = "; run the same command again to append the rest (idempotency keys make the retry exact)"

    /// What a failed append tells its user once `before` events are in the log.
    static func appendedSoFar(_ before: Int) -> String {
        before == 0
            ? "nothing was appended"
            : "the first \(before) events were appended\(retry)"
    }
}

/// A bad input: where and why. Nothing was appended.
struct InputError: Error, CustomStringConvertible {
    var source: String
    var place: String
    var reason: String

    init(source: String, line: Int, reason: String) {
        self.source = source
        place = "line \(line)"
        self.reason = reason
    }

    init(source: String, _ error: IntakeError) {
        self.source = source
        place = error.place.map { "\($0)" } ?? ""
        reason = error.message + (error.rule.map { " [rule: \($0)]" } ?? "")
    }

    var description: String { "\(source)\(place.isEmpty ? "" : " " + place): \(reason); nothing was appended" }
}
