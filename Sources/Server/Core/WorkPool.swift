import Foundation
import Hummingbird
import NIOPosix
import Synchronization

/// Runs a request's blocking work — SQLite queries, log scans, verification, replays, exports,
/// reports — on threads of its own, off Swift's cooperative pool (two threads on two cores:
/// two blocking requests there would stall every other request, `/health` included).
///
/// Each lane admits at most `limit` pieces of work at once, running or queued; a request
/// beyond that is answered at once with 503 and `Retry-After` instead of waiting behind the
/// others.
final class WorkPool: Sendable {
    /// A kind of work with its own bound.
    struct Lane: Sendable {
        /// Shown in the 503's detail.
        var name: String
        var limit: Int
        var retryAfterSeconds: Int
    }

    let threads: NIOThreadPool
    let lanes: [String: Lane]
    private let inFlight: Mutex<[String: Int]>

    /// Read-model queries and enterprise files: short, many at once.
    static let query = Lane(name: "query", limit: 64, retryAfterSeconds: 1)
    /// Scans of the whole log, verification, replays, exports, reports and diffs.
    static let heavy = Lane(name: "heavy", limit: 2, retryAfterSeconds: 10)

    init(threads: Int, lanes: [Lane] = [WorkPool.query, WorkPool.heavy]) {
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
        self.lanes = Dictionary(uniqueKeysWithValues: lanes.map { ($0.name, $0) })
        inFlight = Mutex([:])
    }

    /// How many pieces of work of `lane` are running or queued now.
    func running(_ lane: Lane) -> Int {
        inFlight.withLock { $0[lane.name] ?? 0 }
    }

    /// Runs `body` on the pool's threads, or throws a 503 problem if `lane` is full.
    func run<Result: Sendable>(_ lane: Lane, _ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        let admitted = inFlight.withLock { counts -> Bool in
            let count = counts[lane.name] ?? 0
            guard count < lane.limit else { return false }
            counts[lane.name] = count + 1
            return true
        }
        guard admitted else {
            throw Problem(
                .serviceUnavailable,
                "the server is already running \(lane.limit) \(lane.name) requests; retry in \(lane.retryAfterSeconds) s",
                headers: [.retryAfter: String(lane.retryAfterSeconds)])
        }
        defer { inFlight.withLock { $0[lane.name, default: 1] -= 1 } }
        return try await threads.runIfActive {
            Self.yieldToRequests()
            return try body()
        }
    }

    /// Lowers the calling thread's scheduling priority to nice 10 (on Linux `who = 0` names the
    /// calling thread, not the process): with both cores busy with scans, the event loops and
    /// the cooperative pool still get the CPU first, so small requests stay fast.
    static func yieldToRequests() {
        #if os(Linux)
            if getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) < 10 {
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            }
        #endif
    }

    /// Stops the threads once the work queued on them is done.
    func shutdown() async {
        try? await threads.shutdownGracefully()
    }
}
