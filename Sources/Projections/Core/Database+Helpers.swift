import Domain
import GRDB

extension Database {
    /// Runs one statement through the connection's statement cache (bulk folds run the same few
    /// statements millions of times).
    @inline(__always)
    func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        let statement = try cachedStatement(sql: sql)
        // The statements are ours and their argument counts fixed: skip GRDB's per-call checks.
        statement.setUncheckedArguments(arguments)
        try statement.execute()
    }
}

extension Stage {
    /// The stage as the integer read models store (L0 → 0 … L5 → 5), so SQL can compare them.
    public var level: Int { Stage.allCases.firstIndex(of: self)! }
}
