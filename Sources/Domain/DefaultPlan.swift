import EventLog
import Foundation

/// The plan as published: the 2024 work ledger (工作台账, the seed's last table: 9 tasks with
/// their milestones, deadlines and responsible units) and the quantitative targets per year
/// (2023 baseline 87.3% / 42%; 2026: ≈98% / ≥50%; ≥1000 enterprises starting a year; ~500
/// providers in 2024, ~1300 by 2026; …), shipped as `Resources/default-plan.json`.
public enum DefaultPlan {
    /// The PlanPublished event for `plan/2024-2026`.
    public static func draft() throws -> EventDraft {
        guard let url = Bundle.module.url(forResource: "default-plan", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "default-plan.json"])
        }
        return try EventDraft(input: try JSONParser.parse(Array(try Data(contentsOf: url))))
    }
}
