import Foundation

/// Bad inputs every writer must refuse with its message (run through `gongfu append` and
/// `POST /v1/events` alike), after ``history`` is in the log. `arguments` are `gongfu append`'s
/// (`--role …`); a writer over HTTP uses a token of that role.
public enum BadInputs {
    public static let enterprise = "91370200AY4CL12T2L"
    public static let provider = "91370100H3BJ1XG69R"

    public static let history = """
        {"stream":"provider/\(provider)","type":"ProviderAdmitted","occurred":"2024-04-10","data":{"name":"济南智造云科技有限公司","mapBatch":1}}
        {"stream":"provider/\(provider)","type":"SolutionListed","occurred":"2024-04-11","data":{"solution":"APS","title":"智能排产","domain":"生产制造","lightweight":true,"freeTrial":"三个月"}}
        {"stream":"enterprise/\(enterprise)","type":"EnterpriseRegistered","occurred":"2024-01-02","data":{"name":"青岛海川精密机械有限公司","uscc":"\(enterprise)","city":"370200","county":"370211","industry":"C3484","yearEntered":2019}}
        {"stream":"enterprise/\(enterprise)","type":"AssessmentRecorded","occurred":"2024-04-20","data":{"assessment":"A1","kind":"online","instrument":"2024.1","stage":"L1"},"key":"assess-1"}

        """

    public static func registration(_ change: (inout String) -> Void) -> String {
        var line =
            #"{"stream":"enterprise/91370200163562681G","type":"EnterpriseRegistered","occurred":"2024-01-02","data":{"name":"青岛某机械","uscc":"91370200163562681G","city":"370200","county":"370211","industry":"C3484","yearEntered":2019}}"#
        change(&line)
        return line
    }

    public static let cases: [(name: String, input: String, arguments: [String], message: String)] = [
        ("malformed JSON", #"{"stream":"enterprise/x","#, [], "not valid JSON"),
        (
            "unknown type", #"{"stream":"plan/2024-2026","type":"PlanAbandoned","occurred":"2024-05-01","data":{}}"#, [],
            "is not an event type of the plan"
        ),
        ("missing field", registration { $0 = $0.replacingOccurrences(of: #","county":"370211""#, with: "") }, [], "data.county: is required"),
        (
            "extra field", registration { $0 = $0.replacingOccurrences(of: #""occurred""#, with: #""extra":1,"occurred""#) }, [],
            #"unknown field "extra""#
        ),
        (
            "wrong type", registration { $0 = $0.replacingOccurrences(of: #""yearEntered":2019"#, with: #""yearEntered":"2019""#) }, [],
            "data.yearEntered: must be an integer"
        ),
        (
            "USCC with a forbidden character", registration { $0 = $0.replacingOccurrences(of: "163562681G", with: "16356268IG") }, [],
            "character 17 'I' is not allowed"
        ),
        (
            "USCC with a wrong organisation check digit", registration { $0 = $0.replacingOccurrences(of: "163562681G", with: "163562682G") }, [],
            "character 17 (the organisation code's GB 11714 check digit)"
        ),
        (
            "USCC with a wrong check character", registration { $0 = $0.replacingOccurrences(of: "163562681G", with: "163562681H") }, [],
            "character 18 (the check character)"
        ),
        (
            "unknown city", registration { $0 = $0.replacingOccurrences(of: #""city":"370200""#, with: #""city":"379900""#) }, [],
            "data.city: must be the GB/T 2260 code"
        ),
        (
            "unknown industry", registration { $0 = $0.replacingOccurrences(of: "C3484", with: "C0610") }, [],
            "data.industry: must be a GB/T 4754-2017 industrial code"
        ),
        (
            "a stage upgrade, retired: assessments set the stage",
            #"{"stream":"enterprise/\#(enterprise)","type":"StageUpgraded","occurred":"2024-06-01","data":{"from":"L1","to":"L2","assessment":"A1"}}"#,
            [], "record the assessment (AssessmentRecorded) instead of StageUpgraded"
        ),
        (
            "trial with an unknown provider",
            #"{"stream":"enterprise/\#(enterprise)","type":"TrialStarted","occurred":"2024-06-01","data":{"provider":"91370200163562681G","solution":"APS"}}"#,
            [], "is not in the provider pool"
        ),
        (
            "ineligible benchmark",
            #"{"stream":"award/SF-1","type":"BenchmarkAwarded","occurred":"2024-11-30","data":{"recipient":"\#(enterprise)","kind":"智能工厂","level":"provincial","year":2024}}"#,
            [], "智能工厂 needs stage L3 or above"
        ),
        (
            "wrong jurisdiction",
            #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"培训"}}"#,
            ["--role", "city:370100"], "writes only its own enterprises"
        ),
        (
            "auditor writing", #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"培训"}}"#,
            ["--role", "auditor"], "auditors read everything and write nothing"
        ),
        (
            "duplicate key with other content",
            #"{"stream":"enterprise/\#(enterprise)","type":"AssessmentRecorded","occurred":"2024-04-20","data":{"assessment":"A1","kind":"online","instrument":"2024.1","stage":"L2"},"key":"assess-1"}"#,
            [], #"idempotency key "assess-1" was already used by event 4"#
        ),
        (
            "stale expected version",
            #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"培训"},"expectedVersion":1}"#,
            [], "expected version 1, but the stream is at version 3"
        ),
        (
            "oversized line",
            #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"\#(String(repeating: "培", count: 30000))"}}"#,
            [], "more than the 65536 an event may have"
        ),
        (
            "future date", #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2099-06-01","data":{"session":"培训"}}"#, [],
            "is after today"
        ),
    ]

    /// The log's segment and index files, to compare before and after.
    public static func snapshot(_ data: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for folder in ["log/segments", "log/index"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: data + "/" + folder) {
                files[folder + "/" + name] = try Data(contentsOf: URL(fileURLWithPath: data + "/" + folder + "/" + name))
            }
        }
        return files
    }

}
