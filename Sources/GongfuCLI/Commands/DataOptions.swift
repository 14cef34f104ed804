import ArgumentParser
import Domain
import EventLog
import Foundation
import Logging

/// `--data DIR`, shared by every verb.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (holds the log, its keys and read models).", valueName: "DIR"))
    var data: String

    var directory: LogDirectory { LogDirectory(root: data) }

    /// Opens the log; `keepsKeys` false for a reader that looks up no idempotency key (a
    /// read-model build), which then holds less (``EventLog/Options/keepsKeys``).
    func openLog(writable: Bool, keepsKeys: Bool = true) throws -> EventLog {
        var logger = Logger(label: "gongfu.log")
        logger.logLevel = .warning
        var logOptions = EventLog.Options()
        logOptions.keepsKeys = keepsKeys
        return try EventLog(directory: directory, writable: writable, options: logOptions, logger: logger)
    }
}

/// The whole of an input file: a regular file, or a pipe or device such as `<(jq …)` or
/// `/dev/stdin` (which `FileManager.contents(atPath:)` reports as unreadable).
func readInputFile(_ path: String) throws -> Data {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw ValidationError("cannot read \(path): no such file or not readable")
    }
    defer { try? handle.close() }
    do {
        return try handle.readToEnd() ?? Data()
    } catch {
        throw ValidationError("cannot read \(path): \(error.localizedDescription)")
    }
}

/// `--role ROLE`: who the written events say wrote them, shared by the writing verbs.
struct ActorOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Write as this role: operator (default), province, city:<GB/T 2260 code>, county:<code>, auditor.", valueName: "ROLE"))
    var role: String = "operator"

    func validate() throws {
        let reference = ReferenceData.standard
        switch Role(role) {
        case .unknown(let text):
            throw ValidationError(
                "--role \(text) is not a role; use operator, province, city:<code> (e.g. city:370200), county:<code> (e.g. county:370211) or auditor."
            )
        case .city(let code) where !reference.cities.contains { $0.code == code }:
            throw ValidationError("--role \(role): \(code) is not one of Shandong's 16 cities (e.g. city:370200 青岛市).")
        case .county(let code) where reference.city(containing: code)?.code == code || reference.city(containing: code) == nil:
            throw ValidationError("--role \(role): \(code) is not a county (县、市、区) of Shandong (e.g. county:370211 黄岛区).")
        default:
            break
        }
    }

    /// The envelope's actor: the role, named after the user running the command.
    var actor: Actor {
        Role(role).actor(named: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "operator")")
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

/// Ends the process once a command has closed its log and written its answer, without freeing
/// what it built piece by piece: the log's catalogue and a large input's checked events are
/// millions of small objects, which take longer to free one by one than the kernel takes to
/// drop the whole address space.
func exitWithoutTeardown(_ code: Int32) -> Never {
    fflush(nil)  // every C stream (print writes through stdout)
    exit(code)
}

/// Frees `value` on a thread of its own: for a large state (millions of small objects) that a
/// command is done with and need not wait to free. What only `value` holds is freed there, so
/// none of it may be an object whose deinit must run on the caller's thread or isolation.
func releaseElsewhere<Value>(_ value: consuming Value) {
    let held = Held(value)
    Thread.detachNewThread { held.value = nil }
}

/// What ``releaseElsewhere(_:)`` hands to its thread, which alone touches it from then on.
private final class Held<Value>: @unchecked Sendable {
    var value: Value?
    init(_ value: consuming Value) { self.value = value }
}
