import Testing
@Test func placeholder_ReportTests() { #expect(1 + 1 == 2) }
