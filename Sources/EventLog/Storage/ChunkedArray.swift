/// An array that grows at its end without ever moving what it holds: its elements live in
/// chunks of a fixed number of elements (the first one grows as an array does, up to that).
///
/// The catalog's per-event tables and the Merkle tree's levels only grow, to millions of
/// elements. Kept as plain arrays, each doubling copied everything stored so far into new
/// memory and touched every page of it; at 64 appenders that copying and its page faults were
/// ~5% of the log's append CPU, all of it on the thread that answers appends.
struct ChunkedArray<Element>: RandomAccessCollection {
    /// log2 of the elements per chunk.
    let chunkShift: Int
    private var chunks: [[Element]] = []
    /// Number of elements.
    private(set) var count = 0

    /// A chunk holds `1 << chunkShift` elements (default 32,768: 1 MB of 32-byte hashes).
    init(chunkShift: Int = 15) {
        precondition((1...30).contains(chunkShift), "chunks of 2^1 to 2^30 elements")
        self.chunkShift = chunkShift
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    private var mask: Int { (1 << chunkShift) - 1 }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "index \(index) out of 0..<\(count)")
            return chunks[index >> chunkShift][index & mask]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) out of 0..<\(count)")
            chunks[index >> chunkShift][index & mask] = newValue
        }
    }

    /// Appends `element`; what is already stored stays where it is.
    mutating func append(_ element: Element) {
        let chunk = count >> chunkShift
        if chunk == chunks.count {
            var fresh: [Element] = []
            // The first chunk grows as needed (small logs stay small); later ones start full size.
            if chunk > 0 { fresh.reserveCapacity(1 << chunkShift) }
            chunks.append(fresh)
        }
        chunks[chunk].append(element)
        count += 1
    }

    /// Keeps the first `newCount` elements.
    mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0, "cannot keep \(newCount) elements")
        guard newCount < count else { return }
        let keptChunks = (newCount + mask) >> chunkShift
        chunks.removeSubrange(keptChunks...)
        if keptChunks > 0 { chunks[keptChunks - 1].removeSubrange((newCount - ((keptChunks - 1) << chunkShift))...) }
        count = newCount
    }

    /// The elements in `range`, as one array.
    func array(_ range: Range<Int>) -> [Element] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range \(range) out of 0..<\(count)")
        var result: [Element] = []
        result.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let chunk = index >> chunkShift
            let start = index & mask
            let end = Swift.min(range.upperBound - (chunk << chunkShift), chunks[chunk].count)
            result.append(contentsOf: chunks[chunk][start..<end])
            index += end - start
        }
        return result
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
