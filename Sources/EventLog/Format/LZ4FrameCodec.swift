import CLZ4

/// Compresses and decompresses standard LZ4 frames (block and content checksums on, content size
/// recorded) with liblz4's frame API.
///
/// Not thread-safe: each thread keeps its own codec, which reuses its decompression context and
/// output buffer across frames.
public final class LZ4FrameCodec {
    private var decompressionContext: OpaquePointer?
    private var compressionContext: OpaquePointer?
    private var preferences: LZ4F_preferences_t

    /// - Parameter compressionLevel: negative is LZ4's fast mode with that acceleration, 0 its
    ///   default; 3…12 select LZ4-HC.
    public init(compressionLevel: Int32 = 0) {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockLinked
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        preferences.frameInfo.frameType = LZ4F_frame
        preferences.compressionLevel = compressionLevel
        preferences.autoFlush = 1
        self.preferences = preferences
    }

    deinit {
        if let decompressionContext { LZ4F_freeDecompressionContext(decompressionContext) }
        if let compressionContext { LZ4F_freeCompressionContext(compressionContext) }
    }

    /// Writes one complete LZ4 frame holding `content` at the start of `scratch`, and returns its
    /// length. `scratch` only grows (nothing is zeroed per frame once it is large enough); the
    /// bytes after the frame are left as they were. Reuses one compression context (and its
    /// buffers) across frames.
    ///
    /// (Compressing several buffers as the linked blocks of one frame, without concatenating
    /// them, cost more CPU than the copy saves: each block then matches against the previous one
    /// as an external dictionary.)
    public func compressFrame(_ content: UnsafeRawBufferPointer, into scratch: inout [UInt8]) throws(LZ4Error) -> Int {
        if compressionContext == nil {
            var context: OpaquePointer?
            let result = LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION))
            if LZ4F_isError(result) != 0 { throw LZ4Error(code: result, operation: "create compression context") }
            compressionContext = context
        }
        var preferences = self.preferences
        preferences.frameInfo.contentSize = UInt64(content.count)
        // Header (≤ 19 bytes), the content's worst case, then end mark and content checksum.
        // (LZ4F_compressBound(0) would assume a whole buffered block: with autoFlush nothing is
        // buffered, and reserving 4 MB per frame would cost more than compressing.)
        let bound = 32 + LZ4F_compressBound(content.count, &preferences) + 16
        if scratch.count < bound { scratch.appendZeros(bound - scratch.count) }
        var written = 0
        var failure: LZ4Error?
        // The content stays where it is until the frame ends: LZ4 need not save a copy of its
        // end as the dictionary of a next block.
        var options = LZ4F_compressOptions_t()
        options.stableSrc = 1
        scratch.withUnsafeMutableBytes { buffer in
            let base = buffer.baseAddress!
            func check(_ result: Int, _ operation: String) -> Bool {
                if LZ4F_isError(result) != 0 {
                    failure = LZ4Error(code: result, operation: operation)
                    return false
                }
                written += result
                return true
            }
            guard check(LZ4F_compressBegin(compressionContext, base, bound, &preferences), "compress (begin)") else { return }
            if !content.isEmpty {
                guard
                    check(
                        LZ4F_compressUpdate(compressionContext, base + written, bound - written, content.baseAddress, content.count, &options),
                        "compress")
                else { return }
            }
            _ = check(LZ4F_compressEnd(compressionContext, base + written, bound - written, &options), "compress (end)")
        }
        if let failure { throw failure }
        return written
    }

    /// Decompresses one complete frame (as found by ``FrameLayout``) and returns its content.
    public func decompress(_ frame: UnsafeRawBufferPointer, expectedContentLength: Int) throws(LZ4Error) -> [UInt8] {
        var output: [UInt8] = []
        try decompress(frame, expectedContentLength: expectedContentLength, into: &output)
        return output.count == expectedContentLength ? output : Array(output.prefix(expectedContentLength))
    }

    /// Decompresses one complete frame into the first `expectedContentLength` bytes of `output`,
    /// which only ever grows: reusing it across frames avoids zeroing and faulting in memory.
    public func decompress(_ frame: UnsafeRawBufferPointer, expectedContentLength: Int, into output: inout [UInt8]) throws(LZ4Error) {
        if decompressionContext == nil {
            var context: OpaquePointer?
            let result = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
            if LZ4F_isError(result) != 0 { throw LZ4Error(code: result, operation: "create decompression context") }
            decompressionContext = context
        }
        if output.count < expectedContentLength {
            output.appendZeros(expectedContentLength - output.count)
        }
        var consumed = 0
        var produced = 0
        var status = 1
        var failure: LZ4Error?
        output.withUnsafeMutableBytes { whole in
            let outputBuffer = UnsafeMutableRawBufferPointer(rebasing: whole[0..<expectedContentLength])
            while status != 0 {
                var sourceSize = frame.count - consumed
                var destinationSize = outputBuffer.count - produced
                let result = LZ4F_decompress(
                    decompressionContext,
                    outputBuffer.baseAddress.map { $0 + produced }, &destinationSize,
                    frame.baseAddress.map { $0 + consumed }, &sourceSize, nil)
                if LZ4F_isError(result) != 0 {
                    failure = LZ4Error(code: result, operation: "decompress")
                    return
                }
                consumed += sourceSize
                produced += destinationSize
                status = result
                if status != 0 && sourceSize == 0 && destinationSize == 0 {
                    failure = LZ4Error(message: "frame ends early or holds more than its recorded \(expectedContentLength) bytes")
                    return
                }
            }
        }
        if let failure {
            // A failed frame leaves the context mid-frame; start the next one fresh.
            LZ4F_freeDecompressionContext(decompressionContext)
            decompressionContext = nil
            throw failure
        }
        if produced != expectedContentLength || consumed != frame.count {
            throw LZ4Error(
                message: "frame decoded to \(produced) bytes from \(consumed) of \(frame.count) input bytes; expected \(expectedContentLength)")
        }
    }

    /// The bytes of an LZ4 frame with no content (the LZ4 spec's advice before a skippable frame
    /// that opens a stream).
    public static let emptyFrame: [UInt8] = {
        var bytes: [UInt8] = []
        let length = try! LZ4FrameCodec().compressFrame(UnsafeRawBufferPointer(start: nil, count: 0), into: &bytes)
        return Array(bytes[0..<length])
    }()
}

/// An error reported by liblz4 or found in a frame's structure.
public struct LZ4Error: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(code: Int, operation: String) {
        description = "lz4 \(operation) failed: \(String(cString: LZ4F_getErrorName(code)))"
    }

    init(message: String) {
        description = message
    }
}
