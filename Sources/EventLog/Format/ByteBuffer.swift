/// Little-endian helpers for the log's fixed binary records.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Appends `count` zero bytes (room for a codec or a read to fill), copied from a zeroed
    /// page: appending `repeatElement(0, count:)` goes byte by byte through a generic iterator
    /// in debug builds (those of the tests and `make demo`), which made it the demo's hot spot.
    mutating func appendZeros(_ count: Int) {
        guard count > 0 else { return }
        reserveCapacity(self.count + count)
        var remaining = count
        while remaining > 0 {
            let chunk = Swift.min(remaining, zeroPage.count)
            zeroPage.withUnsafeBufferPointer { append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<chunk])) }
            remaining -= chunk
        }
    }
}

private let zeroPage = [UInt8](repeating: 0, count: 1 << 16)

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at `offset`; the caller guarantees the bounds.
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: self[offset..<(offset + MemoryLayout<T>.size)]))
        }
        return T(littleEndian: value)
    }
}

extension Array where Element == UInt8 {
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T {
        withUnsafeBytes { $0.littleEndian(at: offset, as: type) }
    }
}
