import Foundation
import GRDB

/// A deterministic text dump of a read model: every table (by name), its columns, and its rows
/// sorted by all columns; values as NULL, integers, reals (shortest round-trip form) and
/// JSON-quoted text. Equal dumps mean equal read models; the golden files in `snapshots/` are
/// such dumps.
public enum ReadModelDump {
    public static func dump(_ store: ReadModelStore) throws(ProjectionError) -> String {
        try store.read(dump(in:))
    }

    static func dump(in db: Database) throws -> String {
        var output = "# schema(type, name, sql)\n"
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY type, name
                """)
        {
            output += row.databaseValues.map(text).joined(separator: "\t") + "\n"
        }
        let tables = try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
                """)
        for table in tables {
            let columns = try db.columns(in: table).map(\.name)
            output += "# \(table)(\(columns.joined(separator: ", ")))\n"
            let order = (1...columns.count).map(String.init).joined(separator: ", ")
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \"\(table)\" ORDER BY \(order)")
            while let row = try rows.next() {
                output += row.databaseValues.map(text).joined(separator: "\t")
                output += "\n"
            }
        }
        return output
    }

    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let number): String(number)
        case .double(let number): number.description
        case .string(let string): quoted(string)
        case .blob(let data): "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }

    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
