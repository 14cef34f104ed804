import Foundation
import Testing

@testable import Domain
@testable import EventLog

@Suite struct DraftSpoolTests {
    /// Drafts with every kind of expected version, with and without keys, Chinese text, numbers
    /// and nesting, half of them carrying their canonical payload already.
    static func drafts(_ range: Range<Int>) -> [(draft: EventDraft, place: IntakePlace)] {
        range.map { index in
            var draft = EventDraft(
                stream: "enterprise/91370200AY4CL12T\(index)", type: index % 2 == 0 ? "TrainingAttended" : "DiagnosisVisited",
                schema: index % 5 == 0 ? 2 : 1, occurred: index % 3 == 0 ? "2024-05-01" : "2024-05-01T09:30:00+08:00",
                data: [
                    "session": .string("培训班第\(index)期 \"引号\" \\ 换行\n"), "score": 98.5, "count": .integer(Int64(index)), "tags": ["甲", ["乙": nil]],
                ],
                expectedVersion: [.any, .none, .exact(UInt64(index) << 40)][index % 3], key: index % 4 == 0 ? nil : "key-\(index)-键")
            if index % 2 == 0 { draft.encodeCanonicalPayload() }
            return (draft, IntakePlace(.line, index + 1))
        }
    }

    @Test("drafts read back from the spool are the drafts written, batch by batch")
    func roundTrip() throws {
        let spool = try DraftSpool()
        let batches = [Self.drafts(0..<40), [], Self.drafts(40..<41), Self.drafts(41..<300)]
        for batch in batches { try spool.write(batch) }
        #expect(spool.count == 300)
        #expect(spool.batches.map(\.count) == batches.map(\.count))
        for (written, batch) in zip(batches, spool.batches) {
            let read = try spool.read(batch)
            #expect(read == written.map(\.draft))
            // Read back as canonical bytes: no tree is built until one is asked for.
            #expect(read.allSatisfy { $0.canonicalPayload != nil })
            #expect(read.map(\.data) == written.map(\.draft.data))
        }
        // Read ahead, a batch at a time, the same drafts in the same order.
        #expect(try spool.readingAhead.map { try $0.get() } == batches.map { $0.map(\.draft) })
    }

    @Test("a batch changed on disk is refused when read back; a directory that is missing is named")
    func damageIsFound() throws {
        let spool = try DraftSpool()
        try spool.write(Self.drafts(0..<20))
        try spool.write(Self.drafts(20..<30))
        var byte: UInt8 = 0
        #expect(pread(spool.descriptor, &byte, 1, 100) == 1)
        byte ^= 0x20
        #expect(pwrite(spool.descriptor, &byte, 1, 100) == 1)
        #expect(throws: DraftSpool.Failure.self) { _ = try spool.read(spool.batches[0]) }
        do {
            _ = try spool.read(spool.batches[0])
        } catch {
            #expect(error.description == "the temporary file of checked events changed while it was in use")
        }
        #expect(try spool.read(spool.batches[1]) == Self.drafts(20..<30).map(\.draft))
        let ahead = Array(spool.readingAhead)
        #expect(ahead.count == 2 && (try? ahead[0].get()) == nil && (try? ahead[1].get()) == Self.drafts(20..<30).map(\.draft))

        // A draft the log would refuse (here a schema too large for its two bytes) is not spooled.
        var unchecked = Self.drafts(30..<31)
        unchecked[0].draft.schema = 70_000
        do {
            try spool.write(unchecked)
            Issue.record("an unchecked draft was spooled")
        } catch {
            #expect("\(error)".hasPrefix("line 31: \"schema\" must be an integer from 1 to 1000"), "\(error)")
        }
        #expect(spool.batches.count == 2)

        let missing = NSTemporaryDirectory() + "gongfu-missing-\(UUID().uuidString)"
        do {
            _ = try DraftSpool(in: missing)
            Issue.record("a spool was made in a missing directory")
        } catch {
            #expect(error.description.hasPrefix("cannot create a temporary file in \(missing) (TMPDIR)"))
        }
    }
}
