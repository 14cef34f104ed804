/// Reads a segment's bytes batch by batch, checking every structure, checksum, sequence number
/// and Merkle root, and adding what it finds to a ``LogCatalog``.
struct SegmentScanner {
    /// How a scan ended.
    enum End: Equatable {
        /// Every byte belongs to a committed batch.
        case clean
        /// The bytes from `offset` are an unfinished write: no intact trailer follows and the
        /// structure is cut short (or zeros). Recovery truncates them.
        case torn(offset: Int, reason: String)
        /// Damage to committed data at `offset`.
        case corrupt(offset: Int, reason: String)
    }

    struct Result {
        var end: End
        /// Offset just past the last good batch (or header).
        var validLength: Int
        /// Per batch found: its location and entries (for the index).
        var batches: [(BatchLocation, [LogCatalog.Entry])]
    }

    /// Also parse every line as a full canonical ``Envelope`` and check stream versions and key
    /// uniqueness (verification); otherwise only what the catalog needs (recovery).
    var strict: Bool
    /// Whether this is the newest segment, the only one that may have a torn tail.
    var isLast: Bool
    let codec = LZ4FrameCodec()

    static let headerLength = LZ4FrameCodec.emptyFrame.count + 8 + SegmentHeader.payloadLength
    static let trailerLength = 8 + CommitTrailer.payloadLength

    /// Scans the bytes of a segment file (whose name says `baseSeq`) that start at file offset
    /// `origin`: 0 to check the opening empty frame and header too, or the end of a batch already
    /// in `catalog`. Offsets in the result are file offsets.
    func scan(_ bytes: [UInt8], baseSeq: UInt64, origin: Int, into catalog: inout LogCatalog) -> Result {
        var keys: Set<String> = []
        return scan(bytes, baseSeq: baseSeq, origin: origin, into: &catalog, keys: &keys)
    }

    /// ``scan(_:baseSeq:origin:into:)`` that, when strict, checks each idempotency key against
    /// `keys` (every key of the segments scanned before, exactly: the catalog keeps hashes) and
    /// adds it there.
    func scan(_ bytes: [UInt8], baseSeq: UInt64, origin: Int, into catalog: inout LogCatalog, keys: inout Set<String>) -> Result {
        bytes.withUnsafeBytes { buffer in
            scan(buffer, baseSeq: baseSeq, origin: origin, into: &catalog, keys: &keys)
        }
    }

    private func scan(
        _ bytes: UnsafeRawBufferPointer, baseSeq: UInt64, origin: Int, into catalog: inout LogCatalog, keys: inout Set<String>
    ) -> Result {
        var result = Result(end: .clean, validLength: origin, batches: [])
        var position = 0
        func stop(_ reason: String, incomplete: Bool) -> Result {
            let zeros = bytes[position...].allSatisfy { $0 == 0 }
            let intactTrailerFollows = CommitTrailer.containsIntactPayload(in: bytes, from: position)
            if isLast && !intactTrailerFollows && (incomplete || zeros) {
                result.end = .torn(offset: origin + position, reason: reason)
            } else {
                result.end = .corrupt(offset: origin + position, reason: reason)
            }
            return result
        }

        if origin == 0 {
            let empty = LZ4FrameCodec.emptyFrame
            guard bytes.count >= empty.count else { return stop("segment ends inside its opening empty frame", incomplete: true) }
            guard Array(bytes[0..<empty.count]) == empty else { return stop("segment does not open with an empty LZ4 frame", incomplete: false) }
            position = empty.count
            switch FrameLayout.walkSkippableFrame(in: bytes, at: position, expectedMagic: SegmentHeader.magic) {
            case .incomplete: return stop("segment ends inside its header", incomplete: true)
            case .invalid(let reason): return stop("segment header: \(reason)", incomplete: false)
            case .complete(let length):
                let payload = UnsafeRawBufferPointer(rebasing: bytes[(position + 8)..<(position + length)])
                switch SegmentHeader.decode(payload: payload) {
                case .failure(let error): return stop("segment header: \(error)", incomplete: false)
                case .success(let header):
                    guard header.baseSeq == baseSeq else {
                        return stop("segment header names base seq \(header.baseSeq), the file name \(baseSeq)", incomplete: false)
                    }
                    guard header.baseSeq == catalog.size + 1 else {
                        return stop(
                            "segment starts at seq \(header.baseSeq) but the log before it ends at \(catalog.size) (missing or extra segment)",
                            incomplete: false)
                    }
                    guard header.previousRoot == catalog.tree.root(size: catalog.size) else {
                        return stop("segment header's previous root does not match the log before it", incomplete: false)
                    }
                }
                position += length
                result.validLength = origin + position
            }
        }

        while position < bytes.count {
            let frameLength: Int
            switch FrameLayout.walkDataFrame(in: bytes, at: position) {
            case .incomplete: return stop("batch frame cut short", incomplete: true)
            case .invalid(let reason): return stop("batch frame: \(reason)", incomplete: false)
            case .complete(let length): frameLength = length
            }
            let trailerOffset = position + frameLength
            let fileTrailerOffset = origin + trailerOffset
            let trailer: CommitTrailer
            switch FrameLayout.walkSkippableFrame(in: bytes, at: trailerOffset, expectedMagic: CommitTrailer.magic) {
            case .incomplete: return stop("commit trailer cut short", incomplete: true)
            case .invalid(let reason): return stop("commit trailer at \(fileTrailerOffset): \(reason)", incomplete: false)
            case .complete(let length):
                guard length == Self.trailerLength else {
                    return stop("commit trailer at \(fileTrailerOffset) has length \(length)", incomplete: false)
                }
                switch CommitTrailer.decode(payload: UnsafeRawBufferPointer(rebasing: bytes[(trailerOffset + 8)..<(trailerOffset + length)])) {
                case .failure(let error): return stop("commit trailer at \(fileTrailerOffset): \(error)", incomplete: false)
                case .success(let decoded): trailer = decoded
                }
            }
            let frame = UnsafeRawBufferPointer(rebasing: bytes[position..<trailerOffset])
            guard trailer.frameOffset == UInt64(origin + position), trailer.frameLength == UInt32(frameLength) else {
                return stop(
                    "commit trailer at \(fileTrailerOffset) describes a frame at \(trailer.frameOffset) of \(trailer.frameLength) bytes",
                    incomplete: false)
            }
            guard CRC32.checksum(frame) == trailer.frameCRC else { return stop("batch frame's CRC-32 does not match its trailer", incomplete: false) }
            guard trailer.firstSeq == catalog.size + 1 else {
                return stop("batch starts at seq \(trailer.firstSeq), expected \(catalog.size + 1)", incomplete: false)
            }
            let content: [UInt8]
            do {
                content = try codec.decompress(frame, expectedContentLength: Int(trailer.contentLength))
            } catch {
                return stop("batch frame does not decode: \(error)", incomplete: false)
            }
            let entries: [LogCatalog.Entry]
            switch readEntries(content, trailer: trailer, catalog: catalog, keys: &keys) {
            case .failure(let failure): return stop("batch \(trailer.firstSeq)…\(trailer.lastSeq): \(failure.reason)", incomplete: false)
            case .success(let found): entries = found
            }
            var probe = catalog.tree
            for entry in entries { probe.append(leafHash: entry.leafHash) }
            guard probe.root(size: probe.size) == trailer.root else {
                return stop("Merkle root after batch \(trailer.firstSeq)…\(trailer.lastSeq) does not match its trailer", incomplete: false)
            }
            let location = BatchLocation(segmentBase: baseSeq, trailer: trailer)
            catalog.add(location, entries: entries)
            result.batches.append((location, entries))
            position = trailerOffset + Self.trailerLength
            result.validLength = origin + position
        }
        return result
    }

    struct EntryFailure: Error { var reason: String }

    private func readEntries(
        _ content: [UInt8], trailer: CommitTrailer, catalog: LogCatalog, keys: inout Set<String>
    ) -> Swift.Result<[LogCatalog.Entry], EntryFailure> {
        var entries: [LogCatalog.Entry] = []
        entries.reserveCapacity(trailer.eventCount)
        var expectedSeq = trailer.firstSeq
        var batchVersions: [String: UInt64] = [:]
        return content.withUnsafeBytes { buffer in
            var lineStart = 0
            while lineStart < buffer.count {
                guard let newline = buffer[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else {
                    return .failure(EntryFailure(reason: "content does not end with a newline"))
                }
                let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<newline])
                let withNewline = UnsafeRawBufferPointer(rebasing: buffer[lineStart...newline])
                let summary: EnvelopeReader.Summary
                do {
                    summary = try EnvelopeReader.summary(line)
                    if strict { _ = try Envelope(line: withNewline) }
                } catch {
                    return .failure(EntryFailure(reason: "event \(expectedSeq): \(error)"))
                }
                guard summary.seq == expectedSeq else {
                    return .failure(EntryFailure(reason: "line holds seq \(summary.seq), expected \(expectedSeq)"))
                }
                if strict {
                    let previous = batchVersions[summary.stream] ?? catalog.version(of: summary.stream)
                    guard summary.version == previous + 1 else {
                        return .failure(
                            EntryFailure(reason: "event \(expectedSeq) has version \(summary.version) of \(summary.stream), expected \(previous + 1)")
                        )
                    }
                    batchVersions[summary.stream] = summary.version
                    if let key = summary.key {
                        guard keys.insert(key).inserted else {
                            return .failure(EntryFailure(reason: "event \(expectedSeq) repeats idempotency key \"\(key)\""))
                        }
                    }
                }
                entries.append(LogCatalog.Entry(leafHash: MerkleHash.leaf(line), stream: StreamName(summary.stream), key: summary.key))
                expectedSeq += 1
                lineStart = newline + 1
            }
            guard expectedSeq == trailer.lastSeq + 1 else {
                return .failure(EntryFailure(reason: "holds \(expectedSeq - trailer.firstSeq) events, its trailer says \(trailer.eventCount)"))
            }
            return .success(entries)
        }
    }
}
