import ArgumentParser
import EventLog

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty log and its checkpoint signing key in a data directory.")

    @OptionGroup var options: DataOptions

    @Option(help: "The checkpoint origin line naming this log (default: gongfu.local/log/<random id>).")
    var origin: String?

    @Option(help: "Start a new segment file once a segment reaches this many bytes.")
    var segmentBytes: Int = LogConfiguration.defaultSegmentBytes

    func validate() throws {
        guard segmentBytes >= 4096 else { throw ValidationError("--segment-bytes must be at least 4096 (got \(segmentBytes)).") }
        if let origin, origin.isEmpty || origin.contains("\n") || origin.contains("+") || origin.contains(" ") {
            throw ValidationError("--origin must be one line without spaces or '+', e.g. gongfu.shandong.gov.cn/log")
        }
    }

    func run() throws {
        var generator = SystemRandomNumberGenerator()
        let id = String(generator.next() as UInt64, radix: 16)
        let origin = origin ?? "gongfu.local/log/\(id)"
        try EventLog.initialize(directory: options.directory, origin: origin, segmentBytes: segmentBytes)
        print("initialised \(options.data) (origin \(origin))")
    }
}
