import Foundation
import Testing

@testable import EventLog

@Suite struct RecoveryTests {
    /// A log of one segment with several batches; returns the segment bytes and, per batch, the
    /// offset where its trailer ends and the seq it ends at.
    static func makeLog(in temporary: TemporaryDirectory) async throws -> (
        directory: LogDirectory, segment: [UInt8], ends: [(offset: Int, lastSeq: UInt64)]
    ) {
        let directory = try temporary.initialisedLog()
        let log = try EventLog(directory: directory, writable: true)
        var index = 0
        for size in [1, 3, 2, 1, 4] {
            _ = try await log.append(
                (0..<size).map { _ in
                    index += 1
                    return sampleDraft(index)
                }, actor: testActor)
        }
        let ends = log.catalog.batches.map { (offset: Int($0.trailer.endOffset), lastSeq: $0.trailer.lastSeq) }
        await log.close()
        let segment = Array(try Data(contentsOf: URL(fileURLWithPath: directory.segmentPath(baseSeq: 1))))
        #expect(ends.last?.offset == segment.count)
        return (directory, segment, ends)
    }

    /// A copy of `directory`'s config and keys with `segment` as its only segment, without index.
    static func copy(_ directory: LogDirectory, segment: [UInt8], to root: String) throws -> LogDirectory {
        let copy = LogDirectory(root: root)
        let files = FileManager.default
        for path in [copy.root, copy.log, copy.segments, copy.index, copy.checkpoints, copy.keys] {
            try files.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        for (from, to) in [(directory.config, copy.config), (directory.signingKey, copy.signingKey), (directory.verifierKey, copy.verifierKey)] {
            try files.copyItem(atPath: from, toPath: to)
        }
        try Data(segment).write(to: URL(fileURLWithPath: copy.segmentPath(baseSeq: 1)))
        return copy
    }

    @Test func truncationAtEveryOffsetKeepsExactlyTheBatchesWhoseTrailersPrecedeTheCut() async throws {
        let temporary = TemporaryDirectory()
        let (directory, segment, ends) = try await Self.makeLog(in: temporary)
        for cut in 0..<segment.count {
            let copy = try Self.copy(directory, segment: Array(segment[0..<cut]), to: temporary.path + "/cut")
            defer { try? FileManager.default.removeItem(atPath: copy.root) }
            let expectedSize = ends.last(where: { $0.offset <= cut })?.lastSeq ?? 0
            let headerLength = SegmentScanner.headerLength
            let expectedLength = ends.last(where: { $0.offset <= cut })?.offset ?? (cut >= headerLength ? headerLength : nil)
            let log = try EventLog(directory: copy, writable: true)
            #expect(log.size == expectedSize, "cut at \(cut)")
            await log.close()
            let path = copy.segmentPath(baseSeq: 1)
            if let expectedLength {
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect(attributes[.size] as? Int == expectedLength, "cut at \(cut): truncated back to the last trailer")
                let result = try run("/usr/bin/lz4", ["-dc", path])
                #expect(result.status == 0, "lz4 -dc after cut at \(cut): \(result.stderr)")
                #expect(String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").count == Int(expectedSize))
            } else {
                #expect(!FileManager.default.fileExists(atPath: path), "cut at \(cut) inside the header: the unfinished segment is removed")
            }
            #expect(try LogVerifier(directory: copy).verify().isIntact, "cut at \(cut)")
        }
    }

    @Test func verifyDetectsABitFlipAnywhere() async throws {
        let temporary = TemporaryDirectory()
        let (directory, segment, _) = try await Self.makeLog(in: temporary)
        let copy = try Self.copy(directory, segment: segment, to: temporary.path + "/flip")
        #expect(try LogVerifier(directory: copy).verify().isIntact)
        let path = copy.segmentPath(baseSeq: 1)
        for offset in 0..<segment.count {
            for bit in [offset % 8, (offset * 5 + 3) % 8] {
                var damaged = segment
                damaged[offset] ^= UInt8(1 << bit)
                try Data(damaged).write(to: URL(fileURLWithPath: path))
                let report = try LogVerifier(directory: copy).verify()
                #expect(!report.isIntact, "flip of bit \(bit) at byte \(offset) went unnoticed")
                #expect(report.problem?.file == "segments/00000000000000000001.lz4")
            }
        }
    }

    @Test func damageBeforeTheTailIsReportedAndNothingIsTruncated() async throws {
        let temporary = TemporaryDirectory()
        let (directory, segment, ends) = try await Self.makeLog(in: temporary)
        // Flip a byte inside the second batch's frame, which later batches follow.
        var damaged = segment
        let target = ends[0].offset + 20
        damaged[target] ^= 0x40
        let copy = try Self.copy(directory, segment: damaged, to: temporary.path + "/damaged")
        #expect {
            _ = try EventLog(directory: copy, writable: true)
        } throws: { error in
            guard case LogError.corrupted(let segmentName, let offset, _) = error else { return false }
            return segmentName == "00000000000000000001.lz4" && offset == ends[0].offset
        }
        let after = Array(try Data(contentsOf: URL(fileURLWithPath: copy.segmentPath(baseSeq: 1))))
        #expect(after == damaged, "recovery changed nothing")
        // Damage to the last batch with its trailer intact is also corruption, not a torn tail.
        var lastDamaged = segment
        lastDamaged[ends[ends.count - 2].offset + 30] ^= 0x01
        let copy2 = try Self.copy(directory, segment: lastDamaged, to: temporary.path + "/damaged2")
        #expect(throws: LogError.self) { _ = try EventLog(directory: copy2, writable: true) }
    }

    @Test func zeroFilledTailIsTreatedAsTorn() async throws {
        let temporary = TemporaryDirectory()
        let (directory, segment, ends) = try await Self.makeLog(in: temporary)
        let copy = try Self.copy(directory, segment: segment + [UInt8](repeating: 0, count: 4096), to: temporary.path + "/zeros")
        let log = try EventLog(directory: copy, writable: true)
        #expect(log.size == ends.last!.lastSeq)
        await log.close()
    }
}
