import EventLog
import Foundation

/// Checked drafts kept in an unlinked temporary file between a bulk writer's check and its
/// append (`gongfu append` of an input larger than one chunk), so that the input is read and
/// parsed once and the process's memory does not grow with it (where `TMPDIR` is a tmpfs, the
/// file itself is in memory). A draft is kept as its fields and its payload's canonical bytes
/// (the log writes them as they are); each batch carries a CRC-32, checked when it is read back.
///
/// ```swift
/// let spool = try DraftSpool()
/// try spool.write(drafts)  // checked (draft, place) pairs, or DraftSpool.encode(drafts) made elsewhere
/// for batch in spool.readingAhead { let drafts = try batch.get() }
/// ```
// Sendable: batches are written by one task, then only read (`pread`, at offsets of their own).
public final class DraftSpool: @unchecked Sendable {
    /// Where a batch is in the file, how many drafts it holds and its CRC-32.
    public struct Batch: Sendable {
        var offset: Int
        var length: Int
        /// How many drafts the batch holds.
        public var count: Int
        var checksum: UInt32
    }

    /// Why the spool could not be written or read back.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    let descriptor: Int32
    /// The directory the file was made in (named in errors).
    let directory: String
    /// The batches written, in order.
    public private(set) var batches: [Batch] = []
    private var size = 0

    /// A spool in a new temporary file of `directory` (default: `TMPDIR`'s), unlinked at once.
    public init(in directory: String = NSTemporaryDirectory()) throws(Failure) {
        self.directory = directory
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + "gongfu-checked-" + UUID().uuidString
        descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create a temporary file in \(directory) (TMPDIR): \(Self.reason())")
        }
        // Unlinked at once: the file goes when it is closed, or when the process ends however it ends.
        unlink(path)
    }

    deinit { close(descriptor) }

    /// How many drafts the spool holds.
    public var count: Int { batches.reduce(0) { $0 + $1.count } }

    /// Each batch's drafts in order (``read(_:)``), the batch after it read on a thread of its
    /// own meanwhile.
    public var readingAhead: some Sequence<Result<[EventDraft], Failure>> {
        let batches = batches
        return ReadAhead(splitting: batches.count, into: 1) { parts in
            Result { () throws(Failure) in try self.read(batches[parts.lowerBound]) }
        }
    }

    /// One batch of drafts encoded as the spool keeps them, with its CRC-32: made on any thread
    /// (``encode(_:)``), then written by the spool's one writer (``write(_:)-(EncodedBatch)``).
    public struct EncodedBatch: Sendable {
        let bytes: [UInt8]
        let count: Int
        let checksum: UInt32
    }

    /// Encodes checked drafts (each with ``EventDraft/canonicalPayload``, else its tree is
    /// encoded here); a draft that ``EventDraft/validate()`` refuses is refused here.
    public static func encode(_ drafts: [(draft: EventDraft, place: IntakePlace)]) throws(Failure) -> EncodedBatch {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(drafts.count * 256)
        for index in drafts.indices {
            // Its schema is written in two bytes: only a draft checked like the log checks it fits.
            do { try drafts[index].draft.validate() } catch {
                throw Failure(description: "\(drafts[index].place): \(error); only checked events can wait in the spool")
            }
            encode(drafts[index].draft, into: &bytes)
        }
        return EncodedBatch(bytes: bytes, count: drafts.count, checksum: CRC32.checksum(bytes))
    }

    /// Appends one batch of checked drafts (``encode(_:)``).
    public func write(_ drafts: [(draft: EventDraft, place: IntakePlace)]) throws(Failure) {
        try write(Self.encode(drafts))
    }

    /// Appends one encoded batch.
    public func write(_ batch: EncodedBatch) throws(Failure) {
        let written = batch.bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let count = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(size + done))
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                done += count
            }
            return true
        }
        guard written else {
            throw Failure(description: "cannot write the checked events to a temporary file in \(directory) (TMPDIR): \(Self.reason())")
        }
        batches.append(Batch(offset: size, length: batch.bytes.count, count: batch.count, checksum: batch.checksum))
        size += batch.bytes.count
    }

    /// The drafts of `batch`, as written.
    public func read(_ batch: Batch) throws(Failure) -> [EventDraft] {
        var failure: Failure?
        let bytes = [UInt8](unsafeUninitializedCapacity: batch.length) { buffer, count in
            while count < batch.length {
                let read = pread(descriptor, buffer.baseAddress! + count, batch.length - count, off_t(batch.offset + count))
                if read < 0 && errno == EINTR { continue }
                guard read > 0 else {
                    failure = Failure(
                        description: read == 0
                            ? "the temporary file of checked events is cut short"
                            : "cannot read the checked events back from their temporary file: \(Self.reason())")
                    return
                }
                count += read
            }
        }
        if let failure { throw failure }
        guard CRC32.checksum(bytes) == batch.checksum else {
            throw Failure(description: "the temporary file of checked events changed while it was in use")
        }
        var drafts: [EventDraft] = []
        drafts.reserveCapacity(batch.count)
        var cursor = Cursor(bytes: bytes)
        for _ in 0..<batch.count { drafts.append(try cursor.draft()) }
        return drafts
    }

    /// One draft: flags (bit 0: a key; bits 1–2: the expected version's kind), schema (2
    /// bytes), expected version (8), then stream, type, occurred, the key if any and the
    /// payload, each as its length (4 bytes) and its bytes; integers little-endian.
    private static func encode(_ draft: EventDraft, into bytes: inout [UInt8]) {
        let (kind, version): (UInt8, UInt64) =
            switch draft.expectedVersion {
            case .any: (0, 0)
            case .none: (1, 0)
            case .exact(let version): (2, version)
            }
        bytes.append((draft.key == nil ? 0 : 1) | kind << 1)
        append(UInt64(draft.schema), bytes: 2, to: &bytes)
        append(version, bytes: 8, to: &bytes)
        append(text: draft.stream, to: &bytes)
        append(text: draft.type, to: &bytes)
        append(text: draft.occurred, to: &bytes)
        if let key = draft.key { append(text: key, to: &bytes) }
        let payload = draft.canonicalPayloadBytes
        append(UInt64(payload.count), bytes: 4, to: &bytes)
        bytes.append(contentsOf: payload)
    }

    private static func append(text: String, to bytes: inout [UInt8]) {
        var text = text  // (a native string's bytes are read in place)
        text.withUTF8 { utf8 in
            append(UInt64(utf8.count), bytes: 4, to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: count * 8, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Reads drafts back from a batch's bytes.
    private struct Cursor {
        let bytes: [UInt8]
        var position = 0

        mutating func draft() throws(Failure) -> EventDraft {
            let flags = try integer(1)
            let schema = Int(try integer(2))
            let version = try integer(8)
            let stream = try text()
            let type = try text()
            let occurred = try text()
            let key = flags & 1 == 1 ? try text() : nil
            let payload = Array(try take(Int(try integer(4))))
            let expected: ExpectedVersion = (flags >> 1) == 2 ? .exact(version) : (flags >> 1) == 1 ? .none : .any
            return EventDraft(
                stream: stream, type: type, schema: schema, occurred: occurred, canonicalPayload: payload, expectedVersion: expected, key: key)
        }

        private mutating func text() throws(Failure) -> String {
            String(decoding: try take(Int(try integer(4))), as: UTF8.self)
        }

        private mutating func take(_ count: Int) throws(Failure) -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - position else {
                throw Failure(description: "the temporary file of checked events is cut short")
            }
            defer { position += count }
            return bytes[position..<position + count]
        }

        private mutating func integer(_ count: Int) throws(Failure) -> UInt64 {
            var value: UInt64 = 0
            for (index, byte) in try take(count).enumerated() { value |= UInt64(byte) << UInt64(8 * index) }
            return value
        }
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
