import ArgumentParser
import Foundation
import Projections

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save read models with the log position and Merkle root they reflect, or start from one.",
        subcommands: [Save.self, Restore.self])

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Catch the read models up and save a copy of each.")

        @OptionGroup var options: DataOptions
        @OptionGroup var selection: ProjectionOption

        @Option(help: ArgumentHelp("Where to write them (default DIR/snapshots).", valueName: "DIR"))
        var output: String?

        func run() throws {
            let log = try options.openLog(writable: false)
            let readModels = try options.openReadModels(only: selection.names, log: log)
            try readModels.buildEmpty()
            try readModels.catchUp()
            for path in try readModels.saveSnapshots(to: output ?? options.data + "/snapshots") { print(path) }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a saved snapshot as the live read model (after checking its Merkle root against the log) and catch up.")

        @OptionGroup var options: DataOptions

        @Argument(help: ArgumentHelp("Snapshot file(s) written by `snapshot save`.", valueName: "FILE"))
        var files: [String]

        func run() throws {
            let log = try options.openLog(writable: false)
            let readModels = try options.openReadModels(log: log)
            for file in files {
                let checkpoint = try readModels.restoreSnapshot(file)
                print("\(file): restored and caught up to seq \(checkpoint.seq)")
            }
        }
    }
}
