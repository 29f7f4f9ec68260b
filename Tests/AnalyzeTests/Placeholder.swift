import Testing
@Test func placeholder_AnalyzeTests() { #expect(1 + 1 == 2) }
