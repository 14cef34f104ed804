import GRDB

/// The assessment years a read model knows (its `assessment_year` table), with their cutoffs:
/// the year an assessment counts for is the first whose cutoff is on or after its date.
struct AssessmentYears {
    /// Each year and its cutoff, in year order.
    let years: [(year: Int, cutoff: String)]

    init(in db: Database) throws {
        years = try Row.fetchAll(db, sql: "SELECT year, cutoff FROM assessment_year ORDER BY year").map { ($0[0], $0[1]) }
    }

    /// The assessment year a business date counts for; nil after the last cutoff.
    func year(of date: String) -> Int? {
        years.first { $0.cutoff >= date }?.year
    }
}
