import Foundation
import Testing

@testable import EventLog

/// The derived index (`index/batches.idx`): what open loads instead of scanning the segments.
@Suite struct IndexTests {
    /// What open builds, in a form tests can compare.
    struct CatalogView: Equatable {
        var streams: [String]
        var heads: [[UInt64]]
        var previousInStream: [UInt64]
        var streamNumberOfEvent: [Int32]
        var keys: KeyTable?
        var batches: [BatchLocation]
        var root: MerkleHash

        init(_ catalog: LogCatalog) {
            streams = catalog.streams.names.map(\.name)
            heads = catalog.heads.map { [$0.last, $0.version] }
            previousInStream = Array(catalog.previousInStream)
            streamNumberOfEvent = Array(catalog.streamNumberOfEvent)
            keys = catalog.keys
            batches = catalog.batches
            root = catalog.tree.root(size: catalog.size)
        }
    }

    /// A log over several segments whose batches bring new streams, repeat old ones and carry keys.
    func writtenLog(_ temporary: TemporaryDirectory) async throws -> LogDirectory {
        let directory = try temporary.initialisedLog(segmentBytes: 8_192)
        let log = try EventLog(directory: directory, writable: true)
        for batch in 0..<12 {
            let drafts = (0..<15).map { index in
                sampleDraft(
                    batch * 15 + index, stream: "enterprise/S\((batch * 7 + index * 3) % 40)", key: index % 4 == 0 ? "k-\(batch)-\(index)" : nil)
            }
            _ = try await log.append(drafts, actor: testActor)
        }
        await log.close()
        #expect(try directory.segmentBases().count > 2)
        return directory
    }

    func view(_ directory: LogDirectory, writable: Bool = false) async throws -> CatalogView {
        let log = try EventLog(directory: directory, writable: writable)
        let view = log.lock.withLock { CatalogView(log.catalog) }
        await log.close()
        return view
    }

    @Test func theIndexRebuiltFromTheSegmentsIsByteForByteTheOneKeptWhileAppending() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await writtenLog(temporary)
        let kept = try Data(contentsOf: URL(fileURLWithPath: directory.batchIndex))
        #expect(kept.starts(with: BatchIndexFile.header))
        let fromIndex = try await view(directory)

        try FileManager.default.removeItem(atPath: directory.batchIndex)
        let rebuilt = try await view(directory, writable: true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.batchIndex)) == kept)
        #expect(rebuilt == fromIndex)
        #expect(fromIndex.streams.count == 40)
        #expect(fromIndex.keys?.count == 12 * 4)
        // The counts read from the records' lengths alone are those of the decoded records.
        var decoded = (events: 0, keys: 0)
        var hinted = (events: -1, keys: -1)
        func count(_ record: BatchIndexFile.Record, _: [MerkleHash]) -> Bool {
            decoded.events += record.entries.count
            decoded.keys += record.entries.filter { $0.keyHash != nil }.count
            return true
        }
        _ = try BatchIndexFile(path: directory.batchIndex).forEachRecord(reserve: { hinted = ($0, $1) }, count)
        #expect(hinted == decoded && decoded.keys == 12 * 4 && decoded.events > decoded.keys)
        // Positions by stream agree with a plain read of the whole log.
        let log = try EventLog(directory: directory, writable: false)
        let all = try log.envelopes()
        for name in fromIndex.streams {
            #expect(log.positions(of: name) == all.filter { $0.stream == name }.map(\.seq))
        }
        // Many streams at once, by a scan of the whole log or by their chains: what reading them
        // one at a time and sorting gives.
        let streams = fromIndex.streams
        for names in [streams + ["enterprise/unknown"], [streams[17], streams[3]], [streams[5], streams[9], streams[5]]] {
            // A name given twice counts at its first index.
            let first = names.enumerated().filter { index, name in names.firstIndex(of: name) == index }
            let plain = first.flatMap { stream, name in log.positions(of: name).map { [$0, UInt64(stream)] } }.sorted { $0[0] < $1[0] }
            for scan in [true, false, nil] {
                let found = log.lock.withLock { log.catalog.positions(ofStreams: names, scan: scan) }
                #expect(found.map { [$0.seq, UInt64($0.stream)] } == plain, "scan: \(String(describing: scan))")
            }
            #expect(log.positions(ofStreams: names).map(\.seq) == plain.map { $0[0] })
        }
        await log.close()
    }

    @Test func anIndexWithoutThisFormatsHeaderIsRebuiltNotMisread() async throws {
        let temporary = TemporaryDirectory()
        let directory = try await writtenLog(temporary)
        let kept = try Data(contentsOf: URL(fileURLWithPath: directory.batchIndex))
        let expected = try await view(directory)
        // Records with no header (the shape of format 1), then a header of another version.
        for damaged in [kept.dropFirst(BatchIndexFile.header.count), Data("GLIX".utf8) + Data([1, 0, 0, 0]) + kept.dropFirst(8)] {
            try Data(damaged).write(to: URL(fileURLWithPath: directory.batchIndex))
            #expect(try await view(directory) == expected)  // read-only: found by scanning the segments
            #expect(try await view(directory, writable: true) == expected)
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory.batchIndex)) == kept)
        }
    }

    /// The records as a plain loop reads them: each checked and decoded in turn, until one is
    /// short, fails its CRC-32 or does not decode; with the length of the prefix read.
    func plainlyRead(_ bytes: [UInt8], upTo limit: Int = .max) -> (records: [BatchIndexFile.Record], length: Int) {
        var records: [BatchIndexFile.Record] = []
        var position = BatchIndexFile.header.count
        bytes.withUnsafeBytes { buffer in
            while position + 8 <= buffer.count, records.count < limit {
                let length = Int(buffer.littleEndian(at: position, as: UInt32.self))
                guard position + 8 + length <= buffer.count else { return }
                let payload = UnsafeRawBufferPointer(rebasing: buffer[(position + 8)..<(position + 8 + length)])
                guard CRC32.checksum(payload) == buffer.littleEndian(at: position + 4, as: UInt32.self),
                    let record = BatchIndexFile.decode(payload)
                else { return }
                records.append(record)
                position += 8 + length
            }
        }
        return (records, position)
    }

    @Test func recordsDecodedAheadOnASecondThreadAreThoseAPlainLoopReads() async throws {
        // Enough events for several of the decoder's runs, in batches of many sizes.
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 1 << 20)
        let log = try EventLog(directory: directory, writable: true)
        var written = 0
        for batch in 0..<60 {
            let size = [1, 7, 600, 40][batch % 4]
            let drafts = (written..<(written + size)).map { sampleDraft($0, stream: "enterprise/S\($0 % 500)", key: $0 % 3 == 0 ? "k-\($0)" : nil) }
            _ = try await log.append(drafts, actor: testActor)
            written += size
        }
        await log.close()
        #expect(written > 2 * BatchIndexFile.Decoder.runEvents)
        let kept = Array(try Data(contentsOf: URL(fileURLWithPath: directory.batchIndex)))
        let plain = plainlyRead(kept)
        // Whole; a record's byte changed in the middle (a CRC failure ends the prefix there); cut
        // short inside the last record.
        var damaged = kept
        damaged[plain.length * 2 / 3] ^= 0x5A
        for bytes in [kept, damaged, Array(kept.dropLast(5))] {
            try Data(bytes).write(to: URL(fileURLWithPath: directory.batchIndex))
            let expected = plainlyRead(bytes)
            var read: [BatchIndexFile.Record] = []
            var parents: [[MerkleHash]] = []
            let length = try BatchIndexFile(path: directory.batchIndex).forEachRecord { record, completed in
                read.append(record)
                parents.append(completed)
                return true
            }
            #expect(read == expected.records && length == expected.length)
            // With each record, the interior hashes a tree of the records' leaves, built one by one, completes.
            var frontier = MerkleFrontier()
            let plainParents = expected.records.map { record in
                var completed: [MerkleHash] = []
                for entry in record.entries { frontier.append(entry.leafHash, parents: &completed) }
                return completed
            }
            #expect(parents == plainParents)
            // A reader that stops early gets the length of what it took (and the decoder stops).
            var taken = 0
            let stopped = try BatchIndexFile(path: directory.batchIndex).forEachRecord { _, _ in
                taken += 1
                return taken <= 20
            }
            #expect(stopped == plainlyRead(bytes, upTo: 20).length)
        }
        #expect(
            plainlyRead(damaged).records.count < plain.records.count
                && plainlyRead(kept.dropLast(5).map { $0 }).records.count == plain.records.count - 1)
    }

    @Test func aDecoderAheadOfItsReaderWaitsAndStopsWhenTheReaderDoes() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        for batch in 0..<40 { _ = try await log.append((0..<(1 + batch % 3)).map { sampleDraft(batch * 3 + $0) }, actor: testActor) }
        await log.close()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory.batchIndex)))
        let plain = plainlyRead(bytes)
        // Runs of 2 events, one run ahead: the decoder waits for its reader at nearly every run.
        bytes.withUnsafeBytes { buffer in
            let records = UnsafeRawBufferPointer(rebasing: buffer[BatchIndexFile.header.count...])
            for stopAfter in [0, 1, 7, plain.records.count, .max] {
                let decoder = BatchIndexFile.Decoder(records: records, runEvents: 2, lookahead: 1)
                var read: [BatchIndexFile.Record] = []
                var end = 0
                while read.count < stopAfter, let (record, _, after) = decoder.next() {
                    read.append(record)
                    end = after
                }
                Thread.sleep(forTimeInterval: 0.005)  // the decoder runs ahead until it must wait
                decoder.finish()  // returns: a decoder waiting ahead of its reader is woken and stops
                let expected = plainlyRead(bytes, upTo: stopAfter)
                #expect(read == expected.records && BatchIndexFile.header.count + end == expected.length, "stop after \(stopAfter)")
            }
        }
        #expect(plain.records.count == 40)
    }

    @Test func aBatchWhoseNumberingBreaksTheIndexsIsNotEncoded() {
        let leaf = MerkleHash.leaf(UnsafeRawBufferPointer(start: nil, count: 0))
        let location = BatchLocation(
            segmentBase: 1, trailer: CommitTrailer(firstSeq: 1, lastSeq: 1, frameOffset: 0, frameLength: 0, frameCRC: 0, contentLength: 0, root: leaf)
        )
        func encoded(_ entries: [LogCatalog.Entry], next: Int) -> (bytes: [UInt8]?, next: Int) {
            var next = next
            let bytes = BatchIndexFile.encode(.init(location: location, entries: entries), nextNewStream: &next)
            return (bytes, next)
        }
        let named = LogCatalog.Entry(leafHash: leaf, streamNumber: 3, stream: StreamName("enterprise/D"))
        let good = encoded([named, LogCatalog.Entry(leafHash: leaf, streamNumber: 0)], next: 3)
        #expect(good.bytes != nil && good.next == 4)
        #expect(encoded([LogCatalog.Entry(leafHash: leaf, streamNumber: 3)], next: 3).bytes == nil)  // new, unnamed
        #expect(encoded([LogCatalog.Entry(leafHash: leaf, streamNumber: 5, stream: StreamName("enterprise/F"))], next: 3).bytes == nil)
        #expect(encoded([LogCatalog.Entry(leafHash: leaf, stream: StreamName("enterprise/A"))], next: 3).bytes == nil)  // no number
    }

    @Test func aRecordThatNumbersStreamsOutOfOrderOrLeavesANewOneUnnamedIsRefused() {
        var catalog = LogCatalog()
        let leaf = MerkleHash.leaf(UnsafeRawBufferPointer(start: nil, count: 0))
        let first = LogCatalog.Entry(leafHash: leaf, streamNumber: 0, stream: StreamName("enterprise/A"))
        #expect(catalog.accepts([first, LogCatalog.Entry(leafHash: leaf, streamNumber: 0)]))
        #expect(!catalog.accepts([LogCatalog.Entry(leafHash: leaf, streamNumber: 0)]))  // new, unnamed
        #expect(!catalog.accepts([first, LogCatalog.Entry(leafHash: leaf, streamNumber: 2, stream: StreamName("enterprise/C"))]))  // skips 1
        #expect(!catalog.accepts([LogCatalog.Entry(leafHash: leaf, stream: StreamName("enterprise/A"))]))  // no number
        catalog.add(
            BatchLocation(
                segmentBase: 1,
                trailer: CommitTrailer(firstSeq: 1, lastSeq: 1, frameOffset: 0, frameLength: 0, frameCRC: 0, contentLength: 0, root: leaf)),
            entries: [first])
        #expect(
            catalog.accepts([
                LogCatalog.Entry(leafHash: leaf, streamNumber: 0),
                LogCatalog.Entry(leafHash: leaf, streamNumber: 1, stream: StreamName("enterprise/B")),
            ]))
        #expect(!catalog.accepts([LogCatalog.Entry(leafHash: leaf, streamNumber: 1)]))
    }
}
