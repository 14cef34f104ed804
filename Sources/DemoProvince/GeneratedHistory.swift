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

    var entries: [Entry]
    /// The drafts before this position have let go of their payloads (``releasePayloads(before:)``).
    private var released = 0

    init(entries: [Entry]) {
        self.entries = entries
    }

    /// Lets go of the payloads of the drafts before `end`, once the log holds them: a national
    /// history's payloads are hundreds of megabytes. Their drafts are not to be taken again.
    public mutating func releasePayloads(before end: Int) {
        while released < Swift.min(end, entries.count) {
            entries[released].data = []
            released += 1
        }
    }

    /// The drafts of the stream of the draft at `position`, one line each: business date, type
    /// and payload (for a released one, that the log holds it).
    public func streamListing(at position: Int) -> [String] {
        let stream = entries[position].stream
        return entries.indices.filter { entries[$0].stream == stream }.map { index in
            let entry = entries[index]
            let payload = index < released ? "(appended: in the log)" : String(decoding: entry.data, as: UTF8.self)
            return "\(entry.occurred) \(entry.type) \(payload)"
        }
    }

    /// The first position.
    public var startIndex: Int { entries.startIndex }
    /// One past the last position.
    public var endIndex: Int { entries.endIndex }

    /// The draft at `position`, its payload read from its bytes.
    public subscript(position: Int) -> EventDraft {
        precondition(position >= released, "draft \(position) was appended and its payload released")
        return entries[position].draft
    }

    /// The type of the draft at `position`, without reading its payload.
    public func type(at position: Int) -> String { entries[position].type }

    /// The stream of the draft at `position`, without reading its payload.
    public func stream(at position: Int) -> String { entries[position].stream }

    /// The business date of the draft at `position`, without reading its payload.
    public func occurred(at position: Int) -> String { entries[position].occurred }

    /// The day the draft at `position` is recorded on the simulated timeline.
    public func recorded(at position: Int) -> String { entries[position].recorded }
}
