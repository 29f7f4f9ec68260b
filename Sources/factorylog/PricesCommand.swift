import Analyze
import Engine
import ArgumentParser
import Foundation

extension FactoryLog {
    /// `factorylog prices MODEL...`: how each name resolves against the price table, step by step,
    /// and the prices used (`CONTRACT.md` "Money", resolution chain).
    struct PricesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prices",
            abstract: "Show how model names resolve against the price table (each step of the resolution chain) and the prices used."
        )

        @Argument(help: "Model names as logged.")
        var models: [String]

        @Option(help: "The provider the record names (LiteLLM custom_llm_provider, OTel gen_ai.provider.name): <provider>/<model> is tried first.")
        var provider: String?

        @OptionGroup var pricing: PricingOptions

        func run() async throws {
            let pricer = try UsageErrors.checked(Self.self) { try pricing.pricer() }
            var text = "price table \(pricer.snapshotID)\n"
            var unpriced = 0
            for model in models {
                let (steps, resolved) = pricer.resolutionSteps(model, provider: provider)
                text += "\n\(model)\(provider.map { " (provider \($0))" } ?? "")\n"
                for s in steps {
                    text += "  \(s.step.padding(toLength: 15, withPad: " ", startingAt: 0)) \(s.key)  \(s.found ? "found" : "-")\n"
                }
                if let entry = resolved.entry {
                    let price = entry.latest
                    text += "  → \(resolved.key)\(price.provider.map { " (\($0))" } ?? "")\n"
                    for (i, version) in entry.versions.enumerated().reversed() {
                        if !version.since.isEmpty {
                            let last = i == entry.versions.count - 1
                            text += "  \(last ? "latest," : "earlier,") in force from \(version.since) (litellm \(version.release))\n"
                        }
                        text += Self.describe(version.price, indent: "    ")
                    }
                } else {
                    unpriced += 1
                    text += "  → unpriced (add it with --prices FILE or --model-aliases FILE)\n"
                }
            }
            Console.out(text)
            if unpriced > 0 { throw ExitCode(1) }
        }

        /// Every price of one version: base, tiers, service tiers, range tiers, off-peak, multipliers.
        static func describe(_ price: ModelPrice, indent: String) -> String {
            var text = describe(price.base, indent: indent)
            for tier in price.tiers {
                text += "\(indent)above \(tier.thresholdTokens) prompt tokens:\n"
                text += describe(tier.prices, indent: indent + "  ")
            }
            for (tier, prices) in price.serviceTierPrices.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                text += "\(indent)service tier \(tier):\n"
                text += describe(prices, indent: indent + "  ")
            }
            for range in price.rangeTiers {
                text += "\(indent)prompt in (\(Int64(range.start)), \(Int64(range.end))] (tiered_pricing):\n"
                text += describe(range.prices, indent: indent + "  ")
            }
            if let op = price.offPeak {
                text += "\(indent)off-peak (\(op.everyDay.count + op.rules.count) window rule(s)):\n"
                text += describe(op.prices, indent: indent + "  ")
            }
            for (name, m) in price.multipliers.sorted(by: { $0.key < $1.key }) {
                text += "\(indent)multiplier \(name): ×\(m.value)\n"
            }
            return text
        }

        /// USD per million tokens of each listed bucket: atto-dollars per token × 10^6 tokens ÷ 10^18,
        /// i.e. the atto count read as pico-dollars.
        static func describe(_ p: ListedPrices, indent: String) -> String {
            let rows: [(String, Int64?)] = [
                ("input", p.input), ("output", p.output), ("cache read", p.cacheRead),
                ("cache write 5m", p.cacheWrite5m), ("cache write 1h", p.cacheWrite1h), ("reasoning", p.reasoning),
            ]
            var out = ""
            for (name, atto) in rows {
                guard let atto else { continue }
                out += "\(indent)\(name.padding(toLength: 15, withPad: " ", startingAt: 0)) $\(Pricer.usd(fromPico: Int128(atto))) per Mtok\n"
            }
            return out
        }
    }
}
