import Testing

@testable import EventLog

@Suite("CRC-32 of trailers and frames")
struct CRC32Tests {
    /// Bytes (31·i + 7) mod 256: the values below are Python's `zlib.crc32` of them.
    private let pattern: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }

    @Test("Equals zlib's crc32, whole and continued in pieces")
    func matchesZlib() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(pattern) == 0x8902_161E)
        #expect(CRC32.checksum(pattern[0..<64]) == 0x84C8_6088)
        #expect(CRC32.checksum(pattern[3..<200]) == 0x5141_BFEC)
        pattern.withUnsafeBytes { bytes in
            let first = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<333]))
            #expect(CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[333...]), continuing: first) == 0x8902_161E)
        }
    }

    @Test("Folding by carry-less multiplication gives the table method's value at every length and alignment")
    func foldingEqualsTables() {
        #if arch(x86_64)
            #expect(CRC32.folds, "every x86-64 CPU since 2010 has PCLMULQDQ: the fast path should be in use")
        #endif
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<4200).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes.withUnsafeBytes { all in
            for offset in 0..<17 {
                for length in Array(0..<300) + [1023, 1024, 1025, 4096, 4183 - offset] {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    let seed = UInt32.random(in: 0...UInt32.max, using: &random)
                    #expect(
                        CRC32.checksum(slice, continuing: seed) == CRC32.tableChecksum(slice, continuing: seed), "offset \(offset), length \(length)")
                }
            }
        }
    }
}
