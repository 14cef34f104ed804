import Foundation
@_exported import TestSupport
import Testing

@testable import EventLog

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
}

/// A realistic event for a given enterprise index.
func sampleDraft(_ index: Int, stream: String? = nil, key: String? = nil, expected: ExpectedVersion = .any) -> EventDraft {
    EventDraft(
        stream: stream ?? "enterprise/9137020\(String(index % 1000).leftPadded(to: 4))MA3C0XY",
        type: "DiagnosisVisited", occurred: "2024-05-\(String(index % 28 + 1).leftPadded(to: 2))",
        data: [
            "provider": "91370100MA3C0AB12X", "commissioner": "张伟", "findings": .string("设备联网率低，MES 未覆盖 \(index)"),
            "recommended": ["设备上云", "数字化车间"], "score": .integer(Int64(index % 100)),
        ],
        expectedVersion: expected, key: key)
}

let testActor = Actor(name: "test", role: "operator")
