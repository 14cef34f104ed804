import Domain
import Projections

/// Aggregates a city token sees of other regions hide their small cells: a cell (a row of
/// coverage, of the funnel) counting fewer than ``threshold`` enterprises outside the viewer's
/// city could name one enterprise's stage or progress (a chain in one county of one industry).
/// Its counts and rates become null and its `suppressed` column true.
enum SmallCells {
    static let threshold = 3

    /// `table` with the small cells outside city `viewer` suppressed (queries other than
    /// coverage and the funnel are returned as they are: they are scoped or province-level).
    static func suppress(_ table: QueryTable, query: ReadModelQuery.Name, filters: QueryFilters, coverage: CoverageQuery.Dimension, viewer: String)
        -> QueryTable
    {
        let countColumn: String
        let firstValue: String
        let placeColumn: String?
        switch query {
        case .coverage:
            countColumn = "population"
            firstValue = "population"
            placeColumn = coverage == .city || coverage == .county ? "code" : nil
        case .funnel:
            countColumn = "pending"
            firstValue = "pending"
            // Sector groups span places: every cell is suppressed when small, unless filtered to the viewer.
            placeColumn = coverage == .county ? "code" : coverage == .sector || coverage == .industry ? nil : "city"
        default:
            return table
        }
        // Inside the viewer's own region: a city's codes share its first four digits; a county's is its own.
        let owns = { (code: String) in ReferenceData.region(viewer, contains: code) }
        let insideFilter = filters.region.map(owns) ?? false
        guard let count = table.columns.firstIndex(where: { $0.key == countColumn }),
            let first = table.columns.firstIndex(where: { $0.key == firstValue })
        else { return table }
        let place = placeColumn.flatMap { key in table.columns.firstIndex { $0.key == key } }
        var result = table
        result.columns.append(.init(key: "suppressed", title: "少于\(threshold)家已隐去"))
        result.rows = table.rows.map { row in
            var row = row
            let inside =
                place.map { index -> Bool in
                    if case .text(let code) = row[index] { return owns(code) }
                    return false
                } ?? false
            let small: Bool
            switch row[count] {
            case .integer(let value): small = value < threshold
            default: small = false
            }
            let hidden = small && !inside && !insideFilter
            if hidden {
                for index in first..<row.count { row[index] = .null }
            }
            row.append(.boolean(hidden))
            return row
        }
        return result
    }
}
