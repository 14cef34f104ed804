/// A realistic flaw the generator seeds into the history on purpose, for the supervision checks
/// to find. Every one passes the plan's rules at the moment it is written, as real ones do.
public struct Imperfection: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An upgrade dated before a year's assessment cutoff, recorded after the year closed:
        /// it changes that year's figures as known, not as frozen.
        case backDatedUpgrade
        /// Two levels up within a year with no on-site diagnosis.
        case stageJumpWithoutDiagnosis
        /// A city's enterprises jumping two levels with no diagnosis in the ranked year, by the
        /// dozen: its coverage gain rests on them, and its incentive rank moves without them.
        case paddedCityGain
        /// A benchmark whose qualifying upgrade was later retracted: the recipient is below
        /// the kind's minimum stage.
        case benchmarkToIneligibleEnterprise
        /// One award paid twice under two differently written bases.
        case doubledIncentive
    }

    public var kind: Kind
    /// The stream the flaw is on (the enterprise, award or incentive).
    public var stream: String
    public var detail: String
}
