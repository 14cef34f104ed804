import Foundation
import Logging
import Testing
@testable import EventLog

/// Tests log only errors (recovery's expected warnings would drown the output).
private let quietLogging: Void = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
}()

/// A fresh directory under the system's temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        _ = quietLogging
        path = NSTemporaryDirectory() + "gongfu-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A data directory with an initialised log.
    func initialisedLog(segmentBytes: Int = LogConfiguration.defaultSegmentBytes) throws -> LogDirectory {
        let directory = LogDirectory(root: path + "/data")
        try EventLog.initialize(directory: directory, origin: "test.gongfu/log", segmentBytes: segmentBytes)
        return directory
    }
}

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
}

/// The folder holding the built products (`gongfu`, `CrashAppender`).
enum Products {
    static let directory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("gongfu").path), url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// Runs a program to completion and returns its exit status and output.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so neither fills up.
    let group = DispatchGroup()
    nonisolated(unsafe) var stderrData = Data()
    group.enter()
    DispatchQueue.global().async {
        stderrData = errors.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, stdoutData, String(decoding: stderrData, as: UTF8.self))
}

/// A realistic event for a given enterprise index.
func sampleDraft(_ index: Int, stream: String? = nil, key: String? = nil, expected: ExpectedVersion = .any) -> EventDraft {
    EventDraft(
        stream: stream ?? "enterprise/9137020\(String(index % 1000).leftPadded(to: 4))MA3C0XY",
        type: "DiagnosisVisited", occurred: "2024-05-\(String(index % 28 + 1).leftPadded(to: 2))",
        data: ["provider": "91370100MA3C0AB12X", "commissioner": "张伟", "findings": .string("设备联网率低，MES 未覆盖 \(index)"),
               "recommended": ["设备上云", "数字化车间"], "score": .integer(Int64(index % 100))],
        expectedVersion: expected, key: key)
}

let testActor = Actor(name: "test", role: "operator")
