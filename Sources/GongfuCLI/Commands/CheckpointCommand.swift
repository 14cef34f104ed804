import ArgumentParser
import EventLog

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (C2SP tlog-checkpoint), signing one for the current tree if needed.")

    @OptionGroup var options: DataOptions

    func run() throws {
        let log = try options.openLog(writable: false)
        print(try log.checkpoint(), terminator: "")
    }
}
