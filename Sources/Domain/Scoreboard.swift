import Foundation

/// The plan's quantitative targets as the scoreboard counts them, as data
/// (`Resources/scoreboard.json`): for each target named in the published plan's `targets`, its
/// title, unit and period, the read model figure that counts it, the events behind that figure
/// and the rule in words. The values themselves come from the `PlanPublished` event.
///
/// ```swift
/// let coverage = Scoreboard.standard.target("coverage")!
/// coverage.period   // .rate: the level at the year's assessment
/// coverage.places   // .county: counted for every city and county too
/// ```
public struct Scoreboard: Sendable, Decodable {
    /// How a target's actual figure for a year is taken.
    public enum Period: String, Sendable, Decodable {
        /// Counted within the calendar year.
        case year
        /// Standing at the year's end (or the date judged at, if earlier).
        case stock
        /// Counted from the plan's first year through the year.
        case cumulative
        /// The rate at the year's assessment (frozen once it closed).
        case rate
        /// The rate's change over the previous year, in points.
        case gain

        /// The period as the scoreboard's column shows it.
        public var title: String {
            switch self {
            case .year: "当年"
            case .stock: "年末存量"
            case .cumulative: "累计"
            case .rate: "评估值"
            case .gain: "年增幅"
            }
        }
    }

    /// Where a target's figure can be told apart: the province only, each city, or each city and
    /// county.
    public enum Places: String, Sendable, Decodable {
        case province, city, county
    }

    /// The read model figure that counts a target.
    public struct Count: Sendable, Decodable {
        /// `coverage`, `programme`, `providers` or `benchmarks`.
        public let readModel: String
        /// coverage: `coverage` or `deep`; providers: `pool`, `solutions` or `leading`.
        public let figure: String?
        /// programme: the metrics summed.
        public let metrics: [String]?
        /// benchmarks: the award kind, and the level when only one counts.
        public let kind: String?
        public let level: String?
    }

    /// One target of the plan.
    public struct Target: Sendable, Decodable {
        /// Its name in the plan's `targets` (e.g. `enterprisesStarting`).
        public let target: String
        public let title: String
        public let unit: String
        public let period: Period
        public let places: Places
        public let count: Count
        /// The event types the figure is made of (``EventKind`` names).
        public let events: [String]
        /// How the figure is counted, in words.
        public let rule: String
        /// The plan's own words for the target.
        public let clause: String
    }

    public let version: Int
    /// The plan's first and last year (2024–2026) and the baseline year before it (2023).
    public let firstYear: Int
    public let lastYear: Int
    public let baselineYear: Int
    public let targets: [Target]

    /// The scoreboard shipped with Gongfu.
    public static let standard: Scoreboard = BundledResource.decode("scoreboard")

    /// The target named `name`, if the scoreboard counts it.
    public func target(_ name: String) -> Target? { targets.first { $0.target == name } }
}
