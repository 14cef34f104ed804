/// The segment header: the first skippable frame of every segment, right after an empty LZ4
/// frame. Names the segment's first sequence number and the Merkle root of the log before it.
struct SegmentHeader: Equatable, Sendable {
    static let magic: UInt32 = FrameLayout.skippableMagicBase  // 0x184D2A50
    static let tag: [UInt8] = Array("GFSG".utf8)
    static let payloadLength = 52
    static let formatVersion: UInt16 = 1

    /// Sequence number of the first event this segment holds.
    var baseSeq: UInt64
    /// Merkle root of the log's first `baseSeq - 1` events.
    var previousRoot: MerkleHash

    /// The whole skippable frame: magic, length, payload.
    func encoded() -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(8 + Self.payloadLength)
        payload.appendLittleEndian(Self.magic)
        payload.appendLittleEndian(UInt32(Self.payloadLength))
        payload.append(contentsOf: Self.tag)
        payload.appendLittleEndian(Self.formatVersion)
        payload.appendLittleEndian(UInt16(0))
        payload.appendLittleEndian(baseSeq)
        payload.append(contentsOf: previousRoot.bytes)
        let crc = payload.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        payload.appendLittleEndian(crc)
        return payload
    }

    /// Decodes a payload (without the 8-byte skippable frame prefix).
    static func decode(payload: UnsafeRawBufferPointer) -> Result<SegmentHeader, RecordError> {
        guard payload.count == payloadLength else { return .failure(.length(payload.count, expected: payloadLength)) }
        guard Array(payload[0..<4]) == tag else { return .failure(.tag) }
        let crc: UInt32 = payload.littleEndian(at: 48)
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: payload[0..<48])) == crc else { return .failure(.checksum) }
        let version: UInt16 = payload.littleEndian(at: 4)
        guard version == formatVersion else { return .failure(.version(version)) }
        return .success(
            SegmentHeader(
                baseSeq: payload.littleEndian(at: 8),
                previousRoot: MerkleHash(UnsafeRawBufferPointer(rebasing: payload[16..<48]))))
    }
}

/// The commit trailer: the skippable frame after each batch's LZ4 frame. A batch is committed
/// once its trailer is complete, valid and synced.
struct CommitTrailer: Equatable, Sendable {
    static let magic: UInt32 = FrameLayout.skippableMagicBase + 1  // 0x184D2A51
    static let tag: [UInt8] = Array("GFTR".utf8)
    static let payloadLength = 80
    static let formatVersion: UInt16 = 1

    var firstSeq: UInt64
    var lastSeq: UInt64
    /// Offset of the batch's LZ4 frame from the start of the segment file.
    var frameOffset: UInt64
    var frameLength: UInt32
    /// CRC-32 of the frame's bytes as stored.
    var frameCRC: UInt32
    /// Length of the frame's content (the NDJSON lines).
    var contentLength: UInt32
    /// Merkle tree root over events 1...lastSeq.
    var root: MerkleHash

    var eventCount: Int { Int(lastSeq - firstSeq + 1) }
    var endOffset: UInt64 { frameOffset + UInt64(frameLength) + UInt64(8 + Self.payloadLength) }

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + Self.payloadLength)
        bytes.appendLittleEndian(Self.magic)
        bytes.appendLittleEndian(UInt32(Self.payloadLength))
        bytes.append(contentsOf: Self.tag)
        bytes.appendLittleEndian(Self.formatVersion)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(firstSeq)
        bytes.appendLittleEndian(lastSeq)
        bytes.appendLittleEndian(frameOffset)
        bytes.appendLittleEndian(frameLength)
        bytes.appendLittleEndian(frameCRC)
        bytes.appendLittleEndian(contentLength)
        bytes.append(contentsOf: root.bytes)
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        bytes.appendLittleEndian(crc)
        return bytes
    }

    static func decode(payload: UnsafeRawBufferPointer) -> Result<CommitTrailer, RecordError> {
        guard payload.count == payloadLength else { return .failure(.length(payload.count, expected: payloadLength)) }
        guard Array(payload[0..<4]) == tag else { return .failure(.tag) }
        let crc: UInt32 = payload.littleEndian(at: 76)
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: payload[0..<76])) == crc else { return .failure(.checksum) }
        let version: UInt16 = payload.littleEndian(at: 4)
        guard version == formatVersion else { return .failure(.version(version)) }
        let trailer = CommitTrailer(
            firstSeq: payload.littleEndian(at: 8),
            lastSeq: payload.littleEndian(at: 16),
            frameOffset: payload.littleEndian(at: 24),
            frameLength: payload.littleEndian(at: 32),
            frameCRC: payload.littleEndian(at: 36),
            contentLength: payload.littleEndian(at: 40),
            root: MerkleHash(UnsafeRawBufferPointer(rebasing: payload[44..<76])))
        guard trailer.firstSeq >= 1, trailer.lastSeq >= trailer.firstSeq else { return .failure(.sequenceRange) }
        return .success(trailer)
    }

    /// Whether an intact trailer payload (tag and CRC valid) occurs anywhere in `bytes` at or
    /// after `offset`. Recovery uses it to tell a torn tail from damage to committed batches.
    static func containsIntactPayload(in bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
        var position = offset
        while position + payloadLength <= bytes.count {
            if bytes[position] == tag[0], bytes[position + 1] == tag[1], bytes[position + 2] == tag[2], bytes[position + 3] == tag[3],
                case .success = decode(payload: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + payloadLength)]))
            {
                return true
            }
            position += 1
        }
        return false
    }
}

/// What is wrong with a header or trailer record.
enum RecordError: Error, Equatable, CustomStringConvertible {
    case length(Int, expected: Int)
    case tag
    case checksum
    case version(UInt16)
    case sequenceRange

    var description: String {
        switch self {
        case .length(let length, let expected): "record payload is \(length) bytes, expected \(expected)"
        case .tag: "record tag is wrong"
        case .checksum: "record CRC-32 does not match"
        case .version(let version): "unsupported record format version \(version)"
        case .sequenceRange: "record's sequence range is empty or starts at 0"
        }
    }
}
