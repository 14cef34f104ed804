import EventLog
import Testing

@testable import Projections

@Suite("Retractions undone from the log")
struct RetractionTests {
    private func event(_ seq: UInt64, _ type: String, _ data: JSONValue = .object([:])) -> ProjectedEvent {
        ProjectedEvent(
            seq: seq, stream: "enterprise/913702000000000019", version: seq, type: type, occurred: "2024-03-01",
            recorded: "2024-03-01T00:00:00.000000Z", actor: .object(["name": "测试", "role": "province"]), data: data)
    }

    private func retraction(of seq: UInt64, at position: UInt64) -> ProjectedEvent {
        event(position, "EventRetracted", .object(["seq": .integer(Int64(seq)), "reason": "重复登记"]))
    }

    @Test("The retracted event is handed over; standing leaves out it, earlier retractions and what they took back")
    func standingEvents() {
        let history = [
            event(1, "EnterpriseRegistered"), event(2, "TrainingAttended"), event(3, "DiagnosisVisited"),
            retraction(of: 2, at: 4), event(5, "TrainingAttended"),
        ]
        let undo = Retraction(target: 3, history: history)
        #expect(undo.retracted?.seq == 3)
        #expect(undo.standing.map(\.seq) == [1, 5])
    }

    @Test("Nothing to undo when the event was already taken back or is not in the view")
    func nothingToUndo() {
        let history = [event(1, "EnterpriseRegistered"), event(2, "TrainingAttended"), retraction(of: 2, at: 3)]
        let again = Retraction(target: 2, history: history)
        #expect(again.retracted == nil)
        #expect(again.standing.map(\.seq) == [1])
        let unseen = Retraction(target: 9, history: history)
        #expect(unseen.retracted == nil)
        #expect(unseen.standing.map(\.seq) == [1])
    }

    @Test("A retraction that reaches a fold without its history is refused with the reason")
    func withoutHistory() {
        let bare = retraction(of: 1, at: 2)
        #expect(throws: ProjectionError.self) { try bare.retractionContext() }
        #expect((try? bare.retractionContext()) == nil)
    }
}
