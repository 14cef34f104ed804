import EventLog
import Foundation
import Logging

/// Tests log only errors (recovery's expected warnings would drown the output).
private let quietLogging: Void = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
}()

/// Helpers shared by the test targets.

/// A fresh directory under the system's temporary directory, removed when the test ends.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() {
        _ = quietLogging
        path = NSTemporaryDirectory() + "gongfu-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A data directory with an initialised log.
    public func initialisedLog(segmentBytes: Int = LogConfiguration.defaultSegmentBytes) throws -> LogDirectory {
        let directory = LogDirectory(root: path + "/data")
        try EventLog.initialize(directory: directory, origin: "test.gongfu/log", segmentBytes: segmentBytes)
        return directory
    }
}

/// The folder holding the built products (`gongfu`, `CrashAppender`).
public enum Products {
    public static let directory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("gongfu").path), url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// Runs a program to completion and returns its exit status and output.
@discardableResult
public func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: String) {
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


/// `run` on a thread of its own, so waiting for the program does not hold one of the few
/// cooperative threads an in-process server (and the other tests) need meanwhile.
public func runOffPool(_ executable: String, _ arguments: [String], stdin: Data? = nil) async throws -> (status: Int32, stdout: Data, stderr: String) {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try run(executable, arguments, stdin: stdin) })
        }
        thread.start()
    }
}
