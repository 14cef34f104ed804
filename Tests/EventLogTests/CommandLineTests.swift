import Foundation
import Testing

@testable import EventLog

/// The `gongfu` binary as a user runs it.
@Suite struct CommandLineTests {
    let gongfu = Products.path("gongfu")

    static let events = """
        {"stream":"enterprise/91370200AY4CL12T2L","type":"EnterpriseRegistered","occurred":"2024-03-01","data":{"name":"青岛海川精密机械有限公司","uscc":"91370200AY4CL12T2L","city":"370200","county":"370211","industry":"C3484","yearEntered":2019},"key":"reg-1"}
        {"stream":"enterprise/91370200AY4CL12T2L","type":"AssessmentRecorded","occurred":"2024-04-01","data":{"assessment":"A-1","kind":"online","instrument":"2024.1","stage":"L1"},"expectedVersion":1}
        {"stream":"provider/91370100H3BJ1XG69R","type":"ProviderAdmitted","occurred":"2024-04-02T09:30:00+08:00","data":{"name":"济南智造云科技有限公司","mapBatch":1}}

        """

    @Test func initAppendReadVerifyCheckpointProve() throws {
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        #expect(try run(gongfu, ["init", "--data", data, "--segment-bytes", "4096"]).status == 0)
        let eventsFile = temporary.path + "/events.ndjson"
        try Self.events.write(toFile: eventsFile, atomically: true, encoding: .utf8)
        let appended = try run(gongfu, ["append", "--data", data, eventsFile])
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(String(decoding: appended.stdout, as: UTF8.self) == "1\n2\n3\n")
        for round in 0..<30 {
            let more = """
                {"stream":"enterprise/91370200AY4CL12T2L","type":"TrainingAttended","occurred":"2024-05-01","data":{"session":"培训班第\(round)期"},"key":"training-\(round)"}
                {"stream":"enterprise/91370200AY4CL12T2L","type":"AssessmentRecorded","occurred":"2024-05-02","data":{"assessment":"A-r\(round)","kind":"online","instrument":"2024.1","stage":"L1"}}
                {"stream":"provider/91370100H3BJ1XG69R","type":"ProviderAdmitted","occurred":"2024-05-03","data":{"name":"济南智造云科技有限公司","mapBatch":\(round + 2)}}
                """
            // `-`, and a pipe named by path as a shell's `<(…)` names one.
            let appended = try run(gongfu, ["append", "--data", data, round % 2 == 0 ? "-" : "/dev/stdin"], stdin: Data(more.utf8))
            #expect(appended.status == 0, "\(appended.stderr)")
        }
        let read = try run(gongfu, ["read", "--data", data])
        #expect(read.status == 0)
        #expect(String(decoding: read.stdout, as: UTF8.self).split(separator: "\n").count == 93)

        // The stock lz4 tool prints exactly what `gongfu read` prints, byte for byte.
        let segments = try FileManager.default.contentsOfDirectory(atPath: data + "/log/segments").sorted().map { data + "/log/segments/" + $0 }
        #expect(segments.count > 1)
        let concatenated = try segments.reduce(into: Data()) { $0 += try Data(contentsOf: URL(fileURLWithPath: $1)) }
        let lz4 = try run("/usr/bin/lz4", ["-dc"], stdin: concatenated)
        #expect(lz4.status == 0)
        #expect(lz4.stdout == read.stdout)

        let stream = try run(gongfu, ["read", "--data", data, "--stream", "provider/91370100H3BJ1XG69R", "--from", "4", "--to", "12"])
        let seqs = String(decoding: stream.stdout, as: UTF8.self).split(separator: "\n").map { try! Envelope(line: Array($0.utf8)).seq }
        #expect(seqs == [6, 9, 12])

        let verify = try run(gongfu, ["verify", "--data", data])
        #expect(verify.status == 0)
        #expect(String(decoding: verify.stdout, as: UTF8.self).contains("93 event(s)"))

        let checkpoint = String(decoding: try run(gongfu, ["checkpoint", "--data", data]).stdout, as: UTF8.self)
        let lines = checkpoint.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "93")
        #expect(lines[3] == "" && lines[4].hasPrefix("— "))

        let inclusion = try JSONParser.parse(try run(gongfu, ["prove", "inclusion", "--data", data, "--seq", "5", "--size", "50"]).stdout)
        try MerkleProofs.verifyInclusion(
            index: UInt64(inclusion["leafIdx"]!.integerValue!), size: UInt64(inclusion["treeSize"]!.integerValue!),
            leafHash: Base64.decode(inclusion["leafHash"]!.stringValue!)!, proof: MerkleVectorTests.hashes(inclusion["proof"]),
            root: Base64.decode(inclusion["root"]!.stringValue!)!)
        #expect(inclusion["leafIdx"] == 4)
        let consistency = try JSONParser.parse(try run(gongfu, ["prove", "consistency", "--data", data, "--from", "17", "--to", "93"]).stdout)
        try MerkleProofs.verifyConsistency(
            size1: 17, size2: 93, proof: MerkleVectorTests.hashes(consistency["proof"]),
            root1: Base64.decode(consistency["root1"]!.stringValue!)!, root2: Base64.decode(consistency["root2"]!.stringValue!)!)
        #expect(consistency["root2"]!.stringValue! == String(lines[2]))
    }

    /// Lines that all carry keys (so that the whole file can be retried), with Chinese text, new
    /// streams (`expectedVersion` none) and exact versions.
    static func keyedEvents(rounds: Int) -> String {
        let (enterprise, other, provider) = (BadInputs.enterprise, "91370200163562681G", BadInputs.provider)
        var lines = [
            #"{"stream":"provider/\#(provider)","type":"ProviderAdmitted","occurred":"2024-04-10","data":{"name":"济南智造云科技有限公司","mapBatch":1},"key":"p-1"}"#,
            #"{"stream":"enterprise/\#(enterprise)","type":"EnterpriseRegistered","occurred":"2024-01-02","data":{"name":"青岛海川精密机械有限公司","uscc":"\#(enterprise)","city":"370200","county":"370211","industry":"C3484","yearEntered":2019},"expectedVersion":"none","key":"reg-1"}"#,
            #"{"stream":"enterprise/\#(other)","type":"EnterpriseRegistered","occurred":"2024-01-03","data":{"name":"青岛某机械","uscc":"\#(other)","city":"370200","county":"370211","industry":"C3484","yearEntered":2019},"expectedVersion":0,"key":"reg-2"}"#,
        ]
        for round in 0..<rounds {
            lines.append(
                #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-05-01","data":{"session":"培训班第\#(round)期"},"key":"training-\#(round)"}"#
            )
            lines.append(
                #"{"stream":"enterprise/\#(enterprise)","type":"AssessmentRecorded","occurred":"2024-05-02","data":{"assessment":"A-\#(round)","kind":"online","instrument":"2024.1","stage":"L\#(round % 3 + 1)"},"expectedVersion":\#(2 + 2 * round),"key":"assess-\#(round)"}"#
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("An input of many chunks is checked whole, then appended as one chunk is; retried, nothing new")
    func anInputOfManyChunksIsAppendedAsOne() throws {
        let temporary = TemporaryDirectory()
        let input = temporary.path + "/events.ndjson"
        let events = Self.keyedEvents(rounds: 150)
        try events.write(toFile: input, atomically: true, encoding: .utf8)
        let seqs = (1...303).map { "\($0)\n" }.joined()
        var readBack: [Data] = []
        for chunkBytes in [1024, 8 << 20] {  // many chunks, and one (the default size)
            let data = temporary.path + "/data-\(chunkBytes)"
            #expect(try run(gongfu, ["init", "--data", data]).status == 0)
            let appended = try run(gongfu, ["append", "--data", data, "--chunk-bytes", "\(chunkBytes)", input])
            #expect(appended.status == 0, "\(appended.stderr)")
            #expect(String(decoding: appended.stdout, as: UTF8.self) == seqs)
            readBack.append(try run(gongfu, ["read", "--data", data, "--as-input"]).stdout)
            #expect(try run(gongfu, ["verify", "--data", data]).status == 0)
        }
        #expect(readBack[0] == readBack[1])
        // The same from standard input, read as it comes: in many chunks (spooled once checked),
        // and in one with nowhere to write a temporary file (nothing is copied first).
        let nowhere = temporary.path + "/missing/"
        for (chunkBytes, tmpdir) in [(1024, NSTemporaryDirectory()), (8 << 20, nowhere)] {
            let data = temporary.path + "/stdin-\(chunkBytes)"
            #expect(try run(gongfu, ["init", "--data", data]).status == 0)
            let appended = try run(
                "/usr/bin/env", ["TMPDIR=\(tmpdir)", gongfu, "append", "--data", data, "--chunk-bytes", "\(chunkBytes)", "-"],
                stdin: Data(events.utf8))
            #expect(appended.status == 0, "\(appended.stderr)")
            #expect(String(decoding: appended.stdout, as: UTF8.self) == seqs)
            #expect(try run(gongfu, ["read", "--data", data, "--as-input"]).stdout == readBack[0])
        }
        // Stored as canonical lines, whichever way the payloads came (spooled bytes or trees).
        for line in String(decoding: try run(gongfu, ["read", "--data", temporary.path + "/data-1024"]).stdout, as: UTF8.self).split(separator: "\n")
        {
            #expect(try Envelope(line: Array(line.utf8)).line == Array(line.utf8) + [0x0A])
        }
        #expect(String(decoding: readBack[0], as: UTF8.self).split(separator: "\n").count == 303)

        // Retried in chunks: every event answered with its first seq, none appended again.
        let data = temporary.path + "/data-1024"
        let retried = try run(gongfu, ["append", "--data", data, "--chunk-bytes", "1024", input])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(String(decoding: retried.stdout, as: UTF8.self) == seqs)
        #expect(retried.stderr.contains("303 event(s) had idempotency keys already used"), "\(retried.stderr)")

        // A bad line in the last of many chunks refuses the whole input, by its line.
        let more = (0..<60).map {
            #"{"stream":"enterprise/\#(BadInputs.enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"复训\#($0)"},"key":"more-\#($0)"}"#
        }
        let bad =
            more.joined(separator: "\n") + "\n"
            + #"{"stream":"enterprise/\#(BadInputs.enterprise)","type":"TrialStarted","occurred":"2024-13-01","data":{}}"# + "\n"
        let refused = try run(gongfu, ["append", "--data", data, "--chunk-bytes", "1024", "-"], stdin: Data(bad.utf8))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("stdin line 61"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was appended"))
        #expect(try run(gongfu, ["read", "--data", data, "--as-input"]).stdout == readBack[0])

        // No room for the checked chunks: said so, and nothing appended.
        let moreFile = temporary.path + "/more.ndjson"
        try more.joined(separator: "\n").write(toFile: moreFile, atomically: true, encoding: .utf8)
        let noSpool = try run("/usr/bin/env", ["TMPDIR=\(nowhere)", gongfu, "append", "--data", data, "--chunk-bytes", "1024", moreFile])
        #expect(noSpool.status != 0)
        #expect(noSpool.stderr.contains("cannot create a temporary file in \(nowhere) (TMPDIR)"), "\(noSpool.stderr)")
        #expect(noSpool.stderr.contains("nothing was appended"))
        #expect(try run(gongfu, ["read", "--data", data, "--as-input"]).stdout == readBack[0])
        // A file smaller than a chunk is one chunk, with or without a last line break: no spool.
        let appended = try run("/usr/bin/env", ["TMPDIR=\(nowhere)", gongfu, "append", "--data", data, moreFile])
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(String(decoding: appended.stdout, as: UTF8.self) == (304...363).map { "\($0)\n" }.joined())

        // A file of exactly one chunk's size without a last line break is one chunk, appended
        // without the spool.
        let edge = temporary.path + "/data-edge"
        #expect(try run(gongfu, ["init", "--data", edge]).status == 0)
        #expect(try run(gongfu, ["append", "--data", edge, input]).status == 0)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: moreFile)[.size] as? Int)
        let oneChunk = try run("/usr/bin/env", ["TMPDIR=\(nowhere)", gongfu, "append", "--data", edge, "--chunk-bytes", "\(size)", moreFile])
        #expect(oneChunk.status == 0, "\(oneChunk.stderr)")
        #expect(String(decoding: oneChunk.stdout, as: UTF8.self) == (304...363).map { "\($0)\n" }.joined())
        // So is standard input of exactly that size: its one byte read ahead finds its end.
        let edgeStdin = temporary.path + "/data-edge-stdin"
        #expect(try run(gongfu, ["init", "--data", edgeStdin]).status == 0)
        #expect(try run(gongfu, ["append", "--data", edgeStdin, input]).status == 0)
        let oneStdinChunk = try run(
            "/usr/bin/env", ["TMPDIR=\(nowhere)", gongfu, "append", "--data", edgeStdin, "--chunk-bytes", "\(size)", "-"],
            stdin: try Data(contentsOf: URL(fileURLWithPath: moreFile)))
        #expect(oneStdinChunk.status == 0, "\(oneStdinChunk.stderr)")
        #expect(String(decoding: oneStdinChunk.stdout, as: UTF8.self) == (304...363).map { "\($0)\n" }.joined())
        #expect(try run(gongfu, ["read", "--data", edge, "--as-input"]).stdout == run(gongfu, ["read", "--data", data, "--as-input"]).stdout)
    }

    @Test func oneBadLineRejectsTheWholeFileAndNamesTheLine() throws {
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        try run(gongfu, ["init", "--data", data])
        let bad = Self.events + #"{"stream":"enterprise/91370200AY4CL12T2L","type":"TrialStarted","occurred":"2024-13-01","data":{}}"# + "\n"
        let result = try run(gongfu, ["append", "--data", data, "-"], stdin: Data(bad.utf8))
        #expect(result.status != 0)
        #expect(result.stderr.contains("stdin line 4"), "\(result.stderr)")
        #expect(result.stderr.contains("occurred"))
        #expect(result.stderr.contains("nothing was appended"))
        let read = try run(gongfu, ["read", "--data", data])
        #expect(read.stdout.isEmpty)

        // A line the event catalogue refuses names the field at fault.
        let wrongCounty = Self.events.replacingOccurrences(of: #""county":"370211""#, with: #""county":"370102""#)
        let refused = try run(gongfu, ["append", "--data", data, "-"], stdin: Data(wrongCounty.utf8))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("stdin line 1: data.county: 370102 belongs to 济南市"), "\(refused.stderr)")
        #expect(try run(gongfu, ["read", "--data", data]).stdout.isEmpty)
    }

    @Test func verifyNamesTheDamagedSegmentAndExitsNonZero() throws {
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        try run(gongfu, ["init", "--data", data])
        try run(gongfu, ["append", "--data", data, "-"], stdin: Data(Self.events.utf8))
        let segment = data + "/log/segments/00000000000000000001.lz4"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[bytes.count - 120] ^= 0x08
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let verify = try run(gongfu, ["verify", "--data", data])
        #expect(verify.status != 0)
        #expect(verify.stderr.contains("00000000000000000001.lz4 at byte offset"), "\(verify.stderr)")
        let append = try run(gongfu, ["append", "--data", data, "-"], stdin: Data(Self.events.utf8))
        #expect(append.status != 0)
        #expect(append.stderr.contains("refused"), "\(append.stderr)")
    }

    @Test func anInputFileThatCannotBeReadIsNamedAndNothingIsAppended() throws {
        let temporary = TemporaryDirectory()
        let data = temporary.path + "/data"
        #expect(try run(gongfu, ["init", "--data", data]).status == 0)
        for path in [temporary.path + "/missing.ndjson", temporary.path] {
            let result = try run(gongfu, ["append", "--data", data, path])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot read \(path)"), "\(result.stderr)")
        }
        let read = try run(gongfu, ["read", "--data", data])
        #expect(read.status == 0 && read.stdout.isEmpty)
    }

    @Test func usingAnUninitialisedDirectorySaysWhatToDo() throws {
        let temporary = TemporaryDirectory()
        let result = try run(gongfu, ["read", "--data", temporary.path + "/none"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("gongfu init --data"))
    }

    @Test("the binary runs on jemalloc, as --version says (the library reports its own version)")
    func versionNamesTheAllocator() throws {
        let result = try run(gongfu, ["--version"])
        #expect(result.status == 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("memory allocator: jemalloc 5."), "\(text)")
        #expect(text.contains("SQLite 3.") && text.contains("memory statistics off"), "no process-wide lock around SQLite's allocations: \(text)")
    }
}
