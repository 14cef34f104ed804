import Foundation
import Testing

@testable import EventLog

@Suite struct CrashTests {
    @Test func killNineRepeatedlyLosesNothingAcknowledged() async throws {
        let temporary = TemporaryDirectory()
        let directory = try temporary.initialisedLog(segmentBytes: 64 << 10)
        var highestAcknowledged: UInt64 = 0
        for round in 0..<8 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Products.path("CrashAppender"))
            process.arguments = [directory.root, "4"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let reader = output.fileHandleForReading
            // Let it run a varying while, then kill -9 mid-flight.
            try await Task.sleep(for: .milliseconds(150 + 70 * round))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let acknowledged = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
                .split(separator: "\n").compactMap { line -> UInt64? in
                    line.hasPrefix("ack ") ? UInt64(line.dropFirst(4)) : nil
                }
            highestAcknowledged = max(highestAcknowledged, acknowledged.max() ?? 0)

            let log = try EventLog(directory: directory, writable: true)
            #expect(log.size >= highestAcknowledged, "round \(round): acknowledged \(highestAcknowledged), found \(log.size)")
            var expected: UInt64 = 1
            try log.forEachLine { seq, line in
                #expect(seq == expected)
                let summary = try EnvelopeReader.summary(UnsafeRawBufferPointer(rebasing: line.dropLast()))
                #expect(summary.seq == expected)
                expected += 1
            }
            #expect(expected == log.size + 1, "gapless")
            let verifier = try log.verifierKey()
            for size in try log.storedCheckpointSizes() {
                let note = String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory.checkpointPath(size: size))), as: UTF8.self)
                let old = try Checkpoint(note: note, verifier: verifier)
                let proof = try log.consistencyProof(from: old.size, to: log.size)
                #expect(proof.root1 == old.root)
                try proof.verify()
            }
            try log.checkpoint()
            await log.close()
        }
        #expect(highestAcknowledged > 0)
        let report = try LogVerifier(directory: directory).verify()
        #expect(report.isIntact, "\(String(describing: report.problem))")
        #expect(try directory.segmentBases().count > 1, "crashes also hit segment rolls")
    }
}
