import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the query daemon: the HTTP API, the dashboard and the projection worker, until SIGTERM or SIGINT.",
        discussion: """
            The daemon is the log's only writer while it runs (POST /v1/events). Every request but
            /health and /metrics needs a bearer token (`gongfu token add`). On SIGTERM/SIGINT it
            stops accepting connections, finishes in-flight requests, and closes the log with
            every acknowledged append durable.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "Log level of the request and service logs: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Flag(help: "Mark the login cookie Secure: set it when browsers reach the daemon over HTTPS (e.g. behind nginx with TLS).")
    var secureCookies = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535 (got \(port)).") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel) is not a level; use trace, debug, info, notice, warning or error.")
        }
        guard FileManager.default.fileExists(atPath: options.data + "/log") else {
            throw ValidationError(
                "\(options.data) holds no log; create one with `gongfu init --data \(options.data)` or `gongfu demo --data \(options.data)`.")
        }
    }

    func run() async throws {
        try await Self.serve(
            data: options.data, host: host, port: port, logLevel: Logger.Level(rawValue: logLevel) ?? .info,
            secureCookies: secureCookies
        ) { url in
            printError("gongfu serving \(options.data) at \(url)  (Ctrl-C stops it)")
        }
    }

    /// Runs the daemon until a signal stops it; `onListening` gets the base URL once it listens.
    static func serve(
        data: String, host: String, port: Int, logLevel: Logger.Level, secureCookies: Bool = false,
        onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        var logger = Logger(label: "gongfu.serve")
        logger.logLevel = logLevel
        var configuration = ServerConfiguration(dataDirectory: data, host: host, port: port)
        configuration.secureCookies = secureCookies
        let daemon = try Daemon(configuration: configuration, logger: logger)
        let app = buildApplication(daemon) { port in onListening("http://\(host):\(port)/") }
        try await app.runService()
    }
}
