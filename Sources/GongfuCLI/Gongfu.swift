import Allocator
import ArgumentParser
import Projections

/// `gongfu`: the system of record for Shandong's digital-transformation programme.
@main
struct Gongfu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongfu",
        abstract: "Gongfu (工赋): the event-sourced system of record for Shandong's 2024–2026 digital-transformation plan.",
        version: "gongfu (memory allocator: \(Allocator.description); \(SQLiteSettings.description))",
        subcommands: [
            InitCommand.self, AppendCommand.self, ImportCommand.self, ReadCommand.self, VerifyCommand.self,
            CheckpointCommand.self, ProveCommand.self, SchemasCommand.self,
            DemoCommand.self, ProjectCommand.self, RebuildCommand.self, QueryCommand.self, DumpCommand.self, SnapshotCommand.self,
            ServeCommand.self, TokenCommand.self, AuditCommand.self,
        ]
    )
}
