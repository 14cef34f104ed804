import Foundation
import Testing

@testable import Domain
@testable import EventLog

/// The catalogue, its schema files and its examples agree.
@Suite struct CatalogueTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas")

    static func examples() throws -> [(type: String, draft: EventDraft, data: JSONValue)] {
        let folder = schemas.appendingPathComponent("examples")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            let value = try JSONParser.parse(Array(try Data(contentsOf: folder.appendingPathComponent(name))))
            let draft = try EventDraft(input: value)
            #expect(name == "\(draft.type).v\(draft.schema).json", "example file named after its type and version")
            return (draft.type, draft, draft.data)
        }
    }

    static func schemaFile(_ name: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: schemas.appendingPathComponent("events/" + name))))
    }

    @Test("Every event type has exactly one kind, and every kind but `unknown` is a type")
    func everyTypeHasItsKind() {
        let names = EventCatalogue.payloadTypes.map { $0.type }
        #expect(names.map { EventKind(type: $0).rawValue } == names)
        #expect(Set(EventKind.allCases.filter { $0 != .unknown }.map(\.rawValue)) == Set(names))
        #expect(EventKind(type: "NoSuchEvent") == .unknown)
        #expect(EventKind(type: "") == .unknown)
    }

    @Test func everyTypeHasAnExampleAndASchemaFile() throws {
        let exampleTypes = Set(try Self.examples().map(\.type))
        #expect(exampleTypes == Set(EventCatalogue.all.map(\.type)))
        for spec in EventCatalogue.all {
            _ = try Self.schemaFile("\(spec.type).v\(spec.schema).schema.json")
        }
    }

    @Test func schemaFilesAreWhatTheCatalogueWrites() throws {
        for (name, document) in SchemaWriter().documents() {
            let text = try String(contentsOf: Self.schemas.appendingPathComponent("events/" + name), encoding: .utf8)
            #expect(text == document.prettyText, "schemas/events/\(name) is stale: run `gongfu schemas --write`")
        }
    }

    @Test func everyExamplePassesTheSwiftValidatorAndItsSchemaFile() throws {
        let validator = EventValidator()
        for example in try Self.examples() {
            do {
                try validator.validate(example.draft)
            } catch {
                Issue.record("\(example.type): \(error)")
            }
            let schema = try Self.schemaFile("\(example.type).v1.schema.json")
            #expect(SchemaValidator.violation(of: schema, by: example.data) == nil, "\(example.type)")
        }
    }

    @Test func everyExampleDecodesIntoItsSwiftTypeWhoseFieldsAreTheCatalogues() throws {
        #expect(Set(EventCatalogue.payloadTypes.map { $0.type }) == Set(EventCatalogue.all.map(\.type)))
        for payloadType in EventCatalogue.payloadTypes {
            #expect(String(describing: payloadType) == payloadType.type, "a payload type is named as its event type")
        }
        for example in try Self.examples() {
            let payloadType = try #require(EventCatalogue.payloadType(for: example.type))
            let payload = try payloadType.decode(example.data)
            let properties = Set(Mirror(reflecting: payload).children.compactMap(\.label))
            let fields = Set(try #require(EventCatalogue.spec(for: example.type)).fields.map(\.name))
            #expect(properties == fields, "\(example.type): Swift properties \(properties.sorted()) vs catalogue \(fields.sorted())")
        }
        let upgrade = try StageUpgraded.decode(try #require(try Self.examples().first { $0.type == "StageUpgraded" }).data)
        #expect(upgrade.from < upgrade.to)
        let plan = try PlanPublished.decode(try DefaultPlan.draft().data)
        #expect(plan.ledger.count == 9 && plan.targets["2026"]?["coverage"] == 98)
    }

    @Test func readingTheTreeAndTheMemberListGiveTheSamePayloadForEveryExample() throws {
        var inputs = try Self.examples().map { ($0.type, $0.data) }
        inputs.append(("PlanPublished", try DefaultPlan.draft().data))
        for (type, data) in inputs {
            let payloadType = try #require(EventCatalogue.payloadType(for: type))
            let fast = try payloadType.decode(data)
            #expect(!Self.normalized(fast).isEmpty)
            // Read as projections read it: the members of the stored canonical bytes, as a list.
            let bytes = data.canonicalBytes
            let listed = try Array(#"{"data":"#.utf8 + bytes + "}".utf8).withUnsafeBytes { buffer in
                var list: [(key: String, value: JSONValue)] = []
                try JSONParser.parseObject(buffer) { _, parser throws(JSONParser.Failure) in list = try parser.readMembers() }
                return list
            }
            #expect(listed.map(\.key) == listed.map(\.key).sorted(), "members keep the stored (canonical) order")
            #expect(Self.normalized(try payloadType.decode(members: listed)) == Self.normalized(fast), "\(type)")
        }
        #expect(throws: PayloadError(path: "data.year", expected: "an integer")) {
            _ = try AnnualAssessmentClosed.decode(members: [("year", "2024")])
        }
        // Wrong kinds are refused with the member's path.
        #expect(throws: PayloadError(path: "data.year", expected: "an integer")) {
            _ = try AnnualAssessmentClosed.decode(["year": "2024"])
        }
        #expect(throws: PayloadError(path: "data.ledger[0].units", expected: "a value (it is missing)")) {
            _ = try PlanPublished.decode(["title": "t", "ledger": [["task": "1", "title": "x", "deadline": "2024-01-01"]], "targets": [:]])
        }
    }

    /// A value's stored properties as text, dictionaries sorted (for comparing decoded payloads).
    static func normalized(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .dictionary:
            let pairs = mirror.children.map { child -> (String, String) in
                let pair = Array(Mirror(reflecting: child.value).children)
                return (normalized(pair[0].value), normalized(pair[1].value))
            }
            return "[" + pairs.sorted { $0.0 < $1.0 }.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "]"
        case .struct, .class, .collection, .optional, .tuple:
            if mirror.displayStyle == .optional, mirror.children.isEmpty { return "nil" }
            return "(" + mirror.children.map { "\($0.label ?? "")=\(normalized($0.value))" }.joined(separator: ", ") + ")"
        default:
            return String(reflecting: value)
        }
    }

    @Test func theEnvelopeSchemaDescribesStoredLines() async throws {
        let temporary = NSTemporaryDirectory() + "gongfu-catalogue-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let directory = LogDirectory(root: temporary)
        try EventLog.initialize(directory: directory, origin: "test/catalogue")
        let log = try EventLog(directory: directory, writable: true)
        let drafts = try Self.examples().map(\.draft)
        _ = try await log.append(
            drafts.map { draft in
                var copy = draft
                copy.key = "example-\(draft.type)"
                return copy
            }, actor: Actor(name: "test", role: "province"))
        let schema = try Self.schemaFile("envelope.v1.schema.json")
        for envelope in try log.envelopes() {
            let line = try JSONParser.parse(envelope.line.dropLast())
            #expect(SchemaValidator.violation(of: schema, by: line, at: "envelope") == nil, "\(envelope.type)")
        }
        await log.close()
    }

    /// Bad payloads, each refused with the path of the field at fault. The last column says
    /// whether the schema file can refuse it too (JSON Schema cannot check check characters,
    /// calendar dates or which city a county belongs to).
    @Test(
        arguments: [
            ("EnterpriseRegistered", "name", JSONValue.null, "data.name: must be a string", true),
            ("EnterpriseRegistered", "city", "379900", "data.city: must be the GB/T 2260 code of one of Shandong's 16 cities", true),
            ("EnterpriseRegistered", "county", "370102", "data.county: 370102 belongs to 济南市", false),
            ("EnterpriseRegistered", "industry", "C0610", "data.industry: must be a GB/T 4754-2017 industrial code", true),
            ("EnterpriseRegistered", "industry", "F5110", "data.industry: must be a GB/T 4754-2017 industrial code", true),
            ("EnterpriseRegistered", "uscc", "91370200AY4CL12T3L", "data.uscc: character 17", false),
            ("EnterpriseRegistered", "uscc", "91370200AY4CL12T2M", "data.uscc: character 18", false),
            ("EnterpriseRegistered", "yearEntered", "2019", "data.yearEntered: must be an integer", true),
            ("EnterpriseRegistered", "nickname", "海川", "data.nickname: is not a field of this event", true),
            ("AssessmentRecorded", "stage", "L6", "data.stage: must be a stage", true),
            ("AssessmentRecorded", "scores", ["数据": 101], "data.scores.数据: must be at most 100", true),
            ("TrialEnded", "outcome", "maybe", "data.outcome: must be one of \"purchased\", \"declined\"", true),
            ("ProjectFiled", "budgetFen", 0, "data.budgetFen: must be at least 1", true),
            ("ProjectFiled", "providers", [], "data.providers: must have at least 1 item", true),
            (
                "PlanPublished", "ledger", [["task": "1", "title": "x", "deadline": "2024-02-30", "units": ["厅"]]],
                "data.ledger[0].deadline: must be a date", false
            ),
            (
                "PlanPublished", "ledger", [["task": "1", "title": "x", "deadline": "30.2.2024", "units": ["厅"]]],
                "data.ledger[0].deadline: must be a date", true
            ),
            ("IncentiveGranted", "basis", "somewhere", "data.basis: \"somewhere\" does not match", true),
        ] as [(String, String, JSONValue, String, Bool)])
    func refusesWithThePathOfTheField(type: String, field: String, value: JSONValue, message: String, schemaRefuses: Bool) throws {
        var draft = try #require(try Self.examples().first { $0.type == type }?.draft)
        guard case .object(var members) = draft.data else { return }
        members[field] = value
        draft.data = .object(members)
        #expect { try EventValidator().validate(draft) } throws: { error in
            "\(error)".contains(message)
                || {
                    Issue.record("\(error)")
                    return false
                }()
        }
        let schemaFile = try Self.schemaFile("\(type).v1.schema.json")
        #expect((SchemaValidator.violation(of: schemaFile, by: draft.data) != nil) == schemaRefuses)
    }

    @Test(arguments: ["B0610", "C3484", "D4411", "B06", "D46"])
    func acceptsEveryIndustrialSection(code: String) throws {
        // 规上工业 is mining (B), manufacturing (C) and utilities (D): all three register.
        var draft = try #require(try Self.examples().first { $0.type == "EnterpriseRegistered" }?.draft)
        guard case .object(var members) = draft.data else { return }
        members["industry"] = .string(code)
        draft.data = .object(members)
        try EventValidator().validate(draft)
        let schemaFile = try Self.schemaFile("EnterpriseRegistered.v1.schema.json")
        #expect(SchemaValidator.violation(of: schemaFile, by: draft.data) == nil)
    }

    @Test func refusesUnknownTypesWrongStreamsAndMissingFields() throws {
        let validator = EventValidator()
        let example = try #require(try Self.examples().first { $0.type == "StageUpgraded" }?.draft)
        var unknown = example
        unknown.type = "StageDowngraded"
        #expect { try validator.validate(unknown) } throws: { "\($0)".hasPrefix("type: \"StageDowngraded\" is not an event type") }
        var wrongStream = example
        wrongStream.stream = "project/P-1"
        #expect { try validator.validate(wrongStream) } throws: { "\($0)".contains("belongs to a enterprise/… stream") }
        var badCode = example
        badCode.stream = "enterprise/91370200MA3C0XYZ1Q"
        #expect { try validator.validate(badCode) } throws: {
            "\($0)".hasPrefix("stream: enterprise streams are named by the unified social credit code")
        }
        var missing = example
        missing.data = ["from": "L1", "to": "L2"]
        #expect { try validator.validate(missing) } throws: { "\($0)".hasPrefix("data.assessment: is required") }
        var version = example
        version.schema = 2
        #expect { try validator.validate(version) } throws: { "\($0)".hasPrefix("schema: StageUpgraded has schema version 1") }
    }
}

@Suite struct DefaultPlanTests {
    @Test func theSeedsLedgerAndTargetsAreAValidPlanPublishedEvent() throws {
        let draft = try DefaultPlan.draft()
        try EventValidator().validate(draft)
        #expect(draft.stream == "plan/2024-2026" && draft.type == "PlanPublished")
        guard case .array(let ledger) = draft.data["ledger"] else {
            Issue.record("no ledger")
            return
        }
        #expect(ledger.count == 9, "the 2024 ledger has 9 tasks")
        #expect(ledger.map { $0["task"]?.stringValue } == (1...9).map { String($0) })
        let providerPool = try #require(ledger.first { $0["title"] == "形成服务商资源池" })
        guard case .array(let milestones) = providerPool["milestones"] else {
            Issue.record("no milestones")
            return
        }
        #expect(milestones.map { $0["deadline"]?.stringValue } == ["2024-02-29", "2024-04-30", "2024-11-30"])
        #expect(draft.data["targets"]?["2023"]?["coverage"] == .double(87.3))
        #expect(draft.data["targets"]?["2026"]?["coverage"] == 98)
        #expect(draft.data["targets"]?["2026"]?["deep"] == 50)
    }
}
