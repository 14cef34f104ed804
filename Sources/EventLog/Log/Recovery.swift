import Logging

/// Opening a log: load the derived index, check it against the segments, scan whatever it does
/// not cover, and (when writable) truncate a torn tail and bring the index up to date.
struct Recovery {
    let directory: LogDirectory
    let writable: Bool
    let logger: Logger
    /// The bits of each key's hash the catalog keeps (``KeyTable/init(hashBits:)``: tests).
    var keyHashBits = 64
    /// Whether the catalog keeps the idempotency keys (``EventLog/Options/keepsKeys``).
    var keepsKeys = true

    struct Outcome {
        var catalog: LogCatalog
        /// The newest segment and its valid length (where the next batch goes), if any.
        var lastSegment: (base: UInt64, length: Int)?
    }

    func run() throws(LogError) -> Outcome {
        try asLogError { try recover() }
    }

    /// Runs `body`, turning storage errors into ``LogError/storage(_:)``.
    private func asLogError<T>(_ body: () throws -> T) throws(LogError) -> T {
        do {
            return try body()
        } catch let error as LogError {
            throw error
        } catch let error as StorageError {
            throw LogError.storage(error)
        } catch {
            throw LogError.storage(StorageError(operation: "scan", path: directory.log, code: 5))
        }
    }

    private func recover() throws -> Outcome {
        let bases = try directory.segmentBases()
        let index = BatchIndexFile(path: directory.batchIndex)
        var catalog = LogCatalog(keys: keepsKeys ? KeyTable(hashBits: keyHashBits) : nil)
        var indexLength = 0
        if let indexed = try indexedPrefix(index, bases: bases) {
            catalog = indexed.catalog
            indexLength = indexed.byteLength
        }
        var indexFile: File?
        if writable {
            // The index is derived data: a copy of the log without it (as in a git checkout) rebuilds it.
            try File.makeDirectories(directory.index)
            indexLength = try index.truncate(to: indexLength)
            indexFile = try File(path: index.path, mode: .readWrite)
        }

        let lastSegment = try scanSegments(bases: bases, after: catalog.batches.last, into: &catalog, indexFile: indexFile, indexLength: &indexLength)
        return Outcome(catalog: catalog, lastSegment: lastSegment)
    }

    /// Adds to `catalog` the batches committed since it was built (a read-only follower's
    /// refresh): scans only from its last batch on.
    func catchUp(_ catalog: inout LogCatalog) throws(LogError) {
        var unused = 0
        _ = try asLogError {
            try scanSegments(bases: try directory.segmentBases(), after: catalog.batches.last, into: &catalog, indexFile: nil, indexLength: &unused)
        }
    }

    /// Scans the segments after `last` (or all of them), adding their batches to `catalog` and,
    /// when writable, to the index; handles the tail. Returns the newest segment and its length.
    private func scanSegments(
        bases: [UInt64], after last: BatchLocation?, into catalog: inout LogCatalog,
        indexFile: File?, indexLength: inout Int
    ) throws -> (base: UInt64, length: Int)? {
        var start: (base: UInt64, offset: Int)?
        if let last {
            start = (last.segmentBase, Int(last.trailer.endOffset))
        } else if let first = bases.first {
            start = (first, 0)
        }
        var lastSegment: (base: UInt64, length: Int)?
        guard let start else { return nil }
        for (position, base) in bases.enumerated() where base >= start.base {
            let isLast = position == bases.count - 1
            let path = directory.segmentPath(baseSeq: base)
            let file = try File(path: path, mode: writable ? .readWrite : .readOnly)
            let offset = base == start.base ? start.offset : 0
            // Already-known batches need not be read again: only the bytes after `offset`.
            let size = try file.size
            let bytes = try file.read(at: offset, count: max(0, size - offset))
            let scanner = SegmentScanner(strict: false, isLast: isLast)
            var nextNewStream = catalog.heads.count
            let result = scanner.scan(bytes, baseSeq: base, origin: offset, into: &catalog)
            if let indexFile {
                var buffer: [UInt8] = []
                for (location, entries) in result.batches {
                    // Scanned events carry names; the index records numbers (the catalog has them now).
                    let numbered = entries.map { entry in
                        var entry = entry
                        entry.streamNumber = entry.stream.flatMap(catalog.streams.number(of:))
                        return entry
                    }
                    guard let record = BatchIndexFile.encode(.init(location: location, entries: numbered), nextNewStream: &nextNewStream) else {
                        preconditionFailure("a scanned batch's streams are all in the catalog, numbered in order")
                    }
                    buffer += record
                }
                try indexFile.write(buffer, at: indexLength)
                indexLength += buffer.count
            }
            switch result.end {
            case .clean:
                lastSegment = (base, size)
            case .corrupt(let at, let reason):
                throw LogError.corrupted(segment: LogDirectory.segmentName(baseSeq: base), offset: at, reason: reason)
            case .torn(let at, let reason):
                // A segment whose header is complete stays (truncated back to its last batch or
                // its header); one torn inside its header is removed.
                let keepsFile = result.validLength >= SegmentScanner.headerLength
                if writable {
                    logger.warning(
                        "truncating torn tail",
                        metadata: [
                            "log.segment": "\(LogDirectory.segmentName(baseSeq: base))", "log.offset": "\(at)",
                            "log.bytes_dropped": "\(size - at)", "log.reason": "\(reason)",
                        ])
                    if keepsFile {
                        try file.truncate(to: at)
                        try file.sync()
                    } else {
                        try File.remove(path)
                        try File.syncDirectory(directory.segments)
                    }
                }
                lastSegment = keepsFile || !writable ? (base, result.validLength) : nil
            }
        }
        return lastSegment
    }

    /// The catalog the index describes, if it agrees with the segments on disk, and the length
    /// of the index records it was built from.
    private func indexedPrefix(_ index: BatchIndexFile, bases: [UInt64]) throws -> (catalog: LogCatalog, byteLength: Int)? {
        let present = Set(bases)
        var catalog = LogCatalog(keys: keepsKeys ? KeyTable(hashBits: keyHashBits) : nil)
        var previousBase: UInt64 = 0
        var agrees = true
        let byteLength: Int
        do {
            func add(_ record: BatchIndexFile.Record, parents: [MerkleHash]) -> Bool {
                let trailer = record.location.trailer
                guard trailer.firstSeq == catalog.size + 1, present.contains(record.location.segmentBase),
                    record.location.segmentBase >= previousBase, record.entries.count == trailer.eventCount,
                    catalog.accepts(record.entries)
                else {
                    agrees = false
                    return false
                }
                previousBase = record.location.segmentBase
                catalog.add(record.location, entries: record.entries, parents: parents)
                agrees = catalog.tree.root(size: catalog.size) == trailer.root
                return agrees
            }
            byteLength = try index.forEachRecord(reserve: { catalog.reserveCapacity(keys: $1) }, add)
        } catch {
            return nil  // an unreadable index is rebuilt from the segments
        }
        guard agrees else {
            logger.warning("log index does not match the segments; rebuilding it", metadata: ["log.index": "\(index.path)"])
            return nil
        }
        // Every segment before the last indexed one must be the one the index names.
        guard let last = catalog.batches.last else {
            if byteLength == 0, File.exists(index.path), !bases.isEmpty {
                logger.warning(
                    writable
                        ? "log index is from another format version; rebuilding it from the segments"
                        : "log index is from another format version; reading the segments instead (a writable open, such as gongfu append or serve, rebuilds it)",
                    metadata: ["log.index": "\(index.path)"])
            }
            return nil
        }
        let indexedBases = Set(catalog.batches.map(\.segmentBase))
        guard bases.filter({ $0 <= last.segmentBase }).allSatisfy(indexedBases.contains) else { return nil }
        // The last indexed trailer must be on disk where the index says.
        let file = try File(path: directory.segmentPath(baseSeq: last.segmentBase), mode: .readOnly)
        let trailerOffset = Int(last.trailer.frameOffset) + Int(last.trailer.frameLength)
        let bytes = try file.read(at: trailerOffset, count: SegmentScanner.trailerLength)
        guard bytes == last.trailer.encoded() else { return nil }
        // And the newest batch's frame must still match its CRC: damage at the tail of a log
        // is the likeliest, and it must stop appends rather than surface later.
        let frame = try file.read(at: Int(last.trailer.frameOffset), count: Int(last.trailer.frameLength))
        guard CRC32.checksum(frame) == last.trailer.frameCRC else {
            throw LogError.corrupted(
                segment: LogDirectory.segmentName(baseSeq: last.segmentBase), offset: Int(last.trailer.frameOffset),
                reason: "batch frame's CRC-32 does not match its trailer")
        }
        return (catalog, byteLength)
    }
}
