import Foundation
import Ingest
import Testing

@testable import Analyze

@Suite("Pricing: exact costs of the acceptance cases")
struct PricingCostTests {
    /// Prices `logged` with the given disjoint token buckets against cases/prices.json.
    func cost(
        _ logged: String, input: Int64 = 0, cacheRead: Int64 = 0, write5m: Int64 = 0, write1h: Int64 = 0,
        output: Int64 = 0
    ) throws -> Int128 {
        let pricer = try PricingFixtures.casePricer()
        let price = try #require(pricer.resolve(logged).price)
        return pricer.costPico(
            input: input, cacheRead: cacheRead, cacheWrite5m: write5m, cacheWrite1h: write1h, output: output, price: price)
    }

    @Test("case 01: one response, 5-minute writes only = $0.058062")
    func case01() throws {
        // 4·3e-06 + 15 000·3.75e-06 + 120·1.5e-05 USD
        // = 4·3 000 000 + 15 000·3 750 000 + 120·15 000 000 pico
        // = 12 000 000 + 56 250 000 000 + 1 800 000 000 = 58 062 000 000 pico
        let pico = try cost("claude-sonnet-4-5", input: 4, write5m: 15_000, output: 120)
        #expect(pico == 58_062_000_000)
        #expect(Pricer.usd(fromPico: pico) == 0.058062)
    }

    @Test("case 07: 1-hour writes at their own price = $0.07803")
    func case07() throws {
        // 10·3 000 000 + 2 000·3 750 000 + 8 000·6 000 000 + 50 000·300 000 + 500·15 000 000 pico
        // = 30 000 000 + 7 500 000 000 + 48 000 000 000 + 15 000 000 000 + 7 500 000 000 = 78 030 000 000
        let pico = try cost("claude-sonnet-4-5", input: 10, cacheRead: 50_000, write5m: 2_000, write1h: 8_000, output: 500)
        #expect(pico == 78_030_000_000)
        #expect(Pricer.usd(fromPico: pico) == 0.07803)
        // All-5-minute pricing would be 10 000·3 750 000 = 37 500 000 000 for the writes: $0.06003.
        let wrong = try cost("claude-sonnet-4-5", input: 10, cacheRead: 50_000, write5m: 10_000, output: 500)
        #expect(wrong == 60_030_000_000)
    }

    @Test("case 08: Codex cached input as a subset = $0.0085")
    func case08() throws {
        // 2 000·1 250 000 + 8 000·125 000 + 500·10 000 000 = 2 500 000 000 + 1 000 000 000 + 5 000 000 000
        let pico = try cost("gpt-5", input: 2_000, cacheRead: 8_000, output: 500)
        #expect(pico == 8_500_000_000)
        #expect(Pricer.usd(fromPico: pico) == 0.0085)
    }

    @Test("case 10: gpt-4o-2024-08-06 at the gpt-4o price = $0.0032575")
    func case10() throws {
        // 207·2 500 000 + 1 792·1 250 000 + 50·10 000 000 = 517 500 000 + 2 240 000 000 + 500 000 000
        let pico = try cost("gpt-4o-2024-08-06", input: 207, cacheRead: 1_792, output: 50)
        #expect(pico == 3_257_500_000)
        #expect(Pricer.usd(fromPico: pico) == 0.0032575)
    }

    @Test("case 21: Bedrock ids = $0.015, $0.0325, $0.495; total $0.5425")
    func case21() throws {
        // 10 000·1 000 000 + 1 000·5 000 000 = 15 000 000 000
        let haiku = try cost("eu.anthropic.claude-haiku-4-5-20251001-v1:0", input: 10_000, output: 1_000)
        // 4 000·5 000 000 + 500·25 000 000 = 20 000 000 000 + 12 500 000 000
        let opus = try cost("anthropic.claude-opus-4-5-20251101-v1:0", input: 4_000, output: 500)
        // The regional key's price: 100 000·3 300 000 + 10 000·16 500 000 = 330 000 000 000 + 165 000 000 000
        let sonnet = try cost("us.anthropic.claude-sonnet-4-6", input: 100_000, output: 10_000)
        #expect(haiku == 15_000_000_000)
        #expect(opus == 32_500_000_000)
        #expect(sonnet == 495_000_000_000)
        #expect(Pricer.usd(fromPico: haiku) == 0.015)
        #expect(Pricer.usd(fromPico: opus) == 0.0325)
        #expect(Pricer.usd(fromPico: sonnet) == 0.495)
        #expect(Pricer.usd(fromPico: haiku + opus + sonnet) == 0.5425)
    }

    @Test("cases 13, 14: four haiku requests $0.006; ten opus-4-5 requests $7.50")
    func cases13and14() throws {
        // 1 000·1 000 000 + 100·5 000 000 = 1 500 000 000 per request, ×4
        var total: Int128 = 0
        for name in ["claude-haiku-4-5@20251001", "claude-haiku-4-5-20251001", "vertex_ai/claude-haiku-4-5@20251001", "anthropic/claude-haiku-4-5"] {
            total += try cost(name, input: 1_000, output: 100)
        }
        #expect(total == 6_000_000_000)
        #expect(Pricer.usd(fromPico: total) == 0.006)
        // 100 000·5 000 000 + 10 000·25 000 000 = 750 000 000 000 per request, ×10 = 7.5e12 pico
        let one = try cost("claude-opus-4-5-20251101", input: 100_000, output: 10_000)
        #expect(one * 10 == 7_500_000_000_000)
        #expect(Pricer.usd(fromPico: one * 10) == 7.5)
    }

    @Test("tier above 200k (cases table): every bucket at its above-200k price, 1-hour writes keep their base price")
    func tierCaseTable() throws {
        // Prompt = 190 000 + 10 000 + 1 000 + 1 000 = 202 000 > 200 000.
        // 190 000·6 000 000 + 10 000·600 000 + 1 000·7 500 000 + 1 000·6 000 000 (no 1h tier: base) + 1 000·22 500 000
        // = 1 140 000 000 000 + 6 000 000 000 + 7 500 000 000 + 6 000 000 000 + 22 500 000 000 = 1 182 000 000 000
        let pico = try cost("claude-sonnet-4-5", input: 190_000, cacheRead: 10_000, write5m: 1_000, write1h: 1_000, output: 1_000)
        #expect(pico == 1_182_000_000_000)
        // A prompt of exactly 200 000 does not exceed the threshold: base prices.
        // 188 000·3 000 000 + 10 000·300 000 + 1 000·3 750 000 + 1 000·6 000 000 + 1 000·15 000 000
        // = 564 000 000 000 + 3 000 000 000 + 3 750 000 000 + 6 000 000 000 + 15 000 000 000 = 591 750 000 000
        let atThreshold = try cost("claude-sonnet-4-5", input: 188_000, cacheRead: 10_000, write5m: 1_000, write1h: 1_000, output: 1_000)
        #expect(atThreshold == 591_750_000_000)
    }

    @Test("tier above 200k from the shipped snapshot (Bedrock claude-sonnet-4-5, all five tier prices)")
    func tierBundled() throws {
        let table = try PriceTable.bundled()
        // litellm 1.110.2 lists the 200k tier for the Bedrock/Vertex ids of Sonnet 4.5, e.g.
        // anthropic.claude-sonnet-4-5-20250929-v1:0: input 3e-06 → 6e-06, output 1.5e-05 → 2.25e-05,
        // cache read 3e-07 → 6e-07, 5-minute write 3.75e-06 → 7.5e-06, 1-hour write 6e-06 → 1.2e-05.
        let price = try #require(table.price(forKey: "anthropic.claude-sonnet-4-5-20250929-v1:0"))
        // Prompt = 150 000 + 40 000 + 8 000 + 4 000 = 202 000 > 200 000:
        // 150 000·6 000 000 + 40 000·600 000 + 8 000·7 500 000 + 4 000·12 000 000 + 2 000·22 500 000
        // = 900 000 000 000 + 24 000 000 000 + 60 000 000 000 + 48 000 000 000 + 45 000 000 000
        // = 1 077 000 000 000 pico = $1.077
        let above = price.costPico(input: 150_000, cacheRead: 40_000, cacheWrite5m: 8_000, cacheWrite1h: 4_000, output: 2_000)
        #expect(above == 1_077_000_000_000)
        #expect(Pricer.usd(fromPico: above) == 1.077)
        // Prompt = 148 000 + 40 000 + 8 000 + 4 000 = 200 000, not above: base prices.
        // 148 000·3 000 000 + 40 000·300 000 + 8 000·3 750 000 + 4 000·6 000 000 + 2 000·15 000 000
        // = 444 000 000 000 + 12 000 000 000 + 30 000 000 000 + 24 000 000 000 + 30 000 000 000 = 540 000 000 000
        let below = price.costPico(input: 148_000, cacheRead: 40_000, cacheWrite5m: 8_000, cacheWrite1h: 4_000, output: 2_000)
        #expect(below == 540_000_000_000)
        // The bare `claude-sonnet-4-5` key of litellm 1.110.2 lists no 200k tier: the same long request
        // is priced at base: 150 000·3e6 + 40 000·3e5 + 8 000·3.75e6 + 4 000·6e6 + 2 000·1.5e7
        // = 450e9 + 12e9 + 30e9 + 24e9 + 30e9 = 546 000 000 000.
        let bare = try #require(table.price(forKey: "claude-sonnet-4-5"))
        #expect(bare.tiers.isEmpty)
        #expect(bare.costPico(input: 150_000, cacheRead: 40_000, cacheWrite5m: 8_000, cacheWrite1h: 4_000, output: 2_000) == 546_000_000_000)
    }

    @Test("several tiers: the highest exceeded tier wins for each bucket it lists")
    func severalTiers() {
        let price = ModelPrice(
            base: ListedPrices(input: 1_000_000_000_000, output: 2_000_000_000_000),
            tiers: [
                PriceTier(thresholdTokens: 256_000, prices: ListedPrices(output: 8_000_000_000_000)),
                PriceTier(thresholdTokens: 128_000, prices: ListedPrices(input: 3_000_000_000_000, output: 4_000_000_000_000)),
            ])
        // 100 000 prompt tokens: base. 100 000·1 000 000 + 10·2 000 000 = 100 000 000 000 + 20 000 000 = 100 020 000 000
        #expect(price.costPico(input: 100_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 10) == 100_020_000_000)
        // 200 000: the 128k tier. 200 000·3 000 000 + 10·4 000 000 = 600 000 000 000 + 40 000 000 = 600 040 000 000
        #expect(price.costPico(input: 200_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 10) == 600_040_000_000)
        // 300 000: output from the 256k tier, input keeps the 128k price (the 256k tier lists none).
        // 300 000·3 000 000 + 10·8 000 000 = 900 000 000 000 + 80 000 000 = 900 080 000 000
        #expect(price.costPico(input: 300_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 10) == 900_080_000_000)
    }

    @Test("missing cache prices fall back as LiteLLM does")
    func missingCachePrices() throws {
        // gpt-5 has no cache_creation_input_token_cost: writes use the input price (1.25e-06).
        // 1 000·1 250 000 + 1 000·1 250 000 (1h: falls back to the resolved 5-minute price) = 2 500 000 000
        #expect(try cost("gpt-5", write5m: 1_000, write1h: 1_000) == 2_500_000_000)
        // claude-3-5-haiku has no 1-hour price: 1-hour writes use the 5-minute price (1e-06).
        // 1 000·1 000 000 = 1 000 000 000
        #expect(try cost("claude-3-5-haiku", write1h: 1_000) == 1_000_000_000)
        // anthropic.claude-sonnet-4-6 lists no cache prices at all: reads use the input price (3.3e-06).
        // 1 000·3 300 000 = 3 300 000 000
        #expect(try cost("anthropic.claude-sonnet-4-6", cacheRead: 1_000) == 3_300_000_000)
    }

    // MARK: - Cost policy

    func call(tokensIn: Int64, out: Int64, logged: Double?) -> LLMCall {
        var c = LLMCall(instantMs: 0)
        c.model = "claude-sonnet-4-5"
        c.inputTokens = tokensIn
        c.outputTokens = out
        c.loggedCostUSD = logged
        return c
    }

    @Test("cost policy: auto prefers a logged cost, priced ignores it, logged needs it")
    func policy() throws {
        let pricer = try PricingFixtures.casePricer()
        let sonnet = pricer.resolve("claude-sonnet-4-5")
        // Priced: 121·3 000 000 + 400·15 000 000 = 363 000 000 + 6 000 000 000 = 6 363 000 000 pico.
        let withLog = call(tokensIn: 121, out: 400, logged: 0.01)
        let noLog = call(tokensIn: 121, out: 400, logged: nil)
        #expect(pricer.cost(of: withLog, resolved: sonnet, source: .auto) == (10_000_000_000, false))
        #expect(pricer.cost(of: withLog, resolved: sonnet, source: .priced) == (6_363_000_000, false))
        #expect(pricer.cost(of: withLog, resolved: sonnet, source: .logged) == (10_000_000_000, false))
        #expect(pricer.cost(of: noLog, resolved: sonnet, source: .auto) == (6_363_000_000, false))
        #expect(pricer.cost(of: noLog, resolved: sonnet, source: .logged) == (0, true))
        // Unpriced model: a logged cost still counts under auto; without one it is 0 and unpriced.
        let glm = pricer.resolve("glm-4.6")
        #expect(pricer.cost(of: withLog, resolved: glm, source: .auto) == (10_000_000_000, false))
        #expect(pricer.cost(of: withLog, resolved: glm, source: .priced) == (0, true))
        #expect(pricer.cost(of: noLog, resolved: glm, source: .auto) == (0, true))
        // A logged cost that is negative or not finite is not usable: auto prices instead.
        #expect(pricer.cost(of: call(tokensIn: 121, out: 400, logged: -1), resolved: sonnet, source: .auto) == (6_363_000_000, false))
        #expect(pricer.cost(of: call(tokensIn: 121, out: 400, logged: .nan), resolved: sonnet, source: .auto) == (6_363_000_000, false))
        // A logged cost is rounded half-even to pico: 0.006363 USD = 6 363 000 000 pico.
        #expect(pricer.cost(of: call(tokensIn: 0, out: 0, logged: 0.006363), resolved: glm, source: .logged) == (6_363_000_000, false))
    }

    @Test("CostSource spells the flag values")
    func costSourceNames() {
        #expect(CostSource.allCases.map(\.rawValue) == ["auto", "priced", "logged"])
        #expect(CostSource(rawValue: "priced") == .priced)
    }
}
