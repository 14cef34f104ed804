/// Where the daemon listens and what it serves.
public struct ServerConfiguration: Sendable {
    /// The data directory (`gongfu init`/`gongfu demo`): the log and its read models.
    public var dataDirectory: String
    public var host: String
    public var port: Int
    /// The largest request body accepted (a batch of events), in bytes.
    public var maximumBodyBytes: Int
    /// The most events one POST may carry.
    public var maximumEventsPerRequest: Int
    /// How long a reader may ask to wait for its `seq` to be projected.
    public var maximumWait: Duration
    /// Event streams (`/v1/stream`) one token may hold open at once.
    public var maximumStreamsPerToken = 4
    /// Event streams the daemon holds open at once.
    public var maximumStreams = 256
    /// How long a connection may stay idle (no request, or a request's head not yet read)
    /// before it is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// Whether the daemon is reached over HTTPS (directly or behind a proxy): its cookies are
    /// then `Secure`.
    public var secureCookies = false
    /// Threads for blocking work (queries, scans, verification), off Swift's cooperative pool.
    public var workThreads = 4
    /// After a failed write (a full disk) the log refuses writes; they resume, without a
    /// restart, once its file system has this many bytes free.
    public var resumeWritesFreeBytes: UInt64 = 64 << 20
    /// How often a log that refuses writes looks for free space.
    public var resumeWritesCheckInterval: Duration = .seconds(2)

    public init(
        dataDirectory: String, host: String = "127.0.0.1", port: Int = 8080,
        maximumBodyBytes: Int = 4 << 20, maximumEventsPerRequest: Int = 5000, maximumWait: Duration = .seconds(10)
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumEventsPerRequest = maximumEventsPerRequest
        self.maximumWait = maximumWait
    }
}
