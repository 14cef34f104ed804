import Foundation

/// The project data shipped in the Domain bundle (`Resources/<name>.json`) that Gongfu cannot
/// run without: a file missing or malformed there is a broken build, not bad input.
enum BundledResource {
    /// `Resources/<name>.json` decoded as `T`.
    static func decode<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let value = try? JSONDecoder().decode(T.self, from: data)
        else {
            fatalError("Resources/\(name).json is missing or malformed: the Domain bundle is broken")
        }
        return value
    }
}
