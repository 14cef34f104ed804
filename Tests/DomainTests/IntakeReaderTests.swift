import Foundation
import Testing

@testable import Domain
@testable import EventLog

@Suite struct IntakeReaderTests {
    static let enterprise = "91370200AY4CL12T2L"

    /// NDJSON of `count` events with blank lines, CRLF endings and lines that begin with `[`
    /// scattered through it; `bad` replaces those lines (1-based) with a refused event.
    static func input(count: Int, bad: Set<Int> = []) -> [UInt8] {
        var text = ""
        var line = 1
        for index in 0..<count {
            switch index * 7 % 17 {
            case 0:
                text += "\n"
                line += 1
            case 1:
                text += "   \t\r\n"
                line += 1
            default: break
            }
            defer { line += 1 }
            if bad.contains(line) {
                text +=
                    index % 2 == 0
                    ? #"[{"stream":"enterprise/\#(enterprise)"}]"# + "\n"
                    : #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"培\#u{1B}训"}}"#
                        + "\n"
                continue
            }
            let ending = index % 5 == 2 ? "\r\n" : "\n"
            text +=
                #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"第\#(index)期 数字化转型培训 e\#u{301}"},"key":"k\#(index)"}"#
                + ending
        }
        return Array(text.utf8)
    }

    /// Reading on several threads gives the drafts, places and first mistake of reading in one go.
    @Test(arguments: [2, 3, 4])
    func readingInPartsMatchesReadingWhole(parts: Int) async throws {
        let reader = IntakeReader(places: .line)
        let bytes = Self.input(count: 3000)
        let whole = try reader.read(bytes, firstLine: 11)
        let inParts = try await reader.read(bytes, firstLine: 11, parts: parts)
        #expect(whole.count == 3000)
        #expect(inParts.map(\.draft) == whole.map(\.draft))
        #expect(inParts.map(\.place) == whole.map(\.place))
        #expect(whole.first?.draft.data["session"]?.stringValue == "第0期 数字化转型培训 é")

        let lines = try reader.read(bytes).map(\.place.number)  // the lines that carry events
        for bad in [[lines[2]], [lines[2990]], [lines[1500], lines[2990]], [lines[1001], lines[1507]]] {
            let bytes = Self.input(count: 3000, bad: Set(bad))
            var expected: IntakeError?
            do { _ = try reader.read(bytes) } catch { expected = error }
            var found: IntakeError?
            do { _ = try await reader.read(bytes, parts: parts) } catch { found = error }
            #expect(expected != nil)
            #expect(found?.place == expected?.place)
            #expect(found?.message == expected?.message)
            #expect(expected?.place == IntakePlace(.line, bad.min()!))
        }
    }
}

@Suite("Keys repeated within one input")
struct RepeatedKeyTests {
    @Test("the digest of a draft's content is its canonical JSON's: the same whatever the order and number form, another for any change")
    func digestFollowsTheCanonicalForm() throws {
        func draft(_ data: String, occurred: String = "2025-10-12") throws -> EventDraft {
            EventDraft(
                stream: "enterprise/91370200AY4CL12T2L", type: "AssessmentRecorded", occurred: occurred, data: try JSONParser.parse(data))
        }
        let first = try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":65,"应用":[1,2.5]},"stage":"L3"}"#)
        let same = try draft(#"{"stage":"L3","scores":{"应用":[1.0,2.5],"基础":65.0},"kind":"annual","assessment":"A-1"}"#)
        var built = first
        built.data = .object([
            "assessment": "A-1", "kind": "annual", "stage": "L3", "scores": .object(["基础": .double(65), "应用": .array([.double(1), .double(2.5)])]),
        ])
        #expect(first.data.canonicalBytes == same.data.canonicalBytes && first.data.canonicalBytes == built.data.canonicalBytes)
        #expect(Intake.digest(first) == Intake.digest(same) && Intake.digest(first) == Intake.digest(built))
        // A draft read by a bulk writer carries its canonical bytes: the same digest as the tree's.
        var encoded = same
        encoded.encodeCanonicalPayload()
        let fromBytes = EventDraft(stream: first.stream, type: first.type, occurred: first.occurred, canonicalPayload: first.data.canonicalBytes)
        #expect(Intake.digest(encoded) == Intake.digest(first) && Intake.digest(fromBytes) == Intake.digest(first))
        for other in [
            try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":65,"应用":[2.5,1]},"stage":"L3"}"#),
            try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":66,"应用":[1,2.5]},"stage":"L3"}"#),
            try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":65,"应用":[1,2.5]},"stage":"L4"}"#),
            try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":65,"应用":[1,2.5]}}"#),
            try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":65,"应用":[1,2.5]},"stage":"L3"}"#, occurred: "2025-10-13"),
            try draft(#"{"assessment":"A-1","kind":"annual","scores":{"基础":"65","应用":[1,2.5]},"stage":"L3"}"#),
        ] {
            #expect(Intake.digest(other) != Intake.digest(first), "\(other.data.canonicalText)")
        }
    }
}

extension RepeatedKeyTests {
    @Test("a key used twice in one input: the same content is a repeat, other content is refused")
    func sameKeyInOneInput() async throws {
        let (_, log, root) = try await DomainRulesTests.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var intake = try Intake(log: log, actor: Actor(name: "test", role: "province"), today: "2026-11-28")
        func assessment(_ data: String) throws -> EventDraft {
            var draft = EventDraft(
                stream: "enterprise/\(DomainRulesTests.enterprise)", type: "AssessmentRecorded", occurred: "2025-10-12",
                data: try JSONParser.parse(data))
            draft.key = "import/assessment/A-9"
            return draft
        }
        #expect(try intake.check(assessment(#"{"assessment":"A-9","kind":"annual","instrument":"x","stage":"L3"}"#), at: nil) == .new)
        #expect(try intake.check(assessment(#"{"stage":"L3","instrument":"x","kind":"annual","assessment":"A-9"}"#), at: nil) == .repeated)
        #expect {
            try intake.check(assessment(#"{"assessment":"A-9","kind":"annual","instrument":"x","stage":"L4"}"#), at: IntakePlace(.row, 4))
        } throws: { error in
            let error = error as? IntakeError
            return error?.code == .conflict && error?.message.contains("used by an earlier event of this input with different content") == true
        }
        await log.close()
    }
}

extension RepeatedKeyTests {
    @Test("a stream's version counts the log's events and the drafts accepted so far, not those refused")
    func versionsCountAcceptedDrafts() async throws {
        let (_, log, root) = try await DomainRulesTests.rules()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var intake = try Intake(log: log, actor: Actor(name: "test", role: "province"), today: "2026-11-28")
        let stream = "enterprise/\(DomainRulesTests.enterprise)"
        func assessment(_ id: String, expected: ExpectedVersion = .any) throws -> EventDraft {
            EventDraft(
                stream: stream, type: "AssessmentRecorded", occurred: "2025-10-12",
                data: try JSONParser.parse(#"{"assessment":"\#(id)","kind":"annual","instrument":"x","stage":"L3"}"#), expectedVersion: expected)
        }
        let stored = log.version(of: stream)
        #expect(stored > 0 && intake.version(of: stream) == stored)
        intake.reserveCapacity(8)
        #expect(try intake.check(assessment("A-1"), at: nil) == .new)
        #expect(intake.version(of: stream) == stored + 1)
        #expect(try intake.check(assessment("A-2", expected: .exact(stored + 1)), at: nil) == .new)
        #expect(intake.version(of: stream) == stored + 2 && log.version(of: stream) == stored)
        #expect(throws: IntakeError.self) { try intake.check(assessment("A-3", expected: .exact(stored + 1)), at: nil) }
        #expect(intake.version(of: "enterprise/91370200MA3C0XYZ1Q") == 0)
        await log.close()
    }
}

@Suite struct IntakeAppendTests {
    static let stream = "enterprise/\(DomainRulesTests.enterprise)"

    /// The rules' test log (its directory to remove), an intake on it, and the stream's version
    /// and the log's size before appending.
    static func appending() async throws -> (log: EventLog, root: String, intake: Intake, stored: UInt64, size: UInt64) {
        let (_, log, root) = try await DomainRulesTests.rules()
        let intake = try Intake(log: log, actor: Actor(name: "test", role: "province"), today: "2026-11-28")
        return (log, root, intake, log.version(of: stream), log.size)
    }

    /// Assessments of one stream, each expecting the version the one before it leaves.
    static func chain(_ count: Int, after version: UInt64, breakingAt broken: Int? = nil) throws -> [EventDraft] {
        try (0..<count).map { index in
            EventDraft(
                stream: stream, type: "AssessmentRecorded", occurred: "2025-10-12",
                data: try JSONParser.parse(#"{"assessment":"C-\#(index)","kind":"annual","instrument":"x","stage":"L3"}"#),
                expectedVersion: .exact(version + UInt64(index) + (index == broken ? 1 : 0)))
        }
    }

    @Test("batches queued behind one not yet durable are appended in order, each counted once durable")
    func batchesInFlightKeepTheirOrder() async throws {
        let (log, root, intake, stored, size) = try await Self.appending()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var counts: [Int] = []
        let results = try await intake.append(try Self.chain(25, after: stored), batchEvents: 3, inFlight: 3) { counts.append($0) }
        #expect(results.map(\.version) == Array((stored + 1)...(stored + 25)))
        #expect(results.map(\.seq) == Array((size + 1)...(size + 25)))
        #expect(counts == [3, 6, 9, 12, 15, 18, 21, 24, 25])
        await log.close()
    }

    @Test("a refused batch among those in flight is reported at its event; the batches before it stay")
    func aRefusedBatchInFlightIsReportedAtItsEvent() async throws {
        let (log, root, intake, stored, size) = try await Self.appending()
        defer { try? FileManager.default.removeItem(atPath: root) }
        await #expect {
            _ = try await intake.append(try Self.chain(25, after: stored, breakingAt: 13), batchEvents: 3, inFlight: 2)
        } throws: { error in
            (error as? IntakeError)?.place == IntakePlace(.event, 13) && (error as? IntakeError)?.code == .conflict
        }
        #expect(log.size == size + 12 && log.version(of: Self.stream) == stored + 12)
        await log.close()
    }
}
