import Ingest

/// What `EventAggregator` needs from pricing: resolve a logged model name once, then cost calls.
///
/// The real implementation wraps the `Pricer` with the run's `CostSource` (`CONTRACT.md`,
/// "Money"); tests use `CallCoster` with closures. `Resolution` is whatever the pricer needs to
/// cost a call without resolving the name again (e.g. `ResolvedModel`); the aggregator caches
/// one per distinct logged model name.
public protocol CallCosting: Sendable {
    associatedtype Resolution: Sendable
    /// Resolves a model name as logged, with the record's provider (empty when unknown): provider
    /// key, alias file, route / region / version / vendor steps.
    func resolve(_ loggedModel: String, provider: String) -> Resolution
    /// The price key of a resolution; the name as logged when it could not be priced.
    func priceKey(of resolution: Resolution) -> String
    /// The call's cost in pico-dollars (1e-12 USD) and whether it could not be priced (then 0).
    func cost(of call: LLMCall, resolved: Resolution) -> (pico: Int128, unpriced: Bool)
}

/// A `CallCosting` made of closures (tests, simple wiring).
///
///     let coster = CallCoster(
///         resolve: { name in (key: name, priced: name == "gpt-5") },
///         cost: { call, key in key == "gpt-5" ? (Int128(call.totalTokens) * 1_000_000, false) : (0, true) })
public struct CallCoster: CallCosting {
    /// Logged name → (price key, whether the table has a price for it).
    public var resolveName: @Sendable (String) -> (key: String, priced: Bool)
    /// (call, price key) → (pico-dollars, unpriced).
    public var costOf: @Sendable (LLMCall, String) -> (pico: Int128, unpriced: Bool)

    public init(
        resolve: @escaping @Sendable (String) -> (key: String, priced: Bool),
        cost: @escaping @Sendable (LLMCall, String) -> (pico: Int128, unpriced: Bool)
    ) {
        self.resolveName = resolve
        self.costOf = cost
    }

    public struct Resolved: Sendable, Hashable {
        public var key: String
        public var priced: Bool
    }

    public func resolve(_ loggedModel: String, provider: String) -> Resolved {
        let r = resolveName(loggedModel)
        return Resolved(key: r.key, priced: r.priced)
    }

    public func priceKey(of resolution: Resolved) -> String { resolution.key }

    public func cost(of call: LLMCall, resolved: Resolved) -> (pico: Int128, unpriced: Bool) {
        costOf(call, resolved.key)
    }
}

/// Pico-dollar → USD conversion for table cells (`CONTRACT.md`, "Money": sums stay `Int128` and
/// are converted once per cell). Delegates to `Pico.usd(fromPico:)` (correctly rounded), the same
/// conversion as `Pricer.usd(fromPico:)`.
public enum PicoUSD {
    public static let perDollar: Int128 = Pico.perUSD

    /// USD (DOUBLE) of a pico-dollar amount.
    @inline(__always)
    public static func usd(_ pico: Int128) -> Double { Pico.usd(fromPico: pico) }
}
