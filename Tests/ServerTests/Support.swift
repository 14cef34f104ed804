import Access
import DemoProvince
import Domain
import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Projections
import Server
import TestSupport

/// A generated province (120 enterprises, seed 11) appended once through the validated path;
/// each test works on its own copy.
actor ProvinceFixture {
    static let shared = ProvinceFixture()
    private var template: TemporaryDirectory?

    func copy(into temporary: TemporaryDirectory, at target: String? = nil) async throws -> String {
        if template == nil {
            let directory = TemporaryDirectory.sharedByProcess()
            let data = try directory.initialisedLog()
            var generator = ProvinceGenerator(options: .init(seed: 11, enterprises: 120))
            let drafts = try generator.generate()
            let log = try EventLog(directory: data, writable: true)
            var intake = try Intake(log: log, actor: Role.province.actor(named: "test-generator"))
            _ = try await intake.checkAndAppend(drafts)
            await log.close()
            template = directory
        }
        let target = target ?? temporary.path + "/data"
        try FileManager.default.copyItem(atPath: template!.path + "/data", toPath: target)
        return target
    }
}

/// A daemon over a copy of the fixture, its read models caught up, with one token per role.
struct TestDaemon: Sendable {
    let temporary = TemporaryDirectory()
    let daemon: Daemon
    let province: String
    let auditor: String
    /// A city:370200 (青岛) token.
    let qingdao: String

    /// - Parameters:
    ///   - dataDirectory: where the copy goes (default: inside `temporary`).
    ///   - logger: the daemon's logger (default: errors only).
    ///   - configure: changes to the test configuration.
    init(dataDirectory: String? = nil, logger: Logger? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        let data = try await ProvinceFixture.shared.copy(into: temporary, at: dataDirectory)
        var quiet = Logger(label: "gongfu.test")
        quiet.logLevel = .error
        var configuration = ServerConfiguration(dataDirectory: data, port: 0, maximumBodyBytes: 256 << 10, maximumWait: .seconds(5))
        // The other suites share the test's few threads, so a live test's client may wait between
        // two requests longer than the daemon's 30 s idle timeout: the daemon would close its
        // connection under it. The idle timeout has its own test, which sets it.
        configuration.idleTimeout = .seconds(3600)
        configure(&configuration)
        daemon = try Daemon(configuration: configuration, logger: logger ?? quiet)
        _ = try daemon.readModels.catchUp()
        province = try daemon.tokens.add(role: .province, name: "test-province").secret
        auditor = try daemon.tokens.add(role: .auditor, name: "test-auditor").secret
        qingdao = try daemon.tokens.add(role: .city("370200"), name: "test-qingdao").secret
    }

    /// The router alone, driven in process.
    var router: some ApplicationProtocol { Application(router: buildRouter(daemon)) }
    /// The whole daemon (server, projection worker, log owner) on a free loopback port.
    var live: some ApplicationProtocol { buildApplication(daemon) }

    func close() async { await daemon.log.close() }
}

func bearer(_ secret: String, _ more: HTTPFields = [:]) -> HTTPFields {
    var headers = more
    headers[.authorization] = "Bearer \(secret)"
    return headers
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSONValue { (try? JSONParser.parse(Array(buffer: body))) ?? .null }
    var seq: UInt64? { headers[HTTPFields.Element.Name("Gongfu-Seq")!].flatMap { UInt64($0) } }
}

extension JSONValue {
    var rows: [JSONValue] { if case .array(let rows) = self["rows"] ?? .null { return rows } else { return [] } }
    var arrayValue: [JSONValue] { if case .array(let items) = self { return items } else { return [] } }
    var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}

/// A valid USCC (both check characters) registered in `division` with an 8-character serial.
func makeUSCC(division: String, serial: String) -> String {
    let organisation = serial + String(USCC.organisationCheckCharacter(for: serial)!)
    let first17 = "91" + division + organisation
    return first17 + String(USCC.checkCharacter(for: first17)!)
}

/// An EnterpriseRegistered input line for a new enterprise of `city`.
func registration(_ uscc: String, city: String, county: String, key: String? = nil) -> String {
    let keyField = key.map { ",\"key\":\"\($0)\"" } ?? ""
    return """
        {"stream":"enterprise/\(uscc)","type":"EnterpriseRegistered","occurred":"2026-11-02","data":{"name":"测试精密机械有限公司","uscc":"\(uscc)","city":"\(city)","county":"\(county)","industry":"C3484","chains":["高端装备"],"yearEntered":2026}\(keyField)}
        """
}

/// `gongfu serve` on `data` at a free loopback port, started as a real process; returns it and
/// the base URL it prints (`http://127.0.0.1:PORT/`).
func startServe(data: String) async throws -> (server: Process, url: String) {
    let server = Process()
    server.executableURL = URL(fileURLWithPath: Products.path("gongfu"))
    server.arguments = ["serve", "--data", data, "--port", "0", "--log-level", "warning"]
    let errors = Pipe()
    server.standardError = errors
    server.standardOutput = FileHandle.nullDevice
    let printed = OutputWatcher(errors.fileHandleForReading)
    try server.run()
    guard
        let url = await printed.wait(for: { text -> String? in
            guard let start = text.range(of: "http://127.0.0.1:"), let end = text[start.lowerBound...].firstIndex(of: " ") else { return nil }
            return String(text[start.lowerBound..<end])
        })
    else {
        server.terminate()
        throw ServeDidNotStart(output: printed.text)
    }
    return (server, url)
}

/// `gongfu serve` ended or stayed silent without saying where it listens.
struct ServeDidNotStart: Error, CustomStringConvertible {
    let output: String
    var description: String { "gongfu serve did not say where it listens: \(output)" }
}
