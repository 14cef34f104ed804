extension StageHistory {
    /// What one assessment found: the seq of the event that recorded it, its business date, the
    /// stage and the assessment's id.
    ///
    /// Every fold that reads stages keeps one per assessment of every enterprise, so a finding
    /// is kept in 32 bytes: its date as the number YYYYMMDD rather than as text. A date that is
    /// not `YYYY-MM-DD` (never one from the log, which refuses it) is kept as text instead, in
    /// front of the assessment's id, and reads back unchanged.
    ///
    /// ```swift
    /// let finding = StageHistory.Finding(seq: 7, date: "2024-05-02T09:30:00+08:00", stage: .l2, assessment: "A-1")
    /// finding.date  // "2024-05-02"
    /// ```
    public struct Finding: Sendable, Equatable {
        /// The seq of the event that recorded it.
        public var seq: UInt64
        /// The assessment's id, after the date's text when `day` says so.
        private var text: String
        /// YYYYMMDD; with ``textDay`` set, the date is the first `day & 0xFFFFFF` bytes of `text`.
        private var day: UInt32
        public var stage: Stage

        private static let textDay: UInt32 = 0x8000_0000

        public init(seq: UInt64, date: String, stage: Stage, assessment: String) {
            self.seq = seq
            self.stage = stage
            (text, day) = Self.pack(date: String(date.prefix(10)), assessment: assessment)
        }

        /// Its business date (`YYYY-MM-DD`).
        public var date: String {
            get {
                guard day & Self.textDay == 0 else { return String(decoding: text.utf8.prefix(Int(day & 0xFF_FFFF)), as: UTF8.self) }
                return String(unsafeUninitializedCapacity: 10) { bytes in
                    var value = day
                    for index in (0..<10).reversed() {
                        if index == 4 || index == 7 {
                            bytes[index] = UInt8(ascii: "-")
                        } else {
                            bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                            value /= 10
                        }
                    }
                    return 10
                }
            }
            set { (text, day) = Self.pack(date: String(newValue.prefix(10)), assessment: assessment) }
        }

        /// The assessment's id.
        public var assessment: String {
            get {
                guard day & Self.textDay != 0 else { return text }
                return String(decoding: text.utf8.dropFirst(Int(day & 0xFF_FFFF)), as: UTF8.self)
            }
            set { (text, day) = Self.pack(date: date, assessment: newValue) }
        }

        /// Whether it comes after `other` in the history (later date, or the same date recorded later).
        func follows(_ other: Finding) -> Bool {
            guard (day | other.day) & Self.textDay == 0 else { return (date, seq) > (other.date, other.seq) }
            return (day, seq) > (other.day, other.seq)
        }

        /// Whether its date is on or before the day `packed` (``packedDay(_:)`` of `text`).
        func isOnOrBefore(_ packed: UInt32, text: some StringProtocol) -> Bool {
            day & Self.textDay == 0 ? day <= packed : date[...] <= text
        }

        /// `YYYY-MM-DD` as the number YYYYMMDD (whose order is the text's); nil for other text.
        static func packedDay(_ date: String) -> UInt32? {
            var date = date
            return date.withUTF8 { bytes -> UInt32? in
                guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
                var value: UInt32 = 0
                for index in [0, 1, 2, 3, 5, 6, 8, 9] {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + UInt32(digit)
                }
                return value
            }
        }

        private static func pack(date: String, assessment: String) -> (text: String, day: UInt32) {
            if let day = packedDay(date) { return (assessment, day) }
            return (date + assessment, textDay | UInt32(date.utf8.count))
        }
    }
}
