import Foundation

/// The plan's reference data, loaded from the JSON files in `Resources/` (data, not code):
/// Shandong's GB/T 2260 divisions, the GB/T 4754-2017 divisions of industry (规上工业: sections B
/// mining, C manufacturing, D utilities), sector groups.
public struct ReferenceData: Sendable {
    public struct Division: Sendable, Equatable, Decodable {
        public let code: String
        public let name: String
    }

    /// A GB/T 4754-2017 section (门类) of 规上工业: B 采矿业, C 制造业, D 电力、热力、燃气及水生产和供应业.
    public struct IndustrySection: Sendable, Equatable, Decodable {
        /// The letter: B, C or D.
        public let code: String
        /// The section's GB/T 4754-2017 name, e.g. 采矿业.
        public let name: String
    }

    /// A GB/T 4754-2017 division (大类) of section B, C or D.
    public struct IndustryDivision: Sendable, Equatable, Decodable {
        /// The section (门类): B, C or D.
        public let section: String
        /// Two digits, unique across sections (06–12, 13–43, 44–46).
        public let code: String
        public let name: String
        /// The division as industry codes begin: section letter and digits, e.g. `C34`.
        public var industryCode: String { section + code }
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
    /// GB/T 4754-2017 divisions (大类) of sections B (06–12), C (13–43) and D (44–46).
    public let industries: [IndustryDivision]
    /// The sections the divisions belong to: B, C and D.
    public let sections: [IndustrySection]
    public let sectorGroups: [SectorGroup]
    /// ``industries`` by their two digits (0–99).
    private let industriesByNumber: [IndustryDivision?]

    /// Reference data from its parts (``load(from:)`` reads them from the bundled files).
    public init(
        cities: [City], historicDivisions: [HistoricDivision], industries: [IndustryDivision], sections: [IndustrySection] = [],
        sectorGroups: [SectorGroup]
    ) {
        self.cities = cities
        self.historicDivisions = historicDivisions
        self.industries = industries
        self.sections = sections
        self.sectorGroups = sectorGroups
        var byNumber = [IndustryDivision?](repeating: nil, count: 100)
        for division in industries {
            if let number = Int(division.code), byNumber.indices.contains(number) { byNumber[number] = division }
        }
        industriesByNumber = byNumber
    }

    /// The city a current county or city code belongs to.
    public func city(containing code: String) -> City? {
        cities.first { $0.code == code || $0.counties.contains { $0.code == code } }
    }

    /// The name of the province (`370000`), a city or a county; the code itself when unknown
    /// (a blank code is the province's share that has no place: "省级").
    public func placeName(_ code: String) -> String {
        if code == "370000" { return "山东省" }
        if code.isEmpty { return "省级" }
        guard let city = city(containing: code) else { return code }
        return city.code == code ? city.name : city.counties.first { $0.code == code }?.name ?? code
    }

    /// Whether the place `code` lies within the city or county `region` (a city holds itself and
    /// its counties; a county only itself).
    public static func region(_ region: String, contains code: String) -> Bool {
        region.hasSuffix("00") ? code.prefix(4) == region.prefix(4) : code == region
    }

    /// Whether `code` is a current or historic Shandong division (city or county).
    public func isKnownDivision(_ code: String) -> Bool {
        city(containing: code) != nil || historicDivisions.contains { $0.code == code }
    }

    /// The division of an industry code such as `C3484`, `B0610`, `D4411`, or its digits alone
    /// (`3484`, `34`): nil when the division is not one of industry's or the letter is not its
    /// section's.
    public func industry(for code: String) -> IndustryDivision? {
        // Read byte by byte: every registration's industry is checked here.
        let bytes = code.utf8
        guard let first = bytes.first else { return nil }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let digits = isDigit(first) ? bytes[...] : bytes.dropFirst()
        guard digits.count >= 2, digits.allSatisfy(isDigit) else { return nil }
        let number = Int(digits.first! - UInt8(ascii: "0")) * 10 + Int(digits.dropFirst().first! - UInt8(ascii: "0"))
        guard let division = industriesByNumber[number] else { return nil }
        // A letter must be the division's section.
        guard isDigit(first) || division.section.utf8.elementsEqual(CollectionOfOne(first)) else { return nil }
        return division
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
        struct Industries: Decodable {
            let sections: [IndustrySection]
            let divisions: [IndustryDivision]
        }
        struct Groups: Decodable { let groups: [SectorGroup] }
        let decoder = JSONDecoder()
        let divisions = try decoder.decode(Divisions.self, from: try data("divisions"))
        let industries = try decoder.decode(Industries.self, from: try data("industries"))
        return ReferenceData(
            cities: divisions.cities, historicDivisions: divisions.historic, industries: industries.divisions,
            sections: industries.sections, sectorGroups: try decoder.decode(Groups.self, from: try data("sector-groups")).groups)
    }
}
