import Domain
import EventLog
import GRDB
import Projections

/// Which log events belong to one city's enterprise files: the events of its enterprises'
/// streams and of their projects' streams. It learns from the events it is shown
/// (registrations, profile corrections, project filings) and asks the read models about the
/// rest, so it also answers for events the read models have not applied yet.
final class CityScope: @unchecked Sendable {  // one request's, handed between threads, never shared
    let city: String
    let daemon: Daemon
    private var enterpriseCity: [String: String] = [:]
    private var projectEnterprise: [String: String] = [:]

    init(city: String, daemon: Daemon) {
        self.city = city
        self.daemon = daemon
    }

    /// The seqs of the city's events in `from...through`, ascending, at most `limit` of them:
    /// the log's positions of the city's streams as the project library knows them (no scan),
    /// then a scan of only the events the project library has not applied yet.
    func seqs(from: UInt64, through: UInt64, limit: Int) throws -> [UInt64] {
        let log = daemon.log
        let through = min(through, log.size)
        guard from >= 1, from <= through, limit > 0 else { return [] }
        let known = try CityStreams.load(city: city, projects: daemon.store(ProjectsReadModel.name))
        var seqs: [UInt64] = []
        for stream in known.streams {
            for seq in log.positions(of: stream) where seq >= from && seq <= min(through, known.seq) { seqs.append(seq) }
        }
        seqs.sort()
        if seqs.count >= limit { return Array(seqs.prefix(limit)) }
        let tail = max(from, known.seq + 1)
        guard tail <= through else { return seqs }
        do {
            try log.forEachLine(from: tail, through: through) { seq, line in
                if includes(line: line) { seqs.append(seq) }
                if seqs.count >= limit { throw ScanComplete() }
            }
        } catch is ScanComplete {}
        return seqs
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
            if EventKind(type: envelope.type) == .projectFiled, let enterprise = envelope.data["enterprise"]?.stringValue {
                projectEnterprise[id] = enterprise
            }
            guard
                let enterprise = projectEnterprise[id] ?? lookup(ProjectsReadModel.name, { try ProjectsReadModel.enterprise(ofProject: id, in: $0) })
            else {
                return false
            }
            projectEnterprise[id] = enterprise
            return cityOf(enterprise: enterprise) == city
        default:
            return false
        }
    }

    private func cityOf(enterprise uscc: String) -> String? {
        if let known = enterpriseCity[uscc] { return known }
        let found = lookup(PendingReadModel.name, { try PendingReadModel.city(ofEnterprise: uscc, in: $0) })
        if let found { enterpriseCity[uscc] = found }
        return found
    }

    private func lookup(_ readModel: String, _ query: (Database) throws -> String?) -> String? {
        guard let store = try? daemon.store(readModel) else { return nil }
        return try? store.read(query)
    }
}

/// Ends a scan of the log early once enough is found.
struct ScanComplete: Error {}
