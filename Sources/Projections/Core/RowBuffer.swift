import EventLog
import GRDB

/// One table's rows, keyed by a text key, held in memory by a fold so that an event costs a
/// lookup instead of SQL statements.
///
/// - Maintaining a live read model, the buffer loads a row on first use in a transaction, the
///   fold changes it in memory, and ``finishTransaction(in:)`` writes the changed rows back, in
///   the same transaction as the events and the checkpoint (exactly-once is unchanged). The
///   buffer is emptied at every transaction's start, so a rolled-back one leaves nothing behind.
/// - Building a read model from zero (``beginBuilding()``), the table starts empty and every row
///   stays in memory until ``finishBuilding(in:)`` writes them all once, in key order (B-tree
///   appends) — the file is installed only after that, so nothing half-written is ever read.
///
/// Rows live in one array; keys of up to 23 UTF-8 bytes (every USCC, every stream id) are kept
/// and looked up as three integers (``PackedKey``: 24 bytes, where a string is 16 and, past 15
/// bytes, an allocation of its own), longer ones as strings.
final class RowBuffer<Row> {
    private let load: (String, Database) throws -> Row?
    private let saving: Saving
    /// By position, the row's key packed; a longer key's is `.zero`, its text in `longKeys`.
    private var keys: [PackedKey] = []
    private var longKeys: [Int: String] = [:]
    /// Building: by position, the number of the stream whose id keys the row, once known (−1:
    /// not known) — the inverse of `streamPositions`, kept by ``remember(_:at:)`` with it.
    private var keyStreams: [Int32] = []
    private var rows: [Row] = []
    private var positions = PackedKeyTable()
    private var longPositions: [String: Int] = [:]
    private var changed: Set<Int> = []
    /// Building: by stream number (``ProjectedEvent/streamNumber``), the position + 1 of the row
    /// keyed by that stream's id (0: not known yet) — an array index instead of a hash lookup.
    private var streamPositions: [Int32] = []
    /// Positions in key order, while no key has been added since they were sorted.
    private var sortedPositions: [Int]?
    private(set) var building = false

    /// How rows are written.
    private enum Saving {
        /// One at a time, by a function of the fold's.
        case each((String, Row, Database) throws -> Void)
        /// Many per statement: `insert` prepares a ``BulkInsert`` (insert or replace), `add` adds
        /// a row to it.
        case bulk(insert: (Database) throws -> BulkInsert, add: (BulkInsert, String, Row) throws -> Void)
        /// Not by the buffer: its rows are a cache of what the fold writes elsewhere.
        case none
    }

    /// `load` reads a stored row (nil when absent); `save` writes one (insert or replace).
    init(load: @escaping (String, Database) throws -> Row?, save: @escaping (String, Row, Database) throws -> Void) {
        self.load = load
        saving = .each(save)
    }

    /// `load` reads a stored row (nil when absent); rows are written many per statement into the
    /// ``BulkInsert`` that `insert` prepares (an insert or replace), each by `add`.
    init(
        load: @escaping (String, Database) throws -> Row?, insert: @escaping (Database) throws -> BulkInsert,
        add: @escaping (BulkInsert, String, Row) throws -> Void
    ) {
        self.load = load
        saving = .bulk(insert: insert, add: add)
    }

    /// A cache of rows that `load` reads from what the fold stores by other means (another
    /// table's rows, written as they happen): changed rows are kept, never written back.
    init(readThrough load: @escaping (String, Database) throws -> Row?) {
        self.load = load
        saving = .none
    }

    /// Writes the rows at `positions`, in that order.
    private func write(_ positions: some Sequence<Int>, in db: Database) throws {
        switch saving {
        case .each(let save):
            for position in positions { try save(key(at: position), rows[position], db) }
        case .bulk(let makeInsert, let add):
            let insert = try makeInsert(db)
            for position in positions { try add(insert, key(at: position), rows[position]) }
            try insert.finish()
        case .none:
            break
        }
    }

    func beginBuilding() {
        building = true
        removeAll()
    }

    private func position(of key: String) -> Int? {
        if let packed = PackedKey(key) { return positions.position(of: packed, keyAt: packedKey(at:)) }
        return longPositions[key]
    }

    /// The packed key of the row at `position` (one the table holds: its key is short).
    private func packedKey(at position: Int) -> PackedKey {
        keys[position]
    }

    /// The key of the row at `position`.
    private func key(at position: Int) -> String {
        longKeys.isEmpty ? keys[position].text : longKeys[position] ?? keys[position].text
    }

    private func position(of key: RowKey) -> Int? {
        if building, key.stream >= 0, Int(key.stream) < streamPositions.count {
            let known = streamPositions[Int(key.stream)]
            if known > 0 { return Int(known) - 1 }
        }
        guard let position = position(of: key.text) else { return nil }
        remember(key, at: position)
        return position
    }

    /// Building: notes where the row of an event's stream is, for the next event of that stream.
    private func remember(_ key: RowKey, at position: Int) {
        guard building, key.stream >= 0 else { return }
        let stream = Int(key.stream)
        if stream >= streamPositions.count {
            streamPositions.append(contentsOf: repeatElement(0, count: Swift.max(stream + 1, 2 * streamPositions.count) - streamPositions.count))
        }
        streamPositions[stream] = Int32(position + 1)
        keyStreams[position] = key.stream
    }

    private func append(_ key: RowKey, _ row: Row) -> Int {
        let position = rows.count
        let packed = PackedKey(key.text)
        keys.append(packed ?? .zero)
        if building { keyStreams.append(-1) }
        rows.append(row)
        if let packed {
            positions.insert(packed, at: position, keyAt: packedKey(at:))
        } else {
            longPositions[key.text] = position
            longKeys[position] = key.text
        }
        remember(key, at: position)
        sortedPositions = nil
        return position
    }

    /// The position of the row for `key`, loading it when live; nil when there is none.
    private func find(_ key: RowKey, in db: Database) throws -> Int? {
        if let position = position(of: key) { return position }
        guard !building, let row = try load(key.text, db) else { return nil }
        return append(key, row)
    }

    /// The row for `key`, or nil when there is none.
    func row(_ key: RowKey, in db: Database) throws -> Row? {
        try find(key, in: db).map { rows[$0] }
    }

    /// Stores `row` under `key` (new or replacing).
    func set(_ key: RowKey, _ row: Row) {
        let position: Int
        if let existing = self.position(of: key) {
            rows[existing] = row
            position = existing
        } else {
            position = append(key, row)
        }
        if !building { changed.insert(position) }
    }

    /// Changes the row for `key` in place; returns false (and changes nothing) when there is none.
    @discardableResult
    func update(_ key: RowKey, in db: Database, _ change: (inout Row) throws -> Void) throws -> Bool {
        guard let position = try find(key, in: db) else { return false }
        try change(&rows[position])
        if !building { changed.insert(position) }
        return true
    }

    /// Changes every row in place (building only: then every row is in memory). Each row's key
    /// carries its stream's number when it has one, so that the row of the same key in another
    /// buffer is found by array index rather than by hashing the key.
    func updateAll(_ change: (RowKey, inout Row) throws -> Void) rethrows {
        precondition(building, "updateAll visits the rows in memory: only a build from zero holds them all")
        for position in rows.indices { try change(RowKey(key(at: position), stream: keyStreams[position]), &rows[position]) }
    }

    /// Visits every row in key order (building only; the order is sorted again only after
    /// keys were added). Each row is lent in place — `inout`, so no copy is made of it (a copy
    /// of a row is a retain and a release of each of its strings and collections).
    func forEachSorted(_ body: (String, inout Row) throws -> Void) rethrows {
        precondition(building, "forEachSorted visits the rows in memory: only a build from zero holds them all")
        let order = sortedPositions ?? keyOrder()
        sortedPositions = order
        try rows.withUnsafeMutableBufferPointer { rows in
            for position in order { try body(key(at: position), &rows[position]) }
        }
    }

    /// Positions sorted by key (``inKeyOrder(_:_:)``).
    private func keyOrder() -> [Int] {
        rows.indices.sorted(by: inKeyOrder)
    }

    /// Whether the row at `left` comes before the one at `right`: packed keys compare as integers
    /// in byte order (their strings' order), any long key as text.
    private func inKeyOrder(_ left: Int, _ right: Int) -> Bool {
        if longKeys.isEmpty || (longKeys[left] == nil && longKeys[right] == nil) { return keys[left] < keys[right] }
        return key(at: left) < key(at: right)
    }

    func beginTransaction() {
        guard !building else { return }
        removeAll()
    }

    func finishTransaction(in db: Database) throws {
        guard !building else { return }
        try write(changed.sorted(by: inKeyOrder), in: db)
        removeAll()
    }

    func finishBuilding(in db: Database) throws {
        guard building else { return }
        let order = sortedPositions ?? keyOrder()
        try write(order, in: db)
        endBuilding()
    }

    /// Drops the rows built in memory once the fold has written them its own way.
    func endBuilding() {
        removeAll()
        building = false
    }

    private func removeAll() {
        keys.removeAll(keepingCapacity: !building)
        keyStreams.removeAll()
        rows.removeAll(keepingCapacity: !building)
        positions.removeAll(keepingCapacity: !building)
        longPositions.removeAll(keepingCapacity: !building)
        longKeys.removeAll(keepingCapacity: !building)
        changed.removeAll(keepingCapacity: !building)
        streamPositions.removeAll()
        sortedPositions = nil
    }
}

extension RowBuffer {
    func row(_ key: String, in db: Database) throws -> Row? { try row(RowKey(key), in: db) }
    func set(_ key: String, _ row: Row) { set(RowKey(key), row) }
    @discardableResult
    func update(_ key: String, in db: Database, _ change: (inout Row) throws -> Void) throws -> Bool {
        try update(RowKey(key), in: db, change)
    }
}

/// A row's key: its text, and when the text is an event's stream id (``ProjectedEvent/streamID``),
/// that stream's number, with which a build finds the row again by array index.
struct RowKey {
    var text: String
    var stream: Int32

    init(_ text: String, stream: Int32 = -1) {
        self.text = text
        self.stream = stream
    }

    /// The id of `event`'s stream (`enterprise/9137…` → `9137…`).
    init(streamOf event: ProjectedEvent) {
        text = event.streamID
        stream = event.streamNumber
    }
}

/// A text key of up to 23 UTF-8 bytes as three integers: the bytes big-endian, zero-padded, the
/// length in the last byte — equal keys are equal integers, and integer order is byte order.
struct PackedKey: Hashable, Comparable {
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt64

    /// The three words (for hashing: ``PackedKeyTable``).
    var words: (UInt64, UInt64, UInt64) { (high, middle, low) }

    /// The key of no text (an empty slot's).
    static let zero = PackedKey(words: (0, 0, 0))

    private init(words: (UInt64, UInt64, UInt64)) {
        (high, middle, low) = words
    }

    init?(_ text: String) {
        let packed = text.withUTF8Bytes(Self.pack)
        guard let packed else { return nil }
        (high, middle, low) = packed
    }

    private static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64)? {
        guard bytes.count <= 23 else { return nil }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
        // The bytes in memory order; read as big-endian words, integer order is byte order.
        return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2) | UInt64(bytes.count))
    }

    /// The key's text.
    var text: String {
        // The words back in memory order, without the length byte: the text's bytes, zero-padded.
        let bytes = (high.bigEndian, middle.bigEndian, (low & ~0xFF).bigEndian)
        return withUnsafeBytes(of: bytes) { String(decoding: $0.prefix(Int(low & 0xFF)), as: UTF8.self) }
    }

    static func < (left: PackedKey, right: PackedKey) -> Bool {
        (left.high, left.middle, left.low) < (right.high, right.middle, right.low)
    }
}
