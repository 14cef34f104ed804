import Foundation
import Testing

@testable import EventLog

@Suite struct LogLookupTests {
    @Test("events looked up in any order read as a plain scan of the log does, whatever the cache's budget")
    func lookupsAgreeWithTheScan() async throws {
        let temporary = TemporaryDirectory()
        let directory = LogDirectory(root: temporary.path + "/log")
        try EventLog.initialize(directory: directory, origin: "test.gongfu/log")
        let log = try EventLog(directory: directory, writable: true)
        for batch in 0..<12 { _ = try await log.append((0..<25).map { sampleDraft(batch * 25 + $0) }, actor: testActor) }
        let scanned = try log.envelopes().map(\.line)
        var order = Array(UInt64(1)...log.size)
        var generator = SystemRandomNumberGenerator()
        order.shuffle(using: &generator)
        // No room (one batch at a time), room for a few batches, room for all.
        for budget in [0, 3 * 25 * 400, 64 << 20] {
            let lookup = LogLookup(log: log, budget: budget)
            var read: [UInt64: [UInt8]] = [:]
            try lookup.forEachLine(seqs: order) { seq, line in read[seq] = Array(line) }
            #expect(order.map { read[$0]! } == order.map { scanned[Int($0) - 1].dropLast() }, "budget \(budget)")
            #expect(try lookup.envelope(seq: 7).seq == 7)
        }
        #expect(throws: LogError.self) { try LogLookup(log: log).envelope(seq: log.size + 1) }
        await log.close()
    }
}
