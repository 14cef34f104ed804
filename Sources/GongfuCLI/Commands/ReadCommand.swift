import ArgumentParser
import EventLog

struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Print stored event envelopes as NDJSON, byte for byte as in the log.")

    @OptionGroup var options: DataOptions

    @Option(help: "Only this stream's events, e.g. enterprise/91370200MA3C0XYZ1Q.")
    var stream: String?

    @Option(help: "First seq to print.")
    var from: UInt64 = 1

    @Option(help: "Last seq to print.")
    var to: UInt64?

    @Flag(help: "Print each event as the input line that wrote it (stream, type, occurred, data, key), for `gongfu append`.")
    var asInput = false

    func validate() throws {
        guard from >= 1 else { throw ValidationError("--from counts from 1 (the first event).") }
        if let to, to < from { throw ValidationError("--to \(to) is before --from \(from).") }
    }

    func run() throws {
        let log = try options.openLog(writable: false)
        var output = StandardOutput()
        let through = to ?? UInt64.max
        let asInput = asInput
        func write(_ line: UnsafeRawBufferPointer) throws {
            guard asInput else { return output.write(line) }
            (try Envelope(line: line).draft.inputJSON.canonicalBytes + [0x0A]).withUnsafeBytes { output.write($0) }
        }
        if let stream {
            try log.forEachLine(stream: stream, from: from, through: through) { _, line in try write(line) }
        } else {
            try log.forEachLine(from: from, through: through) { _, line in try write(line) }
        }
        output.flush()
    }
}
