import ArgumentParser
import EventLog

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Merkle proofs as JSON (the RFC 6962 test-vector field names, base64 hashes).",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove that event --seq is in the tree of --size events.")

        @OptionGroup var options: DataOptions
        @Option(help: "The event's seq (its leaf index is seq - 1).") var seq: UInt64
        @Option(help: "Tree size to prove against (default: the whole log).") var size: UInt64?

        func run() throws {
            let log = try options.openLog(writable: false)
            print(try log.inclusionProof(seq: seq, treeSize: size).json.canonicalText)
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove that the log of --from events is a prefix of the log of --to events.")

        @OptionGroup var options: DataOptions
        @Option(help: "The older tree size.") var from: UInt64
        @Option(help: "The newer tree size.") var to: UInt64

        func validate() throws {
            guard from >= 1 else { throw ValidationError("--from must be at least 1: a consistency proof from the empty tree proves nothing.") }
            guard from <= to else { throw ValidationError("--from \(from) must not exceed --to \(to).") }
        }

        func run() throws {
            let log = try options.openLog(writable: false)
            print(try log.consistencyProof(from: from, to: to).json.canonicalText)
        }
    }
}
