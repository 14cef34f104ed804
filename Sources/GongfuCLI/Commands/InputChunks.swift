import ArgumentParser
import Foundation

/// An input file read in chunks of whole lines. A regular file is read in place and must not
/// change while it is read; standard input, a pipe or a device (`<(jq …)`, `/dev/stdin`) is read
/// as it comes, its first chunk (and one byte more) read ahead to tell whether it is larger than
/// a chunk: nothing is copied before it is checked.
final class InputChunks {
    /// About how many bytes a chunk holds by default (it ends at the last line break within them).
    static let chunkBytes = 8 << 20

    let path: String
    /// About how many bytes each chunk holds.
    let chunkBytes: Int
    /// The input's size in bytes, when known before it is read (a regular file's); nil for a
    /// stream.
    let size: UInt64?
    /// A regular file's identity when opened (empty for a stream).
    private let identity: [Int]
    /// A stream, and what was read of it ahead.
    private let stream: FileHandle?
    private let head: [UInt8]
    /// Whether the input may come in more than one chunk: one no larger than a chunk never does
    /// (a larger one whose only line break is its last byte comes whole).
    let hasManyChunks: Bool

    init(path: String, chunkBytes: Int = InputChunks.chunkBytes) throws {
        self.path = path
        self.chunkBytes = chunkBytes
        var info = stat()
        let isRegular = path != "-" && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        if isRegular {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ValidationError("cannot read \(path): no such file or not readable")
            }
            stream = nil
            identity = Self.identity(of: path)
            size = UInt64(max(0, identity.first ?? 0))
            head = FileHandle(forReadingAtPath: path).flatMap { try? $0.read(upToCount: 4096) }.map(Array.init) ?? []
        } else {
            let source = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path)
            guard let source else { throw ValidationError("cannot read \(path): no such file or not readable") }
            stream = source
            identity = []
            size = nil
            var head: [UInt8] = []
            do {
                while head.count <= chunkBytes, let block = try source.read(upToCount: chunkBytes + 1 - head.count), !block.isEmpty {
                    head.append(contentsOf: block)
                }
            } catch {
                throw ValidationError("cannot read \(path): \(error.localizedDescription)")
            }
            self.head = head
        }
        isArray = head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "[")
        hasManyChunks = !isArray && (size.map { $0 > UInt64(chunkBytes) } ?? (head.count > chunkBytes))
    }

    /// A JSON array is read whole (its lines are not events).
    private let isArray: Bool

    /// Size, modification time and inode: a regular input changed if any of them did.
    private static func identity(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
    }

    /// Refuses to go on if a regular file changed since it was opened (it was checked as it was).
    func checkUnchanged() throws {
        guard identity.isEmpty || Self.identity(of: path) == identity else {
            throw ValidationError("\(path) changed while it was being appended; nothing more was appended — run the command again")
        }
    }

    /// The input's chunks of whole lines, in order (a stream's can be taken once).
    func chunks() throws -> Chunks {
        let reader: ChunkReader
        if let stream {
            // What was read ahead comes first; the stream has ended when it held no more than a chunk.
            reader = ChunkReader(handle: stream, whole: isArray, chunkBytes: chunkBytes, size: nil, carry: head, done: head.count <= chunkBytes)
        } else {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path): no such file or not readable") }
            reader = ChunkReader(handle: handle, whole: isArray, chunkBytes: chunkBytes, size: size)
        }
        return Chunks(input: self, reader: reader)
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

    /// Reads a file or a stream a chunk of whole lines at a time.
    fileprivate struct ChunkReader {
        let handle: FileHandle
        let whole: Bool
        let chunkBytes: Int
        /// A regular file's size when it was opened (a file that changes is refused); nil for a
        /// stream, which may always have more to come until it ends.
        let size: UInt64?
        var carry: [UInt8] = []
        var line = 1
        var offset = 0
        var done = false

        /// The next chunk: whole lines of at least ``chunkBytes`` (ending at the last line break
        /// among them) while more of the input follows them, else everything left — so that an
        /// input no larger than a chunk is one chunk, whether or not it ends with a line break.
        mutating func next() throws -> ([UInt8], Int, Int)? {
            while true {
                if !whole, !done, carry.count >= chunkBytes, size.map({ UInt64(offset + carry.count) < $0 }) ?? true,
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
                    // (Standard input is left open: it is the process's, not the reader's.)
                    if handle !== FileHandle.standardInput { try? handle.close() }
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
