/// Where a checker stands against the log while the drafts it checked are appended: the log is
/// read up to ``base``, and the drafts checked since get the seqs after it, up to ``last``
/// (drafts are appended in the order they are checked, by the one writer). ``Intake`` keeps one
/// for its versions and keys, ``DomainRules`` one for its facts; each asks ``landed(size:)``
/// before it reads, and lets go of what the answer says the log now holds.
///
/// ```swift
/// var seqs = PendingSeqs(size: log.size)
/// let seq = seqs.next()                    // the seq a draft just checked will get
/// switch seqs.landed(size: log.size) {
/// case .none: break
/// case .all: held = [:]
/// case .through(let size): held = held.filter { $0.value.seq > size }
/// }
/// ```
struct PendingSeqs {
    /// The log is read up to this seq; the drafts held come after it.
    private(set) var base: UInt64
    /// The seq the last draft checked will get (``base`` when none is held).
    private(set) var last: UInt64
    /// Whether the drafts checked are being appended while more are checked (the intake's
    /// pipelined ``Intake/checkAndAppend(_:by:batchEvents:progress:)``): the log then never
    /// holds all of them until the end, so those it holds are let go once it has grown by
    /// ``forgetsEvery`` past ``base``, which moves to its size.
    var appendsWhileChecking = false
    /// How far the log grows, while ``appendsWhileChecking``, before the drafts it holds are
    /// let go: each time costs a pass over those held.
    var forgetsEvery: UInt64 = 16_384

    /// No draft held, the log read up to `size`.
    init(size: UInt64) {
        base = size
        last = size
    }

    /// No draft held, the log read up to `size`, with the settings of `settings`.
    init(size: UInt64, settings: PendingSeqs) {
        self.init(size: size)
        appendsWhileChecking = settings.appendsWhileChecking
        forgetsEvery = settings.forgetsEvery
    }

    /// What the log's growth lets go of the drafts held.
    enum Landed: Equatable {
        /// Nothing: they are all still held.
        case none
        /// All of them (and whatever else the log took): the log is read up to its size.
        case all
        /// Those with seqs up to this one, where the log is now read up to.
        case through(UInt64)
    }

    /// Counts a draft checked and returns the seq it will get.
    mutating func next() -> UInt64 {
        last += 1
        return last
    }

    /// Moves ``base`` as the log, now of `size` events, allows: to its size once it has grown
    /// (and, while ``appendsWhileChecking``, holds every draft checked or has grown by
    /// ``forgetsEvery``), saying what the drafts held lose.
    mutating func landed(size: UInt64) -> Landed {
        guard size != base else { return .none }
        if !appendsWhileChecking || size >= last {
            self = PendingSeqs(size: size, settings: self)
            return .all
        }
        guard size >= base + forgetsEvery else { return .none }
        base = size
        return .through(size)
    }
}

extension Dictionary {
    /// ``compactMapValues(_:)`` into a table of this one's capacity: a table of held drafts is
    /// emptied of those the log now holds and refilled by the drafts checked next, and rebuilt
    /// at the size of what it keeps it grew again by doubling, rehashing every entry each time.
    func compactMapValuesKeepingCapacity<T>(_ transform: (Value) throws -> T?) rethrows -> [Key: T] {
        var result = [Key: T](minimumCapacity: capacity)
        for (key, value) in self {
            if let kept = try transform(value) { result[key] = kept }
        }
        return result
    }
}
