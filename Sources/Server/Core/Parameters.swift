import Domain
import EventLog
import Hummingbird
import HummingbirdCore

/// Query-string parameters, read with messages that say which parameter was wrong and what it
/// should be (400 problems).
struct Parameters {
    /// The query string, parsed once (Hummingbird parses it on every access).
    let query: FlatDictionary<Substring, Substring>

    init(request: Request) {
        query = request.uri.queryParameters
    }

    func string(_ name: String) -> String? {
        query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Problem(
                .badRequest, "query parameter \(name)=\(text.prefix(40)) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func seq(_ name: String) throws -> UInt64? {
        try integer(name, in: 0...Int.max).map(UInt64.init)
    }

    /// A yes/no parameter: `true`/`1` or `false`/`0`; absent is false.
    func flag(_ name: String) throws -> Bool {
        guard let text = string(name) else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw Problem(.badRequest, "query parameter \(name)=\(text.prefix(40)) must be true or false")
        }
    }

    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = string(name) else { return nil }
        guard allowed.contains(text) else {
            throw Problem(.badRequest, "query parameter \(name)=\(text.prefix(40)) must be one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    /// A calendar date `YYYY-MM-DD` of the years 1990–2100 (the plan's records and their
    /// history; anything else is a typing mistake).
    func date(_ name: String) throws -> String? {
        guard let text = string(name) else { return nil }
        guard text.utf8.count == 10, Timestamp.isValidBusinessDate(text), let year = Int(text.prefix(4)), (1990...2100).contains(year) else {
            throw Problem(.badRequest, "query parameter \(name)=\(text.prefix(40)) must be a date YYYY-MM-DD between 1990-01-01 and 2100-12-31")
        }
        return text
    }

    /// A GB/T 2260 city or county code (six digits).
    func region(_ name: String = "region") throws -> String? {
        guard let text = string(name) else { return nil }
        guard text.utf8.count == 6, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw Problem(
                .badRequest, "query parameter \(name)=\(text.prefix(40)) must be a six-digit ASCII GB/T 2260 city or county code such as 370200")
        }
        guard ReferenceData.standard.isKnownDivision(text) else {
            throw Problem(
                .badRequest, "query parameter \(name)=\(text) is not a city or county of Shandong (GB/T 2260), e.g. 370200 (青岛市) or 370211 (黄岛区)")
        }
        return text
    }
}
