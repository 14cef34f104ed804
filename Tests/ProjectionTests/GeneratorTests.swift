import DemoProvince
import Domain
import EventLog
import Foundation
import TestSupport
import Testing

@Suite("Demo province generator")
struct GeneratorTests {
    /// Awards are drawn from the stage the rules see at the award's place in the log; a late
    /// recorded upgrade once made the generator award a kind the rules refuse (seen at 480,000
    /// enterprises). Several seeds and sizes, each appended whole through the intake.
    @Test("every event the generator writes passes the rules, whatever the seed and size", arguments: [(1, 900), (2, 1500), (7, 2500), (2024, 3000)])
    func everyEventPasses(seed: Int, enterprises: Int) async throws {
        var generator = ProvinceGenerator(options: .init(seed: UInt64(seed), enterprises: enterprises))
        let drafts = try generator.generate()
        let temporary = TemporaryDirectory()
        let log = try EventLog(directory: try temporary.initialisedLog(), writable: true)
        var intake = try Intake(log: log, actor: Role.province.actor(named: "test"))
        do {
            let results = try await intake.checkAndAppend(drafts)
            #expect(results.count == drafts.count)
        } catch {
            let draft = error.place.map { drafts[$0.number] }
            Issue.record("seed \(seed), \(enterprises) enterprises: \(error) — \(draft.map { "\($0.type) on \($0.stream)" } ?? "")")
        }
        await log.close()
    }
}
