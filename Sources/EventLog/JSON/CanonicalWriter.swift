/// Writes canonical JSON (``CanonicalJSON``) and envelope lines into a growable buffer it owns:
/// every write is a capacity check and a pointer bump or a `memcpy`, where appending to an
/// `[UInt8]` pays a uniqueness check and a capacity check per call (the payload writer was a
/// quarter of the log's append CPU that way).
///
/// Use through ``withWriter(capacity:_:)``, which frees the buffer, or make one and hand its
/// bytes over with ``finish()``.
struct CanonicalWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    /// Bytes written so far.
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        let capacity = Swift.max(capacity, 64)
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit { base.deallocate() }

    /// Hands the bytes written over, without copying them.
    consuming func finish() -> WrittenBytes {
        let bytes = WrittenBytes(base: base, count: count)
        discard self
        return bytes
    }

    /// Runs `body` with a new writer (by default with room for a typical payload; it grows as needed).
    static func withWriter<Result>(capacity: Int = 512, _ body: (inout CanonicalWriter) throws -> Result) rethrows -> Result {
        var writer = CanonicalWriter(capacity: capacity)
        return try body(&writer)
    }

    /// Lends the bytes written so far.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let newCapacity = Swift.max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Decimal digits of an integer.
    mutating func writeInteger<Integer: BinaryInteger>(_ number: Integer) {
        CanonicalJSON.withDecimalDigits(number) { append($0) }
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .integer(let number): writeInteger(number)
        case .double(let number):
            var text = CanonicalJSON.format(number)
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        case .string(let text): writeString(text)
        case .array(let elements):
            append(UInt8(ascii: "["))
            for index in elements.indices {
                if index > 0 { append(UInt8(ascii: ",")) }
                write(elements[index])
            }
            append(UInt8(ascii: "]"))
        case .object(let members): writeObject(members)
        }
    }

    /// Members sorted by the UTF-8 bytes of their keys: their positions are gathered into scratch
    /// memory with each key's first eight bytes as an integer (no copy of a key or a value), so
    /// only keys sharing those are compared in full.
    private mutating func writeObject(_ members: JSONObject) {
        append(UInt8(ascii: "{"))
        typealias Slot = (prefix: UInt64, index: Int)
        withUnsafeTemporaryAllocation(of: Slot.self, capacity: members.count) { scratch in
            var filled = 0
            for index in members.indices {
                scratch.initializeElement(at: filled, to: (CanonicalJSON.keyPrefix(members[index].key), index))
                filled += 1
            }
            var sorted = UnsafeMutableBufferPointer(rebasing: scratch[0..<filled])
            func sortsBefore(_ slot: Slot, _ other: Slot) -> Bool {
                if slot.prefix != other.prefix { return slot.prefix < other.prefix }
                return CanonicalJSON.precedes(members[slot.index].key, members[other.index].key)
            }
            if filled <= 24 {
                for position in sorted.indices.dropFirst() {
                    var place = position
                    while place > 0, sortsBefore(sorted[place], sorted[place - 1]) {
                        sorted.swapAt(place, place - 1)
                        place -= 1
                    }
                }
            } else {
                sorted.sort(by: sortsBefore)
            }
            for position in sorted.indices {
                if position > 0 { append(UInt8(ascii: ",")) }
                writeString(members[sorted[position].index].key)
                append(UInt8(ascii: ":"))
                write(members[sorted[position].index].value)
            }
            _ = scratch.prefix(filled).deinitialize()
        }
        append(UInt8(ascii: "}"))
    }

    mutating func writeString(_ text: String) {
        text.withUTF8Bytes { writeString($0) }
    }

    /// A string's UTF-8 bytes, quoted, with `"` `\` and control characters escaped.
    mutating func writeString(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        guard CanonicalJSON.needsEscaping(bytes) else {
            append(UnsafeRawBufferPointer(bytes))
            append(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<index])))
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case 0x08: append(#"\b"#)
            case 0x0C: append(#"\f"#)
            case 0x0A: append(#"\n"#)
            case 0x0D: append(#"\r"#)
            case 0x09: append(#"\t"#)
            default:
                let hex: StaticString = "0123456789abcdef"
                append(#"\u00"#)
                append(hex.utf8Start[Int(byte >> 4)])
                append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])))
        append(UInt8(ascii: "\""))
    }
}

/// Bytes a ``CanonicalWriter`` wrote, owned (freed with this object) and never changed.
final class WrittenBytes: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>
    let count: Int

    fileprivate init(base: UnsafeMutablePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { base.deallocate() }

    /// The bytes, valid while this object lives.
    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
