import Foundation
import Ingest

/// Per-token prices of one bucket set, as a price table lists them, in atto-dollars (1e-18 USD) per
/// token: every LiteLLM price is exact in that unit (`3.59375e-08` USD = 35 937 500 000 atto), so a
/// request's cost is exact until it is rounded once to a pico-dollar (`ModelPrice.costPico`).
///
/// `nil` means the table has no such field (an explicit `0` is a real price of zero). Field names are
/// LiteLLM's (`model_prices_and_context_window.json`).
public struct ListedPrices: Sendable, Hashable {
    /// `input_cost_per_token`: uncached input.
    public var input: Int64?
    /// `output_cost_per_token`: output, reasoning included unless `reasoning` is listed.
    public var output: Int64?
    /// `cache_read_input_token_cost`.
    public var cacheRead: Int64?
    /// `cache_creation_input_token_cost`: 5-minute cache writes (and writes with no split given).
    public var cacheWrite5m: Int64?
    /// `cache_creation_input_token_cost_above_1hr`: 1-hour cache writes.
    public var cacheWrite1h: Int64?
    /// `output_cost_per_reasoning_token`: the reasoning part of the output. Not a tier bucket:
    /// LiteLLM's above-N tiers never change it (`_resolve_reasoning_token_cost`).
    public var reasoning: Int64?

    public init(
        input: Int64? = nil, output: Int64? = nil, cacheRead: Int64? = nil,
        cacheWrite5m: Int64? = nil, cacheWrite1h: Int64? = nil, reasoning: Int64? = nil
    ) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.reasoning = reasoning
    }

    /// The five price buckets of a long-context tier.
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
            && reasoning == nil
    }

    /// `self` with every tier bucket that `other` lists replaced by `other`'s value (`reasoning` stays).
    func overridden(by other: ListedPrices) -> ListedPrices {
        ListedPrices(
            input: other.input ?? input, output: other.output ?? output, cacheRead: other.cacheRead ?? cacheRead,
            cacheWrite5m: other.cacheWrite5m ?? cacheWrite5m, cacheWrite1h: other.cacheWrite1h ?? cacheWrite1h,
            reasoning: reasoning)
    }
}

/// The prices a request actually pays, every bucket filled in, in atto-dollars per token.
public struct TokenRates: Sendable, Hashable {
    public var input: Int64
    public var output: Int64
    public var cacheRead: Int64
    public var cacheWrite5m: Int64
    public var cacheWrite1h: Int64
    /// The rate of the reasoning part of the output (the output rate when none is listed).
    public var reasoning: Int64

    public init(
        input: Int64, output: Int64, cacheRead: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64, reasoning: Int64? = nil
    ) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.reasoning = reasoning ?? output
    }

    /// Fills the buckets a table leaves out, the way LiteLLM 1.110.2 does
    /// (`_get_token_base_cost` in `litellm/litellm_core_utils/llm_cost_calc/utils.py`: "An absent
    /// cache-creation or cache-read rate always resolves to the resolved input rate [...] An absent
    /// long-TTL write rate resolves to the cache-creation rate"):
    ///
    /// * input, output missing → 0 (`get_cost_per_unit` defaults to 0.0);
    /// * cache read missing → the input price; 5-minute write missing → the input price;
    /// * 1-hour write missing → the (resolved) 5-minute write price;
    /// * reasoning missing → the output price.
    init(resolving p: ListedPrices) {
        let input = p.input ?? 0
        let write5m = p.cacheWrite5m ?? input
        self.init(
            input: input, output: p.output ?? 0, cacheRead: p.cacheRead ?? input,
            cacheWrite5m: write5m, cacheWrite1h: p.cacheWrite1h ?? write5m, reasoning: p.reasoning)
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

/// One tier of LiteLLM's `tiered_pricing` list (Dashscope/Qwen, Volcengine/Doubao, ...): a request
/// whose prompt lies in `start < prompt ≤ end` pays this tier's prices on every token.
public struct RangeTier: Sendable, Hashable {
    public var start: Double
    public var end: Double
    /// As the tier lists them (`input_cost_per_token` always, the rest optional).
    public var prices: ListedPrices
}

/// A price multiplier of `provider_specific_entry` (`"us": 1.1`, `"fast": 2`), as an exact ratio
/// `pico / 10^12` of the decimal text.
public struct PriceMultiplier: Sendable, Hashable {
    /// The multiplier × 10^12.
    public var scaled: Int64
    public static let one = PriceMultiplier(scaled: 1_000_000_000_000)
    public var value: Double { Double(scaled) / 1e12 }
}

/// LiteLLM's `off_peak_pricing` block: prices that replace the standard ones while a window is open.
///
/// Windows are `"HH:MM-HH:MM"` in UTC, start inclusive, end exclusive, wrapping past midnight; a
/// window whose start equals its end is the whole day (`_is_within_off_peak_window`). `hours_utc`
/// windows apply every day; each `windows[]` rule applies on its `weekdays` (ISO 1 = Monday … 7,
/// or names), read on the calendar of `weekday_timezone` (default UTC) (`_is_off_peak`).
public struct OffPeakPricing: Sendable, Hashable {
    /// A window as milliseconds of the UTC day, `[start, end)`.
    public struct Window: Sendable, Hashable {
        public var startMs: Int64
        public var endMs: Int64
        func contains(msOfDay t: Int64) -> Bool {
            if startMs < endMs { return startMs <= t && t < endMs }
            return t >= startMs || t < endMs
        }
    }
    public struct Rule: Sendable, Hashable {
        public var windows: [Window]
        /// ISO weekdays (1…7); nil = every day.
        public var weekdays: Set<Int>?
    }
    public var everyDay: [Window]
    public var rules: [Rule]
    /// `weekday_timezone`; nil = UTC.
    public var weekdayTimeZone: TimeZone?
    /// Replacement prices (`input_cost_per_token`, `output_cost_per_token`,
    /// `cache_read_input_token_cost`, `cache_creation_input_token_cost`, `output_cost_per_reasoning_token`).
    public var prices: ListedPrices

    /// Whether a window is open at `ms` (UTC epoch milliseconds).
    public func isOpen(atMillis ms: Int64) -> Bool {
        let day = Int64.floorDiv(ms, 86_400_000)
        let t = ms - day * 86_400_000
        if everyDay.contains(where: { $0.contains(msOfDay: t) }) { return true }
        guard !rules.isEmpty else { return false }
        var localDay = day
        if let tz = weekdayTimeZone {
            let offset = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
            localDay = Int64.floorDiv(ms + offset, 86_400_000)
        }
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = Int((localDay % 7 + 7 + 3) % 7) + 1
        for rule in rules where rule.weekdays?.contains(weekday) ?? true {
            if rule.windows.contains(where: { $0.contains(msOfDay: t) }) { return true }
        }
        return false
    }
}

extension Int64 {
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// What a call brings to its price besides its token counts (`CONTRACT.md` "Money").
public struct PricingContext: Sendable, Hashable {
    /// The served service tier.
    public var serviceTier: ServiceTier
    /// The request's instant (UTC epoch ms), for off-peak windows; nil = never off-peak.
    public var instantMs: Int64?
    /// `usage.inference_geo` (`us`, `global`, ...), empty when not reported.
    public var inferenceGeo: String
    /// `usage.speed == "fast"`.
    public var fastMode: Bool

    public init(serviceTier: ServiceTier = .standard, instantMs: Int64? = nil, inferenceGeo: String = "", fastMode: Bool = false) {
        self.serviceTier = serviceTier
        self.instantMs = instantMs
        self.inferenceGeo = inferenceGeo
        self.fastMode = fastMode
    }

    public static let standard = PricingContext()

    public init(call: LLMCall) {
        self.init(serviceTier: call.serviceTier, instantMs: call.instantMs, inferenceGeo: call.inferenceGeo, fastMode: call.fastMode)
    }
}

/// The base prices and long-context tiers of one service tier, resolved once.
struct RateSchedule: Sendable, Hashable {
    /// Ascending thresholds (tokens).
    var thresholds: [Int64]
    /// `levels[0]` is the base as listed; `levels[i + 1]` the base overridden by every tier up to
    /// and including tier `i`.
    var levels: [ListedPrices]
    /// `TokenRates(resolving: levels[i])`.
    var rates: [TokenRates]

    init(base: ListedPrices, tiers: [PriceTier]) {
        var merged: [Int64: ListedPrices] = [:]
        for tier in tiers {
            let previous = merged[tier.thresholdTokens] ?? ListedPrices()
            merged[tier.thresholdTokens] = previous.overridden(by: tier.prices)
        }
        let sorted = merged.keys.sorted()
        var running = base
        var levels = [base]
        for t in sorted {
            running = running.overridden(by: merged[t]!)
            levels.append(running)
        }
        self.thresholds = sorted
        self.levels = levels
        self.rates = levels.map(TokenRates.init(resolving:))
    }

    /// The level a prompt reaches: the highest threshold exceeded (`prompt > N`, or `≥ N` when
    /// `inclusive`), 0 below every tier.
    @inline(__always)
    func level(promptTokens p: Int64, inclusive: Bool) -> Int {
        var i = thresholds.count - 1
        while i >= 0 {
            let t = thresholds[i]
            if p > t || (inclusive && p == t) { return i + 1 }
            i -= 1
        }
        return 0
    }
}

/// The price of one price-table entry, every per-token price in integer atto-dollars (1e-18 USD).
///
/// ### Rules (`CONTRACT.md` "Money", each as LiteLLM 1.110.2's `generic_cost_per_token` and the
/// provider calculators in `litellm/llms/*/cost_calculation.py`)
/// * **Tiers**: when the prompt (input + cache reads + cache writes) **exceeds** a tier's threshold
///   (reaches it, for xAI: `_INCLUSIVE_THRESHOLD_PROVIDERS`), every token uses that tier's price
///   of its bucket; the highest exceeded tier wins per bucket it lists.
/// * **Service tiers**: a served `flex`/`priority`/`ultrafast`/`balanced` tier reads the
///   `<field>_<tier>` prices, each falling back to the standard field (`get_cost_per_unit`).
/// * **Reasoning**: reasoning tokens pay `output_cost_per_reasoning_token` when listed (never for
///   xAI, whose calculator drops the reasoning detail), the rest of the output the output price.
/// * **`tiered_pricing`**: one range tier, chosen by the prompt, prices the whole request.
/// * **Off-peak**: inside an `off_peak_pricing` window its prices replace the standard ones.
/// * **`provider_specific_entry`**: Anthropic entries multiply by `fast` in fast mode and by the
///   `inference_geo` entry (`us`: 1.1); Bedrock entries by the geography entry.
/// * **Fireworks** entries without a cache-read price bill cache reads at 50 % of input.
public struct ModelPrice: Sendable, Hashable {
    /// The base prices as listed (standard service tier).
    public let base: ListedPrices
    /// Long-context tiers of the standard service tier, ascending by threshold.
    public let tiers: [PriceTier]
    /// `litellm_provider`, when listed.
    public let provider: String?
    /// `mode` (`chat`, `embedding`, ...), when listed.
    public let mode: String?
    /// `<field>_<tier>` prices, per service tier that lists any (already merged with the standard
    /// fields as LiteLLM falls back), with their own thresholds.
    public let serviceTierPrices: [ServiceTier: ListedPrices]
    /// `tiered_pricing`, ascending by range start.
    public let rangeTiers: [RangeTier]
    /// `off_peak_pricing`.
    public let offPeak: OffPeakPricing?
    /// `provider_specific_entry` numeric members (`us`, `fast`, ...).
    public let multipliers: [String: PriceMultiplier]

    /// Rates below every tier (standard service tier, no off-peak).
    public let baseRates: TokenRates
    let standard: RateSchedule
    let bySvc: [ServiceTier: RateSchedule]
    let rangeRates: [TokenRates]
    /// xAI: thresholds are reached at `≥ N`, reasoning is billed as output.
    let xaiRules: Bool
    /// Which `provider_specific_entry` multipliers apply: Anthropic (geo and speed), Bedrock (geo).
    let appliesGeo: Bool
    let appliesSpeed: Bool
    /// Providers whose LiteLLM calculator is not given the service tier (`cost_per_token` in
    /// `litellm/cost_calculator.py`: Fireworks, DeepSeek, Tencent, Perplexity, xAI, Lemonade, Dashscope).
    let ignoresServiceTier: Bool
    /// Perplexity's calculator (`litellm/llms/perplexity/cost_calculator.py`): flat prices, no
    /// above-N tiers, cache writes billed as input.
    let perplexityRules: Bool
    /// Lemonade (self-hosted): LiteLLM bills 0 whatever the table says.
    let alwaysFree: Bool

    /// - Parameters:
    ///   - tiers: in any order; duplicates of a threshold are merged (later wins).
    ///   - serviceTiers: per service tier, the prices and thresholds as LiteLLM reads them for that tier.
    public init(
        base: ListedPrices, tiers: [PriceTier] = [], provider: String? = nil, mode: String? = nil,
        serviceTiers: [ServiceTier: (base: ListedPrices, tiers: [PriceTier])] = [:],
        rangeTiers: [RangeTier] = [], offPeak: OffPeakPricing? = nil, multipliers: [String: PriceMultiplier] = [:]
    ) {
        self.base = base
        self.provider = provider
        self.mode = mode
        let standard = RateSchedule(base: base, tiers: tiers)
        self.standard = standard
        self.tiers = zip(standard.thresholds, standard.levels.dropFirst()).map { t, _ in
            // The tier as listed: the merged fields of that threshold.
            PriceTier(thresholdTokens: t, prices: tiers.filter { $0.thresholdTokens == t }.reduce(ListedPrices()) { $0.overridden(by: $1.prices) })
        }
        self.baseRates = standard.rates[0]
        var svc: [ServiceTier: RateSchedule] = [:]
        var svcPrices: [ServiceTier: ListedPrices] = [:]
        for (tier, v) in serviceTiers {
            svc[tier] = RateSchedule(base: v.base, tiers: v.tiers)
            svcPrices[tier] = v.base
        }
        self.bySvc = svc
        self.serviceTierPrices = svcPrices
        let ranges = rangeTiers.sorted { $0.start < $1.start }
        self.rangeTiers = ranges
        // A range tier: input as listed; cache prices default to the tier's input; output to the
        // model's own output when the tier lists none; reasoning to the tier's reasoning, else its
        // output, else the model's reasoning (`_get_tiered_base_costs`, `_get_tiered_reasoning_rate`).
        self.rangeRates = ranges.map { t in
            let p = t.prices
            let input = p.input ?? 0
            let output = p.output ?? base.output ?? 0
            let write = p.cacheWrite5m ?? input
            let reasoning = p.reasoning ?? p.output ?? base.reasoning ?? output
            return TokenRates(
                input: input, output: output, cacheRead: p.cacheRead ?? input, cacheWrite5m: write,
                cacheWrite1h: p.cacheWrite1h ?? write, reasoning: reasoning)
        }
        self.offPeak = offPeak
        self.multipliers = multipliers
        self.xaiRules = provider == "xai"
        self.appliesSpeed = provider == "anthropic"
        self.appliesGeo = provider == "anthropic" || provider == "bedrock" || provider == "bedrock_converse"
        self.ignoresServiceTier = Self.providersWithoutServiceTier.contains(provider ?? "")
        self.perplexityRules = provider == "perplexity"
        self.alwaysFree = provider == "lemonade"
    }

    static let providersWithoutServiceTier: Set<String> = [
        "fireworks_ai", "deepseek", "tencent", "perplexity", "xai", "lemonade", "dashscope", "qwencloud", "qwen_ai_platform",
    ]

    /// The rates a standard-tier request with `promptTokens` prompt tokens pays (no off-peak).
    /// - Complexity: O(number of tiers), at most a handful.
    public func rates(promptTokens: Int64) -> TokenRates {
        rates(promptTokens: promptTokens, context: .standard)
    }

    /// The rates a request pays: range tier or long-context tier of its service tier, then the
    /// off-peak replacement when a window is open at its instant.
    public func rates(promptTokens p: Int64, context: PricingContext) -> TokenRates {
        // tiered_pricing (all or nothing): start < p <= end, else the last tier; none for p <= 0.
        if !rangeTiers.isEmpty, p > 0, let chosen = rangeTier(promptTokens: p) {
            var r = rangeRates[chosen]
            if let op = offPeak, let ms = context.instantMs, op.isOpen(atMillis: ms) {
                let t = rangeTiers[chosen].prices
                let q = op.prices
                let reasoning = q.reasoning ?? r.reasoning
                r.input = q.input ?? r.input
                r.output = q.output ?? r.output
                r.cacheRead = q.cacheRead ?? r.cacheRead
                r.cacheWrite5m = q.cacheWrite5m ?? r.cacheWrite5m
                r.cacheWrite1h = t.cacheWrite1h ?? r.cacheWrite5m
                r.reasoning = reasoning
            }
            return r
        }
        let schedule = context.serviceTier == .standard || ignoresServiceTier
            ? standard : (bySvc[context.serviceTier] ?? standard)
        let level = perplexityRules ? 0 : schedule.level(promptTokens: p, inclusive: xaiRules)
        if perplexityRules {
            var r = schedule.rates[0]
            if let op = offPeak, let ms = context.instantMs, op.isOpen(atMillis: ms) {
                r.input = op.prices.input ?? r.input
                r.output = op.prices.output ?? r.output
                r.cacheRead = op.prices.cacheRead ?? schedule.levels[0].cacheRead ?? r.input
            }
            r.cacheWrite5m = r.input
            r.cacheWrite1h = r.input
            return r
        }
        guard let op = offPeak, let ms = context.instantMs, op.isOpen(atMillis: ms) else {
            return schedule.rates[level]
        }
        // Off-peak replaces; an unlisted cache price then defaults to the off-peak input.
        let l = schedule.levels[level]
        let r = schedule.rates[level]
        let q = op.prices
        let input = q.input ?? r.input
        let output = q.output ?? r.output
        let write = q.cacheWrite5m ?? l.cacheWrite5m ?? input
        return TokenRates(
            input: input, output: output, cacheRead: q.cacheRead ?? l.cacheRead ?? input, cacheWrite5m: write,
            cacheWrite1h: l.cacheWrite1h ?? write, reasoning: q.reasoning ?? l.reasoning ?? output)
    }

    /// The `tiered_pricing` tier of a prompt (`select_tier_for_input`: the first by start with
    /// `start < prompt ≤ end`, else the last), nil when that tier lists no input price
    /// (`_select_priced_tier`: the standard prices apply then).
    func rangeTier(promptTokens p: Int64) -> Int? {
        let d = Double(p)
        var chosen = rangeTiers.count - 1
        for i in rangeTiers.indices where rangeTiers[i].start < d && d <= rangeTiers[i].end {
            chosen = i
            break
        }
        return rangeTiers[chosen].prices.input == nil ? nil : chosen
    }

    /// The `provider_specific_entry` multiplier a request pays (1 when none applies).
    func multiplier(_ context: PricingContext) -> PriceMultiplier? {
        guard !multipliers.isEmpty else { return nil }
        var m: PriceMultiplier? = nil
        func times(_ x: PriceMultiplier) {
            if let a = m {
                m = PriceMultiplier(scaled: Int64(Pico.divRoundHalfEven(Int128(a.scaled) * Int128(x.scaled), 1_000_000_000_000)))
            } else {
                m = x
            }
        }
        if appliesSpeed, context.fastMode, let f = multipliers["fast"] { times(f) }
        if appliesGeo, !context.inferenceGeo.isEmpty, context.inferenceGeo != "global",
            context.inferenceGeo != "not_available", let g = multipliers[context.inferenceGeo]
        {
            times(g)
        }
        return m
    }

    /// Cost of one standard-tier request in pico-dollars, reasoning not split out (see the full form).
    public func costPico(input: Int64, cacheRead: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64, output: Int64)
        -> Int128
    {
        costPico(input: input, cacheRead: cacheRead, cacheWrite5m: cacheWrite5m, cacheWrite1h: cacheWrite1h,
                 output: output, reasoning: 0, context: .standard)
    }

    /// Cost of one request in pico-dollars (`CONTRACT.md` "Money"):
    /// input × input price + cache reads × cache-read price + 5-minute writes × 5-minute write price
    /// + 1-hour writes × 1-hour write price + (output − reasoning) × output price + reasoning ×
    /// reasoning price, at the rates `rates(promptTokens:context:)` gives for the prompt (input +
    /// cache reads + both cache writes), times the `provider_specific_entry` multiplier (rounded
    /// half-even to a pico-dollar).
    /// - Parameters: token counts of the disjoint buckets of `LLMCall` (tokens, ≥ 0); `reasoning`
    ///   is the part of `output` that is reasoning.
    /// - Returns: pico-dollars (1e-12 USD), the exact atto-dollar cost rounded half-even once.
    public func costPico(
        input: Int64, cacheRead: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64, output: Int64, reasoning: Int64,
        context: PricingContext
    ) -> Int128 {
        if alwaysFree { return 0 }
        let prompt = input &+ cacheRead &+ cacheWrite5m &+ cacheWrite1h
        let r = rates(promptTokens: prompt, context: context)
        let thinking = xaiRules ? 0 : min(max(reasoning, 0), output)
        let atto = Int128(input) * Int128(r.input)
            + Int128(cacheRead) * Int128(r.cacheRead)
            + Int128(cacheWrite5m) * Int128(r.cacheWrite5m)
            + Int128(cacheWrite1h) * Int128(r.cacheWrite1h)
            + Int128(output - thinking) * Int128(r.output)
            + Int128(thinking) * Int128(r.reasoning)
        guard let m = multiplier(context) else { return Pico.divRoundHalfEven(atto, Pico.attoPerPico) }
        let (scaled, overflow) = atto.multipliedReportingOverflow(by: Int128(m.scaled))
        if !overflow { return Pico.divRoundHalfEven(scaled, Pico.attoPerPico * 1_000_000_000_000) }
        return Pico.divRoundHalfEven(Pico.divRoundHalfEven(atto, Pico.attoPerPico) * Int128(m.scaled), 1_000_000_000_000)
    }
}
