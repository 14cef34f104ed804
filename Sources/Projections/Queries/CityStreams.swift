import GRDB

/// The streams whose events belong to one city's (or county's) enterprise files — its
/// enterprises' streams and their projects' — as the project library knows them at its
/// checkpoint. A city's or county's event listing reads the log's positions of these streams
/// instead of scanning the whole log.
public struct CityStreams: Sendable {
    /// The project library's checkpoint: events after it are not reflected here.
    public var seq: UInt64
    /// `enterprise/<uscc>` and `project/<id>` names, in no particular order.
    public var streams: [String]

    /// The streams of `region` (a GB/T 2260 city or county code) in the project library `projects`.
    public static func load(region: String, projects: ReadModelStore) throws(ProjectionError) -> CityStreams {
        let column = region.hasSuffix("00") ? "city" : "county"
        return try projects.read { db in
            let seq = try ReadModelStore.checkpoint(in: db).seq
            var streams = try String.fetchAll(db, sql: "SELECT 'enterprise/' || uscc FROM enterprise WHERE \(column) = ?", arguments: [region])
            streams += try String.fetchAll(
                db,
                sql: """
                    SELECT 'project/' || p.project FROM project p JOIN enterprise e ON e.uscc = p.enterprise WHERE e.\(column) = ?
                    """, arguments: [region])
            return CityStreams(seq: seq, streams: streams)
        }
    }
}
