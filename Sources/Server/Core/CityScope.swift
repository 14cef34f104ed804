import EventLog
import GRDB
import Projections

/// Which log events belong to one city's enterprise files: the events of its enterprises'
/// streams and of their projects' streams. It learns from the events it is shown
/// (registrations, profile corrections, project filings) and asks the read models about the
/// rest, so it also answers for events the read models have not applied yet.
final class CityScope {
    let city: String
    let daemon: Daemon
    private var enterpriseCity: [String: String] = [:]
    private var projectEnterprise: [String: String] = [:]

    init(city: String, daemon: Daemon) {
        self.city = city
        self.daemon = daemon
    }

    /// Whether a stored envelope line belongs to the city (an unreadable line does not).
    func includes(line: some Collection<UInt8>) -> Bool {
        (try? Envelope(line: line)).map(includes) ?? false
    }

    func includes(_ envelope: Envelope) -> Bool {
        guard let slash = envelope.stream.firstIndex(of: "/") else { return false }
        let category = envelope.stream[..<slash]
        let id = String(envelope.stream[envelope.stream.index(after: slash)...])
        switch category {
        case "enterprise":
            if ["EnterpriseRegistered", "EnterpriseProfileCorrected"].contains(envelope.type), let moved = envelope.data["city"]?.stringValue {
                enterpriseCity[id] = moved
            }
            return cityOf(enterprise: id) == city
        case "project":
            if envelope.type == "ProjectFiled", let enterprise = envelope.data["enterprise"]?.stringValue {
                projectEnterprise[id] = enterprise
            }
            guard let enterprise = projectEnterprise[id] ?? lookup("projects", "SELECT enterprise FROM project WHERE project = ?", id) else { return false }
            projectEnterprise[id] = enterprise
            return cityOf(enterprise: enterprise) == city
        default:
            return false
        }
    }

    private func cityOf(enterprise uscc: String) -> String? {
        if let known = enterpriseCity[uscc] { return known }
        let found = lookup("pending", "SELECT city FROM enterprise WHERE uscc = ?", uscc)
        if let found { enterpriseCity[uscc] = found }
        return found
    }

    private func lookup(_ readModel: String, _ sql: String, _ key: String) -> String? {
        guard let store = try? daemon.store(readModel) else { return nil }
        return try? store.read { db in try String.fetchOne(db, sql: sql, arguments: [key]) }
    }
}
