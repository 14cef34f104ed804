import ArgumentParser
import Foundation

/// An input file read in chunks of whole lines. Standard input, a pipe or a device
/// (`<(jq …)`, `/dev/stdin`) is first copied to a temporary file (so that its size is known for
/// the progress bar); a regular file is read in place and must not change while it is read.
final class InputChunks {
    /// About how many bytes a chunk holds by default (it ends at the last line break within them).
    static let chunkBytes = 8 << 20

    let path: String
    /// About how many bytes each chunk holds.
    let chunkBytes: Int
    /// The input's size in bytes.
    let size: UInt64
    private let spooled: Bool
    private let identity: [Int]

    init(path: String, chunkBytes: Int = InputChunks.chunkBytes) throws {
        self.chunkBytes = chunkBytes
        var info = stat()
        let isRegular = path != "-" && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        if isRegular {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ValidationError("cannot read \(path): no such file or not readable")
            }
            self.path = path
            spooled = false
        } else {
            let source = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path)
            guard let source else { throw ValidationError("cannot read \(path): no such file or not readable") }
            let copy = NSTemporaryDirectory() + "gongfu-input-" + UUID().uuidString
            _ = FileManager.default.createFile(atPath: copy, contents: nil, attributes: [.posixPermissions: 0o600])
            guard let target = FileHandle(forWritingAtPath: copy) else { throw ValidationError("cannot spool \(path) to \(copy)") }
            do {
                while let block = try source.read(upToCount: 4 << 20), !block.isEmpty { try target.write(contentsOf: block) }
                try target.close()
            } catch {
                try? FileManager.default.removeItem(atPath: copy)
                throw ValidationError("cannot read \(path): \(error.localizedDescription)")
            }
            self.path = copy
            spooled = true
        }
        identity = Self.identity(of: self.path)
        size = UInt64(max(0, identity.first ?? 0))
        let head = FileHandle(forReadingAtPath: self.path).flatMap { try? $0.read(upToCount: 4096) } ?? Data()
        isArray = head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "[")
    }

    /// A JSON array is read whole (its lines are not events).
    private let isArray: Bool

    /// Size, modification time and inode: a regular input changed if any of them did.
    private static func identity(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
    }

    /// Refuses to go on if the file changed since it was opened (it was checked as it was).
    func checkUnchanged() throws {
        guard Self.identity(of: path) == identity else {
            throw ValidationError("\(path) changed while it was being appended; nothing more was appended — run the command again")
        }
    }

    /// Whether the input may come in more than one chunk: one no larger than a chunk never does
    /// (a larger one whose only line break is its last byte comes whole).
    var hasManyChunks: Bool { !isArray && size > UInt64(chunkBytes) }

    /// The input's chunks of whole lines, in order.
    func chunks() throws -> Chunks {
        Chunks(input: self, reader: try ChunkReader(path: path, whole: isArray, chunkBytes: chunkBytes, size: size))
    }

    /// One chunk: its bytes, the number of its first line, and where it starts in the input.
    struct Chunk {
        var bytes: [UInt8]
        var firstLine: Int
        var offset: Int
    }

    /// An input's chunks, read in turn: by any task, one at a time (each ``next()`` ends
    /// before the next begins), so that the file is read away from the task that checks it.
    final class Chunks: @unchecked Sendable {
        private let input: InputChunks
        private var reader: ChunkReader

        fileprivate init(input: InputChunks, reader: ChunkReader) {
            self.input = input
            self.reader = reader
        }

        /// The next chunk; nil after the last. Refuses to go on if the file changed.
        func next() throws -> Chunk? {
            guard let (bytes, line, offset) = try reader.next() else { return nil }
            try input.checkUnchanged()
            return Chunk(bytes: bytes, firstLine: line, offset: offset)
        }
    }

    func close() {
        if spooled { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Reads a file a chunk of whole lines at a time.
    fileprivate struct ChunkReader {
        let handle: FileHandle
        let whole: Bool
        let chunkBytes: Int
        /// The file's size when it was opened (a file that changes is refused).
        let size: UInt64
        var carry: [UInt8] = []
        var line = 1
        var offset = 0
        var done = false

        init(path: String, whole: Bool, chunkBytes: Int, size: UInt64) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path): no such file or not readable") }
            self.handle = handle
            self.whole = whole
            self.chunkBytes = chunkBytes
            self.size = size
        }

        /// The next chunk: whole lines of at least ``chunkBytes`` (ending at the last line break
        /// among them) while more of the file follows them, else everything left — so that a file
        /// no larger than a chunk is one chunk, whether or not it ends with a line break.
        mutating func next() throws -> ([UInt8], Int, Int)? {
            while true {
                if !whole, !done, carry.count >= chunkBytes, UInt64(offset + carry.count) < size,
                    let lastBreak = carry.lastIndex(of: 0x0A)
                {
                    let chunk = Array(carry[...lastBreak])
                    carry.removeSubrange(...lastBreak)
                    return emit(chunk)
                }
                if done {
                    guard !carry.isEmpty else { return nil }
                    let chunk = carry
                    carry = []
                    return emit(chunk)
                }
                let block = try handle.read(upToCount: chunkBytes) ?? Data()
                if block.isEmpty {
                    done = true
                    try? handle.close()
                } else {
                    carry.append(contentsOf: block)
                }
            }
        }

        private mutating func emit(_ chunk: [UInt8]) -> ([UInt8], Int, Int) {
            let result = (chunk, line, offset)
            line += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            offset += chunk.count
            return result
        }
    }
}
