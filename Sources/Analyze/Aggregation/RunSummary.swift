import Ingest

/// The end-of-run summary the CLI prints, computed from `Aggregates` (no printing here).
///
/// Money is summed in `Int128` pico-dollars and converted once, so `totalCostUSD` equals the sum
/// of usage_daily's cost column to the last bit of the conversion.
public struct RunSummary: Sendable, Hashable {
    public struct ModelCost: Sendable, Hashable {
        /// Resolved price key (name as logged when unpriced).
        public var model: String
        public var costUSD: Double
        public var requests: Int64
        public var totalTokens: Int64
    }

    public struct SlowModel: Sendable, Hashable {
        public var source: String
        public var provider: String
        public var model: String
        /// Nearest-rank p95 latency over the whole run, ms.
        public var p95Ms: Double
        public var timedRequests: Int64
    }

    public struct UnstableTool: Sendable, Hashable {
        public var source: String
        public var tool: String
        public var calls: Int64
        public var failed: Int64
        public var retries: Int64
        /// failed / (succeeded + failed).
        public var errorRate: Double
    }

    public var totalCostUSD: Double
    public var totalCostPico: Int128
    public var totalTokens: Int64
    public var requests: Int64
    public var failedRequests: Int64
    public var unpricedRequests: Int64
    /// Distinct (source, model as logged) pairs that could not be priced.
    public var unpricedModels: Int
    /// Highest cost first (ties: model name), at most `limit`.
    public var topModels: [ModelCost]
    /// Highest whole-run p95 latency first, per (source, provider, model), at most `limit`.
    public var slowestModels: [SlowModel]
    /// Highest error rate first among tools with at least one failure, per (source, tool), at most `limit`.
    public var leastStableTools: [UnstableTool]
    /// Denials per reason (contract spelling), highest first (ties: reason name).
    public var denialsByReason: [(reason: String, denials: Int64)]
    /// First and last day with data; nil when there is none.
    public var firstDay: Int32?
    public var lastDay: Int32?

    public static func == (a: Self, b: Self) -> Bool {
        a.totalCostPico == b.totalCostPico && a.totalTokens == b.totalTokens && a.requests == b.requests
            && a.failedRequests == b.failedRequests && a.unpricedRequests == b.unpricedRequests
            && a.unpricedModels == b.unpricedModels && a.topModels == b.topModels && a.slowestModels == b.slowestModels
            && a.leastStableTools == b.leastStableTools && a.firstDay == b.firstDay && a.lastDay == b.lastDay
            && a.denialsByReason.map(\.reason) == b.denialsByReason.map(\.reason)
            && a.denialsByReason.map(\.denials) == b.denialsByReason.map(\.denials)
    }

    public func hash(into h: inout Hasher) {
        h.combine(totalCostPico)
        h.combine(requests)
    }

    /// - Parameters:
    ///   - a: the run's aggregates.
    ///   - window: only days in this inclusive window (nil: all).
    ///   - limit: length of each top list.
    public init(_ a: Aggregates, window: ClosedRange<Int32>? = nil, limit: Int = 5) {
        func inWindow(_ d: Int32) -> Bool { window?.contains(d) ?? true }
        var pico: Int128 = 0
        var tokens: Int64 = 0, requests: Int64 = 0, failed: Int64 = 0, unpriced: Int64 = 0
        var byModel: [String: (pico: Int128, requests: Int64, tokens: Int64)] = [:]
        var first: Int32? = nil, last: Int32? = nil
        func seen(_ d: Int32) {
            first = Swift.min(first ?? d, d)
            last = Swift.max(last ?? d, d)
        }
        for (k, v) in a.usage where inWindow(k.day) {
            pico +|= v.costPico
            tokens +|= v.totalTokens
            requests +|= v.requests
            failed +|= v.failed
            unpriced +|= v.unpriced
            var m = byModel[k.model] ?? (0, 0, 0)
            m.pico +|= v.costPico
            m.requests +|= v.requests
            m.tokens +|= v.totalTokens
            byModel[k.model] = m
            seen(k.day)
        }
        totalCostPico = pico
        totalCostUSD = PicoUSD.usd(pico)
        totalTokens = tokens
        self.requests = requests
        failedRequests = failed
        unpricedRequests = unpriced
        unpricedModels = Set(a.unpriced.keys.map { UnpricedKey(source: $0.source, model: $0.model) }).count
        topModels = byModel.sorted { x, y in x.value.pico != y.value.pico ? x.value.pico > y.value.pico : x.key < y.key }
            .prefix(limit)
            .map { ModelCost(model: $0.key, costUSD: PicoUSD.usd($0.value.pico), requests: $0.value.requests, totalTokens: $0.value.tokens) }

        struct LK: Hashable { var source, provider, model: String }
        var lat: [LK: DurationHistogram] = [:]
        for (k, v) in a.latency where inWindow(k.day) && !v.latency.isEmpty {
            lat[LK(source: k.source, provider: k.provider, model: k.model), default: DurationHistogram()].merge(v.latency)
            seen(k.day)
        }
        slowestModels = lat.compactMap { k, h -> SlowModel? in
            guard let p95 = h.percentile(95) else { return nil }
            return SlowModel(source: k.source, provider: k.provider, model: k.model, p95Ms: p95, timedRequests: Int64(h.count))
        }
        .sorted { x, y in
            x.p95Ms != y.p95Ms ? x.p95Ms > y.p95Ms : (x.source, x.provider, x.model) < (y.source, y.provider, y.model)
        }
        .prefix(limit).map { $0 }

        struct TK: Hashable { var source, tool: String }
        var tools: [TK: ToolStats] = [:]
        for (k, v) in a.tools where inWindow(k.day) {
            var s = v
            s.duration = DurationHistogram()  // not needed here
            tools[TK(source: k.source, tool: k.tool), default: ToolStats()].merge(s)
            seen(k.day)
        }
        leastStableTools = tools.compactMap { k, s -> UnstableTool? in
            guard s.failed > 0, let rate = s.errorRate else { return nil }
            return UnstableTool(source: k.source, tool: k.tool, calls: s.calls, failed: s.failed, retries: s.retries, errorRate: rate)
        }
        .sorted { x, y in
            if x.errorRate != y.errorRate { return x.errorRate > y.errorRate }
            if x.failed != y.failed { return x.failed > y.failed }
            return (x.source, x.tool) < (y.source, y.tool)
        }
        .prefix(limit).map { $0 }

        var reasons: [String: Int64] = [:]
        for (k, v) in a.permissions where inWindow(k.day) {
            reasons[k.reason.rawValue, default: 0] +|= v
            seen(k.day)
        }
        denialsByReason = reasons.sorted { x, y in x.value != y.value ? x.value > y.value : x.key < y.key }
            .map { (reason: $0.key, denials: $0.value) }
        firstDay = first
        lastDay = last
    }
}
