import ArgumentParser
import EventLog

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every frame, trailer, Merkle root and checkpoint signature; exit 0 only when intact.")

    @OptionGroup var options: DataOptions

    func run() throws {
        let report = try LogVerifier(directory: options.directory).verify()
        if let problem = report.problem {
            printError("log NOT intact: \(problem)")
            printError("checked \(report.segments) segment(s), \(report.batches) batch(es), \(report.events) event(s) before the problem")
            throw ExitCode(1)
        }
        print(
            "log intact: \(report.segments) segment(s), \(report.batches) batch(es), \(report.events) event(s), \(report.checkpointsChecked) checkpoint(s) verified"
        )
        print("root \(report.root.base64)")
        // A simulation's recorded times are the simulated timeline's, not the clock's: say so.
        if let configuration = try? EventLog(directory: options.directory, writable: false).configuration, configuration.simulation {
            print("simulation (origin \(configuration.origin)): recorded times follow the demo's simulated timeline, set only by gongfu demo")
        }
    }
}
