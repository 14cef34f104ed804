import Domain
import EventLog
import Foundation
import TestSupport
import Testing

@testable import DemoProvince

@Suite("Demo province generator")
struct GeneratorTests {
    /// Awards are drawn from the stage the rules see at the award's place in the log; a late
    /// recorded upgrade once made the generator award a kind the rules refuse (seen at 480,000
    /// enterprises). Several seeds and sizes, each appended whole through the intake.
    @Test("every event the generator writes passes the rules, whatever the seed and size", arguments: [(1, 900), (2, 1500), (7, 2500), (2024, 3000)])
    func everyEventPasses(seed: Int, enterprises: Int) async throws {
        var generator = ProvinceGenerator(options: .init(seed: UInt64(seed), enterprises: enterprises))
        let drafts = try generator.generate()
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try temporary.initialisedLog(), writable: true)
        var intake = try Intake(log: log, actor: Role.province.actor(named: "test"))
        do {
            let results = try await intake.checkAndAppend(drafts)
            #expect(results.count == drafts.count)
        } catch {
            let draft = error.place.map { drafts[$0.number] }
            Issue.record("seed \(seed), \(enterprises) enterprises: \(error) — \(draft.map { "\($0.type) on \($0.stream)" } ?? "")")
        }
        await log.close()
    }
}

extension GeneratorTests {
    @Test("a history lets go of its appended drafts a chunk at a time and reads the rest as one never let go")
    func releasesInChunks() throws {
        var generator = ProvinceGenerator(options: .init(seed: 3, enterprises: 60))
        let plain = try generator.generate()
        let entries = plain.indices.map { index in
            var entry = GeneratedHistory.Entry(plain[index])
            entry.recorded = plain.recorded(at: index)
            return entry
        }
        var chunked = GeneratedHistory(entries: entries, chunkSize: 7)
        #expect(chunked.count == plain.count && plain.count > 100)
        for end in [3, 7, 10, 23, 24, plain.count / 2, plain.count - 1] {
            chunked.release(before: end)
            // Only the chunk that `end` falls in is still held of those before it.
            #expect(chunked.heldEntries == plain.count - end / 7 * 7)
            for index in end..<plain.count {
                #expect(chunked[index] == plain[index] && chunked.recorded(at: index) == plain.recorded(at: index))
                #expect(chunked.stream(at: index) == plain.stream(at: index) && chunked.type(at: index) == plain.type(at: index))
            }
            // The listing holds the stream's drafts not let go, as the whole history lists them.
            let stream = plain.stream(at: end)
            let left = plain.indices.count { $0 >= end && plain.stream(at: $0) == stream }
            #expect(chunked.streamListing(at: end) == Array(plain.streamListing(at: end).suffix(left)))
            let later = plain.indices.count { $0 >= end + 5 && plain.stream(at: $0) == stream }
            #expect(chunked.streamListing(at: end, from: end + 5) == Array(plain.streamListing(at: end).suffix(later)))
        }
    }
}

extension GeneratorTests {
    @Test("a history goes in as requests of at most a size, in order, each within one week of the timeline and recorded at its end")
    func historyParts() throws {
        var generator = ProvinceGenerator(options: .init(seed: 3, enterprises: 200))
        let plain = try generator.generate()
        let history = HistoryParts(plain)
        func week(_ position: Int) -> Int64 { ProvinceIngest.week(of: plain.recorded(at: position)) }
        for (start, end, size) in [(0, plain.count, 50), (17, plain.count / 2, 1), (5, 5, 10), (3, 400, 100_000)] {
            let parts = history.parts(from: start, to: end, eventsPerPart: size, weekly: true)
            #expect(parts.map(\.range.lowerBound) == Array(([start] + parts.map(\.range.upperBound)).dropLast()))
            #expect((parts.last?.range.upperBound ?? start) == end)
            for part in parts {
                #expect(!part.range.isEmpty && part.range.count <= size)
                #expect(Set(part.range.map(week)).count == 1)
                let lastOfWeek = (part.range.upperBound..<end).prefix { week($0) == week(part.range.lowerBound) }.last ?? part.range.upperBound - 1
                #expect(part.recorded == ProvinceIngest.endOfDay(plain.recorded(at: lastOfWeek)))
            }
            // A week is cut only where it holds more than a request.
            #expect(parts.count == Set((start..<end).map(week)).count || parts.contains { $0.range.count == size })
            let plainParts = history.parts(from: start, to: end, eventsPerPart: size, weekly: false)
            #expect(plainParts.map(\.range) == stride(from: start, to: end, by: size).map { $0..<min($0 + size, end) })
            #expect(plainParts.allSatisfy { $0.recorded == nil })
        }
        #expect(history.drafts(in: 3..<9) == Array(plain[3..<9]))
        history.release(before: 9)
        #expect(history.drafts(in: 9..<12) == Array(plain[9..<12]) && history.type(at: 9) == plain.type(at: 9))
    }
}

extension GeneratorTests {
    @Test("a day prints as YYYY-MM-DD, as the calendar's numbers padded would print it")
    func dayDescription() {
        for number in stride(from: -719_162, through: 2_932_896, by: 997) + [0, 19_722, 20_819, 2_932_896] {
            let day = Day(number: number)
            let (year, month, date) = Timestamp.civil(fromDays: Int64(number))
            #expect(day.description == String(format: "%04d-%02d-%02d", Int(year), Int(month), Int(date)), "day \(number)")
            #expect(Day(Int(year), Int(month), Int(date)) == day)
        }
    }
}
