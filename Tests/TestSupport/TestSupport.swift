import EventLog
import Foundation
import Logging
import Synchronization

/// Tests log only errors (recovery's expected warnings would drown the output).
private let quietLogging: Void = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
}()

/// Helpers shared by the test targets.

/// Directories of process-wide fixtures, removed by an `atexit` handler.
private let removedAtExit = Mutex<[String]>([])

/// A fresh directory under the system's temporary directory, removed when the test ends.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() {
        _ = quietLogging
        path = NSTemporaryDirectory() + "gongfu-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A directory for a fixture shared by every test of the process (held by a `static`, so
    /// never deinitialised): removed when the process exits instead.
    public static func sharedByProcess() -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        removedAtExit.withLock { paths in
            if paths.isEmpty {
                atexit { removedAtExit.withLock { $0.forEach { try? FileManager.default.removeItem(atPath: $0) } } }
            }
            paths.append(directory.path)
        }
        return directory
    }

    /// A data directory with an initialised log.
    public func initialisedLog(segmentBytes: Int = LogConfiguration.defaultSegmentBytes) throws -> LogDirectory {
        let directory = LogDirectory(root: path + "/data")
        try EventLog.initialize(directory: directory, origin: "test.gongfu/log", segmentBytes: segmentBytes)
        return directory
    }
}

/// A second descriptor for the file at `path` that this process has open — what a child
/// process forked at that moment holds until it execs (found through `/proc/self/fd`).
public func duplicateOpenDescriptor(of path: String) -> Int32? {
    let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
        guard let descriptor = Int32(entry),
            let opened = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry),
            opened == target
        else { continue }
        return dup(descriptor)
    }
    return nil
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
public func runOffPool(_ executable: String, _ arguments: [String], stdin: Data? = nil) async throws -> (status: Int32, stdout: Data, stderr: String)
{
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try run(executable, arguments, stdin: stdin) })
        }
        thread.start()
    }
}

/// Collects what a child process writes to a pipe, on a thread of its own, so a test can wait
/// for a line to appear without a fixed time window (the test pool may be busy with other
/// suites) and without holding a cooperative thread.
public final class OutputWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var received = ""
    private var ended = false

    public init(_ handle: FileHandle) {
        Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.lock.withLock { self.received += String(decoding: chunk, as: UTF8.self) }
            }
            self.lock.withLock { self.ended = true }
        }.start()
    }

    /// Everything received so far.
    public var text: String { lock.withLock { received } }

    /// Waits (up to `timeout`) until `found` finds what it looks for in the output; nil if the
    /// output ended or the time ran out first.
    public func wait<Found>(timeout: Duration = .seconds(60), for found: (String) -> Found?) async -> Found? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (text, ended) = lock.withLock { (received, self.ended) }
            if let result = found(text) { return result }
            if ended { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Waits until `marker` has arrived.
    public func wait(for marker: String, timeout: Duration = .seconds(60)) async -> Bool {
        await wait(timeout: timeout) { $0.contains(marker) ? true : nil } ?? false
    }
}
