import Foundation
import Testing

@testable import Analyze

/// The acceptance cases' price table (`cases/prices.json`, copied into Fixtures/pricing/).
enum PricingFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pricing")
    static let casePricesPath = folder.appendingPathComponent("prices.json").path

    static func caseTable() throws -> PriceTable { try PriceTable(contentsOf: casePricesPath) }
    static func casePricer(aliases: ModelAliases? = nil) throws -> Pricer {
        Pricer(table: try caseTable(), aliases: aliases)
    }
}

@Suite("Pricing: model-name resolution (CONTRACT.md Money, steps 1–6)")
struct PricingResolutionTests {
    static let arn = "arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/ops-triage"

    /// (name as logged, price key expected; nil = unpriced) against cases/prices.json.
    static let expectations: [(String, String?)] = [
        // cases/21: region, vendor, date and version are stripped step by step.
        ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),  // step 6
        ("anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5"),  // step 6
        ("us.anthropic.claude-sonnet-4-6", "anthropic.claude-sonnet-4-6"),  // step 4: regional key, no further stripping
        ("global.anthropic.claude-sonnet-4-6", "global.anthropic.claude-sonnet-4-6"),  // step 2
        (arn, nil),  // step 3 leaves "ops-triage": unpriced
        // cases/13: Vertex `@date`, provider routes, dated names.
        ("claude-haiku-4-5@20251001", "claude-haiku-4-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("vertex_ai/claude-haiku-4-5@20251001", "claude-haiku-4-5"),
        ("anthropic/claude-haiku-4-5", "claude-haiku-4-5"),
        ("glm-4.6", nil),
        // cases/14: no family fallback.
        ("claude-opus-4-5-20251101", "claude-opus-4-5"),
        ("claude-opus-4-1-20250805", nil),
        // cases/10, 08, 01.
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-5", "gpt-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        // More of the contract's suffix and prefix forms.
        ("bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),  // steps 3, 4, 5, 6
        ("us-gov.anthropic.claude-opus-4-5", "claude-opus-4-5"),  // steps 4, 6
        ("openai/gpt-4o:0", "gpt-4o"),  // steps 3, 5 (`:0`)
        ("azure/gpt-5", "gpt-5"),
        // Not family guesses: nothing but exact keys after each step.
        ("claude-sonnet", nil),
        ("gpt-4o-mini", nil),
        ("claude-haiku-4-5-turbo", nil),
        ("", nil),
    ]

    @Test("every name of cases 10, 13, 14, 21 resolves to the expected key", arguments: expectations)
    func resolves(_ logged: String, _ expectedKey: String?) throws {
        let r = try PricingFixtures.casePricer().resolve(logged)
        if let expectedKey {
            #expect(r.key == expectedKey)
            #expect(r.isPriced)
        } else {
            #expect(r.key == logged)  // an unpriced model keeps the name as logged
            #expect(r.price == nil)
        }
    }

    @Test("an alias maps an ARN to a price key (step 1)")
    func aliasFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pricing-aliases-\(UUID()).json").path
        try Data(#"{"\#(Self.arn)": "claude-haiku-4-5", "my-deployment": "bedrock/eu.anthropic.claude-opus-4-5-20251101-v1:0"}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pricer = try PricingFixtures.casePricer(aliases: ModelAliases(contentsOf: path))
        #expect(pricer.resolve(Self.arn).key == "claude-haiku-4-5")
        // The alias target goes through steps 3–6 too.
        #expect(pricer.resolve("my-deployment").key == "claude-opus-4-5")
        // A name the alias file does not name resolves as before.
        #expect(pricer.resolve("gpt-4o-2024-08-06").key == "gpt-4o")
    }

    @Test("an alias file whose value is not a string is rejected with the entry named")
    func badAliasFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pricing-badalias-\(UUID()).json").path
        try Data(#"{"x": 3}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try ModelAliases(contentsOf: path)
        } throws: { error in
            (error as? PricingError)?.code == .badAlias && "\(error)".contains("\"x\"")
        }
    }

    @Test(
        "version and date suffixes come off one at a time",
        arguments: [
            ("claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001"),
            ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
            ("claude-haiku-4-5@20251001", "claude-haiku-4-5"),
            ("gpt-4o-2024-08-06", "gpt-4o"),
            ("model:0", "model"),
            ("claude-3-5-sonnet-v2:0", "claude-3-5-sonnet"),
            ("gemini-1.5-pro@001", "gemini-1.5-pro"),
        ])
    func suffixes(_ name: String, _ stripped: String) {
        #expect(Pricer.droppingVersionSuffix(name[...]).map(String.init) == stripped)
    }

    @Test(
        "names that end in digits but carry no version or date suffix are left alone",
        arguments: ["claude-sonnet-4-5", "gpt-4-0613", "gpt-4o", "claude-x-20251399", "model-123456789", "20251001", ":0", "@1"])
    func notSuffixes(_ name: String) {
        #expect(Pricer.droppingVersionSuffix(name[...]) == nil)
    }

    @Test("a name with non-ASCII characters is cut by bytes of the ASCII suffix only")
    func nonASCII() {
        #expect(Pricer.droppingVersionSuffix("modèle-é-20251001"[...]).map(String.init) == "modèle-é")
    }

    @Test("the resolution cache resolves each distinct name once and agrees with the pricer")
    func cache() throws {
        let pricer = try PricingFixtures.casePricer()
        var cache = ModelResolutionCache(pricer: pricer)
        let names = ["claude-haiku-4-5@20251001", "glm-4.6", "claude-haiku-4-5@20251001", "glm-4.6", "gpt-4o-2024-08-06"]
        for name in names { #expect(cache.resolve(name) == pricer.resolve(name)) }
        #expect(cache.count == 3)
    }
}
