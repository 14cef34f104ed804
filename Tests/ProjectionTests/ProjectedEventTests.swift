import Domain
import Foundation
import TestSupport
import Testing

@testable import EventLog
@testable import Projections

@Suite("Reading stored lines into projected events")
struct ProjectedEventTests {
    /// A line as the log writes it.
    private func canonical(
        seq: UInt64 = 41, stream: String = "enterprise/913702000000000019", type: String = "AssessmentRecorded",
        actor: JSONValue = .object(["name": "青岛市工信局", "role": "city", "jurisdiction": "370200"]),
        key: String? = nil, data: JSONValue
    ) -> [UInt8] {
        Envelope(
            seq: seq, id: "01a227e1-4bcc-7874-b91d-c54e46dff862", stream: stream, version: 3, type: type, schema: 1,
            occurred: "2024-05-18", recorded: "2026-11-29T15:16:46.156883Z", actor: actor, key: key, data: data
        ).line
    }

    private func parse(_ line: [UInt8], actors: inout ActorCache) throws -> ProjectedEvent {
        try line.withUnsafeBytes { try ProjectedEvent(line: $0, actors: &actors) }
    }

    private func parse(_ text: String) throws -> ProjectedEvent {
        try Array(text.utf8).withUnsafeBytes { try ProjectedEvent(line: $0) }
    }

    /// What a fold can read of an event, for comparing two readings.
    private func fields(_ event: ProjectedEvent) -> [String] {
        [
            String(event.seq), event.stream, event.category, event.streamID, String(event.version), event.type, event.kind.rawValue,
            event.occurred, event.date, event.recorded, event.actor.canonicalText, event.data.canonicalText,
            String(describing: event.decoded.map { type(of: $0) }),
        ]
    }

    private let assessment: JSONValue = [
        "assessment": "146234-2024-2", "instrument": "SD-DT-2023.1", "kind": "onsite",
        "scores": ["数字化基础": 65, "数字化应用": 63], "stage": "L3",
    ]

    @Test("Every line of the golden sample takes the canonical reading, and the member-by-member reading agrees")
    func goldenSampleReadBothWays() throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try Sample.copy(into: temporary), writable: false)
        var actors = ActorCache()
        var lines = 0
        try log.forEachLine { seq, line in
            lines += 1
            let canonical = try EnvelopeReader.readCanonical(line, kinds: EventKind.self, actors: &actors)
            #expect(canonical != nil, "line \(seq) as the log wrote it takes the canonical reading")
            var read: Int64?
            let members = try EnvelopeReader.readMembers(line, kinds: EventKind.self, seq: &read)
            guard let canonical, let members else {
                Issue.record("line \(seq) unread")
                return
            }
            #expect(description(canonical) == description(members), "line \(seq)")
            // The rules' reading of the same line: its type, date and the part of the payload asked for.
            let firstTwo = Array(members.data.prefix(2).map(\.key))
            for (part, wanted) in [
                (EnvelopeReader.PayloadPart.all, members.data), (.none, nil), (.members(firstTwo), Array(members.data.prefix(2))),
                (.members(["no such member"]), []),
            ] {
                let fact = try EnvelopeReader.readFact(line, kinds: EventKind.self, payload: { _ in part })
                #expect(fact?.kind == members.kind && fact?.occurred == members.occurred, "line \(seq)")
                #expect(
                    fact?.data.map { "\($0.map { "\($0.key)=\($0.value.canonicalText)" })" }
                        == wanted.map { "\($0.map { "\($0.key)=\($0.value.canonicalText)" })" }, "line \(seq)")
            }
            #expect(canonical.kind != .unknown && canonical.seq == Int64(seq))
            // The log's own reading (recovery, verification): seq, stream, version, key.
            let summary = try EnvelopeReader.canonicalSummary(line)
            #expect(summary != nil, "line \(seq) takes the canonical summary")
            #expect(summary == (try? EnvelopeReader.memberSummary(line)), "line \(seq)")
            #expect(summary?.seq == seq && summary?.version == UInt64(members.version) && summary?.stream.hasSuffix(members.streamID) == true)
        }
        #expect(lines == Int(log.size) && lines > 1000)
    }

    /// Every member of a reading, for comparing two.
    private func description(_ members: EnvelopeReader.Members<EventKind>) -> [String] {
        [
            String(members.seq), members.category, members.streamID, String(members.separated), String(members.version),
            members.kind.rawValue, members.type, members.occurred, members.recorded,
            "\(members.actor.map { "\($0.key)=\($0.value.canonicalText)" })", "\(members.data.map { "\($0.key)=\($0.value.canonicalText)" })",
        ]
    }

    @Test("A canonical line and the same envelope laid out otherwise read the same")
    func canonicalAndOtherLayouts() throws {
        let line = canonical(data: assessment)
        var actors = ActorCache()
        let event = try parse(line, actors: &actors)
        #expect(event.seq == 41 && event.version == 3 && event.kind == .assessmentRecorded && event.type == "AssessmentRecorded")
        #expect(event.stream == "enterprise/913702000000000019" && event.category == "enterprise" && event.streamID == "913702000000000019")
        #expect(event.date == "2024-05-18" && event.recorded == "2026-11-29T15:16:46.156883Z")
        #expect(event.actorString("jurisdiction") == "370200")
        #expect(try event.payload(AssessmentRecorded.self).stage == .l3)
        #expect(event.decoded is AssessmentRecorded)
        // Members reordered, spaced out, an unknown member added: the member-by-member reading.
        let text = String(decoding: line.dropLast(), as: UTF8.self)  // without its newline
        let value = try JSONParser.parse(text)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        let reordered = "{ " + members.sorted { $0.key > $1.key }.map { "\"\($0.key)\" : \($0.value.canonicalText)" }.joined(separator: " , ") + " }"
        #expect(fields(try parse(reordered)) == fields(event))
        let extra = String(text.dropLast()) + #","note":{"x":[1,2]}}"#
        #expect(fields(try parse(extra)) == fields(event))
        // In the log's order but with members the fast reading does not expect there (an id
        // that is not a string, a schema as text): read member by member, as before.
        let odd = text.replacingOccurrences(of: #""id":"01a227e1-4bcc-7874-b91d-c54e46dff862""#, with: #""id":7"#)
            .replacingOccurrences(of: #""schema":1"#, with: #""schema":"1""#)
            .replacingOccurrences(of: #","data":"#, with: #","key":7,"data":"#)
        #expect(odd != text)
        #expect(fields(try parse(odd)) == fields(event))
        // With an idempotency key, and with whitespace after the line.
        #expect(fields(try parse(canonical(key: "import-7", data: assessment), actors: &actors)) == fields(event))
        #expect(fields(try parse(text + "\n")) == fields(event))
    }

    @Test("Actors come from the cache only for the same bytes: each line gets its own")
    func actorsByBytes() throws {
        var actors = ActorCache(slots: 2)  // few slots: lines collide and replace each other
        let people: [JSONValue] =
            (0..<12).map { ["name": .string("官员\($0)"), "role": "city", "jurisdiction": .string("3702\($0)")] }
            + [["name": "带{括号}和\"引号\"", "role": "province"], ["name": "nested", "role": "province", "extra": ["a": 1]]]
        for round in 0..<3 {
            for (index, person) in people.enumerated() {
                let event = try parse(canonical(seq: UInt64(round * 100 + index + 1), actor: person, data: assessment), actors: &actors)
                #expect(event.actor == person, "round \(round), actor \(index)")
            }
        }
    }

    @Test("Streams without a category, unknown types, and streams repeating their category")
    func oddStreamsAndTypes() throws {
        var actors = ActorCache()
        let plain = try parse(canonical(stream: "registry", type: "SomethingNew", data: ["x": 1]), actors: &actors)
        #expect(plain.stream == "registry" && plain.category == "registry" && plain.streamID == "registry")
        #expect(plain.kind == .unknown && plain.type == "SomethingNew" && plain.decoded == nil)
        let doubled = try parse(canonical(stream: "plan/plan", type: "PlanMilestoneReported", data: ["x": 1]), actors: &actors)
        #expect(doubled.stream == "plan/plan" && doubled.category == "plan" && doubled.streamID == "plan")
        #expect(doubled.kind == .planMilestoneReported)
        // A payload that does not decode is kept as members, and the fold is told why.
        #expect(doubled.decoded == nil)
        #expect(throws: ProjectionError.self) { _ = try doubled.payload(PlanMilestoneReported.self) }
    }

    @Test(
        "Bad lines are refused with the reason, on both readings",
        arguments: [
            (
                #"{"seq":1,"id":"x","stream":"a/b","version":1,"type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{},"data":{"a":1,"a":2}}"#,
                "duplicate object key"
            ),
            (
                #"{"seq":1,"stream":"a/b","id":"x","version":1,"type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{},"data":{"a":1,"a":2}}"#,
                "duplicate object key"
            ),
            (
                #"{"seq":1,"id":"x","stream":"a/b","version":1,"type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{},"data":{}} x"#,
                "unexpected data"
            ),
            (
                #"{"seq":1,"id":"x","stream":"a/b","version":1,"type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{}}"#,
                "missing"
            ),
            (
                #"{"seq":-4,"id":"x","stream":"a/b","version":1,"type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{},"data":{}}"#,
                "seq must be positive"
            ),
            (
                #"{"seq":1,"id":"x\#u{01}","stream":"a/b","version":1,"type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{},"data":{}}"#,
                "control character"
            ),
            (
                #"{"seq":1,"id":"x","stream":"a/b","version":"1","type":"T","schema":1,"occurred":"2024-01-01","recorded":"r","actor":{},"data":{}}"#,
                "expected an integer"
            ),
        ])
    func refused(line: String, reason: String) {
        #expect { _ = try parse(line) } throws: { error in
            guard case .unreadableEvent(_, let why) = error as? ProjectionError else { return false }
            return why.contains(reason)
        }
    }

    @Test("Every line of the sample log reads the same with and without the fast path")
    func sampleLogBothWays() throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try Sample.copy(into: temporary), writable: false)
        var actors = ActorCache()
        var count = 0
        try log.forEachLine { _, line in
            let fast = try ProjectedEvent(line: line, actors: &actors)
            // The member-by-member reading: the same line with a space after its opening brace.
            let spaced = try (Array("{ ".utf8) + line.dropFirst()).withUnsafeBytes { try ProjectedEvent(line: $0) }
            #expect(fields(fast) == fields(spaced), "seq \(fast.seq)")
            count += 1
        }
        #expect(count == Int(log.size) && count > 1000)
    }

    @Test("A batch's content is handed on in pieces of whole lines, each with its first and last seq")
    func batchPieces() {
        let lines = (0..<23).map { "{\"n\":\($0)}\n" }
        let content = Array(lines.joined().utf8)
        for size in [1, 5, 22, 23, 40] {
            var pieces: [(first: UInt64, last: UInt64, text: String)] = []
            content.withUnsafeBytes { bytes in
                Projector.pieces(of: bytes, first: 101, last: 123, lines: size) { first, last, piece in
                    pieces.append((first, last, String(decoding: piece, as: UTF8.self)))
                }
            }
            #expect(pieces.map(\.text).joined() == lines.joined(), "pieces of \(size) lines")
            #expect(pieces.first?.first == 101 && pieces.last?.last == 123)
            #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.last + 1 == $1.first })
            for piece in pieces {
                #expect(piece.text.split(separator: "\n").count == Int(piece.last - piece.first + 1))
                #expect(piece.last - piece.first + 1 <= UInt64(size))
                #expect(piece.text.split(separator: "\n").first == Substring(lines[Int(piece.first - 101)].dropLast()))
            }
        }
        // A last line without its newline is a line; empty content is one piece, handed as it is.
        let unterminated = Array((lines.joined() + "{\"n\":23}").utf8)
        var tail: [(first: UInt64, last: UInt64, text: String)] = []
        unterminated.withUnsafeBytes { bytes in
            Projector.pieces(of: bytes, first: 1, last: 24, lines: 10) { tail.append(($0, $1, String(decoding: $2, as: UTF8.self))) }
        }
        #expect(tail.map { [$0.first, $0.last] } == [[1, 10], [11, 20], [21, 24]] && tail.last?.text.hasSuffix("{\"n\":23}") == true)
        var empty: [(UInt64, UInt64, Int)] = []
        [UInt8]().withUnsafeBytes { bytes in Projector.pieces(of: bytes, first: 5, last: 5, lines: 10) { empty.append(($0, $1, $2.count)) } }
        #expect(empty.count == 1 && empty[0] == (5, 5, 0))
    }

    @Test("A build through a point inside a batch larger than a chunk stops at that point, as one built whole")
    func throughInsideALargeBatch() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await generatedLog(in: temporary, batchSize: 400)
        let log = try EventLog(directory: directory, writable: false)
        let through: UInt64 = 613  // inside the second batch
        let whole = try ReadModels.build(asOf: .seq(through), log: log, outputDirectory: temporary.path + "/whole")
        try FileManager.default.createDirectory(atPath: temporary.path + "/pieces", withIntermediateDirectories: true)
        let types = try ReadModelCatalogue.projections(named: nil)
        let paths = types.map { temporary.path + "/pieces/\($0.name).sqlite" }
        let building = try zip(types, paths).map { type, path in try ReadModels.startBuilding(at: path, type) }
        var reached: [UInt64] = []
        try Projector(log: log, chunkEvents: 7).project(building, from: 1, through: through, asOf: .seq(through)) { reached.append($0) }
        _ = try ReadModels.install(building, at: paths, asOf: AsOf.seq(through).description)
        #expect(reached.count > 600 / 7 && reached.last == through && zip(reached, reached.dropFirst()).allSatisfy { $0 < $1 })
        for (type, path) in zip(types, paths) {
            let expected = try ReadModelStore(path: whole.first { $0.contains("/\(type.name).") }!, projection: type, mode: .readOnly)
            let found = try ReadModelStore(path: path, projection: type, mode: .readOnly)
            defer {
                expected.close()
                found.close()
            }
            #expect(try ReadModelDump.dump(found) == ReadModelDump.dump(expected), "read model \(type.name)")
            #expect(try found.checkpoint().seq == through)
        }
    }

    @Test("Catching up from a checkpoint inside a batch larger than a chunk goes on from it, as one pass does")
    func fromInsideALargeBatch() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await generatedLog(in: temporary, batchSize: 400)
        let log = try EventLog(directory: directory, writable: false)
        let expected = try onePassDumps(of: log, in: directory)
        let readModels = try ReadModels(log: log)
        try Projector(log: log, chunkEvents: 7).project(readModels.stores, from: 1, through: 613)  // inside the second batch
        var reached: [UInt64] = []
        try Projector(log: log, chunkEvents: 7).project(readModels.stores, from: 614, through: log.size) { reached.append($0) }
        #expect(reached.first.map { $0 > 613 && $0 <= 620 } == true, "the first chunk starts at the checkpoint: \(reached.prefix(3))")
        #expect(zip(reached, reached.dropFirst()).allSatisfy { $0 < $1 } && reached.last == log.size)
        let found = try dumps(readModels)
        for name in ReadModelCatalogue.names { #expect(found[name] == expected[name], "read model \(name)") }
    }
}
