// Test helper: appends batches to the log in DIR forever, printing "ack <lastSeq>" after each
// durable append and "checkpoint <size>" after signing one. The crash tests kill it with -9.
import EventLog
import Foundation

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: CrashAppender DIR [WRITERS]\n".utf8))
    exit(2)
}
let log = try EventLog(directory: LogDirectory(root: arguments[1]), writable: true)
let writers = arguments.count > 2 ? Int(arguments[2]) ?? 4 : 4
let actor = Actor(name: "crash-appender", role: "operator")
await withTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
        group.addTask {
            var round = 0
            while true {
                round += 1
                let count = (round * 7 + writer) % 13 + 1
                let drafts = (0..<count).map { index in
                    EventDraft(
                        stream: "enterprise/W\(writer)-\(index % 3)", type: "TrainingAttended", occurred: "2024-06-01",
                        data: [
                            "writer": .integer(Int64(writer)), "round": .integer(Int64(round)),
                            "note": .string(String(repeating: "企业家培训", count: index % 9)),
                        ])
                }
                guard let results = try? await log.append(drafts, actor: actor) else { exit(3) }
                say("ack \(results.last!.seq)")
                if round % 10 == 0, writer == 0 {
                    if (try? log.checkpoint()) != nil { say("checkpoint") }
                }
            }
        }
    }
}
