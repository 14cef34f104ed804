import Foundation
import Testing

@testable import EventLog

@Suite struct ConcurrencyTests {
    @Test("the size read while batches land never runs ahead of what can be read, and ends at the last seq")
    func sizeFollowsTheCatalog() async throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try temporary.initialisedLog(segmentBytes: 64 << 10), writable: true)
        let appending = Task {
            for round in 0..<200 { _ = try await log.append((0..<5).map { sampleDraft(round * 5 + $0) }, actor: testActor) }
        }
        var seen: [UInt64] = []
        let deadline = Date().addingTimeInterval(60)
        while seen.last != 1000, Date() < deadline {
            let size = log.size
            if size > 0 { #expect(try log.envelopes(from: size, through: size).map(\.seq) == [size]) }
            seen.append(size)
            await Task.yield()
        }
        try await appending.value
        #expect(seen == seen.sorted() && log.size == 1000)
        await log.close()
    }

    @Test func manyAppendersSameAndDifferentStreamsNoLostOrDuplicatedEvent() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 256 << 10)
        let log = try EventLog(directory: directory, writable: true)
        let appenders = 48
        let rounds = 15
        let outcome = await withTaskGroup(of: (appended: [UInt64], conflicts: Int).self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    var appended: [UInt64] = []
                    var conflicts = 0
                    for round in 0..<rounds {
                        // Own stream, unconditional; and the shared stream, optimistic with retry.
                        let own = try! await log.append(
                            [sampleDraft(round, stream: "provider/OWN-\(appender)", key: "own-\(appender)-\(round)")], actor: testActor)
                        appended += own.map(\.seq)
                        while true {
                            let current = log.version(of: "plan/2024-2026")
                            do {
                                let shared = try await log.append(
                                    [sampleDraft(round, stream: "plan/2024-2026", expected: current == 0 ? .none : .exact(current))], actor: testActor
                                )
                                appended += shared.map(\.seq)
                                break
                            } catch LogError.versionConflict {
                                conflicts += 1
                            } catch {
                                Issue.record("unexpected \(error)")
                                return (appended, conflicts)
                            }
                        }
                    }
                    return (appended, conflicts)
                }
            }
            var all: [UInt64] = []
            var conflicts = 0
            for await result in group {
                all += result.appended
                conflicts += result.conflicts
            }
            return (all, conflicts)
        }
        let total = appenders * rounds * 2
        #expect(outcome.0.count == total)
        #expect(Set(outcome.0).count == total, "no seq handed out twice")
        #expect(outcome.0.max() == UInt64(total))
        #expect(log.size == UInt64(total))
        #expect(outcome.1 > 0, "48 racing optimistic writers must have collided at least once")
        #expect(log.version(of: "plan/2024-2026") == UInt64(appenders * rounds))
        let envelopes = try log.envelopes()
        #expect(envelopes.map(\.seq) == (1...UInt64(total)).map { $0 })
        let shared = envelopes.filter { $0.stream == "plan/2024-2026" }.map(\.version)
        #expect(shared == (1...UInt64(appenders * rounds)).map { $0 }, "shared stream versions gapless in seq order")
        #expect(log.catalog.batches.count < total, "group commit shared frames between appenders")
        await log.close()
        #expect(try LogVerifier(directory: directory).verify().isIntact)
    }
}

@Suite struct BatchSizeTests {
    @Test func aBatchTakesRequestsUpToTheLimitAndALargerRequestGoesAlone() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        var options = EventLog.Options()
        options.maximumBatchEvents = 50
        let log = try EventLog(directory: directory, writable: true, options: options)
        // Many concurrent requests of 10, then one of 120.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<16 {
                group.addTask {
                    for round in 0..<10 {
                        _ = try await log.append((0..<10).map { sampleDraft(appender * 1000 + round * 10 + $0) }, actor: testActor)
                    }
                }
            }
            try await group.waitForAll()
        }
        _ = try await log.append((0..<120).map { sampleDraft(50_000 + $0) }, actor: testActor)
        let sizes = log.lock.withLock { log.catalog.batches.map(\.trailer.eventCount) }
        await log.close()
        let total: Int = sizes.reduce(0, +)
        #expect(total == 1720)
        let withinLimit = sizes.dropLast().allSatisfy { $0 <= 50 && $0 % 10 == 0 }
        #expect(withinLimit, "\(sizes)")
        #expect(sizes.last == 120)
        #expect(sizes.dropLast().contains { $0 > 10 }, "concurrent requests share batches: \(sizes)")
    }
}
