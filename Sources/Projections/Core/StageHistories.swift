import Domain
import GRDB

/// Each enterprise's ``StageHistory``, for a fold that reads stages: every standing assessment
/// (and legacy `StageUpgraded`) is a row of `stage_change`, and the histories are kept in memory
/// (``RowBuffer``) so that an event costs a lookup. A fold declares ``schema`` among its own,
/// lists ``tables`` among its tables, and hands it each assessment and retraction; it answers
/// the history before and after, from which the fold reads whatever it counts.
final class StageHistories {
    /// The `stage_change` table, the same in every read model that keeps stage histories.
    static let schema = """
        CREATE TABLE stage_change (
            seq INTEGER PRIMARY KEY NOT NULL,
            uscc TEXT NOT NULL,
            on_date TEXT NOT NULL,
            stage INTEGER NOT NULL,
            assessment TEXT NOT NULL
        )
        """
    /// Reading one enterprise's history when maintaining a live file.
    static let index = "CREATE INDEX stage_change_by_enterprise ON stage_change (uscc, on_date)"
    static let indexName = "stage_change_by_enterprise"

    /// A history as it was before an event and as it is after.
    typealias Change = (before: StageHistory, after: StageHistory)

    private let rows = Appender(into: "stage_change", columns: 5)
    /// The rows themselves are written as they happen, by `rows`. The histories in memory keep
    /// no assessment ids: no fold reads them, and an id of more than 15 bytes is an allocation
    /// of its own in every finding of every fold (the rows and ``load(_:in:ids:)`` have them).
    private let histories = RowBuffer<StageHistory>(readThrough: { uscc, db in try StageHistories.load(uscc, in: db, ids: false) })

    /// The tables to list among the fold's (``Projection/tables``).
    var tables: [any FoldTable] { [rows, histories] }

    /// The enterprise's history (empty when never assessed).
    func history(_ key: RowKey, in db: Database) throws -> StageHistory {
        try histories.row(key, in: db) ?? StageHistory()
    }

    /// Adds what `event` found, when it is an assessment or a legacy upgrade; nil otherwise.
    func record(_ event: ProjectedEvent, in db: Database) throws -> Change? {
        guard let finding = try Self.finding(of: event) else { return nil }
        let key = RowKey(streamOf: event)
        let before = try history(key, in: db)
        let after = before.recording(StageHistory.Finding(seq: finding.seq, date: finding.date, stage: finding.stage, assessment: ""))
        histories.set(key, after)
        try rows.add(db, Int64(finding.seq), key.text, finding.date, finding.stage.level, finding.assessment)
        return (before, after)
    }

    /// Drops what the retracted event `seq` found; nil when it found nothing.
    func retract(_ seq: UInt64, of key: RowKey, in db: Database) throws -> Change? {
        let before = try history(key, in: db)
        var after = before
        guard after.remove(seq: seq) else { return nil }
        histories.set(key, after)
        try rows.run(db, "DELETE FROM stage_change WHERE seq = ?", seq)
        return (before, after)
    }

    /// Writes the rows added so far (before set-based SQL on `stage_change`).
    func flush() throws { try rows.flush() }

    /// The finding `event` records: an assessment's, or a legacy upgrade's `to` stage.
    static func finding(of event: ProjectedEvent) throws -> StageHistory.Finding? {
        switch event.kind {
        case .assessmentRecorded:
            let assessment = try event.payload(AssessmentRecorded.self)
            return StageHistory.Finding(seq: event.seq, date: event.date, stage: assessment.stage, assessment: assessment.assessment)
        case .stageUpgraded:
            let upgrade = try event.payload(StageUpgraded.self)
            return StageHistory.Finding(seq: event.seq, date: event.date, stage: upgrade.to, assessment: upgrade.assessment)
        default:
            return nil
        }
    }

    /// One enterprise's history as stored; with `ids` false, without its assessment ids (each
    /// finding's is empty).
    static func load(_ uscc: String, in db: Database, ids: Bool = true) throws -> StageHistory? {
        let sql = "SELECT seq, on_date, stage, \(ids ? "assessment" : "''") FROM stage_change WHERE uscc = ?"
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [uscc])
        return StageHistory(rows.map(finding(of:)))
    }

    /// Every enterprise's history in `table` (`stage_change`, or a table or view with its
    /// columns), read in one pass: for queries over the whole population.
    static func all(from table: String = "stage_change", in db: Database) throws -> [String: StageHistory] {
        var result: [String: StageHistory] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, on_date, stage, assessment, uscc FROM \(table) ORDER BY seq")
        while let row = try rows.next() { result[row[4], default: StageHistory()].record(finding(of: row)) }
        return result
    }

    /// A finding from a row whose first four columns are seq, date, stage and assessment.
    static func finding(of row: Row) -> StageHistory.Finding {
        StageHistory.Finding(seq: UInt64(row[0] as Int64), date: row[1], stage: Stage(level: row[2]) ?? .l0, assessment: row[3])
    }
}
