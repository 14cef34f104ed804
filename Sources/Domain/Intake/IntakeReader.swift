import EventLog

/// Reads a writer's bytes into drafts checked against the event catalogue (text put in NFC):
/// one JSON object, a JSON array of objects, or NDJSON. The first of an input's mistakes is
/// reported with its place; nothing is kept of an input that has one.
///
/// What differs between writers is a setting, not a copy: the longest line, the most events,
/// and whether NDJSON places are file lines (`gongfu append`) or event indexes (a request).
///
/// ```swift
/// let reader = IntakeReader(places: .line)
/// let drafts = try reader.read(Array(text.utf8))  // [(draft, IntakePlace(.line, n))]
/// ```
public struct IntakeReader: Sendable {
    /// How NDJSON events are numbered in errors: `.line` (1-based lines of a file, blank lines
    /// counted) or `.event` (0-based index among the events, as in an array).
    public var places: IntakePlace.Unit
    /// The longest NDJSON line: an event is a record, not a document store.
    public var maximumLineBytes: Int
    /// The most events one input may carry (`nil`: no limit).
    public var maximumEvents: Int?
    /// Whether each draft keeps its payload's canonical bytes once checked
    /// (``EventDraft/encodeCanonicalPayload()``): for a writer that appends the drafts it read,
    /// so that the encoding runs here, on every core, and not in the log.
    public var encodesCanonicalPayloads = false
    let validator: EventValidator

    public init(places: IntakePlace.Unit = .line, maximumLineBytes: Int = 64 << 10, maximumEvents: Int? = nil, reference: ReferenceData = .standard) {
        self.places = places
        self.maximumLineBytes = maximumLineBytes
        self.maximumEvents = maximumEvents
        validator = EventValidator(reference: reference)
    }

    /// The drafts of a whole input. `firstLine` numbers the input's first line (for a chunk of a
    /// longer file), `firstIndex` its first event.
    public func read(_ bytes: [UInt8], firstLine: Int = 1, firstIndex: Int = 0) throws(IntakeError) -> [(draft: EventDraft, place: IntakePlace)] {
        try read(bytes[...], firstLine: firstLine, firstIndex: firstIndex)
    }

    /// ``read(_:firstLine:firstIndex:)`` on as many threads as `parts`: NDJSON numbered by lines
    /// (and with no limit on the events) is cut at line breaks into `parts` read at once. The
    /// same drafts and the same first mistake as reading it in one go.
    public func read(_ bytes: [UInt8], firstLine: Int = 1, parts: Int) async throws(IntakeError) -> [(draft: EventDraft, place: IntakePlace)] {
        let first = Self.firstContent(bytes[...])
        guard parts > 1, places == .line, maximumEvents == nil, bytes.count >= parts << 16, first < bytes.count, bytes[first] != UInt8(ascii: "[")
        else {
            return try read(bytes, firstLine: firstLine)
        }
        var pieces: [(range: Range<Int>, firstLine: Int, lines: Int)] = []
        var start = 0
        var line = firstLine
        for part in 1...parts {
            var end = part == parts ? bytes.count : max(start, bytes.count / parts * part)
            while end < bytes.count, bytes[end - 1] != 0x0A { end += 1 }
            let lines = bytes[start..<end].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            pieces.append((start..<end, line, lines))
            line += lines
            start = end
        }
        // Each part puts its drafts straight into a buffer of its own (room for one per line),
        // from which they are moved into the result: collecting the parts' arrays into one would
        // copy every draft (a retain of each of its strings) and then release the parts'.
        let buffers = pieces.map { UnsafeMutableBufferPointer<(draft: EventDraft, place: IntakePlace)>.allocate(capacity: $0.lines + 1) }
        defer { for buffer in buffers { buffer.deallocate() } }
        let outcomes = await withTaskGroup(of: (Int, Result<Int, IntakeError>).self) { group in
            for (index, piece) in pieces.enumerated() {
                nonisolated(unsafe) let buffer = buffers[index]
                group.addTask {
                    var count = 0
                    let outcome = Result { () throws(IntakeError) in
                        try self.readLines(bytes[piece.range], firstLine: piece.firstLine, firstIndex: 0) { draft, place in
                            (buffer.baseAddress! + count).initialize(to: (draft, place))
                            count += 1
                        }
                        return count
                    }
                    if case .failure = outcome { buffer.baseAddress!.deinitialize(count: count) }
                    return (index, outcome)
                }
            }
            var outcomes = Array(repeating: Result<Int, IntakeError>.success(0), count: pieces.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        // The first mistake is the earliest part's; every part's drafts are then let go.
        if let failed = outcomes.firstIndex(where: { if case .failure = $0 { true } else { false } }) {
            for (index, outcome) in outcomes.enumerated() {
                if case .success(let count) = outcome { buffers[index].baseAddress!.deinitialize(count: count) }
            }
            _ = try outcomes[failed].get()
        }
        let counts = outcomes.map { (try? $0.get()) ?? 0 }
        return Array(unsafeUninitializedCapacity: counts.reduce(0, +)) { output, initialized in
            for (index, count) in counts.enumerated() {
                (output.baseAddress! + initialized).moveInitialize(from: buffers[index].baseAddress!, count: count)
                initialized += count
            }
        }
    }

    private func read(_ bytes: ArraySlice<UInt8>, firstLine: Int, firstIndex: Int) throws(IntakeError) -> [(draft: EventDraft, place: IntakePlace)] {
        let start = Self.firstContent(bytes)
        guard start < bytes.endIndex else {
            throw IntakeError(.empty, at: nil, "the input is empty; give one event object, an array of them, or NDJSON")
        }
        if bytes[start] == UInt8(ascii: "[") { return try readArray(bytes[start...]) }
        var drafts: [(draft: EventDraft, place: IntakePlace)] = []
        try readLines(bytes, firstLine: firstLine, firstIndex: firstIndex) { draft, place throws(IntakeError) in
            drafts.append((draft, place))
            try checkCount(drafts.count)
        }
        return drafts
    }

    /// NDJSON lines (a line starting with `[` is a line, not an array), each line's draft handed
    /// to `body` with its place; blank lines are skipped.
    private func readLines(
        _ bytes: ArraySlice<UInt8>, firstLine: Int, firstIndex: Int, _ body: (EventDraft, IntakePlace) throws(IntakeError) -> Void
    ) throws(IntakeError) {
        var line = firstLine
        var index = firstIndex
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let end = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.endIndex
            defer {
                lineStart = end + 1
                line += 1
            }
            var content = bytes[lineStart..<end]
            if content.last == 0x0D { content = content.dropLast() }
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let place = places == .line ? IntakePlace(.line, line) : IntakePlace(.event, index)
            guard content.count <= maximumLineBytes else {
                throw IntakeError(.tooLarge, at: place, "the line is \(content.count) bytes, more than the \(maximumLineBytes) an event may have")
            }
            try body(try draft(line: content, at: place), place)
            index += 1
        }
    }

    private func readArray(_ bytes: ArraySlice<UInt8>) throws(IntakeError) -> [(draft: EventDraft, place: IntakePlace)] {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw IntakeError(.malformed, at: nil, "the input is not valid JSON: \(error)")
        }
        guard case .array(let items) = value else { throw IntakeError(.malformed, at: nil, "the input is not a JSON array") }
        try checkCount(items.count)
        var drafts: [(draft: EventDraft, place: IntakePlace)] = []
        drafts.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let place = IntakePlace(.event, index)
            var draft: EventDraft
            do { draft = try EventDraft(input: item) } catch {
                throw IntakeError(.invalid, at: place, "\(error)")
            }
            try validate(&draft, at: place)
            drafts.append((draft, place))
        }
        return drafts
    }

    /// One NDJSON line's draft, validated.
    public func draft(line: ArraySlice<UInt8>, at place: IntakePlace) throws(IntakeError) -> EventDraft {
        var draft: EventDraft
        do { draft = try EventDraft(inputLine: line) } catch {
            if case .invalidJSON = error { throw IntakeError(.malformed, at: place, "not valid JSON: \(error)") }
            throw IntakeError(.invalid, at: place, "\(error)")
        }
        try validate(&draft, at: place)
        return draft
    }

    private func validate(_ draft: inout EventDraft, at place: IntakePlace) throws(IntakeError) {
        do { try validator.validate(&draft) } catch {
            throw IntakeError(.invalid, at: place, "\(error) (\(draft.type) on \(draft.stream))")
        }
        if encodesCanonicalPayloads { draft.encodeCanonicalPayload() }
    }

    /// Where the first byte that is not JSON whitespace is (`endIndex`: none).
    private static func firstContent(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.firstIndex { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } ?? bytes.endIndex
    }

    private func checkCount(_ count: Int) throws(IntakeError) {
        if let maximumEvents, count > maximumEvents {
            throw IntakeError(.tooLarge, at: nil, "an input carries at most \(maximumEvents) events; split it")
        }
    }
}
