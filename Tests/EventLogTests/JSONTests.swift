import Testing

@testable import EventLog

@Suite struct CanonicalJSONTests {
    @Test func sameValueSameBytesWhateverTheInputLayout() throws {
        let first = try JSONParser.parse(#"{ "b": 1, "a": {"y": [1, 2.50, "x"], "x": null}, "c": "青岛" }"#)
        let second = try JSONParser.parse(#"{"c":"\u9752\u5c9b","a":{"x":null,"y":[1,2.5,"x"]},"b":1}"#)
        #expect(first.canonicalText == #"{"a":{"x":null,"y":[1,2.5,"x"]},"b":1,"c":"青岛"}"#)
        #expect(first.canonicalBytes == second.canonicalBytes)
    }

    @Test func stringsEscapeOnlyWhatTheyMust() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t\u0001é😀"]"#)
        #expect(value.canonicalText == #"["a\"b\\c/d\n\t\u0001é😀"]"#)
    }

    @Test func numbersHaveOneForm() throws {
        #expect(
            try JSONParser.parse("[1.0, -0.0, 1e2, 1.5e-7, 12345678901234567890, 2.5E+30]").canonicalText
                == "[1,0,100,1.5e-7,1.2345678901234567e+19,2.5e+30]")
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate object key"),
        (#"{"a":1}x"#, "unexpected data"),
        (#"["\ud800"]"#, "lone UTF-16 surrogate"),
        ("[01]", "leading zero"),
        ("[1e999]", "out of range"),
        ("[\"a\nb\"]", "control character"),
        (String(repeating: "[", count: 100), "nested deeper"),
        ("{\"a\":tru}", "invalid literal"),
    ])
    func rejectsWithReason(text: String, reason: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func keysSortByUTF8BytesIncludingNonASCII() throws {
        let value = try JSONParser.parse(#"{"青":1,"b":2,"Z":3,"é":4,"a":5,"ab":6}"#)
        #expect(value.canonicalText == #"{"Z":3,"a":5,"ab":6,"b":2,"é":4,"青":1}"#)
    }

    @Test("keys sharing their first eight bytes, or shorter than eight, still sort by all their bytes")
    func keysSortPastTheirFirstEightBytes() throws {
        let value = try JSONParser.parse(
            #"{"commissionerB":1,"commissioner":2,"commissionerA":3,"commissi":4,"comm":5,"commissioneR":6,"":7,"\u0000":8}"#)
        #expect(
            value.canonicalText == #"{"":7,"\u0000":8,"comm":5,"commissi":4,"commissioneR":6,"commissioner":2,"commissionerA":3,"commissionerB":1}"#)
    }

    @Test("objects too large for the small sort, and integers at their limits")
    func largeObjectsAndExtremeIntegers() throws {
        let keys = (0..<60).map { "k\(String(format: "%02d", (37 * $0) % 60))" }
        let object = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, JSONValue.integer(Int64($0))) }))
        let text = object.canonicalText
        let order = keys.sorted()
        #expect(text.hasPrefix(#"{"k00":0,"k01":"#) && text.hasSuffix(#""k59":\#(keys.firstIndex(of: "k59")!)}"#))
        let positions = order.map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(
            JSONValue.array([.integer(.min), .integer(.max), 0, -1, 10, -100]).canonicalText
                == "[-9223372036854775808,9223372036854775807,0,-1,10,-100]")
        var line: [UInt8] = []
        CanonicalJSON.writeInteger(UInt64.max, into: &line)
        CanonicalJSON.writeInteger(-42, into: &line)
        #expect(String(decoding: line, as: UTF8.self) == "18446744073709551615-42")
    }

    @Test("a character that must be escaped is found at every position of an eight-byte word")
    func escapesFoundAtEveryPosition() throws {
        for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}"] {
            for length in 1...20 {
                for position in 0..<length {
                    var text = String(repeating: "a", count: length)
                    text.replaceSubrange(
                        text.index(text.startIndex, offsetBy: position)...text.index(text.startIndex, offsetBy: position), with: special)
                    let canonical = JSONValue.string(text).canonicalText
                    #expect(try JSONParser.parse(canonical) == .string(text), "\(canonical)")
                    #expect(canonical.count > length + 2, "\(special.debugDescription) at \(position) of \(length) left unescaped")
                }
            }
        }
        // Bytes that only look close: space, '!', '#', ']', 0x7F and multi-byte UTF-8.
        let harmless = " !#]\u{7F}青岛é😀 !#]\u{7F}"
        #expect(JSONValue.string(harmless).canonicalText == "\"\(harmless)\"")
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }
}

@Suite struct EventDraftTests {
    @Test func readsAnInputLine() throws {
        let draft = try EventDraft(
            inputLine: Array(
                #"{"stream":"plan/2024-2026","type":"PlanPublished","occurred":"2024-01-15","data":{},"expectedVersion":"none","key":"k1"}"#.utf8))
        #expect(draft.stream == "plan/2024-2026")
        #expect(draft.expectedVersion == .none)
        #expect(draft.key == "k1")
        #expect(draft.streamParts == ("plan", "2024-2026"))
        var nested = draft
        nested.stream = "award/2025/4032"
        #expect(nested.streamParts == ("award", "2025/4032"))
        nested.stream = "plan"
        #expect(nested.streamParts == ("plan", ""))
    }

    @Test(arguments: [
        (#"{"stream":"Enterprise/1","type":"A","occurred":"2024-01-01","data":{}}"#, "\"stream\""),
        (#"{"stream":"enterprise/1","type":"lower","occurred":"2024-01-01","data":{}}"#, "\"type\""),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-02-30","data":{}}"#, "\"occurred\""),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":[]}"#, "\"data\" must be a JSON object"),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01"}"#, "missing \"data\""),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"seq":5}"#, "assigned by the log"),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"actor":{}}"#, "assigned by the log"),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"extra":1}"#, "unknown field"),
        (#"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"expectedVersion":-1}"#, "expectedVersion"),
    ])
    func rejects(line: String, reason: String) {
        do {
            _ = try EventDraft(inputLine: Array(line.utf8))
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    /// Lines read member by member give what reading the line's whole tree gives: the same
    /// draft, or the same refusal.
    @Test func readsALineAsItsWholeTreeReadsIt() throws {
        let lines = [
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{"b":[1,2.5,{"c":null}],"a":"名"}}"#,
            #" { "data" : {} , "occurred":"2024-01-01T09:30:00+08:00", "type":"A", "stream":"plan/x", "schema": 3, "key":"k", "expectedVersion": 7 } "#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"expectedVersion":0}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"expectedVersion":"any","schema":1000}"#,
            #"{"str\u0065am":"enterprise/1","type":"A","occurred":"2024-01-01","data":{}}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"stream":"enterprise/2"}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"schema":0}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"schema":"1"}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"expectedVersion":"some"}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"key":5}"#,
            #"{"stream":1,"type":"A","occurred":"2024-01-01","data":{}}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{}} x"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{"#,
            #"{"stream":"enterprise/1","type":"A","data":{}}"#,
            #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":{},"id":"x"}"#,
            #"["stream"]"#, "", "{}", #"{"stream":"enterprise/1","type":"A","occurred":"2024-01-01","data":5}"#,
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            let read = Result { () throws(EventDraftError) in try EventDraft(inputLine: bytes[...]) }
            let whole = Result { () throws(EventDraftError) in try EventDraft(wholeInputLine: bytes) }
            switch (read, whole) {
            case (.success(let read), .success(let whole)): #expect(read == whole, "\(line)")
            case (.failure(let read), .failure(let whole)): #expect(read == whole, "\(line)")
            default: Issue.record("\(line): \(read) but read whole: \(whole)")
            }
        }
        #expect(
            try EventDraft(inputLine: Array(lines[1].utf8))
                == EventDraft(
                    stream: "plan/x", type: "A", schema: 3, occurred: "2024-01-01T09:30:00+08:00", data: [:], expectedVersion: .exact(7), key: "k"))
    }

    @Test(arguments: [
        ("enterprise/91370200MA3C0XYZ1Q", true), ("plan/2024-2026", true), ("project/P-2024:7/a.b_c", true),
        ("a-b/x", true), ("enterprise/", false), ("/x", false), ("a/-x", false), ("9a/x", false), ("-a/x", false),
        ("enterprise/has space", false), ("enterprise", false), ("enterprise/" + String(repeating: "x", count: 129), false),
        ("enterprise/" + String(repeating: "x", count: 128), true), ("e2-x/Y", true), ("Enterprise/x", false), ("e_x/y", false),
        ("e/x/", true), ("e/x\u{00e9}", false), ("", false), ("e/", false),
    ])
    func streamNames(name: String, valid: Bool) {
        #expect(EventDraft.isValidStream(name) == valid, "\(name)")
    }

    @Test(arguments: [
        ("TrialStarted", true), ("A", true), ("Trial2", true), ("T" + String(repeating: "a", count: 63), true),
        ("T" + String(repeating: "a", count: 64), false), ("lower", false), ("", false), ("Trial-Started", false),
        ("2Trial", false), ("Trial Started", false), ("Trial\u{00e9}", false),
    ])
    func eventTypes(type: String, valid: Bool) {
        #expect(EventDraft.isValidType(type) == valid, "\(type)")
    }

    @Test func uuidsAreVersion7WithTheirTimeFirst() {
        var random = FastRandom()
        let id = UUIDv7.make(milliseconds: 0x0193_0000_0001, using: &random)
        #expect(id.count == 36)
        #expect(id.hasPrefix("01930000-0001-7"))
        #expect(["8", "9", "a", "b"].contains(id[id.index(id.startIndex, offsetBy: 19)]))
        #expect(UUIDv7.make(milliseconds: 5, using: &random) != UUIDv7.make(milliseconds: 5, using: &random))
    }

    @Test func businessDates() {
        #expect(Timestamp.isValidBusinessDate("2024-02-29"))
        #expect(!Timestamp.isValidBusinessDate("2023-02-29"))
        #expect(Timestamp.isValidBusinessDate("2024-10-31T09:30:00+08:00"))
        #expect(Timestamp.isValidBusinessDate("2024-10-31T01:30:00.123Z"))
        #expect(!Timestamp.isValidBusinessDate("2024-10-31T25:30:00Z"))
        #expect(!Timestamp.isValidBusinessDate("2024-10-31 09:30"))
        // Month lengths and leap years: 30-day months, 1900 not leap, 2000 leap; no day 0 or month 13.
        for valid in ["2024-04-30", "2024-01-31", "2024-12-31", "2000-02-29", "1900-02-28"] {
            #expect(Timestamp.isValidBusinessDate(valid), "\(valid)")
        }
        for invalid in [
            "2024-04-31", "2024-06-31", "2024-09-31", "2024-11-31", "1900-02-29", "2024-00-10", "2024-13-01", "2024-05-00",
            "1899-12-31", "2024-5-01", "2024-05-01T09:30:00+0800", "2024-05-01T09:30:00.",
        ] {
            #expect(!Timestamp.isValidBusinessDate(invalid), "\(invalid)")
        }
        #expect(Timestamp.format(microseconds: 1_730_338_200_123_456) == "2024-10-31T01:30:00.123456Z")
    }
}

@Suite("Reading an object member by member")
struct MemberReaderTests {
    /// Reads every member of `text` with ``JSONParser/parseObject(_:member:)`` into a dictionary.
    func members(_ text: String) throws -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { buffer in
            try JSONParser.parseObject(buffer) { key, parser throws(JSONParser.Failure) in members[key] = try parser.readValue() }
        }
        return members
    }

    @Test("gives what the whole-value parser gives, keys with escapes included")
    func sameAsParse() throws {
        let text = #"{"seq":7, "stream":"enterprise/9137\u0041","data":{"a":[1,2.5,null,true]},"k\"ey":"v","empty":{}}"#
        #expect(try JSONValue.object(members(text)) == JSONParser.parse(text))
        #expect(try members("{}").isEmpty)
    }

    @Test(
        "refuses what the whole-value parser refuses, and a repeated key past the first 32",
        arguments: [
            (#"{"a":1,"a":2}"#, "duplicate object key \"a\""),
            (#"{"a":1} x"#, "unexpected data"),
            (#"{"a":1"#, "expected '}'"),
            (#"["a"]"#, "expected '{'"),
            (#"{"a":[01]}"#, "leading zero"),
            ("{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k35\":0}", "duplicate object key \"k35\""),
        ])
    func refuses(text: String, reason: String) {
        #expect { _ = try members(text) } throws: { ($0 as? JSONParser.Failure)?.description.contains(reason) == true }
    }

    @Test("an object member read as a list keeps its members in written order, and refuses a repeated key")
    func membersAsList() throws {
        func list(_ object: String) throws -> [(key: String, value: JSONValue)] {
            var result: [(key: String, value: JSONValue)] = []
            try Array("{\"data\":\(object)}".utf8).withUnsafeBytes { buffer in
                try JSONParser.parseObject(buffer) { _, parser throws(JSONParser.Failure) in result = try parser.readMembers() }
            }
            return result
        }
        let members = try list(#"{ "z": 1, "a": {"b": [true, null]}, "m": "青岛" }"#)
        #expect(members.map(\.key) == ["z", "a", "m"])
        #expect(
            JSONValue.object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) }))
                == (try JSONParser.parse(#"{"z":1,"a":{"b":[true,null]},"m":"青岛"}"#)))
        #expect(try list("{}").isEmpty)
        for count in [2, 15, 16, 17, 40] {
            let keys = (0..<count).map { "\"k\($0)\":\($0)" } + ["\"k\(count - 1)\":0"]
            #expect { _ = try list("{" + keys.joined(separator: ",") + "}") } throws: {
                ($0 as? JSONParser.Failure)?.description.contains("duplicate object key \"k\(count - 1)\"") == true
            }
        }
        #expect(throws: JSONParser.Failure.self) { _ = try list("[1]") }
        // Keys in canonical (ascending) order need no set; a repeat after them, or an escaped
        // repeat, or a repeat among keys out of order is still refused.
        #expect(try list(#"{"a":1,"ab":2,"b":3,"青岛":4}"#).map(\.key) == ["a", "ab", "b", "青岛"])
        for repeated in [
            #"{"a":1,"b":2,"b":3}"#, #"{"a":1,"b":2,"a":3}"#, #"{"a":1,"\u0061":2}"#, #"{"b":1,"a":2,"c":3,"a":4}"#,
            #"{"青岛":1,"青岛":2}"#, #"{"a":1,"b":2,"c":3,"d":{"x":1,"x":2}}"#,
        ] {
            #expect { _ = try list(repeated) } throws: { ($0 as? JSONParser.Failure)?.description.contains("duplicate object key") == true }
        }
        #expect(try list(#"{"b":1,"a":2,"\u0063":3}"#).map(\.key) == ["b", "a", "c"])
    }

    @Test("keys that share their length and first and last eight bytes are told apart; an escaped repeat is still a repeat")
    func nearlyEqualKeys() throws {
        // 19 and 9 bytes: equal heads and tails, different middles.
        let distinct = #"{"abcdefgh_X_12345678":1,"abcdefgh_Y_12345678":2,"abcdefghX":3,"abcdefghY":4,"青岛市黄岛区":5,"青岛市崂山区":6}"#
        #expect(try members(distinct).count == 6)
        #expect(try JSONParser.parse(distinct) == JSONValue.object(Dictionary(uniqueKeysWithValues: members(distinct).map { ($0.key, $0.value) })))
        // The same past the 16 keys whose prints the set keeps in vectors.
        let first20 = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let distinctLater = "{" + first20 + #","abcdefgh_X_12345678":1,"abcdefgh_Y_12345678":2,"abcdefghX":3,"abcdefghY":4}"#
        #expect(try members(distinctLater).count == 24)
        for repeated in [
            "{" + first20 + #","abcdefgh_X_12345678":1,"abcdefgh_Y_12345678":2,"abcdefgh_X_12345678":3}"#,
            #"{"abcdefgh_X_12345678":1,"# + first20 + #","abcdefgh_X_12345678":3}"#,
        ] {
            #expect { _ = try members(repeated) } throws: { ($0 as? JSONParser.Failure)?.description.contains("duplicate object key") == true }
        }
        for repeated in [
            #"{"abcdefgh_X_12345678":1,"abcdefgh_Y_12345678":2,"abcdefgh_X_12345678":3}"#,
            #"{"ab":1,"ab":2}"#, #"{"青岛市黄岛区":1,"青岛市黄岛区":2}"#,
        ] {
            #expect { _ = try members(repeated) } throws: { ($0 as? JSONParser.Failure)?.description.contains("duplicate object key") == true }
        }
    }

    @Test("typed reads say what was expected, and a member left unread is an error")
    func typedReads() throws {
        let bytes = Array(#"{"seq":"7","n":12}"#.utf8)
        #expect(throws: JSONParser.Failure(offset: 7, reason: "expected an integer")) {
            try bytes.withUnsafeBytes { buffer in
                try JSONParser.parseObject(buffer) { _, parser throws(JSONParser.Failure) in _ = try parser.readInteger() }
            }
        }
        #expect(throws: JSONParser.Failure(offset: 7, reason: "the value of \"seq\" was not read")) {
            try bytes.withUnsafeBytes { buffer in
                try JSONParser.parseObject(buffer) { _, _ in }
            }
        }
        var read: [String: Int64] = [:]
        try Array(#"{"a":-3,"b":12}"#.utf8).withUnsafeBytes { buffer in
            try JSONParser.parseObject(buffer) { key, parser throws(JSONParser.Failure) in read[key] = try parser.readInteger() }
        }
        #expect(read == ["a": -3, "b": 12])
        // Short plain digits take a path of their own: every integer reads as the parser reads it.
        for text in [
            "0", "7", "10", "123456789012345678", "1234567890123456789", "9223372036854775807", "9223372036854775808", "-5", "01", "00",
            "1e2", "1.0", "2.5", "1E0", "-0",
        ] {
            var integer: Int64?
            try? Array("{\"a\":\(text)}".utf8).withUnsafeBytes { buffer in
                try JSONParser.parseObject(buffer) { _, parser throws(JSONParser.Failure) in integer = try parser.readInteger() }
            }
            let parsed = try? JSONParser.parse(text)
            if case .integer(let number)? = parsed { #expect(integer == number, "\(text)") } else { #expect(integer == nil, "\(text)") }
        }
        #expect(throws: JSONParser.Failure.self) {
            try Array(#"{"a":1.5}"#.utf8).withUnsafeBytes { buffer in
                try JSONParser.parseObject(buffer) { _, parser throws(JSONParser.Failure) in _ = try parser.readInteger() }
            }
        }
    }
}

@Suite("Reading some members and skipping the rest unbuilt")
struct SkippingReaderTests {
    /// The members of `object` named in `names`, read as a data member is (or all of them).
    func kept(_ object: String, _ names: [String]?) throws -> [(key: String, value: JSONValue)] {
        var result: [(key: String, value: JSONValue)] = []
        try Array("{\"data\":\(object)}".utf8).withUnsafeBytes { buffer in
            try JSONParser.parseObject(buffer) { _, parser throws(JSONParser.Failure) in
                if let names { result = try parser.readMembers(keeping: names) } else { result = try parser.readMembers() }
            }
        }
        return result
    }

    @Test("the members kept are those of the whole reading, in the order written")
    func keptAsRead() throws {
        let object =
            #"{"assessment":"A-1","instrument":"评估平台导出","kind":"annual","scores":{"数字化基础":65,"应用":[1,2.5e3,null,true,false,"\u9752"]},"stage":"L3"}"#
        let whole = try kept(object, nil)
        for names in [["assessment", "stage"], ["stage"], ["scores", "kind"], [], ["absent"], whole.map(\.key)] {
            let expected = whole.filter { names.contains($0.key) }
            let read = try kept(object, names)
            #expect(read.map(\.key) == expected.map(\.key), "\(names)")
            #expect(read.map(\.value) == expected.map(\.value), "\(names)")
        }
    }

    @Test(
        "a skipped value is checked as the whole parser checks it",
        arguments: [
            (#"{"a":[01],"b":1}"#, "leading zero"),
            (#"{"a":"\ud800","b":1}"#, "lone UTF-16 surrogate"),
            (#"{"a":"x\qy","b":1}"#, "invalid escape"),
            (#"{"a":tru,"b":1}"#, "invalid literal"),
            (#"{"a":{"x":1,},"b":1}"#, "expected a string"),
            (#"{"a":[1 2],"b":1}"#, "expected ']'"),
            (#"{"a":-,"b":1}"#, "unexpected character"),
            (#"{"a":1.,"b":1}"#, "digit expected after decimal point"),
            (#"{"a":[1e400],"b":1}"#, "out of range"),
            ("{\"a\":-" + String(repeating: "9", count: 400) + ",\"b\":1}", "out of range"),
            ("{\"a\":" + String(repeating: "[", count: 70) + "1" + String(repeating: "]", count: 70) + ",\"b\":1}", "nested deeper"),
            (#"{"a":1,"b":2,"a":3}"#, "duplicate object key \"a\""),
            (#"{"b":1,"a":2,"c":3,"a":4}"#, "duplicate object key \"a\""),
            (#"{"a":"x"#, "unterminated string"),
        ])
    func skippedValuesChecked(text: String, reason: String) {
        for names in [["b"], ["c"]] {
            #expect("\(names) \(text)") { _ = try kept(text, names) } throws: { ($0 as? JSONParser.Failure)?.description.contains(reason) == true }
        }
    }

    @Test("a skipped string's bytes are checked as UTF-8 as the standard library checks them")
    func utf8AsTheStandardLibrary() throws {
        // Every pair of high bytes; triples and quadruples of the bytes at the edges of the
        // encoding's ranges (leads, continuations, surrogates, the top of Unicode).
        let edges: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        var inputs: [[UInt8]] = [[]]
        for first in UInt8(0x80)...0xFF { for second in UInt8(0x41)...0xFF { inputs.append([first, second]) } }
        for first in edges { for second in edges { for third in edges { inputs.append([first, second, third]) } } }
        for first: UInt8 in [0xE0, 0xED, 0xF0, 0xF4, 0xF5] {
            for second in edges { for third in edges { for fourth in edges { inputs.append([first, second, third, fourth]) } } }
        }
        for bytes in inputs {
            let valid = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBytes { JSONParser.isValidUTF8($0) } == valid, "\(bytes)")
            // The same bytes in a string value skipped unbuilt, and parsed whole.
            let line = Array(#"{"a":""#.utf8) + bytes + Array(#"","b":1}"#.utf8)
            let skipped = line.withUnsafeBytes { buffer in
                var parser = JSONParser(buffer)
                return (try? parser.readMembers(keeping: ["b"])) != nil
            }
            #expect(skipped == ((try? JSONParser.parse(line)) != nil), "\(bytes)")
        }
    }
}

@Suite("A JSON object's members")
struct JSONObjectTests {
    @Test("set, update, insert and remove answer as a dictionary does, below and past the hash index")
    func answersAsADictionary() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<40 {
            var object = JSONObject()
            var model: [String: JSONValue] = [:]
            // Up to 70 keys, past the size at which the object hashes its keys; lengths repeat.
            let keys = (0..<(round % 2 == 0 ? 12 : 70)).map { "k" + String(repeating: "x", count: $0 % 5) + "\($0)" }
            for step in 0..<400 {
                let key = keys.randomElement(using: &generator)!
                let value = JSONValue.integer(Int64(step))
                switch Int.random(in: 0..<4, using: &generator) {
                case 0:
                    object[key] = value
                    model[key] = value
                case 1:
                    #expect(object.updateValue(value, forKey: key) == model.updateValue(value, forKey: key))
                case 2:
                    #expect(object.insertNew(value, forKey: key) == (model[key] == nil))
                    if model[key] == nil { model[key] = value }
                default:
                    #expect(object.removeValue(forKey: key) == model.removeValue(forKey: key))
                }
                #expect(object.count == model.count)
            }
            for key in keys { #expect(object[key] == model[key]) }
            #expect(Set(object.keys) == Set(model.keys))
            #expect(object == JSONObject(model))
            #expect(JSONValue.object(object).canonicalBytes == JSONValue.object(model).canonicalBytes)
        }
    }

    @Test("equal whatever the order of the members; not equal for another value, key or count")
    func equalityIgnoresOrder() throws {
        let first = try JSONParser.parse(#"{"a":1,"b":{"x":[1,2],"y":null},"c":"青岛"}"#)
        let second = try JSONParser.parse(#"{"c":"青岛","b":{"y":null,"x":[1,2]},"a":1}"#)
        #expect(first == second)
        for other in [
            #"{"a":1,"b":{"x":[2,1],"y":null},"c":"青岛"}"#, #"{"a":1,"b":{"x":[1,2]},"c":"青岛"}"#, #"{"a":1,"b":{"x":[1,2],"y":null},"d":"青岛"}"#,
        ] {
            #expect(try JSONParser.parse(other) != first, "\(other)")
        }
        // Members keep the order they were written in; the canonical form sorts them.
        guard case .object(let members) = second else { throw CancellationError() }
        #expect(members.keys == ["c", "b", "a"])
        #expect(second.canonicalText == #"{"a":1,"b":{"x":[1,2],"y":null},"c":"青岛"}"#)
    }
}
