extension String {
    /// Calls `body` with the string's UTF-8 bytes: in place for a native string (no copy, and
    /// no retain of a mutable copy as `withUTF8` needs), from a copy for any other.
    @inlinable
    public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        return try Array(utf8).withUnsafeBufferPointer(body)
    }
}
