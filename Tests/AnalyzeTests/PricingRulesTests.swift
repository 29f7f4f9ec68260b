import Foundation
import Ingest
import Testing

@testable import Analyze

@Suite("Pricing rules: logged zero, overlays, regional Bedrock keys")
struct PricingRulesTests {
    /// $3 / $15 per Mtok: 3 000 000 and 15 000 000 pico per token.
    static let sonnet = ModelPrice(base: ListedPrices(input: 3_000_000_000_000, output: 15_000_000_000_000, cacheRead: 300_000_000_000, cacheWrite5m: 3_750_000_000_000, cacheWrite1h: 6_000_000_000_000))

    func call(model: String, input: Int64, output: Int64, logged: Double?) -> LLMCall {
        var c = LLMCall(instantMs: 0)
        c.model = model
        c.inputTokens = input
        c.outputTokens = output
        c.loggedCostUSD = logged
        return c
    }

    @Test("auto: a logged 0 on a call with tokens is priced, or unpriced when the table lacks the model")
    func loggedZero() {
        let pricer = Pricer(table: PriceTable(prices: ["claude-sonnet-4-5": Self.sonnet], snapshotID: "t"), aliases: nil)
        let priced = pricer.resolve("claude-sonnet-4-5")
        let unknown = pricer.resolve("in-house-model")
        let zero = call(model: "claude-sonnet-4-5", input: 100, output: 10, logged: 0)
        // 100·3 000 000 + 10·15 000 000 = 300 000 000 + 150 000 000 = 450 000 000 pico
        #expect(pricer.cost(of: zero, resolved: priced, source: .auto) == (450_000_000, false))
        #expect(pricer.cost(of: zero, resolved: unknown, source: .auto) == (0, true))
        // `logged` keeps the record's 0; a 0 on a call without tokens is kept under auto.
        #expect(pricer.cost(of: zero, resolved: unknown, source: .logged) == (0, false))
        let empty = call(model: "in-house-model", input: 0, output: 0, logged: 0)
        #expect(pricer.cost(of: empty, resolved: unknown, source: .auto) == (0, false))
        // A model meant to be free: a price of 0 in a price file prices it $0, not unpriced.
        let free = ModelPrice(base: ListedPrices(input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0))
        let freePricer = Pricer(table: PriceTable(prices: ["in-house-model": free], snapshotID: "t"), aliases: nil)
        #expect(freePricer.cost(of: zero, resolved: freePricer.resolve("in-house-model"), source: .auto) == (0, false))
    }

    @Test("--prices overlays: a file's entries replace the same keys, others stay; later files win")
    func overlay() throws {
        let base = PriceTable(prices: ["claude-sonnet-4-5": Self.sonnet, "gpt-4o": Self.sonnet], snapshotID: "litellm-1")
        let one = try PriceTable(
            jsonData: Data(#"{"gpt-4o": {"input_cost_per_token": 0.0000025, "output_cost_per_token": 0.00001}, "mine": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}}"#.utf8),
            path: "a.json", defaultID: "custom:a.json")
        let two = try PriceTable(
            jsonData: Data(#"{"mine": {"input_cost_per_token": 0, "output_cost_per_token": 0}}"#.utf8),
            path: "b.json", defaultID: "custom:b.json")
        let table = base.overlaid(with: one).overlaid(with: two)
        #expect(table.count == 3)
        #expect(table.snapshotID == "litellm-1+custom:a.json+custom:b.json")
        #expect(table.price(forKey: "claude-sonnet-4-5") == Self.sonnet)
        // 2.5e-6 USD = 2 500 000 pico; 1e-5 USD = 10 000 000 pico
        #expect(table.price(forKey: "gpt-4o")?.base.input == 2_500_000_000_000)
        #expect(table.price(forKey: "gpt-4o")?.base.output == 10_000_000_000_000)
        #expect(table.price(forKey: "mine")?.base.input == 0)
    }

    @Test("a regional Bedrock key is tried before the region prefix is stripped")
    func regionalKey() {
        // us.anthropic.claude-opus-4-6-v1 at a 10 % premium over anthropic.claude-opus-4-6-v1.
        let regional = ModelPrice(base: ListedPrices(input: 5_500_000_000_000, output: 27_500_000_000_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0))
        let global = ModelPrice(base: ListedPrices(input: 5_000_000_000_000, output: 25_000_000_000_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0))
        let pricer = Pricer(
            table: PriceTable(prices: ["us.anthropic.claude-opus-4-6-v1": regional, "anthropic.claude-opus-4-6-v1": global], snapshotID: "t"),
            aliases: nil)
        #expect(pricer.resolve("us.anthropic.claude-opus-4-6-v1:0").key == "us.anthropic.claude-opus-4-6-v1")
        #expect(pricer.resolve("bedrock/us.anthropic.claude-opus-4-6-v1:0").key == "us.anthropic.claude-opus-4-6-v1")
        // No apac. key: the region goes, then the `:0`.
        #expect(pricer.resolve("apac.anthropic.claude-opus-4-6-v1:0").key == "anthropic.claude-opus-4-6-v1")
    }

    @Test("factorylog prices: every lookup in order, the provider key first when a provider is given")
    func steps() {
        let mistral = ModelPrice(base: ListedPrices(input: 500_000_000_000, output: 1_500_000_000_000))
        let pricer = Pricer(table: PriceTable(prices: ["mistral/mistral-large-latest": mistral], snapshotID: "t"), aliases: nil)
        let bare = pricer.resolutionSteps("mistral-large-latest")
        #expect(bare.steps == [Pricer.ResolutionStep(step: "as logged", key: "mistral-large-latest", found: false)])
        #expect(!bare.resolved.isPriced)
        let given = pricer.resolutionSteps("mistral-large-latest", provider: "mistral")
        #expect(given.steps == [Pricer.ResolutionStep(step: "provider key", key: "mistral/mistral-large-latest", found: true)])
        #expect(given.resolved.key == "mistral/mistral-large-latest")
        // A name that already carries the provider route is not prefixed twice.
        #expect(pricer.resolutionSteps("mistral/mistral-large-latest", provider: "mistral").steps.count == 1)
        // Version suffixes: one lookup per suffix stripped.
        let dated = pricer.resolutionSteps("gpt-4o-2024-08-06")
        #expect(dated.steps.map(\.key) == ["gpt-4o-2024-08-06", "gpt-4o"])
        #expect(dated.steps.map(\.step) == ["as logged", "version suffix"])
    }

    @Test("a Vertex three-digit version is a version suffix; other digit runs are not")
    func vertexVersion() {
        let flash = ModelPrice(base: ListedPrices(input: 300_000_000_000, output: 2_500_000_000_000))
        let pricer = Pricer(table: PriceTable(prices: ["gemini-2.5-flash": flash, "gpt-4": flash], snapshotID: "t"), aliases: nil)
        #expect(pricer.resolve("gemini-2.5-flash-001").key == "gemini-2.5-flash")
        #expect(pricer.resolve("vertex_ai/gemini-2.5-flash-002").key == "gemini-2.5-flash")
        #expect(!pricer.resolve("gpt-4-0613").isPriced)  // four digits: not a version suffix
        #expect(!pricer.resolve("gpt-4-01").isPriced)
    }
}
