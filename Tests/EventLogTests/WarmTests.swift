import Testing
@testable import EventLog
@Test func warm() { #expect(EventLogWarmup.v() > 0) }
