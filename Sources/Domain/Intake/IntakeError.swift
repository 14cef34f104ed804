/// Where in its input an event came from, as its writer numbers it: a file's line, a CSV row,
/// or the index of an event in a request.
public struct IntakePlace: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: String, Sendable {
        case line, row, event
    }

    public var unit: Unit
    public var number: Int

    public init(_ unit: Unit, _ number: Int) {
        self.unit = unit
        self.number = number
    }

    public var description: String { "\(unit.rawValue) \(number)" }
}

/// Why an input was refused: what was wrong and where. Nothing of the input was appended.
///
/// ```swift
/// do { try intake.check(draft, at: IntakePlace(.line, 12)) } catch {
///     error.code   // .rule
///     error.rule   // "register-once"
///     "\(error)"   // "line 12: enterprise 9137… is already registered in the population [rule: register-once]"
/// }
/// ```
public struct IntakeError: Error, Sendable, CustomStringConvertible {
    /// What kind of mistake it is: writers turn it into an exit status or an HTTP status. New
    /// codes can be added without breaking a writer's `switch` (it has a default).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Nothing to append.
        public static let empty = Code(rawValue: "empty")
        /// Not JSON, or not an object where one was expected.
        public static let malformed = Code(rawValue: "malformed")
        /// Not an event of the catalogue, or a field that is wrong.
        public static let invalid = Code(rawValue: "invalid")
        /// More than the writer accepts (a line, an event count).
        public static let tooLarge = Code(rawValue: "too-large")
        /// Outside the writer's jurisdiction.
        public static let forbidden = Code(rawValue: "forbidden")
        /// Against a domain rule, an expected version, or an idempotency key used for another event.
        public static let conflict = Code(rawValue: "conflict")
        /// The log refused the write (a full disk, a failed sync).
        public static let unavailable = Code(rawValue: "unavailable")
    }

    public var code: Code
    public var place: IntakePlace?
    public var message: String
    /// The domain rule broken, for ``Code/forbidden`` and ``Code/conflict`` from the rules.
    public var rule: String?

    public init(_ code: Code, at place: IntakePlace?, _ message: String, rule: String? = nil) {
        self.code = code
        self.place = place
        self.message = message
        self.rule = rule
    }

    public var description: String {
        (place.map { "\($0): " } ?? "") + message + (rule.map { " [rule: \($0)]" } ?? "")
    }
}
