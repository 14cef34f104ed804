/// Finds where LZ4 frames and skippable frames end without decompressing them, following the
/// LZ4 frame format (lz4_Frame_format.md): magic, FLG, BD, optional content size and dictionary
/// id, header checksum, then blocks (4-byte size, data, optional checksum) up to a zero end mark
/// and an optional content checksum.
enum FrameLayout {
    static let lz4Magic: UInt32 = 0x184D_2204
    static let skippableMagicBase: UInt32 = 0x184D_2A50

    enum Walk: Equatable {
        /// A whole frame of this many bytes.
        case complete(length: Int)
        /// The bytes end before the frame does.
        case incomplete
        /// The bytes cannot be the start of a frame of this kind.
        case invalid(reason: String)
    }

    /// Walks the LZ4 data frame that starts at `offset`.
    static func walkDataFrame(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Walk {
        let end = bytes.count
        guard end - offset >= 7 else {
            return end - offset >= 4 && magic(bytes, offset) != lz4Magic ? .invalid(reason: "not an LZ4 frame") : .incomplete
        }
        guard magic(bytes, offset) == lz4Magic else { return .invalid(reason: "not an LZ4 frame (magic \(hex(magic(bytes, offset))))") }
        let flags = bytes[offset + 4]
        guard flags >> 6 == 1 else { return .invalid(reason: "unsupported LZ4 frame version") }
        guard flags & 0b10 == 0 else { return .invalid(reason: "reserved LZ4 frame flag set") }
        let hasBlockChecksum = flags & 0b1_0000 != 0
        let hasContentSize = flags & 0b1000 != 0
        let hasContentChecksum = flags & 0b100 != 0
        let hasDictionary = flags & 0b1 != 0
        var position = offset + 6 + (hasContentSize ? 8 : 0) + (hasDictionary ? 4 : 0) + 1
        guard position <= end else { return .incomplete }
        let blockMaximum = blockMaximumSize(descriptor: bytes[offset + 5])
        guard let blockMaximum else { return .invalid(reason: "invalid LZ4 block size descriptor") }
        while true {
            guard position + 4 <= end else { return .incomplete }
            let word: UInt32 = bytes.littleEndian(at: position)
            position += 4
            if word == 0 { break }
            let size = Int(word & 0x7FFF_FFFF)
            guard size <= blockMaximum else { return .invalid(reason: "LZ4 block of \(size) bytes exceeds the frame's maximum") }
            position += size + (hasBlockChecksum ? 4 : 0)
            guard position <= end else { return .incomplete }
        }
        position += hasContentChecksum ? 4 : 0
        guard position <= end else { return .incomplete }
        return .complete(length: position - offset)
    }

    /// Walks a skippable frame at `offset` whose magic must be `expectedMagic`.
    static func walkSkippableFrame(in bytes: UnsafeRawBufferPointer, at offset: Int, expectedMagic: UInt32) -> Walk {
        guard bytes.count - offset >= 4 else { return .incomplete }
        guard magic(bytes, offset) == expectedMagic else {
            return .invalid(reason: "expected skippable frame \(hex(expectedMagic)), found \(hex(magic(bytes, offset)))")
        }
        guard bytes.count - offset >= 8 else { return .incomplete }
        let size = Int(bytes.littleEndian(at: offset + 4, as: UInt32.self))
        guard bytes.count - offset - 8 >= size else { return .incomplete }
        return .complete(length: 8 + size)
    }

    static func magic(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        bytes.littleEndian(at: offset)
    }

    private static func blockMaximumSize(descriptor: UInt8) -> Int? {
        switch (descriptor >> 4) & 0b111 {
        case 4: 64 << 10
        case 5: 256 << 10
        case 6: 1 << 20
        case 7: 4 << 20
        default: nil
        }
    }

    static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
