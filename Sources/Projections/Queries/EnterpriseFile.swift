import Domain
import EventLog
import GRDB

/// One enterprise's whole file (一企一档): its row in the pending library (profile, stage, the
/// five steps, contacts, leaving the library), its stage history, its projects, and every
/// event of its stream and its projects' streams, oldest first.
public struct EnterpriseFile: Sendable {
    public var uscc: String
    /// The enterprise's city and county (for jurisdiction checks).
    public var city: String
    public var county: String
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
            let (profile, city, county, seq) = try pending.read({ db -> (JSONValue, String, String, UInt64)? in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM enterprise WHERE uscc = ?", arguments: [uscc]) else { return nil }
                return (object(row), row["city"], row["county"], try ReadModelStore.checkpoint(in: db).seq)
            })
        else { return nil }
        let history = try coverage.read { db in try StageHistories.load(uscc, in: db) } ?? StageHistory()
        let projectRows = try projects.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM project WHERE enterprise = ? ORDER BY project", arguments: [uscc])
        }
        var streams = ["enterprise/" + uscc]
        streams += projectRows.compactMap { ($0["project"] as String?).map { "project/" + $0 } }
        var events: [Envelope] = []
        for stream in streams { events += try log.envelopes(stream: stream) }
        events.sort { $0.seq < $1.seq }
        // Each assessment in history order, with the stage it moved from: the first sets the
        // stage the enterprise starts from, later ones move it up, down, or confirm it.
        var previous: Stage?
        let stages: [JSONValue] = history.findings.map { finding in
            let kind =
                switch previous {
                case nil: "baseline"
                case let from? where finding.stage > from: "upgrade"
                case let from? where finding.stage < from: "downgrade"
                default: "confirmed"
                }
            var fields: JSONObject = [
                "seq": .integer(Int64(finding.seq)), "on_date": .string(finding.date), "stage": .string(finding.stage.rawValue),
                "assessment": .string(finding.assessment), "kind": .string(kind),
            ]
            if let previous { fields["from"] = .string(previous.rawValue) }
            previous = finding.stage
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
        return EnterpriseFile(uscc: uscc, city: city, county: county, seq: seq, json: json)
    }

    static func object(_ row: Row) -> JSONValue {
        var fields: JSONObject = [:]
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
