import ArgumentParser
import EventLog
import Foundation
import Logging

/// `--data DIR`, shared by every verb.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (holds the log, its keys and read models).", valueName: "DIR"))
    var data: String

    var directory: LogDirectory { LogDirectory(root: data) }

    func openLog(writable: Bool) throws -> EventLog {
        var logger = Logger(label: "gongfu.log")
        logger.logLevel = .warning
        return try EventLog(directory: directory, writable: writable, logger: logger)
    }
}

/// Buffered binary output to stdout.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
