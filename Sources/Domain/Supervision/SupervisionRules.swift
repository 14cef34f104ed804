import Foundation

/// The supervision (督查激励) checks and their thresholds, as data
/// (`Resources/supervision-rules.json`), versioned: the findings read model is rebuilt when the
/// version changes.
public struct SupervisionRules: Sendable, Decodable {
    public struct Rule: Sendable, Decodable {
        public let id: String
        /// The check's name as supervision writes it.
        public let title: String
        public let enabled: Bool
        public let thresholds: [String: Double]
    }

    public let version: Int
    public let rules: [Rule]

    /// The rules shipped with Gongfu.
    public static let standard: SupervisionRules = BundledResource.decode("supervision-rules")

    public func rule(_ id: String) -> Rule? { rules.first { $0.id == id } }

    /// Whether the rule is on (unknown rules are off).
    public func isEnabled(_ id: String) -> Bool { rule(id)?.enabled ?? false }

    /// A rule's threshold, or `fallback` when the data does not set it.
    public func threshold(_ id: String, _ name: String, default fallback: Double) -> Double {
        rule(id)?.thresholds[name] ?? fallback
    }
}
