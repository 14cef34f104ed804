import Testing

@testable import Domain
@testable import EventLog

@Suite struct IntakeReaderTests {
    static let enterprise = "91370200AY4CL12T2L"

    /// NDJSON of `count` events with blank lines, CRLF endings and lines that begin with `[`
    /// scattered through it; `bad` replaces those lines (1-based) with a refused event.
    static func input(count: Int, bad: Set<Int> = []) -> [UInt8] {
        var text = ""
        var line = 1
        for index in 0..<count {
            switch index * 7 % 17 {
            case 0:
                text += "\n"
                line += 1
            case 1:
                text += "   \t\r\n"
                line += 1
            default: break
            }
            defer { line += 1 }
            if bad.contains(line) {
                text +=
                    index % 2 == 0
                    ? #"[{"stream":"enterprise/\#(enterprise)"}]"# + "\n"
                    : #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"培\#u{1B}训"}}"#
                        + "\n"
                continue
            }
            let ending = index % 5 == 2 ? "\r\n" : "\n"
            text +=
                #"{"stream":"enterprise/\#(enterprise)","type":"TrainingAttended","occurred":"2024-06-01","data":{"session":"第\#(index)期 数字化转型培训 e\#u{301}"},"key":"k\#(index)"}"#
                + ending
        }
        return Array(text.utf8)
    }

    /// Reading on several threads gives the drafts, places and first mistake of reading in one go.
    @Test(arguments: [2, 3, 4])
    func readingInPartsMatchesReadingWhole(parts: Int) async throws {
        let reader = IntakeReader(places: .line)
        let bytes = Self.input(count: 3000)
        let whole = try reader.read(bytes, firstLine: 11)
        let inParts = try await reader.read(bytes, firstLine: 11, parts: parts)
        #expect(whole.count == 3000)
        #expect(inParts.map(\.draft) == whole.map(\.draft))
        #expect(inParts.map(\.place) == whole.map(\.place))
        #expect(whole.first?.draft.data["session"]?.stringValue == "第0期 数字化转型培训 é")

        let lines = try reader.read(bytes).map(\.place.number)  // the lines that carry events
        for bad in [[lines[2]], [lines[2990]], [lines[1500], lines[2990]], [lines[1001], lines[1507]]] {
            let bytes = Self.input(count: 3000, bad: Set(bad))
            var expected: IntakeError?
            do { _ = try reader.read(bytes) } catch { expected = error }
            var found: IntakeError?
            do { _ = try await reader.read(bytes, parts: parts) } catch { found = error }
            #expect(expected != nil)
            #expect(found?.place == expected?.place)
            #expect(found?.message == expected?.message)
            #expect(expected?.place == IntakePlace(.line, bad.min()!))
        }
    }
}
