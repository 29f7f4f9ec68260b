import Testing
@Test func placeholder_FactorylogTests() { #expect(1 + 1 == 2) }
