import EventLog

/// The generator's history: every draft in log order, held compactly — each payload as its
/// canonical JSON bytes, read back into a tree only when the draft is taken — so that a
/// national-size province (millions of events) fits beside the log it is appended to.
///
/// ```swift
/// let history = try generator.generate()
/// for start in stride(from: 0, to: history.count, by: 2000) {
///     let batch = Array(history[start..<min(start + 2000, history.count)])  // trees for 2,000 only
/// }
/// ```
public struct GeneratedHistory: RandomAccessCollection, Sendable {
    /// One draft with its payload as canonical bytes.
    struct Entry: Sendable {
        var stream: String
        var type: String
        var schema: Int
        var occurred: String
        var data: [UInt8]
        var expectedVersion: ExpectedVersion
        var key: String?
        /// The day it is recorded on the simulated timeline (its business date, or later for a
        /// late record).
        var recorded = ""

        /// An empty entry, left in an array in place of one moved out.
        init() {
            (stream, type, schema, occurred, data, expectedVersion, key) = ("", "", 1, "", [], .any, nil)
        }

        /// Calls `body` with a function that moves the entry at a position out of `entries`
        /// (leaving an empty one): a national history's millions of entries are moved into
        /// their order and their chunks, not copied (a copy retains each string and payload,
        /// and releasing the originals frees them).
        static func moving(from entries: inout [Entry], _ body: ((Int) -> Entry) -> Void) {
            entries.withUnsafeMutableBufferPointer { entries in
                let base = entries.baseAddress
                body { position in
                    precondition(entries.indices.contains(position), "entry \(position) is out of range")
                    let entry = (base! + position).move()
                    (base! + position).initialize(to: Entry())
                    return entry
                }
            }
        }

        init(_ draft: EventDraft) {
            stream = draft.stream
            type = draft.type
            schema = draft.schema
            occurred = draft.occurred
            data = draft.data.canonicalBytes
            expectedVersion = draft.expectedVersion
            key = draft.key
        }

        var draft: EventDraft {
            let payload: JSONValue
            do { payload = try JSONParser.parse(data) } catch {
                preconditionFailure("a generated payload does not read back: \(error)")
            }
            return EventDraft(
                stream: stream, type: type, schema: schema, occurred: occurred, data: payload,
                expectedVersion: expectedVersion, key: key)
        }
    }

    /// The entries, `chunkSize` to an array, so that those appended go a whole array at a time.
    private var chunks: [[Entry]]
    /// How many entries there are.
    private let total: Int
    /// The entries before this position are let go (``release(before:)``): their chunks
    /// are empty, and the chunk it falls in has let go of their payloads.
    private var released = 0
    /// Entries to a chunk: by default large enough that the index math is noise, small enough
    /// that the history shrinks as it is appended.
    let chunkSize: Int

    init(entries: consuming [Entry], chunkSize: Int = 1 << 14) {
        precondition(chunkSize > 0, "a history's chunks hold at least one entry")
        total = entries.count
        self.chunkSize = chunkSize
        chunks = []
        chunks.reserveCapacity((total + chunkSize - 1) / chunkSize)
        Entry.moving(from: &entries) { take in
            for start in stride(from: 0, to: total, by: chunkSize) {
                var chunk: [Entry] = []
                chunk.reserveCapacity(Swift.min(chunkSize, total - start))
                for position in start..<Swift.min(start + chunkSize, total) { chunk.append(take(position)) }
                chunks.append(chunk)
            }
        }
    }

    /// The entry at `position`, which must not be let go.
    private func entry(_ position: Int) -> Entry {
        precondition(position >= released, "draft \(position) was appended and let go")
        return chunks[position / chunkSize][position % chunkSize]
    }

    /// The entries at `range` (none let go), their payloads not read.
    func entries(in range: Range<Int>) -> [Entry] {
        range.map(entry)
    }

    /// Lets go of the drafts before `end`, once the log holds them: a national history is
    /// hundreds of megabytes. Those drafts are not to be taken or asked about again.
    public mutating func release(before end: Int) {
        let end = Swift.min(end, total)
        guard end > released else { return }
        for chunk in released / chunkSize..<end / chunkSize { chunks[chunk] = [] }
        if end % chunkSize != 0 {
            let chunk = end / chunkSize
            for offset in Swift.max(released, chunk * chunkSize) % chunkSize..<end % chunkSize { chunks[chunk][offset].data = [] }
        }
        released = end
    }

    /// The drafts of the stream of the draft at `position` from `start` on (those before it are
    /// in the log; never before the first not let go), one line each: business date, type and
    /// payload.
    public func streamListing(at position: Int, from start: Int = 0) -> [String] {
        let stream = entry(position).stream
        return (Swift.min(Swift.max(start, released), total)..<total).lazy.map(entry).filter { $0.stream == stream }.map { entry in
            "\(entry.occurred) \(entry.type) \(String(decoding: entry.data, as: UTF8.self))"
        }
    }

    /// How many entries are held (those of chunks not let go), for tests.
    var heldEntries: Int { chunks.reduce(0) { $0 + $1.count } }

    /// The first position.
    public var startIndex: Int { 0 }
    /// One past the last position.
    public var endIndex: Int { total }

    /// The draft at `position`, its payload read from its bytes.
    public subscript(position: Int) -> EventDraft { entry(position).draft }

    /// The type of the draft at `position`, without reading its payload.
    public func type(at position: Int) -> String { entry(position).type }

    /// The stream of the draft at `position`, without reading its payload.
    public func stream(at position: Int) -> String { entry(position).stream }

    /// The business date of the draft at `position`, without reading its payload.
    public func occurred(at position: Int) -> String { entry(position).occurred }

    /// The day the draft at `position` is recorded on the simulated timeline.
    public func recorded(at position: Int) -> String { entry(position).recorded }
}
