/// Per-token prices of one bucket set, as a price table lists them, in pico-dollars per token.
///
/// `nil` means the table has no such field (an explicit `0` is a real price of zero). Field names are
/// LiteLLM's (`model_prices_and_context_window.json`).
public struct ListedPrices: Sendable, Hashable {
    /// `input_cost_per_token`: uncached input.
    public var input: Int64?
    /// `output_cost_per_token`: output, reasoning included.
    public var output: Int64?
    /// `cache_read_input_token_cost`.
    public var cacheRead: Int64?
    /// `cache_creation_input_token_cost`: 5-minute cache writes (and writes with no split given).
    public var cacheWrite5m: Int64?
    /// `cache_creation_input_token_cost_above_1hr`: 1-hour cache writes.
    public var cacheWrite1h: Int64?

    public init(
        input: Int64? = nil, output: Int64? = nil, cacheRead: Int64? = nil,
        cacheWrite5m: Int64? = nil, cacheWrite1h: Int64? = nil
    ) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
    }

    /// The five price buckets.
    public enum Bucket: Sendable, Hashable, CaseIterable {
        case input, output, cacheRead, cacheWrite5m, cacheWrite1h
    }

    /// The listed price of one bucket.
    public subscript(bucket: Bucket) -> Int64? {
        get {
            switch bucket {
            case .input: input
            case .output: output
            case .cacheRead: cacheRead
            case .cacheWrite5m: cacheWrite5m
            case .cacheWrite1h: cacheWrite1h
            }
        }
        set {
            switch bucket {
            case .input: input = newValue
            case .output: output = newValue
            case .cacheRead: cacheRead = newValue
            case .cacheWrite5m: cacheWrite5m = newValue
            case .cacheWrite1h: cacheWrite1h = newValue
            }
        }
    }

    /// True when no field is listed.
    public var isEmpty: Bool {
        input == nil && output == nil && cacheRead == nil && cacheWrite5m == nil && cacheWrite1h == nil
    }

    /// `self` with every field that `other` lists replaced by `other`'s value.
    func overridden(by other: ListedPrices) -> ListedPrices {
        ListedPrices(
            input: other.input ?? input, output: other.output ?? output, cacheRead: other.cacheRead ?? cacheRead,
            cacheWrite5m: other.cacheWrite5m ?? cacheWrite5m, cacheWrite1h: other.cacheWrite1h ?? cacheWrite1h)
    }
}

/// The prices a request actually pays, every bucket filled in, in pico-dollars per token.
public struct TokenRates: Sendable, Hashable {
    public var input: Int64
    public var output: Int64
    public var cacheRead: Int64
    public var cacheWrite5m: Int64
    public var cacheWrite1h: Int64

    public init(input: Int64, output: Int64, cacheRead: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
    }

    /// Fills the buckets a table leaves out, the way LiteLLM 1.110.2 does
    /// (`_get_token_base_cost` in `litellm/litellm_core_utils/llm_cost_calc/utils.py`: "An absent
    /// cache-creation or cache-read rate always resolves to the resolved input rate [...] An absent
    /// long-TTL write rate resolves to the cache-creation rate"):
    ///
    /// * input, output missing → 0 (`get_cost_per_unit` defaults to 0.0);
    /// * cache read missing → the input price; 5-minute write missing → the input price;
    /// * 1-hour write missing → the (resolved) 5-minute write price.
    init(resolving p: ListedPrices) {
        let input = p.input ?? 0
        let write5m = p.cacheWrite5m ?? input
        self.init(
            input: input, output: p.output ?? 0, cacheRead: p.cacheRead ?? input,
            cacheWrite5m: write5m, cacheWrite1h: p.cacheWrite1h ?? write5m)
    }
}

/// A long-context price tier: LiteLLM's `<price>_above_<N>k_tokens` fields.
public struct PriceTier: Sendable, Hashable {
    /// N × 1000 for `_above_<N>k_tokens` (N for LiteLLM's rarer `_above_<N>_tokens`), in tokens.
    public var thresholdTokens: Int64
    /// The above-N prices this tier lists; a bucket it leaves out keeps the price below the tier.
    public var prices: ListedPrices

    public init(thresholdTokens: Int64, prices: ListedPrices) {
        self.thresholdTokens = thresholdTokens
        self.prices = prices
    }
}

/// The price of one price-table entry, every per-token price in integer pico-dollars.
///
/// ### Tiers (`CONTRACT.md` "Money")
/// When the request's prompt (input + cache reads + cache writes, tokens) **exceeds** a tier's
/// threshold, every token of the request uses that tier's price for its bucket; a bucket the tier
/// does not price keeps its base price. With several tiers the exceeded ones apply in ascending
/// order, so the highest exceeded tier wins for each bucket it lists (LiteLLM `_get_token_base_cost`
/// iterates the sorted thresholds the same way; a threshold is exceeded when prompt > N, strictly).
/// Missing buckets are then filled as `TokenRates.init(resolving:)` documents.
public struct ModelPrice: Sendable, Hashable {
    /// The base prices as listed.
    public let base: ListedPrices
    /// Long-context tiers, ascending by threshold.
    public let tiers: [PriceTier]
    /// `litellm_provider`, when listed.
    public let provider: String?
    /// `mode` (`chat`, `embedding`, ...), when listed.
    public let mode: String?

    /// Rates below every tier.
    public let baseRates: TokenRates
    /// Rates of each tier (base overridden by every tier up to and including it), same order as `tiers`.
    private let tierRates: [TokenRates]

    /// - Parameter tiers: in any order; duplicates of a threshold are merged (later wins).
    public init(base: ListedPrices, tiers: [PriceTier] = [], provider: String? = nil, mode: String? = nil) {
        var merged: [Int64: ListedPrices] = [:]
        for tier in tiers {
            let previous = merged[tier.thresholdTokens] ?? ListedPrices()
            merged[tier.thresholdTokens] = previous.overridden(by: tier.prices)
        }
        let sorted = merged.keys.sorted().map { PriceTier(thresholdTokens: $0, prices: merged[$0]!) }
        self.base = base
        self.tiers = sorted
        self.provider = provider
        self.mode = mode
        self.baseRates = TokenRates(resolving: base)
        var running = base
        var rates: [TokenRates] = []
        rates.reserveCapacity(sorted.count)
        for tier in sorted {
            running = running.overridden(by: tier.prices)
            rates.append(TokenRates(resolving: running))
        }
        self.tierRates = rates
    }

    /// The rates a request with `promptTokens` prompt tokens pays.
    /// - Complexity: O(number of tiers), at most a handful.
    public func rates(promptTokens: Int64) -> TokenRates {
        var i = tiers.count - 1
        while i >= 0 {
            if promptTokens > tiers[i].thresholdTokens { return tierRates[i] }
            i -= 1
        }
        return baseRates
    }

    /// Cost of one request in pico-dollars (`CONTRACT.md` "Money"):
    /// input × input price + cache reads × cache-read price + 5-minute writes × 5-minute write price
    /// + 1-hour writes × 1-hour write price + output × output price, at the tier the prompt
    /// (input + cache reads + both cache writes) reaches.
    /// - Parameters: token counts of the disjoint buckets of `LLMCall` (tokens, ≥ 0).
    /// - Returns: pico-dollars (1e-12 USD); exact, no rounding happens here.
    public func costPico(input: Int64, cacheRead: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64, output: Int64)
        -> Int128
    {
        let prompt = input &+ cacheRead &+ cacheWrite5m &+ cacheWrite1h
        let r = rates(promptTokens: prompt)
        return Int128(input) * Int128(r.input)
            + Int128(cacheRead) * Int128(r.cacheRead)
            + Int128(cacheWrite5m) * Int128(r.cacheWrite5m)
            + Int128(cacheWrite1h) * Int128(r.cacheWrite1h)
            + Int128(output) * Int128(r.output)
    }
}
