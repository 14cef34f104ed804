import ArgumentParser
import Domain
import EventLog
import Foundation

struct SchemasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemas",
        abstract: "Write or check the JSON Schemas of the event catalogue (schemas/events/).")

    @Option(help: ArgumentHelp("The folder of schema files.", valueName: "DIR"))
    var dir: String = "schemas/events"

    @Flag(help: "Write the files (otherwise only check that they are current).")
    var write = false

    func run() throws {
        var stale: [String] = []
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, document) in SchemaWriter().documents() {
            let path = dir + "/" + name
            let text = document.prettyText
            if write {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } else if (try? String(contentsOfFile: path, encoding: .utf8)) != text {
                stale.append(path)
            }
        }
        if write {
            print("wrote \(SchemaWriter().documents().count) schema files to \(dir)")
        } else if !stale.isEmpty {
            printError("out of date with the catalogue (run `gongfu schemas --write`):\n" + stale.joined(separator: "\n"))
            throw ExitCode(1)
        } else {
            print("\(dir) matches the catalogue")
        }
    }
}
