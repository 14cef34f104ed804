/// The derived index (`index/batches.idx`): one record per committed batch with its location,
/// its trailer, and each event's leaf hash, stream and idempotency key, so opening a large log
/// does not re-read every segment. Records are `[u32 length][u32 CRC-32][payload]`; a bad or
/// short record ends the usable prefix. It is never the source of truth: open checks it against
/// the segments and rebuilds it from them when they disagree. Not synced (derived data).
struct BatchIndexFile {
    let path: String

    struct Record: Equatable {
        var location: BatchLocation
        var entries: [LogCatalog.Entry]
    }

    /// Hands the records of the valid prefix to `body` in order, one at a time (a large log's
    /// index is never held decoded all at once), until `body` returns false. Returns the length
    /// in bytes of the records read.
    func forEachRecord(_ body: (Record) throws -> Bool) throws -> Int {
        guard File.exists(path) else { return 0 }
        let bytes = try File(path: path, mode: .readOnly).readAll()
        var position = 0
        try bytes.withUnsafeBytes { buffer in
            while position + 8 <= buffer.count {
                let length = Int(buffer.littleEndian(at: position, as: UInt32.self))
                let crc: UInt32 = buffer.littleEndian(at: position + 4)
                guard position + 8 + length <= buffer.count else { return }
                let payload = UnsafeRawBufferPointer(rebasing: buffer[(position + 8)..<(position + 8 + length)])
                guard CRC32.checksum(payload) == crc, let record = Self.decode(payload), try body(record) else { return }
                position += 8 + length
            }
        }
        return position
    }

    func truncate(to length: Int) throws(StorageError) {
        if !File.exists(path) {
            _ = try File(path: path, mode: .createNew)
        }
        try File(path: path, mode: .readWrite).truncate(to: length)
    }

    static func encode(_ record: Record) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(128 + record.entries.count * (32 + 4 + (record.entries.first?.stream.name.utf8.count ?? 0) + 16))
        payload.appendLittleEndian(record.location.segmentBase)
        payload += record.location.trailer.encoded()
        payload.appendLittleEndian(UInt32(record.entries.count))
        for entry in record.entries {
            entry.leafHash.withUnsafeBytes { payload.append(contentsOf: $0) }
            payload.appendLittleEndian(UInt16(entry.stream.name.utf8.count))
            payload.append(contentsOf: entry.stream.name.utf8)
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

    private static func decode(_ payload: UnsafeRawBufferPointer) -> Record? {
        let trailerStart = 8
        let trailerEnd = trailerStart + 8 + CommitTrailer.payloadLength
        guard payload.count >= trailerEnd + 4 else { return nil }
        let segmentBase: UInt64 = payload.littleEndian(at: 0)
        guard case .success(let trailer) = CommitTrailer.decode(payload: UnsafeRawBufferPointer(rebasing: payload[(trailerStart + 8)..<trailerEnd])) else { return nil }
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
            guard position + 34 <= payload.count else { return nil }
            let leaf = MerkleHash(UnsafeRawBufferPointer(rebasing: payload[position..<(position + 32)]))
            let streamLength = Int(payload.littleEndian(at: position + 32, as: UInt16.self))
            position += 34
            guard let stream = text(streamLength), position + 2 <= payload.count else { return nil }
            let keyLength: UInt16 = payload.littleEndian(at: position)
            position += 2
            var key: String?
            if keyLength != UInt16.max {
                guard let value = text(Int(keyLength)) else { return nil }
                key = value
            }
            entries.append(LogCatalog.Entry(leafHash: leaf, stream: StreamName(stream), key: key))
        }
        guard position == payload.count else { return nil }
        return Record(location: BatchLocation(segmentBase: segmentBase, trailer: trailer), entries: entries)
    }
}
