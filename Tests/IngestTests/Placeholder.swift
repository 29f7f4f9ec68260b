import Testing
@Test func placeholder_IngestTests() { #expect(1 + 1 == 2) }
