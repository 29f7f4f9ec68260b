import Foundation
import Ingest
import Testing

@testable import Analyze

/// Issue 16: each LiteLLM price rule of CONTRACT.md "Money", with hand-computed costs, and issue 10
/// item 1: dated prices and the retired models of the shipped snapshot.
@Suite("Pricing: LiteLLM's price rules, dated prices (issues 16 and 10)")
struct PricingLiteLLMRulesTests {
    static func table(_ json: String) throws -> PriceTable {
        try PriceTable(jsonData: Data(json.utf8), path: "test.json", defaultID: "custom:test.json")
    }

    static func price(_ entry: String) throws -> ModelPrice {
        try #require(try table("{\"m\": \(entry)}").price(forKey: "m"))
    }

    /// 2026-11-25 (a Wednesday) at `hour`:`minute` UTC, epoch ms.
    static func wednesday(_ hour: Int64, _ minute: Int64 = 0, plusDays: Int64 = 0) -> Int64 {
        PriceTable.dayMillis("2026-11-25")! + plusDays * 86_400_000 + hour * 3_600_000 + minute * 60_000
    }

    static func cost(
        _ p: ModelPrice, input: Int64 = 0, read: Int64 = 0, write: Int64 = 0, output: Int64 = 0, reasoning: Int64 = 0,
        _ context: PricingContext = .standard
    ) -> Int128 {
        p.costPico(input: input, cacheRead: read, cacheWrite5m: write, cacheWrite1h: 0, output: output, reasoning: reasoning, context: context)
    }

    @Test("service tier: the _priority prices, each falling back to the standard field")
    func serviceTier() throws {
        let p = try Self.price("""
            {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-07,
             "input_cost_per_token_priority": 2.5e-06, "output_cost_per_token_priority": 2e-05, "litellm_provider": "openai"}
            """)
        // priority: 1 000 × 2.5e-06 + 100 × 1.25e-07 (no _priority read price) + 500 × 2e-05
        //         = 0.0025 + 0.0000125 + 0.01 = 0.0125125 USD
        #expect(Self.cost(p, input: 1_000, read: 100, output: 500, PricingContext(serviceTier: .priority)) == 12_512_500_000)
        // standard: 0.00125 + 0.0000125 + 0.005 = 0.0062625 USD; flex is not listed: standard too
        #expect(Self.cost(p, input: 1_000, read: 100, output: 500) == 6_262_500_000)
        #expect(Self.cost(p, input: 1_000, read: 100, output: 500, PricingContext(serviceTier: .flex)) == 6_262_500_000)
        #expect(ServiceTier(reported: "fast") == .priority)
        #expect(ServiceTier(reported: "default") == .standard)
    }

    @Test("service tier is not read for providers whose LiteLLM calculator ignores it (Fireworks)")
    func serviceTierIgnored() throws {
        let p = try Self.price("""
            {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "cache_read_input_token_cost": 5e-07,
             "input_cost_per_token_priority": 9e-06, "litellm_provider": "fireworks_ai"}
            """)
        // 1 000 × 1e-06 + 100 × 2e-06 = 0.0012 USD, priority or not
        #expect(Self.cost(p, input: 1_000, output: 100, PricingContext(serviceTier: .priority)) == 1_200_000_000)
    }

    @Test("reasoning tokens at output_cost_per_reasoning_token; xAI bills them as output")
    func reasoning() throws {
        let entry = """
            {"input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06, "output_cost_per_reasoning_token": 1e-05,
             "litellm_provider": "PROVIDER"}
            """
        let p = try Self.price(entry.replacingOccurrences(of: "PROVIDER", with: "openai"))
        // 1 000 × 1e-06 + (600 − 400) × 4e-06 + 400 × 1e-05 = 0.001 + 0.0008 + 0.004 = 0.0058 USD
        #expect(Self.cost(p, input: 1_000, output: 600, reasoning: 400) == 5_800_000_000)
        let xai = try Self.price(entry.replacingOccurrences(of: "PROVIDER", with: "xai"))
        // 0.001 + 600 × 4e-06 = 0.0034 USD
        #expect(Self.cost(xai, input: 1_000, output: 600, reasoning: 400) == 3_400_000_000)
    }

    @Test("tiered_pricing: one range tier, chosen by the prompt, prices every token (qwen-plus-2025-07-28)")
    func tieredPricing() throws {
        let p = try Self.price("""
            {"litellm_provider": "dashscope", "mode": "chat", "tiered_pricing": [
              {"input_cost_per_token": 4e-07, "output_cost_per_reasoning_token": 4e-06, "output_cost_per_token": 1.2e-06, "range": [0, 256000.0]},
              {"input_cost_per_token": 1.2e-06, "output_cost_per_reasoning_token": 1.2e-05, "output_cost_per_token": 3.6e-06, "range": [256000.0, 1000000.0]}]}
            """)
        // 300 000 prompt tokens: the upper tier. 300 000 × 1.2e-06 + 200 × 3.6e-06 + 300 × 1.2e-05
        //   = 0.36 + 0.00072 + 0.0036 = 0.36432 USD (litellm.completion_cost gives 0.36432 too)
        #expect(Self.cost(p, input: 300_000, output: 500, reasoning: 300) == 364_320_000_000)
        // exactly 256 000: still the lower tier (start < prompt <= end): 256 000 × 4e-07 + 100 × 1.2e-06
        //   = 0.1024 + 0.00012 = 0.10252 USD
        #expect(Self.cost(p, input: 256_000, output: 100) == 102_520_000_000)
        // beyond every range: the last tier. 2 000 000 × 1.2e-06 = 2.4 USD
        #expect(Self.cost(p, input: 2_000_000) == 2_400_000_000_000)
        // cache reads without a tier price: the tier's input price. 1 000 × 4e-07 + 1 000 × 4e-07 = 0.0008
        #expect(Self.cost(p, input: 1_000, read: 1_000) == 800_000_000)
    }

    @Test("off-peak: window prices replace the standard ones; weekday rules, wrap past midnight")
    func offPeak() throws {
        let p = try Self.price("""
            {"input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07, "cache_read_input_token_cost": 2.8e-08,
             "litellm_provider": "deepseek",
             "off_peak_pricing": {"input_cost_per_token": 1.4e-07, "output_cost_per_token": 2.1e-07,
                                  "windows": [{"hours_utc": ["16:30-00:30"], "weekdays": [1, 2, 3, 4, 5]}]}}
            """)
        func at(_ ms: Int64) -> Int128 {
            Self.cost(p, input: 10_000, read: 1_000, output: 1_000, PricingContext(instantMs: ms))
        }
        // open: 10 000 × 1.4e-07 + 1 000 × 2.8e-08 (no off-peak read price) + 1 000 × 2.1e-07
        //     = 0.0014 + 0.000028 + 0.00021 = 0.001638 USD
        let open: Int128 = 1_638_000_000
        // closed: 10 000 × 2.8e-07 + 0.000028 + 1 000 × 4.2e-07 = 0.0028 + 0.000028 + 0.00042 = 0.003248 USD
        let closed: Int128 = 3_248_000_000
        #expect(at(Self.wednesday(17)) == open)
        #expect(at(Self.wednesday(16, 30)) == open)  // start inclusive
        #expect(at(Self.wednesday(0, 15, plusDays: 1)) == open)  // Thursday 00:15, the wrap of Wednesday's window
        #expect(at(Self.wednesday(0, 30, plusDays: 1)) == closed)  // end exclusive
        #expect(at(Self.wednesday(12)) == closed)
        #expect(at(Self.wednesday(17, plusDays: 3)) == closed)  // Saturday: not a weekday of the rule
        #expect(Self.cost(p, input: 10_000, read: 1_000, output: 1_000) == closed)  // no instant
    }

    @Test("provider_specific_entry: Anthropic fast ×2 and us ×1.1; Bedrock geography only")
    func multipliers() throws {
        let entry = """
            {"input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05,
             "provider_specific_entry": {"us": 1.1, "fast": 2.0}, "litellm_provider": "PROVIDER"}
            """
        let anthropic = try Self.price(entry.replacingOccurrences(of: "PROVIDER", with: "anthropic"))
        let both = PricingContext(inferenceGeo: "us", fastMode: true)
        // (1 000 × 5e-06 + 100 × 2.5e-05) × 2 × 1.1 = 0.0075 × 2.2 = 0.0165 USD
        #expect(Self.cost(anthropic, input: 1_000, output: 100, both) == 16_500_000_000)
        // global: no geography multiplier. 0.0075 × 2 = 0.015
        #expect(Self.cost(anthropic, input: 1_000, output: 100, PricingContext(inferenceGeo: "global", fastMode: true)) == 15_000_000_000)
        let bedrock = try Self.price(entry.replacingOccurrences(of: "PROVIDER", with: "bedrock"))
        // 0.0075 × 1.1 = 0.00825 USD
        #expect(Self.cost(bedrock, input: 1_000, output: 100, both) == 8_250_000_000)
    }

    @Test("Fireworks without a cache-read price bills cache reads at 50 % of input")
    func fireworksDefault() throws {
        let p = try Self.price("""
            {"input_cost_per_token": 9e-07, "output_cost_per_token": 9e-07, "litellm_provider": "fireworks_ai"}
            """)
        // 1 000 × 9e-07 + 1 000 × 4.5e-07 + 100 × 9e-07 = 0.0009 + 0.00045 + 0.00009 = 0.00144 USD
        #expect(Self.cost(p, input: 1_000, read: 1_000, output: 100) == 1_440_000_000)
    }

    @Test("xAI thresholds are reached at N tokens, others only above N")
    func xaiInclusive() throws {
        let entry = """
            {"input_cost_per_token": 2e-06, "output_cost_per_token": 1e-05, "input_cost_per_token_above_128k_tokens": 4e-06,
             "output_cost_per_token_above_128k_tokens": 2e-05, "litellm_provider": "PROVIDER"}
            """
        let xai = try Self.price(entry.replacingOccurrences(of: "PROVIDER", with: "xai"))
        // 128 000 × 4e-06 + 100 × 2e-05 = 0.512 + 0.002 = 0.514 USD
        #expect(Self.cost(xai, input: 128_000, output: 100) == 514_000_000_000)
        let other = try Self.price(entry.replacingOccurrences(of: "PROVIDER", with: "openai"))
        // 128 000 × 2e-06 + 100 × 1e-05 = 0.256 + 0.001 = 0.257 USD
        #expect(Self.cost(other, input: 128_000, output: 100) == 257_000_000_000)
    }

    @Test("sub-pico prices are exact: 3.59375e-08 × 1 000 000 tokens = 0.0359375 USD, not 0.035938")
    func exactSubPico() throws {
        let p = try Self.price(#"{"input_cost_per_token": 3.59375e-08}"#)
        #expect(Self.cost(p, input: 1_000_000) == 35_937_500_000)
        // one token: 35 937.5 pico, rounded half-even once per request → 35 938
        #expect(Self.cost(p, input: 1) == 35_938)
    }

    @Test("the record's provider is tried first and resolution is cached per (model, provider)")
    func providerAware() throws {
        let t = try Self.table("""
            {"mistral/mistral-large-latest": {"input_cost_per_token": 2e-06, "output_cost_per_token": 6e-06},
             "mistral-large-latest": {"input_cost_per_token": 9e-06, "output_cost_per_token": 9e-06}}
            """)
        let pricer = Pricer(table: t, aliases: nil)
        var agg = EventAggregator(source: "litellm", calendar: .utc, coster: PricerCoster(pricer: pricer, costSource: .priced))
        var a = LLMCall(instantMs: Self.wednesday(10))
        a.model = "mistral-large-latest"
        a.provider = "mistral"
        a.inputTokens = 1_000
        a.outputTokens = 100
        var b = a
        b.provider = ""
        agg.add(a)
        agg.add(b)
        let usage = agg.finish().usage
        let byModel = Dictionary(uniqueKeysWithValues: usage.map { ($0.key.model, $0.value.costPico) })
        // mistral/…: 1 000 × 2e-06 + 100 × 6e-06 = 0.0026 USD; bare: 1 100 × 9e-06 = 0.0099 USD
        #expect(byModel["mistral/mistral-large-latest"] == 2_600_000_000)
        #expect(byModel["mistral-large-latest"] == 9_900_000_000)
    }

    // MARK: - Dated prices (issue 10 item 1)

    @Test("dated versions: each call pays the price in force on its day; before the first, the oldest")
    func datedVersions() throws {
        let t = try Self.table("""
            {"m": {"__since__": "2025-10-05", "__release__": "1.77.7", "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
                   "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
                   "__history__": [{"__since__": "2024-11-28", "__release__": "1.53.1", "input_cost_per_token": 3e-06,
                                    "output_cost_per_token": 1.5e-05, "cache_creation_input_token_cost": 3.75e-06}]}}
            """)
        let entry = try #require(t.entry(forKey: "m"))
        #expect(entry.versions.map(\.release) == ["1.53.1", "1.77.7"])
        var call = LLMCall(instantMs: PriceTable.dayMillis("2025-06-01")!)
        call.cacheWrite1hTokens = 1_000
        // 2025-06-01: 1.53.1 has no 1-hour price, so 1 000 × 3.75e-06 = 0.00375 USD
        #expect(Pricer.pricedCost(of: call, entry: entry) == 3_750_000_000)
        // 2025-11-01: 1 000 × 6e-06 = 0.006 USD
        call.instantMs = PriceTable.dayMillis("2025-11-01")!
        #expect(Pricer.pricedCost(of: call, entry: entry) == 6_000_000_000)
        // 2025-10-05 00:00 UTC: the new version's first instant
        call.instantMs = PriceTable.dayMillis("2025-10-05")!
        #expect(Pricer.pricedCost(of: call, entry: entry) == 6_000_000_000)
        // 2024-01-01, before the range: the oldest known price, 0.00375
        call.instantMs = PriceTable.dayMillis("2024-01-01")!
        #expect(Pricer.pricedCost(of: call, entry: entry) == 3_750_000_000)
    }

    @Test("the shipped snapshot: retired models priced with their last prices, dated by release")
    func retiredModels() throws {
        let table = try PriceTable.bundled()
        let pricer = Pricer(table: table, aliases: nil)
        for name in ["claude-sonnet-4-20250514", "claude-3-5-sonnet-20241022", "claude-3-7-sonnet-20250219", "claude-opus-4-20250514"] {
            let r = pricer.resolve(name, provider: "anthropic", trace: nil)
            #expect(r.isPriced, "\(name)")
            #expect(r.entry?.versions.allSatisfy { !$0.since.isEmpty && !$0.release.isEmpty } == true, "\(name)")
        }
        // claude-opus-4-20250514: 1.5e-05 in, 7.5e-05 out. 1 000 in + 100 out = 0.015 + 0.0075 = 0.0225 USD
        var call = LLMCall(instantMs: PriceTable.dayMillis("2025-08-01")!)
        call.inputTokens = 1_000
        call.outputTokens = 100
        let opus = try #require(pricer.resolve("claude-opus-4-20250514").entry)
        #expect(Pricer.pricedCost(of: call, entry: opus) == 22_500_000_000)
    }

    @Test("the shipped snapshot keeps entries priced only by tiered_pricing (dashscope/qwen-flash)")
    func tieredOnlyEntriesKept() throws {
        let table = try PriceTable.bundled()
        let qwen = try #require(table.price(forKey: "dashscope/qwen-flash"))
        #expect(qwen.base.input == nil)
        #expect(qwen.rangeTiers.count == 2)
        // 100 000 prompt tokens: tier (0, 256 000] at 5e-08 in, 4e-07 out (1.110.2):
        // 100 000 × 5e-08 + 1 000 × 4e-07 = 0.005 + 0.0004 = 0.0054 USD
        #expect(Self.cost(qwen, input: 100_000, output: 1_000) == 5_400_000_000)
    }

    @Test("every Anthropic, OpenAI and Gemini model id of any release of the range is priced")
    func everyVendorIDPriced() throws {
        let url = PricingFixtures.folder.appendingPathComponent("release-model-ids.json")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let ids = try #require(doc["ids"] as? [String: [String]])
        #expect(ids.count > 300)
        // retired ids (absent from the newest release) are part of the list
        #expect(ids.values.filter { !$0.contains("1.110.2") }.count > 100)
        let pricer = Pricer(table: try PriceTable.bundled(), aliases: nil)
        let unpriced = ids.keys.filter { !pricer.resolve($0).isPriced }.sorted()
        #expect(unpriced == [])
    }

    @Test("a --prices file applies on every day, over the snapshot's dated prices")
    func overlayEveryDay() throws {
        let overlay = try Self.table(#"{"claude-3-5-sonnet-20241022": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}"#)
        let table = try PriceTable.bundled().overlaid(with: overlay)
        let entry = try #require(table.entry(forKey: "claude-3-5-sonnet-20241022"))
        #expect(entry.versions.count == 1)
        var call = LLMCall(instantMs: PriceTable.dayMillis("2024-12-15")!)
        call.inputTokens = 1_000
        // 1 000 × 1e-06 = 0.001 USD on any day
        #expect(Pricer.pricedCost(of: call, entry: entry) == 1_000_000_000)
        call.instantMs = PriceTable.dayMillis("2026-11-25")!
        #expect(Pricer.pricedCost(of: call, entry: entry) == 1_000_000_000)
    }
}
