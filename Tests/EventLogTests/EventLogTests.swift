import Foundation
import Synchronization
import Testing

@testable import EventLog

@Suite struct EventLogTests {
    @Test func appendsAndReadsBackCanonicalEnvelopesWithGaplessSeqAndStreamVersions() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let first = try await log.append([sampleDraft(1, stream: "enterprise/A1"), sampleDraft(2, stream: "enterprise/B1")], actor: testActor)
        let second = try await log.append([sampleDraft(3, stream: "enterprise/A1")], actor: testActor)
        #expect(first.map(\.seq) == [1, 2])
        #expect(second.map(\.seq) == [3])
        #expect(second[0].version == 2)
        let envelopes = try log.envelopes()
        #expect(envelopes.map(\.seq) == [1, 2, 3])
        #expect(envelopes.map(\.version) == [1, 1, 2])
        #expect(envelopes[0].actor == ["name": "test", "role": "operator"])
        #expect(envelopes[0].data == sampleDraft(1).data)
        #expect(log.positions(of: "enterprise/A1") == [1, 3])
        var streamLines: [UInt64] = []
        try log.forEachLine(stream: "enterprise/A1") { seq, _ in streamLines.append(seq) }
        #expect(streamLines == [1, 3])
        // Stored bytes re-encode to themselves: the line is canonical.
        try log.forEachLine { _, line in
            let envelope = try Envelope(line: line)
            #expect(envelope.line == Array(line))
        }
        await log.close()
    }

    @Test func expectedVersionConflictsRejectTheWholeRequest() async throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try temporary.initialisedLog(), writable: true)
        _ = try await log.append([sampleDraft(1, stream: "project/P1", expected: .none)], actor: testActor)
        await #expect {
            _ = try await log.append([sampleDraft(2, stream: "project/P2"), sampleDraft(3, stream: "project/P1", expected: .none)], actor: testActor)
        } throws: { error in
            guard case LogError.versionConflict(let stream, _, let actual, let event) = error else { return false }
            return stream == "project/P1" && actual == 1 && event == 1 && "\(error)".contains("expected none")
        }
        #expect(log.size == 1, "the conflicting request appended nothing, not even its first event")
        #expect(log.version(of: "project/P2") == 0)
        let p2 = try await log.append([sampleDraft(6, stream: "project/P2", expected: .none)], actor: testActor)
        #expect(p2[0].version == 1 && p2[0].seq == 2, "the rolled-back request left no trace in versions or seqs")
        let next = try await log.append([sampleDraft(4, stream: "project/P1", expected: .exact(1))], actor: testActor)
        #expect(next[0].version == 2 && next[0].seq == 3)
        await #expect(throws: LogError.self) {
            _ = try await log.append([sampleDraft(5, stream: "project/P1", expected: .exact(1))], actor: testActor)
        }
        // A stream advanced twice by a request that is then rejected goes back to where it was.
        await #expect(throws: LogError.self) {
            _ = try await log.append(
                [
                    sampleDraft(7, stream: "project/P1"), sampleDraft(8, stream: "project/P1"),
                    sampleDraft(9, stream: "project/P1", expected: .exact(2)),
                ], actor: testActor)
        }
        let after = try await log.append([sampleDraft(10, stream: "project/P1", expected: .exact(2))], actor: testActor)
        #expect(after[0].version == 3 && after[0].seq == 4)
        // New streams first seen by a rejected request are forgotten, in any order with old ones.
        await #expect(throws: LogError.self) {
            _ = try await log.append(
                [
                    sampleDraft(11, stream: "project/P3"), sampleDraft(12, stream: "project/P1"),
                    sampleDraft(13, stream: "project/P4"), sampleDraft(14, stream: "project/P4", expected: .none),
                ], actor: testActor)
        }
        let later = try await log.append(
            [
                sampleDraft(15, stream: "project/P4"), sampleDraft(16, stream: "project/P1"),
                sampleDraft(17, stream: "project/P3"), sampleDraft(18, stream: "project/P4"),
            ], actor: testActor)
        #expect(later.map(\.version) == [1, 4, 1, 2] && later.map(\.seq) == [5, 6, 7, 8])
        let expected: [String: [UInt64]] = ["project/P1": [1, 3, 4, 6], "project/P2": [2], "project/P3": [7], "project/P4": [5, 8]]
        for (stream, positions) in expected {
            #expect(log.positions(of: stream) == positions && log.version(of: stream) == UInt64(positions.count), "\(stream)")
        }
        await log.close()
        let reopened = try EventLog(directory: log.directory, writable: true)
        for (stream, positions) in expected {
            #expect(
                reopened.positions(of: stream) == positions && reopened.version(of: stream) == UInt64(positions.count), "\(stream) after reopening")
        }
        #expect(try await reopened.append([sampleDraft(19, stream: "project/P3", expected: .exact(1))], actor: testActor)[0].version == 2)
        // Streams are numbered densely in the order of their first events, the same after reopening.
        let numbers: [Int32] = [0, 1, 0, 0, 2, 0, 3, 2, 3]
        #expect(reopened.streamNumbers(from: 1, through: 9) == numbers)
        #expect(reopened.streamNumbers(from: 4, through: 100) == Array(numbers[3...]))
        #expect(reopened.streamNumbers(from: 10, through: 12).isEmpty)
        await reopened.close()
    }

    @Test func aLargeRequestsLinesBuiltInPartsOnTheCoresAreInSeqOrderAndVerify() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        _ = try await log.append([sampleDraft(0, stream: "enterprise/S0")], actor: testActor)
        // More events than two parts hold: new streams and old ones, keys on some.
        let count = 2 * GroupCommitter.eventsPerLinePart + 123
        let drafts = (1...count).map { sampleDraft($0, stream: "enterprise/S\($0 % 3_000)", key: $0 % 5 == 0 ? "k-\($0)" : nil) }
        let results = try await log.append(drafts, actor: testActor)
        #expect(results.map(\.seq) == Array(2...UInt64(count + 1)))
        await log.close()
        #expect(try LogVerifier(directory: directory).verify().isIntact)
        // Read back from the index and from the segments alike: each line is its draft's, in order.
        for removeIndex in [false, true] {
            if removeIndex { try FileManager.default.removeItem(atPath: directory.batchIndex) }
            let reopened = try EventLog(directory: directory, writable: true)
            let envelopes = try reopened.envelopes(from: 2)
            #expect(envelopes.count == count)
            for (index, (envelope, draft)) in zip(envelopes, drafts).enumerated() where index % 997 == 0 || index == count - 1 {
                #expect(envelope.seq == UInt64(index + 2) && envelope.stream == draft.stream && envelope.data == draft.data)
                #expect(envelope.version == results[index].version)
            }
            #expect(try reopened.event(forKey: "k-\(count - count % 5)", reading: LogLookup(log: reopened))?.seq == UInt64(count - count % 5 + 1))
            await reopened.close()
        }
    }

    @Test("drafts given as canonical payload bytes are stored, compared and repeated as the same drafts given as trees")
    func canonicalPayloadsAreTheirTrees() async throws {
        let trees = (1...6).map { sampleDraft($0, stream: "enterprise/A\($0 % 2)", key: $0 % 3 == 0 ? nil : "k-\($0)") }
        let bytes = trees.map { tree in
            EventDraft(
                stream: tree.stream, type: tree.type, schema: tree.schema, occurred: tree.occurred, canonicalPayload: tree.data.canonicalBytes,
                expectedVersion: tree.expectedVersion, key: tree.key)
        }
        #expect(bytes == trees)
        #expect(bytes.map(\.data) == trees.map(\.data))
        #expect(zip(bytes, trees).allSatisfy { $0.hasSameContent(as: $1) && $1.hasSameContent(as: $0) })
        var encoded = trees[0]
        encoded.encodeCanonicalPayload()
        #expect(encoded.canonicalPayload == trees[0].data.canonicalBytes && encoded == trees[0])
        encoded.data = ["other": 1]  // a new tree: the bytes of the old one are let go
        #expect(encoded.canonicalPayload == nil && encoded.canonicalPayloadBytes == #"{"other":1}"#.utf8.map { $0 })
        let unbraced = EventDraft(stream: "enterprise/A1", type: "Visited", occurred: "2024-05-01", canonicalPayload: Array("[1]".utf8))
        #expect(throws: EventDraftError.invalidField("data", "must be a JSON object")) { try unbraced.validate() }

        // The same lines in both logs but for their ids and recorded times; repeats are found
        // whichever way the first was given.
        var lines: [[String]] = []
        for drafts in [trees, bytes] {
            let temporary = TemporaryDirectory()
            let log = try EventLog(directory: try temporary.initialisedLog(), writable: true)
            let results = try await log.append(drafts, actor: testActor)
            let again = try await log.append(Array((drafts == trees ? bytes : trees).filter { $0.key != nil }), actor: testActor)
            let keyed = results.indices.filter { drafts[$0].key != nil }.map { results[$0].seq }
            #expect(again.allSatisfy(\.isDuplicate) && again.map(\.seq) == keyed)
            lines.append(
                try log.envelopes().map { envelope in
                    var envelope = envelope
                    (envelope.id, envelope.recorded) = ("", "")
                    return String(decoding: envelope.line, as: UTF8.self)
                })
            // The bytes stored are canonical: each line reads back and writes out to itself.
            try log.forEachLine { _, line in
                let envelope = try Envelope(line: line)
                #expect(envelope.line == Array(line))
            }
            await log.close()
        }
        #expect(lines[0] == lines[1] && lines[0].count == 6)
    }

    @Test func repeatedIdempotencyKeyReturnsTheFirstResultAndAppendsNothing() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        let first = try await log.append([sampleDraft(1, key: "visit-1")], actor: testActor)
        let again = try await log.append([sampleDraft(1, key: "visit-1"), sampleDraft(2, key: "visit-2")], actor: testActor)
        #expect(again[0] == AppendResult(seq: first[0].seq, stream: first[0].stream, version: 1, isDuplicate: true))
        #expect(again[1].seq == 2 && !again[1].isDuplicate)
        #expect(log.size == 2)
        await #expect {
            _ = try await log.append([sampleDraft(9, key: "visit-1")], actor: testActor)
        } throws: { error in
            guard case LogError.idempotencyKeyReused(let key, let seq, _) = error else { return false }
            return key == "visit-1" && seq == 1
        }
        await log.close()
        // Keys survive a reopen (they come back from the index or the segments).
        let reopened = try EventLog(directory: directory, writable: true)
        let third = try await reopened.append([sampleDraft(1, key: "visit-1")], actor: testActor)
        #expect(third[0].isDuplicate && third[0].seq == 1)
        #expect(reopened.size == 2)
        // Numbers written as 98.0 come back from the log as 98: still the same content.
        let decimal = EventDraft(stream: "plan/2024-2026", type: "TargetsSet", occurred: "2024-03-15", data: ["coverage": 98.0], key: "targets")
        let firstTargets = try await reopened.append([decimal], actor: testActor)
        let replay = try EventDraft(
            inputLine: Array(
                #"{"stream":"plan/2024-2026","type":"TargetsSet","occurred":"2024-03-15","data":{"coverage":98.0},"key":"targets"}"#.utf8))
        let secondTargets = try await reopened.append([replay], actor: testActor)
        #expect(secondTargets[0].isDuplicate && secondTargets[0].seq == firstTargets[0].seq)
        // Within one request: a repeat answers with its first event's result; the same key with
        // other content refuses the whole request, and none of its keys stays taken.
        let inOne = try await reopened.append([sampleDraft(30, key: "k-30"), sampleDraft(30, key: "k-30")], actor: testActor)
        #expect(inOne[1] == AppendResult(seq: inOne[0].seq, stream: inOne[0].stream, version: inOne[0].version, isDuplicate: true))
        let size = reopened.size
        await #expect {
            _ = try await reopened.append([sampleDraft(31, key: "k-31"), sampleDraft(32, key: "k-31")], actor: testActor)
        } throws: { error in
            guard case LogError.idempotencyKeyReused(let key, _, let event) = error else { return false }
            return key == "k-31" && event == 1
        }
        #expect(reopened.size == size)
        let afresh = try await reopened.append([sampleDraft(33, key: "k-31")], actor: testActor)
        #expect(!afresh[0].isDuplicate && afresh[0].seq == size + 1)
        await reopened.close()
    }

    @Test func keysThatShareAHashAreToldApart() async throws {
        // The catalogue keeps hashes of keys; with 2 bits of them, 40 keys share 4 hashes.
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 4096)
        var options = EventLog.Options()
        options.keyHashBits = 2
        let log = try EventLog(directory: directory, writable: true, options: options)
        var first: [AppendResult] = []
        for batch in 0..<4 {
            first += try await log.append((0..<10).map { sampleDraft(batch * 10 + $0, key: "k-\(batch * 10 + $0)") }, actor: testActor)
        }
        let accented = try await log.append([sampleDraft(50, key: "caf\u{E9}")], actor: testActor)  // é as one scalar
        await log.close()
        for removeIndex in [false, true] {
            if removeIndex { try FileManager.default.removeItem(atPath: directory.batchIndex) }
            let reopened = try EventLog(directory: directory, writable: true, options: options)
            #expect(reopened.catalog.keys?.count == (removeIndex ? 42 : 41))  // and the first round's new key
            // A key written with e and a combining accent is the same key, as strings compare.
            #expect(try await reopened.append([sampleDraft(50, key: "cafe\u{301}")], actor: testActor)[0].seq == accented[0].seq)
            let lookup = LogLookup(log: reopened)
            for index in [0, 7, 23, 39] {
                #expect(try reopened.event(forKey: "k-\(index)", reading: lookup)?.seq == first[index].seq)
            }
            #expect(try reopened.event(forKey: "k-unused", reading: lookup) == nil)
            // Every retry answers its own first result; an unused key sharing their hashes is new.
            let retried = try await reopened.append((0..<40).map { sampleDraft($0, key: "k-\($0)") }, actor: testActor)
            #expect(retried == first.map { AppendResult(seq: $0.seq, stream: $0.stream, version: $0.version, isDuplicate: true) })
            let fresh = try await reopened.append([sampleDraft(100, key: "k-new-\(removeIndex)")], actor: testActor)
            #expect(!fresh[0].isDuplicate && fresh[0].seq == reopened.size)
            #expect(try reopened.event(forKey: "k-new-\(removeIndex)", reading: lookup)?.seq == fresh[0].seq)
            await #expect {
                _ = try await reopened.append([sampleDraft(7, key: "k-8")], actor: testActor)
            } throws: { error in
                guard case LogError.idempotencyKeyReused(let key, let seq, _) = error else { return false }
                return key == "k-8" && seq == first[8].seq
            }
            await reopened.close()
        }
        #expect(try LogVerifier(directory: directory).verify().isIntact)
    }

    @Test("a reader opened without the keys reads the same log; a writer keeps them whatever it asks")
    func aReaderWithoutKeys() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 4096)
        let log = try EventLog(directory: directory, writable: true)
        let first = try await log.append((0..<30).map { sampleDraft($0, key: $0 % 3 == 0 ? "k-\($0)" : nil) }, actor: testActor)
        await log.close()
        var without = EventLog.Options()
        without.keepsKeys = false
        for removeIndex in [false, true] {
            if removeIndex { try FileManager.default.removeItem(atPath: directory.batchIndex) }
            let keyed = try EventLog(directory: directory, writable: false)
            let reader = try EventLog(directory: directory, writable: false, options: without)
            #expect(reader.catalog.keys == nil && keyed.catalog.keys?.count == 10)
            #expect(try reader.size == keyed.size && reader.root() == keyed.root())
            #expect(try reader.envelopes(from: 1) == keyed.envelopes(from: 1))
            #expect(reader.positions(of: first[4].stream) == keyed.positions(of: first[4].stream))
            await reader.close()
            await keyed.close()
        }
        // A writer needs its keys to answer retries: it keeps them.
        let writer = try EventLog(directory: directory, writable: true, options: without)
        #expect(writer.catalog.keys?.count == 10)
        #expect(
            try await writer.append([sampleDraft(3, key: "k-3")], actor: testActor)[0]
                == AppendResult(
                    seq: first[3].seq, stream: first[3].stream, version: first[3].version, isDuplicate: true))
        await writer.close()
    }

    @Test func theVerifierFindsAKeyRepeatedInALaterSegment() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 4096)
        var options = EventLog.Options()
        options.writesRepeatedKeys = true
        let log = try EventLog(directory: directory, writable: true, options: options)
        _ = try await log.append([sampleDraft(1, key: "k-once")], actor: testActor)
        for batch in 0..<20 { _ = try await log.append((0..<5).map { sampleDraft(100 + batch * 5 + $0) }, actor: testActor) }
        #expect(log.size == 101)
        _ = try await log.append([sampleDraft(2, key: "k-once")], actor: testActor)
        await log.close()
        let report = try LogVerifier(directory: directory).verify()
        #expect(report.problem?.reason.contains("event 102 repeats idempotency key \"k-once\"") == true, "\(String(describing: report.problem))")
        #expect(report.problem.map { $0.file != "segments/" + LogDirectory.segmentName(baseSeq: 1) } == true)  // a later segment's
        #expect(report.segments > 1)
    }

    @Test func aKeyTableGivesEveryEventThatMayHoldAKey() {
        var keys = KeyTable(hashBits: 1)
        for seq in 1...20 { keys.add(hash: KeyTable.hash(of: "k-\(seq)"), seq: UInt64(seq)) }
        #expect(keys.count == 20)
        for seq in 1...20 { #expect(keys.candidates(for: "k-\(seq)").contains(UInt64(seq))) }
        // Two hashes, twenty keys: each lookup gives the events of one of them, in seq order.
        let candidates = Array(keys.candidates(for: "k-unused"))
        #expect(candidates.count >= 1 && candidates.count < 20 && candidates == candidates.sorted())
        #expect(Array(KeyTable().candidates(for: "k-1")).isEmpty)
    }

    @Test func segmentsRollAndEverythingSurvivesReopenWithOrWithoutTheIndex() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 4096)
        let log = try EventLog(directory: directory, writable: true)
        for batch in 0..<30 {
            _ = try await log.append((0..<5).map { sampleDraft(batch * 5 + $0, key: "k\(batch * 5 + $0)") }, actor: testActor)
        }
        var root = try log.root()
        var lines = try log.envelopes().map(\.line)
        await log.close()
        let segments = try directory.segmentBases()
        #expect(segments.count > 3)
        #expect(segments.first == 1)

        for removeIndex in [false, true] {
            if removeIndex { try FileManager.default.removeItem(atPath: directory.batchIndex) }
            let reopened = try EventLog(directory: directory, writable: true)
            #expect(reopened.size == UInt64(lines.count))
            #expect(try reopened.root() == root)
            #expect(try reopened.envelopes().map(\.line) == lines)
            #expect(reopened.version(of: sampleDraft(7).stream) == UInt64(reopened.positions(of: sampleDraft(7).stream).count))
            let more = try await reopened.append([sampleDraft(1000)], actor: testActor)
            #expect(more[0].seq == UInt64(lines.count + 1))
            root = try reopened.root()
            lines = try reopened.envelopes().map(\.line)
            await reopened.close()
        }
        #expect(FileManager.default.fileExists(atPath: directory.batchIndex), "the index was rebuilt")
        let report = try LogVerifier(directory: directory).verify()
        #expect(report.isIntact, "\(String(describing: report.problem))")
        #expect(report.events == 152)
    }

    @Test("an index that describes another log is set aside and rebuilt from the segments")
    func foreignIndexIsRebuilt() async throws {
        let temporary = TemporaryDirectory()
        let ours = LogDirectory(root: temporary.path + "/ours")
        let theirs = LogDirectory(root: temporary.path + "/theirs")
        var expected: (root: MerkleHash, lines: [[UInt8]]) = (MerkleHash.empty, [])
        for (directory, offset) in [(theirs, 500), (ours, 0)] {
            try EventLog.initialize(directory: directory, origin: "test.gongfu/log")
            let log = try EventLog(directory: directory, writable: true)
            for batch in 0..<4 { _ = try await log.append((0..<3).map { sampleDraft(offset + batch * 3 + $0) }, actor: testActor) }
            expected = (try log.root(), try log.envelopes().map(\.line))
            await log.close()
        }
        try FileManager.default.removeItem(atPath: ours.batchIndex)
        try FileManager.default.copyItem(atPath: theirs.batchIndex, toPath: ours.batchIndex)
        let reopened = try EventLog(directory: ours, writable: true)
        #expect(try reopened.root() == expected.root)
        #expect(try reopened.envelopes().map(\.line) == expected.lines)
        await reopened.close()
        #expect(
            FileManager.default.contents(atPath: ours.batchIndex) != FileManager.default.contents(atPath: theirs.batchIndex),
            "the foreign index was replaced")
    }

    @Test("stream names longer than 32 bytes that share their first 32 keep their own versions, before and after reopening")
    func longStreamNamesStayApart() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let prefix = "project/" + String(repeating: "P", count: 40)
        let streams = [prefix + "A", prefix + "B", prefix]
        let log = try EventLog(directory: directory, writable: true)
        for round in 0..<3 {
            _ = try await log.append(streams.enumerated().map { sampleDraft(round * 3 + $0.offset, stream: $0.element) }, actor: testActor)
        }
        _ = try await log.append([sampleDraft(99, stream: streams[0], expected: .exact(3))], actor: testActor)
        await log.close()
        let reopened = try EventLog(directory: directory, writable: false)
        #expect(streams.map { reopened.version(of: $0) } == [4, 3, 3])
        #expect(reopened.positions(of: streams[1]) == [2, 5, 8])
        #expect(reopened.positions(of: streams[2]) == [3, 6, 9])
    }

    @Test func afterASyncFailureEveryAppendIsRefusedAndNothingAcknowledgedIsLost() async throws {
        struct DiskFailure: Error {}
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let failing = Mutex(false)
        var options = EventLog.Options()
        options.syncFault = { if failing.withLock({ $0 }) { throw DiskFailure() } }
        let log = try EventLog(directory: directory, writable: true, options: options)
        let acknowledged = try await log.append([sampleDraft(1), sampleDraft(2)], actor: testActor)
        failing.withLock { $0 = true }
        await #expect {
            _ = try await log.append([sampleDraft(3)], actor: testActor)
        } throws: { error in
            guard case LogError.writesRefused = error else { return false }
            return true
        }
        failing.withLock { $0 = false }
        // The disk "works" again, but the log does not retry: it refuses until reopened.
        await #expect {
            _ = try await log.append([sampleDraft(4)], actor: testActor)
        } throws: { error in
            guard case LogError.writesRefused(let reason) = error else { return false }
            return "\(error)".contains("restart") && reason.contains("DiskFailure")
        }
        #expect(log.size == 2, "the failed batch is not acknowledged")
        await log.close()
        let reopened = try EventLog(directory: directory, writable: true)
        // The failed batch was written before its sync failed, so it may be on disk: the
        // client got an error and retries with an idempotency key. What was acknowledged is there.
        #expect(reopened.size >= 2)
        #expect(try reopened.envelopes(from: 1, through: 2).map(\.seq) == acknowledged.map(\.seq))
        _ = try await reopened.append([sampleDraft(5)], actor: testActor)
        await reopened.close()
        #expect(try LogVerifier(directory: directory).verify().isIntact)
    }

    @Test func afterAFailedSyncWritesResumeInPlaceFromTheLastAcknowledgedBatch() async throws {
        struct DiskFailure: Error {}
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 4096)
        let failing = Mutex(false)
        var options = EventLog.Options()
        options.syncFault = { if failing.withLock({ $0 }) { throw DiskFailure() } }
        let log = try EventLog(directory: directory, writable: true, options: options)
        // Enough events that the failed batch starts a new segment of its own, too.
        var acknowledged: [AppendResult] = []
        for index in 0..<12 { acknowledged += try await log.append([sampleDraft(index, key: "k\(index)")], actor: testActor) }
        failing.withLock { $0 = true }
        await #expect(throws: LogError.self) { _ = try await log.append([sampleDraft(100, key: "lost")], actor: testActor) }
        #expect(log.refusal != nil)
        // Resuming does not mend a disk that still fails: the next write is refused again.
        try await log.resumeWrites()
        await #expect(throws: LogError.self) { _ = try await log.append([sampleDraft(101)], actor: testActor) }
        failing.withLock { $0 = false }
        try await log.resumeWrites()
        #expect(log.refusal == nil)
        // The unacknowledged event is gone for good: its key is free, and its retry lands once.
        let retried = try await log.append([sampleDraft(100, key: "lost")], actor: testActor)
        #expect(retried.map(\.seq) == [13] && !retried[0].isDuplicate)
        let again = try await log.append([sampleDraft(100, key: "lost")], actor: testActor)
        #expect(again[0].isDuplicate && again[0].seq == 13)
        #expect(log.size == 13)
        await log.close()
        let reopened = try EventLog(directory: directory, writable: false)
        #expect(reopened.size == 13)
        #expect(try reopened.envelopes(from: 1, through: 12).map(\.seq) == acknowledged.map(\.seq))
        #expect(try LogVerifier(directory: directory).verify().isIntact)
    }

    @Test func aSecondWriterIsRefusedWhileReadersAreWelcome() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 4096)
        let writer = try EventLog(directory: directory, writable: true)
        _ = try await writer.append([sampleDraft(1)], actor: testActor)
        #expect(throws: LogError.self) { _ = try EventLog(directory: directory, writable: true) }
        let reader = try EventLog(directory: directory, writable: false)
        #expect(reader.size == 1)
        _ = try await writer.append([sampleDraft(2)], actor: testActor)
        try reader.refresh()
        #expect(reader.size == 2)
        // Across segment rolls, a read-only follower catches up incrementally.
        for index in 3...60 { _ = try await writer.append([sampleDraft(index)], actor: testActor) }
        #expect(try directory.segmentBases().count > 2)
        try reader.refresh()
        #expect(reader.size == 60)
        #expect(try reader.root() == writer.root())
        #expect(try reader.envelopes(from: 55).map(\.seq) == [55, 56, 57, 58, 59, 60])
        await #expect(throws: LogError.self) { _ = try await reader.append([sampleDraft(3)], actor: testActor) }
        await writer.close()
    }

    @Test func followingDeliversNewBatchesAsTheyLand() async throws {
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try temporary.initialisedLog(), writable: true)
        _ = try await log.append([sampleDraft(1)], actor: testActor)
        let follower = Task {
            var seen: [UInt64] = []
            for try await events in log.follow(from: 1) {
                seen += events.map(\.seq)
                if seen.count >= 4 { break }
            }
            return seen
        }
        for index in 2...4 {
            try await Task.sleep(for: .milliseconds(20))
            _ = try await log.append([sampleDraft(index)], actor: testActor)
        }
        #expect(try await follower.value == [1, 2, 3, 4])
        await log.close()
    }

    @Test func proofsAndCheckpointsFromTheLogVerify() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        for index in 0..<9 { _ = try await log.append([sampleDraft(index)], actor: testActor) }
        let oldNote = try log.checkpoint()
        for index in 9..<20 { _ = try await log.append([sampleDraft(index)], actor: testActor) }
        let newNote = try log.checkpoint()
        let verifier = try log.verifierKey()
        let old = try Checkpoint(note: oldNote, verifier: verifier)
        let new = try Checkpoint(note: newNote, verifier: verifier)
        #expect(old.size == 9 && new.size == 20)
        #expect(newNote.hasPrefix("test.gongfu/log\n20\n"))
        let consistency = try log.consistencyProof(from: old.size, to: new.size)
        #expect(consistency.root1 == old.root && consistency.root2 == new.root)
        try consistency.verify()
        for seq in UInt64(1)...20 {
            let proof = try log.inclusionProof(seq: seq, treeSize: 20)
            try proof.verify()
            var line: [UInt8] = []
            try log.forEachLine(from: seq, through: seq) { _, bytes in line = Array(bytes.dropLast()) }
            #expect(proof.leafHash == MerkleHash.leaf(line), "leaf = SHA-256(0x00 || envelope line)")
        }
        // A tampered note is rejected.
        let forged = newNote.replacingOccurrences(of: "\n20\n", with: "\n21\n")
        #expect(throws: CheckpointError.self) { try Checkpoint(note: forged, verifier: verifier) }
        #expect(try LogVerifier(directory: directory).verify().checkpointsChecked == 2)
        await log.close()
    }
}
