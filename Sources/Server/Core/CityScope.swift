import Domain
import EventLog
import GRDB
import Projections

/// Which log events belong to one city's (or county's) enterprise files: the events of its
/// enterprises' streams and of their projects' streams. It learns from the events it is shown
/// (registrations, profile corrections, project filings) and asks the read models about the
/// rest, so it also answers for events the read models have not applied yet.
final class CityScope: @unchecked Sendable {  // one request's, handed between threads, never shared
    /// A city or a county code.
    let region: String
    let daemon: Daemon
    private var enterprisePlace: [String: (city: String, county: String)] = [:]
    private var projectEnterprise: [String: String] = [:]

    init(region: String, daemon: Daemon) {
        self.region = region
        self.daemon = daemon
    }

    /// The seqs of the region's events in `from...through`, ascending, at most `limit` of them:
    /// the log's positions of the city's streams as the project library knows them (no scan),
    /// then a scan of only the events the project library has not applied yet.
    func seqs(from: UInt64, through: UInt64, limit: Int) throws -> [UInt64] {
        let log = daemon.log
        let through = min(through, log.size)
        guard from >= 1, from <= through, limit > 0 else { return [] }
        let known = try CityStreams.load(region: region, projects: daemon.store(ProjectsReadModel.name))
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

    /// Whether a stored envelope line belongs to the region (an unreadable line does not).
    func includes(line: some Collection<UInt8>) -> Bool {
        (try? Envelope(line: line)).map(includes) ?? false
    }

    func includes(_ envelope: Envelope) -> Bool {
        guard let slash = envelope.stream.firstIndex(of: "/") else { return false }
        let category = envelope.stream[..<slash]
        let id = String(envelope.stream[envelope.stream.index(after: slash)...])
        switch category {
        case "enterprise":
            if ["EnterpriseRegistered", "EnterpriseProfileCorrected"].contains(envelope.type) {
                let known = placeOf(enterprise: id)
                if let city = envelope.data["city"]?.stringValue ?? known?.city, let county = envelope.data["county"]?.stringValue ?? known?.county {
                    enterprisePlace[id] = (city, county)
                }
            }
            return inRegion(enterprise: id)
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
            return inRegion(enterprise: enterprise)
        default:
            return false
        }
    }

    private func inRegion(enterprise uscc: String) -> Bool {
        guard let place = placeOf(enterprise: uscc) else { return false }
        return region.hasSuffix("00") ? place.city == region : place.county == region
    }

    private func placeOf(enterprise uscc: String) -> (city: String, county: String)? {
        if let known = enterprisePlace[uscc] { return known }
        let found = lookup(PendingReadModel.name, { try PendingReadModel.place(ofEnterprise: uscc, in: $0) })
        if let found { enterprisePlace[uscc] = found }
        return found
    }

    private func lookup<Value>(_ readModel: String, _ query: (Database) throws -> Value?) -> Value? {
        guard let store = try? daemon.store(readModel) else { return nil }
        return try? store.read(query)
    }
}

/// Ends a scan of the log early once enough is found.
struct ScanComplete: Error {}
