import Ingest

/// The production `CallCosting`: the run's `Pricer` under its `--cost-source` policy.
///
///     let coster = PricerCoster(pricer: pricer, costSource: .auto)
///     var agg = EventAggregator(source: "litellm", calendar: cal, coster: coster)
///
/// Resolution follows `Pricer.resolve` (`CONTRACT.md`, "Money": provider key, alias, as logged,
/// route, region, version/date, vendor); the aggregator caches one `ResolvedModel` per distinct
/// (logged name, provider), so each pair is resolved once per aggregator.
public struct PricerCoster: CallCosting {
    public let pricer: Pricer
    public let costSource: CostSource

    public init(pricer: Pricer, costSource: CostSource) {
        self.pricer = pricer
        self.costSource = costSource
    }

    public func resolve(_ loggedModel: String, provider: String) -> ResolvedModel {
        pricer.resolve(loggedModel, provider: provider.isEmpty ? nil : provider, trace: nil)
    }

    public func priceKey(of resolution: ResolvedModel) -> String { resolution.key }

    public func cost(of call: LLMCall, resolved: ResolvedModel) -> (pico: Int128, unpriced: Bool) {
        pricer.cost(of: call, resolved: resolved, source: costSource)
    }
}
