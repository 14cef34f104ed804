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
            throw Problem(.badRequest, "query parameter \(name)=\(text) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func seq(_ name: String) throws -> UInt64? {
        try integer(name, in: 0...Int.max).map(UInt64.init)
    }

    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = string(name) else { return nil }
        guard allowed.contains(text) else {
            throw Problem(.badRequest, "query parameter \(name)=\(text) must be one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    func date(_ name: String) throws -> String? {
        guard let text = string(name) else { return nil }
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }),
              let month = Int(parts[1]), (1...12).contains(month), let day = Int(parts[2]), (1...31).contains(day) else {
            throw Problem(.badRequest, "query parameter \(name)=\(text) must be a date YYYY-MM-DD")
        }
        return text
    }

    /// A GB/T 2260 city or county code (six digits).
    func region(_ name: String = "region") throws -> String? {
        guard let text = string(name) else { return nil }
        guard text.count == 6, text.allSatisfy(\.isNumber) else {
            throw Problem(.badRequest, "query parameter \(name)=\(text) must be a six-digit GB/T 2260 city or county code such as 370200")
        }
        return text
    }
}
