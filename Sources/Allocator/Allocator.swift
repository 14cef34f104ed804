import CJemalloc

/// The memory allocator of Gongfu's executables: jemalloc, linked into each of them in place of
/// glibc's malloc. Projections and the log allocate and free millions of small objects; with
/// jemalloc a full rebuild of 1M events runs about 20% faster and durable appends at 64
/// appenders about 5% faster (README, "Benchmark").
public enum Allocator {
    /// The allocator and its version as the linked library reports it, e.g. `jemalloc 5.3.0-0-g54eaed1`.
    public static let description: String = {
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return "jemalloc (version unknown)" }
        return "jemalloc " + String(cString: version)
    }()
}
