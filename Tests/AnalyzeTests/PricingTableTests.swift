import Foundation
import Testing

@testable import Analyze

@Suite("Pricing: pico-dollar conversion")
struct PricingPicoTests {
    @Test(
        "decimal text → pico-dollars, rounded half-even",
        arguments: [
            ("3e-06", 3_000_000),  // 3e-06 USD × 1e12 = 3 000 000
            ("0.000003", 3_000_000),
            ("3E-6", 3_000_000),
            (" 3e-7 ", 300_000),
            ("1.25e-07", 125_000),
            ("2.9999900000000002e-06", 2_999_990),  // 2 999 990.000 000 000 2 → down
            ("1.41953125e-07", 141_953),  // 141 953.125 → down
            ("3.59375e-08", 35_938),  // 35 937.5 → half-even: 35 937 is odd → 35 938
            ("2.5e-12", 2),  // 2.5 → half-even: 2
            ("3.5e-12", 4),  // 3.5 → 4
            ("2.50000000001e-12", 3),  // just above half → up
            ("5e-13", 0),  // 0.5 → 0 (even)
            ("6e-13", 1),
            ("4e-14", 0),
            ("0", 0),
            ("1", 1_000_000_000_000),
            ("-1.25e-6", -1_250_000),
            ("12.", 12_000_000_000_000),
            (".5e-11", 5),
        ] as [(String, Int64)])
    func decimal(_ text: String, _ pico: Int64) {
        #expect(Pico.fromDecimalText(text) == Int128(pico))
    }

    @Test("malformed or out-of-range text is rejected", arguments: ["", "abc", "1e", "1e+", "--1", "1.2.3", "0x10", "1e400", "nan", "inf"])
    func malformed(_ text: String) {
        #expect(Pico.fromDecimalText(text) == nil)
    }

    @Test("Double → pico: the fast path agrees with the exact decimal path")
    func fastPathOracle() {
        // Deterministic LCG over mantissas of 1–9 digits and exponents −15 … −1, plus exact half-pico values.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var checked = 0
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = (state >> 33) % 1_000_000_000 + 1
            let exponent = -Int((state >> 20) % 15) - 1
            let text = "\(mantissa)e\(exponent)"
            let x = Double(text)!
            #expect(Pico.fromUSD(x) == Pico.fromDecimalText(x.description), "\(text)")
            #expect(Pico.fromUSD(x) == Pico.fromDecimalText(text), "\(text)")
            checked += 1
        }
        for half in ["0.5e-12", "1.5e-12", "2.5e-12", "12345.5e-12", "0.0000000000005"] {
            let x = Double(half)!
            #expect(Pico.fromUSD(x) == Pico.fromDecimalText(half), "\(half)")
        }
        #expect(checked == 20_000)
        #expect(Pico.fromUSD(2.5e-12) == 2)  // slow path (fraction .5): half-even
        #expect(Pico.fromUSD(0.006363) == 6_363_000_000)
        #expect(Pico.fromUSD(.infinity) == nil)
    }

    @Test("pico → USD is the correctly rounded quotient, also beyond 2^53 pico")
    func toUSD() {
        #expect(Pico.usd(fromPico: 58_062_000_000) == 0.058062)
        #expect(Pico.usd(fromPico: -3_257_500_000) == -0.0032575)
        #expect(Pico.usd(fromPico: 0) == 0)
        // 12 345 678.901 234 567 890 USD: beyond 2^53 pico, through decimal text.
        #expect(Pico.usd(fromPico: 12_345_678_901_234_567_890) == 12_345_678.901_234_567_890)
        // 1e6 requests of 58 062 000 000 pico sum exactly to 58 062 USD.
        var sum: Int128 = 0
        for _ in 0..<1_000_000 { sum += 58_062_000_000 }
        #expect(Pico.usd(fromPico: sum) == 58_062)
    }
}

@Suite("Pricing: price tables")
struct PricingTableTests {
    @Test("the cases' table loads with prices in atto-dollars and a custom id")
    func caseTable() throws {
        let table = try PricingFixtures.caseTable()
        #expect(table.snapshotID == "custom:prices.json")
        #expect(table.count == 10)
        let sonnet = try #require(table.price(forKey: "claude-sonnet-4-5"))
        // 3e-06, 1.5e-05, 3e-07, 3.75e-06, 6e-06 USD/token
        #expect(sonnet.base == ListedPrices(input: 3_000_000_000_000, output: 15_000_000_000_000, cacheRead: 300_000_000_000, cacheWrite5m: 3_750_000_000_000, cacheWrite1h: 6_000_000_000_000))
        // _above_200k_tokens: 6e-06, 2.25e-05, 6e-07, 7.5e-06; no 1-hour tier price.
        #expect(sonnet.tiers == [PriceTier(thresholdTokens: 200_000, prices: ListedPrices(input: 6_000_000_000_000, output: 22_500_000_000_000, cacheRead: 600_000_000_000, cacheWrite5m: 7_500_000_000_000))])
        #expect(sonnet.provider == "anthropic")
        #expect(sonnet.mode == "chat")
    }

    @Test("metadata id, sample_spec, non-object entries, string numbers, unpriced entries")
    func parsing() throws {
        let json = """
            {
              "__factorylog_snapshot__": {"id": "litellm-9.9.9", "source": "test"},
              "sample_spec": {"input_cost_per_token": 0.0},
              "not-an-object": 3,
              "strings": {"input_cost_per_token": "3e-7", "output_cost_per_token": " 0.0000012 "},
              "half": {"input_cost_per_token": 3.59375e-08, "cache_read_input_token_cost": 0},
              "no-prices": {"mode": "image_generation", "output_cost_per_image": 0.04},
              "bad-price": {"input_cost_per_token": "free", "output_cost_per_token": -1},
              "tiers": {"input_cost_per_token": 1e-06,
                        "input_cost_per_token_above_128k_tokens": 2e-06,
                        "output_cost_per_token_above_128000_tokens": 3e-06,
                        "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 4e-06,
                        "input_cost_per_token_above_200k_tokens_priority": 9e-06,
                        "input_cost_per_audio_token_above_200k_tokens": 9e-06}
            }
            """
        let table = try PriceTable(jsonData: Data(json.utf8), path: "test.json", defaultID: "custom:test.json")
        #expect(table.snapshotID == "litellm-9.9.9")
        #expect(Set(table.keys) == ["strings", "half", "tiers"])
        #expect(table.price(forKey: "strings")?.base == ListedPrices(input: 300_000_000_000, output: 1_200_000_000_000))
        // 3.59375e-08 USD = 35 937 500 000 atto-dollars, exact (no pico rounding); an explicit 0 stays 0.
        #expect(table.price(forKey: "half")?.base == ListedPrices(input: 35_937_500_000, cacheRead: 0))
        #expect(table.price(forKey: "half")?.baseRates.cacheRead == 0)
        #expect(table.price(forKey: "no-prices") == nil)
        #expect(table.price(forKey: "bad-price") == nil)
        let tiers = try #require(table.price(forKey: "tiers")).tiers
        #expect(tiers == [
            PriceTier(thresholdTokens: 128_000, prices: ListedPrices(input: 2_000_000_000_000, output: 3_000_000_000_000)),
            PriceTier(thresholdTokens: 200_000, prices: ListedPrices(cacheWrite1h: 4_000_000_000_000)),
        ])
    }

    @Test("a file that is not a JSON object is rejected with a remedy")
    func notAnObject() {
        #expect {
            _ = try PriceTable(jsonData: Data("[1, 2]".utf8), path: "x.json", defaultID: "custom:x.json")
        } throws: { error in
            (error as? PricingError)?.code == .notAJSONObject && "\(error)".contains("x.json")
        }
        #expect(throws: PricingError.self) {
            _ = try PriceTable(contentsOf: "/nonexistent/prices.json")
        }
    }

    @Test("the shipped snapshot loads, names its LiteLLM release and prices gpt-4o and claude-sonnet-4-5")
    func bundled() throws {
        let table = try PriceTable.bundled()
        #expect(table.snapshotID.hasPrefix("litellm-"))
        #expect(table.snapshotID.count > "litellm-".count)
        #expect(table.count > 1_000)
        // gpt-4o: 2.5e-06 in, 1e-05 out, 1.25e-06 cached.
        #expect(table.price(forKey: "gpt-4o")?.base == ListedPrices(input: 2_500_000_000_000, output: 10_000_000_000_000, cacheRead: 1_250_000_000_000))
        // claude-sonnet-4-5: 3e-06 in, 1.5e-05 out, 3e-07 read, 3.75e-06 5-minute and 6e-06 1-hour writes.
        #expect(table.price(forKey: "claude-sonnet-4-5")?.base == ListedPrices(input: 3_000_000_000_000, output: 15_000_000_000_000, cacheRead: 300_000_000_000, cacheWrite5m: 3_750_000_000_000, cacheWrite1h: 6_000_000_000_000))
        let pricer = Pricer(table: table, aliases: nil)
        #expect(pricer.snapshotID == table.snapshotID)
        #expect(pricer.resolve("gpt-4o-2024-08-06").isPriced)
        #expect(pricer.resolve("vertex_ai/claude-haiku-4-5@20251001").isPriced)
        #expect(!pricer.resolve("glm-4.6-nonexistent").isPriced)
    }
}
