import Foundation

/// The plan's reference data, loaded from the JSON files in `Resources/` (data, not code):
/// Shandong's GB/T 2260 divisions, GB/T 4754-2017 manufacturing divisions, sector groups.
public struct ReferenceData: Sendable {
    public struct Division: Sendable, Equatable, Decodable {
        public let code: String
        public let name: String
    }

    public struct City: Sendable, Equatable, Decodable {
        public let code: String
        public let name: String
        public let counties: [Division]
    }

    public struct HistoricDivision: Sendable, Equatable, Decodable {
        public let code: String
        public let name: String
        /// The code that took its place.
        public let successor: String
        public let note: String
    }

    public struct SectorGroup: Sendable, Equatable, Decodable {
        public let id: String
        public let name: String
        public let divisions: [String]
    }

    public let cities: [City]
    public let historicDivisions: [HistoricDivision]
    /// GB/T 4754-2017 manufacturing divisions (大类) 13–43.
    public let industries: [Division]
    public let sectorGroups: [SectorGroup]

    /// The city a current county or city code belongs to.
    public func city(containing code: String) -> City? {
        cities.first { $0.code == code || $0.counties.contains { $0.code == code } }
    }

    /// Whether `code` is a current or historic Shandong division (city or county).
    public func isKnownDivision(_ code: String) -> Bool {
        city(containing: code) != nil || historicDivisions.contains { $0.code == code }
    }

    /// The manufacturing division of an industry code such as `C3484`, `3484` or `34`.
    public func industry(for code: String) -> Division? {
        let digits = code.hasPrefix("C") ? String(code.dropFirst()) : code
        guard digits.count >= 2, digits.allSatisfy(\.isNumber) else { return nil }
        return industries.first { $0.code == String(digits.prefix(2)) }
    }

    /// The sector groups an industry code falls in.
    public func sectorGroups(for industryCode: String) -> [SectorGroup] {
        guard let division = industry(for: industryCode) else { return [] }
        return sectorGroups.filter { $0.divisions.contains(division.code) }
    }

    /// The reference data shipped with Gongfu.
    public static let standard: ReferenceData = {
        do {
            return try load()
        } catch {
            fatalError("the bundled reference data does not load: \(error)")
        }
    }()

    /// Loads the files from `directory` (default: the bundled resources).
    public static func load(from directory: URL? = nil) throws -> ReferenceData {
        func data(_ name: String) throws -> Data {
            if let directory { return try Data(contentsOf: directory.appendingPathComponent(name + ".json")) }
            guard let url = Bundle.module.url(forResource: name, withExtension: "json") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name + ".json"])
            }
            return try Data(contentsOf: url)
        }
        struct Divisions: Decodable {
            let cities: [City]
            let historic: [HistoricDivision]
        }
        struct Industries: Decodable { let divisions: [Division] }
        struct Groups: Decodable { let groups: [SectorGroup] }
        let decoder = JSONDecoder()
        let divisions = try decoder.decode(Divisions.self, from: try data("divisions"))
        return ReferenceData(
            cities: divisions.cities, historicDivisions: divisions.historic,
            industries: try decoder.decode(Industries.self, from: try data("industries")).divisions,
            sectorGroups: try decoder.decode(Groups.self, from: try data("sector-groups")).groups)
    }
}
