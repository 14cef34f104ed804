/// Where everything lives inside a data directory:
///
/// ```
/// DIR/log/config.json            origin, segment size, simulation (written once by init)
/// DIR/log/LOCK                   held by the one writing process
/// DIR/log/segments/<base>.lz4    segment files, <base> = first seq, 20 digits
/// DIR/log/index/batches.idx      derived index (rebuildable from the segments)
/// DIR/log/checkpoints/<size>.txt signed checkpoints (C2SP tlog-checkpoint)
/// DIR/keys/checkpoint.key        Ed25519 signing key (mode 0600)
/// DIR/keys/checkpoint.pub        its verifier key (signed-note format)
/// ```
public struct LogDirectory: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public var log: String { root + "/log" }
    public var config: String { log + "/config.json" }
    public var lock: String { log + "/LOCK" }
    public var segments: String { log + "/segments" }
    public var index: String { log + "/index" }
    public var batchIndex: String { index + "/batches.idx" }
    public var checkpoints: String { log + "/checkpoints" }
    public var keys: String { root + "/keys" }
    public var signingKey: String { keys + "/checkpoint.key" }
    public var verifierKey: String { keys + "/checkpoint.pub" }

    public func segmentPath(baseSeq: UInt64) -> String {
        segments + "/" + Self.segmentName(baseSeq: baseSeq)
    }

    public static func segmentName(baseSeq: UInt64) -> String {
        String(baseSeq).leftPadded(to: 20) + ".lz4"
    }

    static func baseSeq(segmentName name: String) -> UInt64? {
        guard name.hasSuffix(".lz4"), name.count == 24 else { return nil }
        return UInt64(name.prefix(20))
    }

    public func checkpointPath(size: UInt64) -> String {
        checkpoints + "/" + String(size).leftPadded(to: 20) + ".txt"
    }

    /// Segment base sequence numbers present on disk, in order.
    func segmentBases() throws(StorageError) -> [UInt64] {
        try File.listDirectory(segments).compactMap(Self.baseSeq(segmentName:)).sorted()
    }
}

/// The log's settings, fixed at `init`.
public struct LogConfiguration: Sendable, Equatable {
    /// The checkpoint origin line: names this log uniquely.
    public var origin: String
    /// A segment is closed and a new one started once it reaches this many bytes.
    public var segmentBytes: Int
    /// Whether this log is a simulation (`gongfu demo`): its events' recorded times follow the
    /// simulated timeline (``EventLog/setSimulatedTime(_:)``) instead of the clock.
    public var simulation: Bool

    public static let defaultSegmentBytes = 64 << 20

    public init(origin: String, segmentBytes: Int = LogConfiguration.defaultSegmentBytes, simulation: Bool = false) {
        self.origin = origin
        self.segmentBytes = segmentBytes
        self.simulation = simulation
    }

    var json: JSONValue {
        var fields: JSONObject = ["formatVersion": 1, "origin": .string(origin), "segmentBytes": .integer(Int64(segmentBytes))]
        if simulation { fields["simulation"] = .bool(true) }
        return .object(fields)
    }

    init(json: JSONValue, path: String) throws(LogError) {
        guard json["formatVersion"]?.integerValue == 1 else { throw .badConfiguration(path: path, reason: "formatVersion must be 1") }
        guard let origin = json["origin"]?.stringValue, !origin.isEmpty else { throw .badConfiguration(path: path, reason: "origin missing") }
        guard let bytes = json["segmentBytes"]?.integerValue, bytes >= 4096 else {
            throw .badConfiguration(path: path, reason: "segmentBytes must be at least 4096")
        }
        let simulation = json["simulation"] ?? .bool(false)
        guard simulation == .bool(true) || simulation == .bool(false) else {
            throw .badConfiguration(path: path, reason: "simulation must be true or false")
        }
        self.init(origin: origin, segmentBytes: Int(bytes), simulation: simulation == .bool(true))
    }
}
