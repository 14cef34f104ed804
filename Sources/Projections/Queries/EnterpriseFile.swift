import Domain
import EventLog
import GRDB

/// One enterprise's whole file (一企一档): its row in the pending library (profile, stage, the
/// five steps, contacts, leaving the library), its stage history, its projects, and every
/// event of its stream and its projects' streams, oldest first.
public struct EnterpriseFile: Sendable {
    public var uscc: String
    /// The enterprise's city (for jurisdiction checks).
    public var city: String
    /// The read models' position this file reflects.
    public var seq: UInt64
    public var json: JSONValue

    /// Loads the file, or nil if the pending library does not know `uscc`. Its stage history is
    /// coverage's: each change with the assessment it rests on, and its kind (`baseline` for a
    /// first assessment above L0, `upgrade`) from the event that made it.
    public static func load(
        _ uscc: String, pending: ReadModelStore, projects: ReadModelStore, coverage: ReadModelStore,
        log: EventLog
    ) throws -> EnterpriseFile? {
        guard
            let (profile, city, seq) = try pending.read({ db -> (JSONValue, String, UInt64)? in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM enterprise WHERE uscc = ?", arguments: [uscc]) else { return nil }
                return (object(row), row["city"], try ReadModelStore.checkpoint(in: db).seq)
            })
        else { return nil }
        let changes = try coverage.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, on_date, 'L' || stage AS stage, assessment FROM stage_change WHERE uscc = ? ORDER BY seq", arguments: [uscc])
        }
        let projectRows = try projects.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM project WHERE enterprise = ? ORDER BY project", arguments: [uscc])
        }
        var streams = ["enterprise/" + uscc]
        streams += projectRows.compactMap { ($0["project"] as String?).map { "project/" + $0 } }
        var events: [Envelope] = []
        for stream in streams { events += try log.envelopes(stream: stream) }
        events.sort { $0.seq < $1.seq }
        let types = Dictionary(events.map { ($0.seq, $0.type) }, uniquingKeysWith: { first, _ in first })
        let stages: [JSONValue] = changes.map { row in
            guard case .object(var fields) = object(row) else { return .null }
            fields["kind"] = .string(types[UInt64(row["seq"] as Int64)] == EventKind.assessmentRecorded.rawValue ? "baseline" : "upgrade")
            return .object(fields)
        }
        let json: JSONValue = .object([
            "uscc": .string(uscc),
            "seq": .integer(Int64(seq)),
            "profile": profile,
            "stages": .array(stages),
            "projects": .array(projectRows.map(object)),
            "events": .array(
                events.map { envelope in
                    (try? JSONParser.parse(envelope.line)) ?? .null
                }),
        ])
        return EnterpriseFile(uscc: uscc, city: city, seq: seq, json: json)
    }

    static func object(_ row: Row) -> JSONValue {
        var fields: [String: JSONValue] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: fields[column] = .null
            case .int64(let number): fields[column] = .integer(number)
            case .double(let number): fields[column] = .double(number)
            case .string(let text): fields[column] = .string(text)
            case .blob: continue
            }
        }
        return .object(fields)
    }
}
