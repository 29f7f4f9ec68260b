import Ingest

/// Where a call's cost comes from (`--cost-source`, `CONTRACT.md` "Money", cost policy).
public enum CostSource: String, Sendable, Hashable, CaseIterable {
    /// The cost the record itself carries (e.g. LiteLLM `response_cost`) when it has one, else priced.
    case auto
    /// Always priced from the table; logged costs are ignored.
    case priced
    /// Only logged costs; a call without one costs 0 and counts as unpriced.
    case logged
}

/// A logged model name resolved against the price table.
public struct ResolvedModel: Sendable, Hashable {
    /// The price key found, or the name as logged when unpriced (the `model` column).
    public var key: String
    /// Every price of `key` (dated versions for the shipped snapshot); nil when unpriced.
    public var entry: PriceEntry?

    public init(key: String, entry: PriceEntry?) {
        self.key = key
        self.entry = entry
    }

    /// An undated price (tests, programmatic tables).
    public init(key: String, price: ModelPrice?) {
        self.init(key: key, entry: price.map(PriceEntry.init(undated:)))
    }

    /// The newest price of `key`; nil when unpriced.
    public var price: ModelPrice? { entry?.latest }

    public var isPriced: Bool { entry != nil }
}

/// Resolves model names to prices and computes exact costs (`CONTRACT.md` "Money").
///
/// ### Name resolution
/// The name is looked up in the table after every step, stopping at the first hit; each step works
/// on the result of the one before:
///
/// 1. the alias file, if it names the model (the working name becomes the alias target, so an
///    alias may point at e.g. `bedrock/eu.anthropic.…` and still go through steps 3–6);
/// 2. the name as is;
/// 3. without a provider route prefix: everything up to and including the first `/`
///    (`bedrock/`, `vertex_ai/`, `anthropic/`, `openai/`, `azure/`, ...);
/// 4. for a name with a Bedrock region prefix, first the name without a trailing `:<N>` version
///    (the regional key, e.g. `us.anthropic.claude-opus-4-6-v1`); then without the region prefix
///    (and that without `:<N>`, e.g. `anthropic.claude-opus-4-6-v1`): `us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `global.`, `us-gov.`;
/// 5. without version and date suffixes, stripped one at a time from the end, looking up after each:
///    `-v<N>:<M>` (`-v1:0`), `:<N>` (`:0`), `@<digits>` (`@20251001`), `-NNN` (three digits, a Vertex
///    version: `gemini-2.5-flash-001`), `-YYYY-MM-DD`
///    (`-2024-08-06`), `-YYYYMMDD` (`-20251001`; year 1900–2099, month 01–12, day 01–31);
/// 6. without a vendor prefix: `anthropic.`, `amazon.`, `meta.`, `mistral.`, `cohere.`, `ai21.`, `openai.`.
///
/// Never a family-level guess: a name that none of these exact lookups finds is unpriced and keeps
/// the name as logged. Examples (`cases/13`, `14`, `21`, `10`): `eu.anthropic.claude-haiku-4-5-20251001-v1:0`
/// → `claude-haiku-4-5` (step 6); `us.anthropic.claude-sonnet-4-6` → `anthropic.claude-sonnet-4-6`
/// (step 4, when that key exists); `gpt-4o-2024-08-06` → `gpt-4o`; `claude-opus-4-1-20250805`
/// → unpriced when the table lacks `claude-opus-4-1`.
public struct Pricer: Sendable {
    public let table: PriceTable
    public let aliases: ModelAliases?

    public init(table: PriceTable, aliases: ModelAliases?) {
        self.table = table
        self.aliases = aliases
    }

    /// The price table's identity, for output metadata (`factorylog.prices`).
    public var snapshotID: String { table.snapshotID }

    static let regionPrefixes = ["us.", "eu.", "apac.", "jp.", "au.", "ca.", "global.", "us-gov."]
    static let vendorPrefixes = ["anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "ai21.", "openai."]

    /// Resolves a model name as logged. Use `ModelResolutionCache` to resolve each name once.
    /// - Returns: the price key and price found, or the logged name with a nil price.
    /// - Complexity: a dozen dictionary lookups at most.
    public func resolve(_ loggedModel: String) -> ResolvedModel {
        resolve(loggedModel, provider: nil, trace: nil)
    }

    /// One lookup of name resolution, for `factorylog prices`: the step, the key tried, whether
    /// the table has it.
    public struct ResolutionStep: Sendable, Hashable {
        public var step: String
        public var key: String
        public var found: Bool
    }

    /// Every lookup `resolve` makes for `loggedModel`, in order, ending at the first hit.
    public func resolutionSteps(_ loggedModel: String, provider: String? = nil) -> (steps: [ResolutionStep], resolved: ResolvedModel) {
        var steps: [ResolutionStep] = []
        let r = resolve(loggedModel, provider: provider) { step, key, found in
            steps.append(ResolutionStep(step: step, key: key, found: found))
        }
        return (steps, r)
    }

    /// `resolve`, with the record's provider (LiteLLM `custom_llm_provider`): when given,
    /// `<provider>/<name>` is looked up first (step 0, LiteLLM's provider-specific key); `trace`
    /// sees every lookup.
    public func resolve(
        _ loggedModel: String, provider: String?, trace: ((String, String, Bool) -> Void)?
    ) -> ResolvedModel {
        var name = Substring(loggedModel)
        var stepName = "as logged"
        func hit(_ candidate: Substring) -> ResolvedModel? {
            let key = String(candidate)
            let found = table.entry(forKey: key).map { ResolvedModel(key: key, entry: $0) }
            trace?(stepName, String(candidate), found != nil)
            return found
        }
        // (0) provider/name, when the record names its provider and the name does not.
        if let provider, !provider.isEmpty, !loggedModel.hasPrefix(provider + "/") {
            stepName = "provider key"
            if let found = hit(Substring(provider + "/" + loggedModel)) { return found }
        }
        // (1) alias, (2) the name as is.
        if let alias = aliases?[loggedModel] {
            name = Substring(alias)
            stepName = "alias"
        } else {
            stepName = "as logged"
        }
        if let found = hit(name) { return found }
        // (3) provider route prefix.
        if let slash = name.firstIndex(of: "/") {
            stepName = "route prefix"
            name = name[name.index(after: slash)...]
            if let found = hit(name) { return found }
        }
        // (4) Bedrock region prefix; first the regional key without a `:<N>` version
        // (`us.anthropic.claude-opus-4-6-v1:0` → `us.anthropic.claude-opus-4-6-v1`).
        if let prefix = Self.regionPrefixes.first(where: { name.hasPrefix($0) }) {
            stepName = "region"
            if let bare = Self.droppingColonVersion(name), let found = hit(bare) { return found }
            name = name.dropFirst(prefix.count)
            if let found = hit(name) { return found }
            if let bare = Self.droppingColonVersion(name), let found = hit(bare) { return found }
        }
        // (5) version and date suffixes, one at a time.
        stepName = "version suffix"
        while let stripped = Self.droppingVersionSuffix(name) {
            name = stripped
            if let found = hit(name) { return found }
        }
        // (6) vendor prefix.
        if let prefix = Self.vendorPrefixes.first(where: { name.hasPrefix($0) }) {
            stepName = "vendor prefix"
            name = name.dropFirst(prefix.count)
            if let found = hit(name) { return found }
        }
        return ResolvedModel(key: loggedModel, price: nil)
    }

    /// `name` without a trailing `:<digits>` (`…-v1:0` → `…-v1`), or nil when it has none.
    static func droppingColonVersion(_ name: Substring) -> Substring? {
        guard let colon = name.lastIndex(of: ":"), colon > name.startIndex else { return nil }
        let digits = name[name.index(after: colon)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return name[..<colon]
    }

    /// `name` without one trailing version or date suffix (step 5), or nil when it has none.
    static func droppingVersionSuffix(_ name: Substring) -> Substring? {
        let u = Array(name.utf8)
        let n = u.count
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < n && u[i] >= 0x30 && u[i] <= 0x39 }
        func value(_ from: Int, _ count: Int) -> Int { (from..<from + count).reduce(0) { $0 * 10 + Int(u[$1] - 0x30) } }
        func plausibleDate(_ y: Int, _ m: Int, _ d: Int) -> Bool { (1900...2099).contains(y) && (1...12).contains(m) && (1...31).contains(d) }
        // Every suffix is ASCII and starts with `-`, `:` or `@`, which never join the character before
        // them, so `length` bytes are `length` characters.
        func cut(_ length: Int) -> Substring { name.dropLast(length) }

        // Trailing digit run.
        var i = n - 1
        while isDigit(i) { i -= 1 }
        let runStart = i + 1
        let run = n - runStart
        guard run > 0, i >= 0 else { return nil }
        // -v<N>:<M>
        if u[i] == UInt8(ascii: ":") {
            var j = i - 1
            while isDigit(j) { j -= 1 }
            if j < i - 1, j >= 1, u[j] == UInt8(ascii: "v"), u[j - 1] == UInt8(ascii: "-") {
                return cut(n - (j - 1))
            }
            // :<N>
            return i > 0 ? cut(run + 1) : nil
        }
        // @<digits>
        if u[i] == UInt8(ascii: "@") { return i > 0 ? cut(run + 1) : nil }
        // -YYYY-MM-DD
        if run == 2, u[i] == UInt8(ascii: "-"), n >= 12, isDigit(n - 4), isDigit(n - 5), u[n - 6] == UInt8(ascii: "-"),
            (n - 10..<n - 6).allSatisfy(isDigit), u[n - 11] == UInt8(ascii: "-"),
            plausibleDate(value(n - 10, 4), value(n - 5, 2), value(n - 2, 2))
        {
            return cut(11)
        }
        // -NNN (Vertex model versions: `gemini-2.5-flash-001`)
        if run == 3, u[i] == UInt8(ascii: "-"), i > 0 { return cut(4) }
        // -YYYYMMDD
        if run == 8, u[i] == UInt8(ascii: "-"), i > 0,
            plausibleDate(value(runStart, 4), value(runStart + 4, 2), value(runStart + 6, 2))
        {
            return cut(9)
        }
        return nil
    }

    /// Cost of one request at `price`, in pico-dollars (see `ModelPrice.costPico`).
    public func costPico(
        input: Int64, cacheRead: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64, output: Int64, price: ModelPrice
    ) -> Int128 {
        price.costPico(input: input, cacheRead: cacheRead, cacheWrite5m: cacheWrite5m, cacheWrite1h: cacheWrite1h, output: output)
    }

    /// The cost of one call under a cost policy.
    ///
    /// * `auto`: the call's logged cost (`LLMCall.loggedCostUSD`, converted to pico-dollars, rounded
    ///   half-even) when it has a usable one, else the priced cost;
    /// * `priced`: the priced cost;
    /// * `logged`: the logged cost only.
    ///
    /// A logged cost is usable when finite and ≥ 0. Under `auto` a logged 0 on a call with tokens
    /// is not used (LiteLLM logs 0 when it cannot price a model): the call is priced, or unpriced
    /// when the table lacks the model. A model meant to be free gets a price of 0 in a price file.
    /// When neither applies the call costs 0 and `unpriced` is true (`unpriced_requests`,
    /// `unpriced_models`; the caller warns).
    /// - Returns: pico-dollars, and whether the call is unpriced.
    public func cost(of call: LLMCall, resolved: ResolvedModel, source: CostSource) -> (pico: Int128, unpriced: Bool) {
        if source != .priced, let usd = call.loggedCostUSD, usd >= 0, let pico = Pico.fromUSD(usd) {
            // A logged 0 on a request with tokens is LiteLLM failing to price it, not a free call:
            // under `auto` it is priced from the table, or unpriced when the table lacks the model.
            if !(source == .auto && pico == 0 && call.totalTokens > 0) {
                return (pico, false)
            }
        }
        if source != .logged, let entry = resolved.entry {
            return (Self.pricedCost(of: call, entry: entry), false)
        }
        return (0, true)
    }

    /// The priced cost of a call (`CONTRACT.md` "Money"): the entry's price in force on the call's
    /// instant, with the call's service tier, off-peak instant, geography, speed and reasoning.
    @inline(__always)
    public static func pricedCost(of call: LLMCall, entry: PriceEntry) -> Int128 {
        entry.price(atMillis: call.instantMs).costPico(
            input: call.inputTokens, cacheRead: call.cacheReadTokens, cacheWrite5m: call.cacheWrite5mTokens,
            cacheWrite1h: call.cacheWrite1hTokens, output: call.outputTokens, reasoning: call.reasoningTokens,
            context: PricingContext(call: call))
    }

    /// Pico-dollars to USD, correctly rounded (see `Pico.usd(fromPico:)`).
    public static func usd(fromPico pico: Int128) -> Double { Pico.usd(fromPico: pico) }
}

/// Per-worker memo of `Pricer.resolve`: each distinct logged name is resolved once.
///
/// A value type: give each task its own copy (no locks on the hot path).
public struct ModelResolutionCache: Sendable {
    public let pricer: Pricer
    private var resolved: [ModelAndProvider: ResolvedModel] = [:]
    /// Beyond this many distinct names, new names are resolved without being remembered.
    public static let capacity = 65_536

    public init(pricer: Pricer) { self.pricer = pricer }

    /// The resolution of `loggedModel`, computed on first sight.
    /// - Complexity: one dictionary lookup for a name already seen.
    public mutating func resolve(_ loggedModel: String, provider: String = "") -> ResolvedModel {
        let key = ModelAndProvider(model: loggedModel, provider: provider)
        if let hit = resolved[key] { return hit }
        let r = pricer.resolve(loggedModel, provider: provider.isEmpty ? nil : provider, trace: nil)
        if resolved.count < Self.capacity { resolved[key] = r }
        return r
    }

    /// Distinct names remembered.
    public var count: Int { resolved.count }
}

/// A (logged model, record provider) pair: the unit name resolution is cached by.
public struct ModelAndProvider: Sendable, Hashable {
    public var model: String
    public var provider: String
    public init(model: String, provider: String) {
        self.model = model
        self.provider = provider
    }
}
