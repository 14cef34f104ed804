import CCRC32

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the same value as zlib's `crc32`
/// and Python's `zlib.crc32`, so a third party can check trailers with standard tools.
/// Runs of 64 bytes and more go through carry-less multiplication where the CPU has it
/// (`CCRC32`, several times faster: every frame written and read is checked); the rest, and
/// every byte on other CPUs, by slicing-by-8 (eight bytes per step).
public enum CRC32 {
    /// Whether runs of 64 bytes and more use carry-less multiplication.
    static let folds = gongfu_crc32_clmul_available() != 0

    /// `tables[k][b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = (value & 1) != 0 ? (0xEDB8_8320 ^ (value >> 1)) : (value >> 1) }
            tables[index] = value
        }
        for index in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The CRC-32 of `bytes`, continuing from `crc` (pass 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard folds, bytes.count >= 64, let base = bytes.baseAddress else { return tableChecksum(bytes, continuing: crc) }
        let folded = bytes.count & ~15
        let state = gongfu_crc32_clmul(base.assumingMemoryBound(to: UInt8.self), folded, ~crc)
        return tableChecksum(UnsafeRawBufferPointer(rebasing: bytes[folded...]), continuing: ~state)
    }

    /// The same CRC by the table method alone (the reference the folding is tested against).
    static func tableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        tables.withUnsafeBufferPointer { table in
            var position = 0
            let count = bytes.count
            while position + 8 <= count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ value
                let high = UInt32(truncatingIfNeeded: word >> 32)
                value =
                    table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                position += 8
            }
            while position < count {
                value = table[Int((value ^ UInt32(bytes[position])) & 0xFF)] ^ (value >> 8)
                position += 1
            }
        }
        return ~value
    }

    /// The CRC-32 of a byte collection.
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }
}
