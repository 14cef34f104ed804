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

    public init(dataDirectory: String, host: String = "127.0.0.1", port: Int = 8080,
                maximumBodyBytes: Int = 4 << 20, maximumEventsPerRequest: Int = 5000, maximumWait: Duration = .seconds(10)) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumEventsPerRequest = maximumEventsPerRequest
        self.maximumWait = maximumWait
    }
}
