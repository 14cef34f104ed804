import ArgumentParser
import Domain
import EventLog
import Foundation

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append NDJSON events atomically; prints each assigned seq.",
        discussion: """
            Each line: {"stream","type","occurred","data","expectedVersion"?,"key"?,"schema"?}.
            Every event is checked against the plan's event catalogue (schemas/events/).
            One bad line rejects the whole input with its line number; nothing is appended.
            Returns once the events are durable (fdatasync).
            """)

    @OptionGroup var options: DataOptions

    @Argument(help: ArgumentHelp("NDJSON file of events, or - for standard input.", valueName: "FILE"))
    var file: String = "-"

    @OptionGroup var writer: ActorOptions

    /// The longest line accepted: an event is a record, not a document store.
    static let maximumLineBytes = 64 << 10


    func run() async throws {
        let input: Data
        if file == "-" {
            input = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            input = try readInputFile(file)
        }
        let source = file == "-" ? "stdin" : file
        let drafts = try Self.parse(Array(input), source: source)
        guard !drafts.isEmpty else {
            printError("no events in \(source); nothing appended")
            return
        }
        let actor = writer.actor
        let log = try options.openLog(writable: true)
        do {
            try Self.checkRules(drafts.map(\.draft), lines: drafts.map(\.line), actor: actor, log: log, source: source)
        } catch {
            await log.close()
            throw error
        }
        let results: [AppendResult]
        do {
            results = try await log.append(drafts.map(\.draft), actor: actor)
        } catch {
            await log.close()
            switch error {
            case .versionConflict(_, _, _, let event), .idempotencyKeyReused(_, _, let event):
                throw InputError(source: source, line: drafts[event].line, reason: error.description)
            default:
                throw error
            }
        }
        await log.close()
        var output = StandardOutput()
        for result in results { output.write("\(result.seq)\n") }
        output.flush()
        let duplicates = results.filter(\.isDuplicate).count
        if duplicates > 0 {
            printError("\(duplicates) event(s) had idempotency keys already used; their first seq is printed and nothing new was appended for them")
        }
    }

    /// Checks the drafts against the plan's rules and what the log holds, in order.
    static func checkRules(_ drafts: [EventDraft], lines: [Int], actor: Actor, log: EventLog, source: String) throws {
        var rules = try DomainRules(log: log)
        for (draft, line) in zip(drafts, lines) {
            do {
                try rules.check(draft, by: actor)
            } catch {
                throw InputError(source: source, line: line, reason: error.description)
            }
        }
    }

    /// Parses every line, reporting the first bad one with its number.
    static func parse(_ bytes: [UInt8], source: String) throws -> [(draft: EventDraft, line: Int)] {
        let validator = EventValidator()
        var drafts: [(draft: EventDraft, line: Int)] = []
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = line
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard line.count <= maximumLineBytes else {
                throw InputError(source: source, line: lineNumber, reason: "the line is \(line.count) bytes, more than the \(maximumLineBytes) an event may have")
            }
            var draft: EventDraft
            do {
                draft = try EventDraft(inputLine: line)
            } catch {
                throw InputError(source: source, line: lineNumber, reason: error.description)
            }
            do {
                try validator.validate(&draft)
            } catch {
                throw InputError(source: source, line: lineNumber, reason: error.description)
            }
            drafts.append((draft, lineNumber))
        }
        return drafts
    }
}

/// A bad input line: where and why. Nothing was appended.
struct InputError: Error, CustomStringConvertible {
    var source: String
    var line: Int
    var reason: String
    var description: String { "\(source) line \(line): \(reason); nothing was appended" }
}
