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
    private var finished = false

    init(label: String, unit: String = "events") {
        self.label = label
        self.unit = unit
    }

    /// Draws `done` of `total`; a nil total (a stream's size, not known until it ends) draws
    /// the count and the rate alone.
    mutating func update(_ done: UInt64, of total: UInt64?) {
        guard enabled, !finished, total.map({ $0 > 0 }) ?? true else { return }
        let now = Date()
        guard now.timeIntervalSince(start) >= 1 || drawn else { return }
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        drawn = true
        lastDraw = now
        let rate = Int(Double(done) / max(now.timeIntervalSince(start), 0.001))
        guard let total else {
            FileHandle.standardError.write(Data("\r\(label) \(done) \(unit), \(rate) \(unit)/s".utf8))
            return
        }
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let line =
            "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(Int(fraction * 100))% \(done)/\(total) \(unit), \(rate) \(unit)/s"
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { finish() }
    }

    /// Ends the bar's line, once drawn (a bar without a total ends when its work does).
    mutating func finish() {
        guard drawn, !finished else { return }
        finished = true
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
