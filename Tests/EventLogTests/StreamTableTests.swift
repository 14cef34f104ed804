import Testing

@testable import EventLog

@Suite struct StreamTableTests {
    @Test func numbersStreamsInOrderAndFindsEveryOneThroughManyGrowths() {
        var table = StreamTable()
        let names = (0..<50_000).map { StreamName("enterprise/91370200MA\($0)X") }
        for (expected, name) in names.enumerated() {
            #expect(table.number(of: name) == nil)
            #expect(table.add(name) == expected)
        }
        #expect(table.count == names.count)
        var wrong = 0
        for (number, name) in names.enumerated() where table.number(of: name) != number { wrong += 1 }
        #expect(wrong == 0)
        #expect(table.number(of: StreamName("enterprise/unknown")) == nil)
        #expect(table.names.map(\.name) == names.map(\.name))
    }

    @Test("a stream name gives its text back, kept inline up to 32 bytes or as itself beyond")
    func namesGiveTheirTextBack() {
        let texts = [
            "", "p", "enterprise/91370200MA3C0XYZ1Q", "project/" + String(repeating: "x", count: 24),
            "project/" + String(repeating: "x", count: 25), "award/工赋百景-青岛", "award/工赋百景-2025-青岛-0001",
            "provider/" + String(repeating: "供", count: 30),
        ]
        #expect(texts.map { $0.utf8.count }.contains(32) && texts.map { $0.utf8.count }.contains(33))
        for text in texts {
            let name = StreamName(text)
            #expect(name.name == text && name.description == text && name == StreamName(text))
        }
    }

    @Test func namesWithTheSameHashAreStillTwoStreams() {
        var table = StreamTable()
        let first = StreamName("project/P-1", hash: 42)
        let second = StreamName("project/P-2", hash: 42)
        let longFirst = StreamName("project/" + String(repeating: "x", count: 40) + "1", hash: 42)
        let longSecond = StreamName("project/" + String(repeating: "x", count: 40) + "2", hash: 42)
        #expect(table.add(first) == 0)
        #expect(table.number(of: second) == nil)
        #expect(table.add(second) == 1)
        #expect(table.add(longFirst) == 2)
        #expect(table.number(of: longSecond) == nil)
        #expect(table.add(longSecond) == 3)
        #expect([first, second, longFirst, longSecond].map { table.number(of: $0) } == [0, 1, 2, 3])
    }

    @Test func takingBackTheNewestStreamsLeavesTheOthersFindable() {
        var table = StreamTable()
        let kept = (0..<40).map { StreamName("enterprise/K\($0)") }
        for name in kept { _ = table.add(name) }
        // Enough new streams to make the table grow, all sharing one probe chain with the kept.
        let rejected = (0..<100).map { StreamName("enterprise/R\($0)", hash: kept[7].hash) }
        for name in rejected { _ = table.add(name) }
        for _ in rejected { table.removeLast() }
        #expect(table.count == kept.count)
        #expect(kept.map { table.number(of: $0) } == Array(0..<40))
        #expect(rejected.allSatisfy { table.number(of: $0) == nil })
        // Numbering resumes where the kept streams end.
        #expect(table.add(rejected[0]) == 40)
        #expect(table.number(of: rejected[0]) == 40)
    }
}
