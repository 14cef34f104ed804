#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file descriptor with the few POSIX calls the log needs, each failing with the path and
/// the system's reason.
final class File: @unchecked Sendable {
    let path: String
    let descriptor: Int32

    enum Mode {
        case readOnly
        case readWrite
        /// Create; fail if it exists.
        case createNew
    }

    init(path: String, mode: Mode) throws(StorageError) {
        self.path = path
        let flags: Int32 =
            switch mode {
            case .readOnly: O_RDONLY | O_CLOEXEC
            case .readWrite: O_RDWR | O_CLOEXEC
            case .createNew: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC
            }
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw StorageError(operation: "open", path: path) }
        self.descriptor = descriptor
    }

    /// Whether this descriptor holds the exclusive lock (``tryLockExclusive()``).
    private var locked = false

    deinit {
        // Unlock before closing: a child process forked elsewhere in this process holds a copy
        // of the descriptor until it execs, and the lock lives as long as any copy does.
        if locked { flock(descriptor, LOCK_UN) }
        close(descriptor)
    }

    var size: Int {
        get throws(StorageError) {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw StorageError(operation: "stat", path: path) }
            return Int(status.st_size)
        }
    }

    /// Reads `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws(StorageError) -> [UInt8] {
        var buffer: [UInt8] = []
        let total = try read(at: offset, count: count, into: &buffer)
        buffer.removeLast(buffer.count - total)
        return buffer
    }

    /// Reads exactly `count` bytes at `offset` into the start of `buffer` (which only grows);
    /// returns how many were there (fewer only at the end of the file).
    func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws(StorageError) -> Int {
        if buffer.count < count { buffer.appendZeros(count - buffer.count) }
        var total = 0
        var failed = false
        buffer.withUnsafeMutableBytes { raw in
            while total < count {
                let result = pread(descriptor, raw.baseAddress! + total, count - total, off_t(offset + total))
                if result < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                if result == 0 { break }
                total += result
            }
        }
        if failed { throw StorageError(operation: "read", path: path) }
        return total
    }

    func readAll() throws(StorageError) -> [UInt8] {
        try read(at: 0, count: try size)
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StorageError) {
        var total = 0
        while total < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + total, bytes.count - total, off_t(offset + total))
            if result < 0 {
                if errno == EINTR { continue }
                throw StorageError(operation: "write", path: path)
            }
            total += result
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(StorageError) {
        let failure = bytes.withUnsafeBytes { buffer -> StorageError? in
            do throws(StorageError) {
                try write(buffer, at: offset)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Flushes the file's data (and the metadata needed to read it back) to stable storage.
    func syncData() throws(StorageError) {
        #if canImport(Darwin)
            let result = fcntl(descriptor, F_FULLFSYNC)
        #else
            let result = fdatasync(descriptor)
        #endif
        guard result == 0 else { throw StorageError(operation: "fdatasync", path: path) }
    }

    func sync() throws(StorageError) {
        guard fsync(descriptor) == 0 else { throw StorageError(operation: "fsync", path: path) }
    }

    func truncate(to length: Int) throws(StorageError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw StorageError(operation: "truncate", path: path) }
    }

    /// Takes an exclusive advisory lock without waiting; false if another process holds it.
    func tryLockExclusive() -> Bool {
        locked = flock(descriptor, LOCK_EX | LOCK_NB) == 0
        return locked
    }

    /// Makes a directory entry durable (after creating, renaming or removing a file in it).
    static func syncDirectory(_ path: String) throws(StorageError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError(operation: "open directory", path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StorageError(operation: "fsync directory", path: path) }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func makeDirectory(_ path: String) throws(StorageError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw StorageError(operation: "mkdir", path: path) }
    }

    /// Creates `path` and any missing parents (like `mkdir -p`).
    static func makeDirectories(_ path: String) throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix)
        }
    }

    static func remove(_ path: String) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT { throw StorageError(operation: "remove", path: path) }
    }

    static func listDirectory(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw StorageError(operation: "list", path: path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Writes a whole small file durably: temporary file, sync, rename, sync directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws(StorageError) {
        let temporary = path + ".\(getpid()).tmp"
        try remove(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw StorageError(operation: "create", path: temporary) }
        let file = FileDescriptorCloser(descriptor)
        _ = file
        var total = 0
        while total < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + total, bytes.count - total) }
            if result < 0 {
                if errno == EINTR { continue }
                throw StorageError(operation: "write", path: temporary)
            }
            total += result
        }
        guard fsync(descriptor) == 0 else { throw StorageError(operation: "fsync", path: temporary) }
        guard rename(temporary, path) == 0 else { throw StorageError(operation: "rename", path: path) }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        try syncDirectory(directory.isEmpty ? "." : directory)
    }
}

private final class FileDescriptorCloser {
    let descriptor: Int32
    init(_ descriptor: Int32) { self.descriptor = descriptor }
    deinit { close(descriptor) }
}

/// A failed system call on the log's files.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let path: String
    public let code: Int32

    init(operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}
