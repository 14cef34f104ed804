import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress bar on standard error, drawn only when it is a terminal and the work
/// has taken more than a second.
struct ProgressBar {
    let label: String
    let unit: String
    private let enabled = isatty(2) == 1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String, unit: String = "events") {
        self.label = label
        self.unit = unit
    }

    mutating func update(_ done: UInt64, of total: UInt64) {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(start) >= 1 || drawn else { return }
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        drawn = true
        lastDraw = now
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = Double(done) / max(now.timeIntervalSince(start), 0.001)
        let line =
            "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(Int(fraction * 100))% \(done)/\(total) \(unit), \(Int(rate)) \(unit)/s"
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
