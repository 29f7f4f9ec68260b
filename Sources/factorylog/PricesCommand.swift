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

        @Option(help: "The provider the record names (LiteLLM custom_llm_provider): <provider>/<model> is tried first.")
        var provider: String?

        @OptionGroup var pricing: PricingOptions

        func run() async throws {
            let pricer = try pricing.pricer()
            var text = "price table \(pricer.snapshotID)\n"
            var unpriced = 0
            for model in models {
                let (steps, resolved) = pricer.resolutionSteps(model, provider: provider)
                text += "\n\(model)\(provider.map { " (provider \($0))" } ?? "")\n"
                for s in steps {
                    text += "  \(s.step.padding(toLength: 15, withPad: " ", startingAt: 0)) \(s.key)  \(s.found ? "found" : "-")\n"
                }
                if let price = resolved.price {
                    text += "  → \(resolved.key)\(price.provider.map { " (\($0))" } ?? "")\n"
                    text += Self.describe(price.base, indent: "    ")
                    for tier in price.tiers {
                        text += "    above \(tier.thresholdTokens) prompt tokens:\n"
                        text += Self.describe(tier.prices, indent: "      ")
                    }
                } else {
                    unpriced += 1
                    text += "  → unpriced (add it with --prices FILE or --model-aliases FILE)\n"
                }
            }
            Console.out(text)
            if unpriced > 0 { throw ExitCode(1) }
        }

        /// USD per million tokens of each listed bucket (pico per token ÷ 1e6).
        static func describe(_ p: ListedPrices, indent: String) -> String {
            let rows: [(String, Int64?)] = [
                ("input", p.input), ("output", p.output), ("cache read", p.cacheRead),
                ("cache write 5m", p.cacheWrite5m), ("cache write 1h", p.cacheWrite1h),
            ]
            var out = ""
            for (name, pico) in rows {
                guard let pico else { continue }
                out += "\(indent)\(name.padding(toLength: 15, withPad: " ", startingAt: 0)) $\(Pricer.usd(fromPico: Int128(pico) * 1_000_000)) per Mtok\n"
            }
            return out
        }
    }
}
