/// The derived index (`index/batches.idx`): one record per committed batch with its location,
/// its trailer, and each event's leaf hash, stream number (with the name at the stream's first
/// event) and idempotency key, so opening a large log does not re-read every segment or look up
/// a stream by name per event. An 8-byte header (`GLIX`, format version) and then records
/// `[u32 length][u32 CRC-32][payload]`; a bad or short record ends the usable prefix, a missing
/// or other header makes the whole file unusable. It is never the source of truth: open checks
/// it against the segments and rebuilds it from them when they disagree. Not synced (derived
/// data).
struct BatchIndexFile {
    let path: String

    /// `GLIX` and the format version (2: stream numbers; version 1 had no header and a name
    /// per event).
    static let header: [UInt8] = Array("GLIX".utf8) + [2, 0, 0, 0]

    struct Record: Equatable {
        var location: BatchLocation
        var entries: [LogCatalog.Entry]
    }

    /// Hands the records of the valid prefix to `body` in order, one at a time (decoded on a
    /// second thread a few runs ahead, ``Decoder``: a large log's index is never held decoded
    /// all at once), until `body` returns false. Returns the length
    /// in bytes of the header and the records read (0 when the file is missing or its header is
    /// not this version's).
    /// `reserve` is first told how many events and keys the file's records hold at most
    /// (``counts(_:)``), so the caller can size its tables once. With each record come the
    /// Merkle tree's interior hashes its leaves complete after the records before it.
    func forEachRecord(
        reserve: (_ events: Int, _ keys: Int) -> Void = { _, _ in }, _ body: (Record, _ parents: [MerkleHash]) throws -> Bool
    ) throws -> Int {
        guard File.exists(path) else { return 0 }
        let bytes = try File(path: path, mode: .readOnly).readAll()
        guard bytes.starts(with: Self.header) else { return 0 }
        var position = Self.header.count
        try bytes.withUnsafeBytes { buffer in
            let records = UnsafeRawBufferPointer(rebasing: buffer[position...])
            let counts = Self.counts(records)
            reserve(counts.events, counts.keys)
            let decoder = Decoder(records: records)
            defer { decoder.finish() }
            while let (record, parents, end) = decoder.next() {
                guard try body(record, parents) else { return }
                position = Self.header.count + end
            }
        }
        return position
    }

    /// Keeps the first `length` bytes (a valid prefix as ``forEachRecord(reserve:_:)`` measured it), or
    /// starts the file afresh with just the header when that is 0. Returns the length kept.
    func truncate(to length: Int) throws(StorageError) -> Int {
        if !File.exists(path) {
            _ = try File(path: path, mode: .createNew)
        }
        let file = try File(path: path, mode: .readWrite)
        try file.truncate(to: length)
        guard length == 0 else { return length }
        try file.write(Self.header, at: 0)
        return Self.header.count
    }

    /// A record's bytes. Every entry has its stream number; the name is written for a stream's
    /// first event (``LogCatalog/Entry/numbering(next:)``, from `nextNewStream`, which advances).
    /// Nil if an entry breaks that numbering: the caller stops keeping the index, which the next
    /// open rebuilds.
    static func encode(_ record: Record, nextNewStream: inout Int) -> [UInt8]? {
        var payload: [UInt8] = []
        payload.reserveCapacity(128 + record.entries.count * (32 + 8 + 16))
        payload.appendLittleEndian(record.location.segmentBase)
        payload += record.location.trailer.encoded()
        payload.appendLittleEndian(UInt32(record.entries.count))
        for entry in record.entries {
            entry.leafHash.withUnsafeBytes { payload.append(contentsOf: $0) }
            guard let numbering = entry.numbering(next: &nextNewStream), let number = entry.streamNumber else { return nil }
            payload.appendLittleEndian(UInt32(number))
            if numbering == .new, let name = entry.stream?.name {
                payload.appendLittleEndian(UInt16(name.utf8.count))
                payload.append(contentsOf: name.utf8)
            } else {
                payload.appendLittleEndian(UInt16.max)
            }
            // An entry read from the index has only its key's hash: it is never written again.
            guard (entry.keyHash == nil) == (entry.key == nil) else { return nil }
            if let key = entry.key {
                payload.appendLittleEndian(UInt16(key.utf8.count))
                payload.append(contentsOf: key.utf8)
            } else {
                payload.appendLittleEndian(UInt16.max)
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 8)
        bytes.appendLittleEndian(UInt32(payload.count))
        bytes.appendLittleEndian(CRC32.checksum(payload))
        bytes += payload
        return bytes
    }

    /// How many events, and how many of them with an idempotency key, the records in `records`
    /// hold, read from the lengths alone (no checksum, nothing built): a hint for sizing tables
    /// before decoding, not a check; it stops at the first record that does not fit.
    static func counts(_ records: UnsafeRawBufferPointer) -> (events: Int, keys: Int) {
        let countAt = 8 + 8 + CommitTrailer.payloadLength
        var (events, keys) = (0, 0)
        var position = 0
        while position + 8 <= records.count {
            let length = Int(records.littleEndian(at: position, as: UInt32.self))
            let end = position + 8 + length
            guard end <= records.count, length >= countAt + 4 else { break }
            let count = Int(records.littleEndian(at: position + 8 + countAt, as: UInt32.self))
            var entry = position + 8 + countAt + 4
            for _ in 0..<count {
                guard entry + 40 <= end else { break }
                let streamLength: UInt16 = records.littleEndian(at: entry + 36)
                entry += 38 + (streamLength == UInt16.max ? 0 : Int(streamLength))
                guard entry + 2 <= end else { break }
                let keyLength: UInt16 = records.littleEndian(at: entry)
                entry += 2
                if keyLength != UInt16.max {
                    keys += 1
                    entry += Int(keyLength)
                }
                events += 1
            }
            position = end
        }
        return (events, keys)
    }

    /// One record's payload, or nil when it does not decode.
    static func decode(_ payload: UnsafeRawBufferPointer) -> Record? {
        let trailerStart = 8
        let trailerEnd = trailerStart + 8 + CommitTrailer.payloadLength
        guard payload.count >= trailerEnd + 4 else { return nil }
        let segmentBase: UInt64 = payload.littleEndian(at: 0)
        guard case .success(let trailer) = CommitTrailer.decode(payload: UnsafeRawBufferPointer(rebasing: payload[(trailerStart + 8)..<trailerEnd]))
        else { return nil }
        let count = Int(payload.littleEndian(at: trailerEnd, as: UInt32.self))
        guard count == trailer.eventCount else { return nil }
        var position = trailerEnd + 4
        var entries: [LogCatalog.Entry] = []
        entries.reserveCapacity(count)
        func text(_ length: Int) -> String? {
            guard position + length <= payload.count else { return nil }
            defer { position += length }
            return String(validating: UnsafeRawBufferPointer(rebasing: payload[position..<(position + length)]), as: UTF8.self)
        }
        for _ in 0..<count {
            guard position + 38 <= payload.count else { return nil }
            let leaf = MerkleHash(UnsafeRawBufferPointer(rebasing: payload[position..<(position + 32)]))
            let number = Int(payload.littleEndian(at: position + 32, as: UInt32.self))
            let streamLength: UInt16 = payload.littleEndian(at: position + 36)
            position += 38
            var stream: StreamName?
            if streamLength != UInt16.max {
                guard let name = text(Int(streamLength)) else { return nil }
                stream = StreamName(name)
            }
            guard position + 2 <= payload.count else { return nil }
            let keyLength: UInt16 = payload.littleEndian(at: position)
            position += 2
            // The key is hashed from its bytes, never made a string (the catalogue keeps hashes).
            var keyHash: UInt64?
            if keyLength != UInt16.max {
                guard position + Int(keyLength) <= payload.count else { return nil }
                keyHash = KeyTable.hash(bytes: UnsafeRawBufferPointer(rebasing: payload[position..<(position + Int(keyLength))]))
                position += Int(keyLength)
            }
            entries.append(LogCatalog.Entry(leafHash: leaf, streamNumber: number, stream: stream, keyHash: keyHash))
        }
        guard position == payload.count else { return nil }
        return Record(location: BatchLocation(segmentBase: segmentBase, trailer: trailer), entries: entries)
    }
}
