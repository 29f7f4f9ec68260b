import Ingest

// Keys and mergeable values of the contract's tables (`CONTRACT.md`, "Tables").
//
// Every value here merges by addition (counts, Int128 pico-dollars, histogram buckets) or by
// min / max (first / last seen), so merging is commutative and associative: any file order and
// any `--jobs` give the same `Aggregates`.

/// usage_daily key: (day, source, provider, model, team, principal, end user). `model` is the
/// resolved price key (the name as logged when unpriced). `day` is a report-time-zone day number.
/// `endUser` is empty where the source has none.
public struct UsageKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var source: String
    public var provider: String
    public var model: String
    public var team: String
    public var principal: String
    public var endUser: String

    public init(day: Int32, source: String, provider: String, model: String, team: String, principal: String, endUser: String = "") {
        self.day = day
        self.source = source
        self.provider = provider
        self.model = model
        self.team = team
        self.principal = principal
        self.endUser = endUser
    }

    public static func < (a: Self, b: Self) -> Bool {
        if (a.day, a.source, a.provider, a.model, a.team, a.principal) != (b.day, b.source, b.provider, b.model, b.team, b.principal) {
            return (a.day, a.source, a.provider, a.model, a.team, a.principal) < (b.day, b.source, b.provider, b.model, b.team, b.principal)
        }
        return a.endUser < b.endUser
    }
}

/// tags_daily key: (day, source, tag). Values are `UsageStats` of the requests carrying the tag.
public struct TagKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var source: String
    public var tag: String

    public init(day: Int32, source: String, tag: String) {
        self.day = day
        self.source = source
        self.tag = tag
    }

    public static func < (a: Self, b: Self) -> Bool { (a.day, a.source, a.tag) < (b.day, b.source, b.tag) }
}

/// usage_daily values. Tokens are counts; `costPico` is 1e-12 USD.
public struct UsageStats: Hashable, Sendable {
    public var requests: Int64 = 0
    /// Outcome `error`.
    public var failed: Int64 = 0
    /// Outcome `denied`.
    public var denied: Int64 = 0
    /// Outcome `rate_limited`.
    public var rateLimited: Int64 = 0
    public var inputTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    /// 5-minute + 1-hour writes.
    public var cacheWriteTokens: Int64 = 0
    /// Reasoning included.
    public var outputTokens: Int64 = 0
    public var reasoningTokens: Int64 = 0
    /// Cost in pico-dollars (1e-12 USD), exact.
    public var costPico: Int128 = 0
    /// Requests whose model could not be priced (they add 0 to `costPico`).
    public var unpriced: Int64 = 0

    public init() {}

    /// input + cache read + cache write + output (tokens), saturating at `Int64.max` (a total
    /// that large is impossible and reported, see `Aggregates.impossibleTotals()`).
    public var totalTokens: Int64 { inputTokens +| cacheReadTokens +| cacheWriteTokens +| outputTokens }

    public mutating func merge(_ o: UsageStats) {
        requests +|= o.requests
        failed +|= o.failed
        denied +|= o.denied
        rateLimited +|= o.rateLimited
        inputTokens +|= o.inputTokens
        cacheReadTokens +|= o.cacheReadTokens
        cacheWriteTokens +|= o.cacheWriteTokens
        outputTokens +|= o.outputTokens
        reasoningTokens +|= o.reasoningTokens
        costPico +|= o.costPico
        unpriced +|= o.unpriced
    }
}

/// latency_daily key: (day, source, provider, model).
public struct LatencyKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var source: String
    public var provider: String
    public var model: String

    public init(day: Int32, source: String, provider: String, model: String) {
        self.day = day
        self.source = source
        self.provider = provider
        self.model = model
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.day, a.source, a.provider, a.model) < (b.day, b.source, b.provider, b.model)
    }
}

/// latency_daily values: whole-request latency and time to first token, ms.
public struct LatencyStats: Hashable, Sendable {
    public var latency = DurationHistogram()
    public var ttft = DurationHistogram()

    public init() {}

    public mutating func merge(_ o: LatencyStats) {
        latency.merge(o.latency)
        ttft.merge(o.ttft)
    }
}

/// tools_daily key: (day of the tool request, source, principal, tool).
public struct ToolKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var source: String
    public var principal: String
    public var tool: String

    public init(day: Int32, source: String, principal: String, tool: String) {
        self.day = day
        self.source = source
        self.principal = principal
        self.tool = tool
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.day, a.source, a.principal, a.tool) < (b.day, b.source, b.principal, b.tool)
    }
}

/// tools_daily values.
public struct ToolStats: Hashable, Sendable {
    public var calls: Int64 = 0
    /// Outcome `ok`.
    public var succeeded: Int64 = 0
    /// Outcome `error`.
    public var failed: Int64 = 0
    public var denied: Int64 = 0
    public var cancelled: Int64 = 0
    /// No result seen.
    public var unknown: Int64 = 0
    /// Calls that retry a failed identical call (`CONTRACT.md` tools_daily `retries`).
    public var retries: Int64 = 0
    /// Durations of calls that have one, ms.
    public var duration = DurationHistogram()

    public init() {}

    /// failed / (succeeded + failed); nil when both are 0.
    public var errorRate: Double? {
        let d = succeeded +| failed
        return d == 0 ? nil : Double(failed) / Double(d)
    }

    public mutating func merge(_ o: ToolStats) {
        calls +|= o.calls
        succeeded +|= o.succeeded
        failed +|= o.failed
        denied +|= o.denied
        cancelled +|= o.cancelled
        unknown +|= o.unknown
        retries +|= o.retries
        duration.merge(o.duration)
    }

    /// Counts one call's outcome (not its retry flag or duration).
    public mutating func count(_ outcome: ToolOutcome) {
        calls +|= 1
        switch outcome {
        case .ok: succeeded +|= 1
        case .error: failed +|= 1
        case .denied: denied +|= 1
        case .cancelled: cancelled +|= 1
        case .unknown: unknown +|= 1
        }
    }
}

/// permissions_daily key: (day, source, principal, subject, reason).
public struct PermissionKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var source: String
    public var principal: String
    public var subject: String
    public var reason: PermissionReason

    public init(day: Int32, source: String, principal: String, subject: String, reason: PermissionReason) {
        self.day = day
        self.source = source
        self.principal = principal
        self.subject = subject
        self.reason = reason
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.day, a.source, a.principal, a.subject, a.reason.rawValue) < (b.day, b.source, b.principal, b.subject, b.reason.rawValue)
    }
}

/// unpriced_models key: (source, model as logged, day of the calls). The table has one row per
/// (source, model) and sums the days; the day is kept so that the state can store and window
/// aggregates day by day.
public struct UnpricedKey: Hashable, Sendable, Comparable {
    public var source: String
    public var model: String
    /// Report-time-zone day number of the calls counted here.
    public var day: Int32

    public init(source: String, model: String, day: Int32 = 0) {
        self.source = source
        self.model = model
        self.day = day
    }

    public static func < (a: Self, b: Self) -> Bool { (a.source, a.model, a.day) < (b.source, b.model, b.day) }
}

/// unpriced_models values. Instants are UTC epoch ms.
public struct UnpricedStats: Hashable, Sendable {
    public var requests: Int64 = 0
    public var totalTokens: Int64 = 0
    public var firstSeenMs: Int64 = .max
    public var lastSeenMs: Int64 = .min

    public init() {}

    public mutating func merge(_ o: UnpricedStats) {
        requests +|= o.requests
        totalTokens +|= o.totalTokens
        firstSeenMs = min(firstSeenMs, o.firstSeenMs)
        lastSeenMs = max(lastSeenMs, o.lastSeenMs)
    }

    mutating func add(instantMs: Int64, tokens: Int64) {
        requests +|= 1
        totalTokens +|= tokens
        firstSeenMs = min(firstSeenMs, instantMs)
        lastSeenMs = max(lastSeenMs, instantMs)
    }
}

/// Everything the output tables are built from: one mergeable value per table key.
///
/// Produced per file / chunk by `EventAggregator.finish()`, merged by the parent in any order
/// (commutative, associative), stored in the state with `serialized()`.
public struct Aggregates: Sendable, Hashable {
    public var usage: [UsageKey: UsageStats] = [:]
    public var latency: [LatencyKey: LatencyStats] = [:]
    public var tools: [ToolKey: ToolStats] = [:]
    /// Denials per key.
    public var permissions: [PermissionKey: Int64] = [:]
    public var unpriced: [UnpricedKey: UnpricedStats] = [:]
    /// Per tag: the usage of the requests that carry it (a request with n tags counts in n entries).
    public var tags: [TagKey: UsageStats] = [:]
    /// Per 5-minute window of each (provider, model): incidents and availability (`Windows.swift`).
    public var windows: [WindowKey: WindowStats] = [:]

    public init() {}

    /// No data.
    public static let empty = Aggregates()

    public var isEmpty: Bool {
        usage.isEmpty && latency.isEmpty && tools.isEmpty && permissions.isEmpty && unpriced.isEmpty && tags.isEmpty && windows.isEmpty
    }

    /// Adds `other` into `self` (commutative and associative).
    public mutating func merge(_ other: Aggregates) {
        for (k, v) in other.usage { usage[k, default: UsageStats()].merge(v) }
        for (k, v) in other.latency { latency[k, default: LatencyStats()].merge(v) }
        for (k, v) in other.tools { tools[k, default: ToolStats()].merge(v) }
        for (k, v) in other.permissions { permissions[k, default: 0] +|= v }
        for (k, v) in other.unpriced { unpriced[k, default: UnpricedStats()].merge(v) }
        for (k, v) in other.tags { tags[k, default: UsageStats()].merge(v) }
        for (k, v) in other.windows { windows[k, default: WindowStats()].merge(v) }
    }

    public static func += (a: inout Aggregates, b: Aggregates) { a.merge(b) }

    /// Merged value of many aggregates.
    public static func merged<S: Sequence>(_ parts: S) -> Aggregates where S.Element == Aggregates {
        var r = Aggregates()
        for p in parts { r.merge(p) }
        return r
    }

    /// The entries whose day lies in `window` (inclusive).
    public func restricted(to window: ClosedRange<Int32>) -> Aggregates {
        var r = Aggregates()
        r.usage = usage.filter { window.contains($0.key.day) }
        r.latency = latency.filter { window.contains($0.key.day) }
        r.tools = tools.filter { window.contains($0.key.day) }
        r.permissions = permissions.filter { window.contains($0.key.day) }
        r.unpriced = unpriced.filter { window.contains($0.key.day) }
        r.tags = tags.filter { window.contains($0.key.day) }
        r.windows = windows.filter { window.contains($0.key.day) }
        return r
    }

    /// The same entries split by day: `merged(split(byDay).values) == self`. The state stores
    /// one part per (file, day) and one merged value per day.
    public func splitByDay() -> [Int32: Aggregates] {
        var parts: [Int32: Aggregates] = [:]
        for (k, v) in usage { parts[k.day, default: Aggregates()].usage[k] = v }
        for (k, v) in latency { parts[k.day, default: Aggregates()].latency[k] = v }
        for (k, v) in tools { parts[k.day, default: Aggregates()].tools[k] = v }
        for (k, v) in permissions { parts[k.day, default: Aggregates()].permissions[k] = v }
        for (k, v) in unpriced { parts[k.day, default: Aggregates()].unpriced[k] = v }
        for (k, v) in tags { parts[k.day, default: Aggregates()].tags[k] = v }
        for (k, v) in windows { parts[k.day, default: Aggregates()].windows[k] = v }
        return parts
    }

    /// Days that have any entry, ascending.
    public var days: [Int32] {
        var s = Set<Int32>()
        for k in usage.keys { s.insert(k.day) }
        for k in latency.keys { s.insert(k.day) }
        for k in tools.keys { s.insert(k.day) }
        for k in permissions.keys { s.insert(k.day) }
        for k in unpriced.keys { s.insert(k.day) }
        for k in tags.keys { s.insert(k.day) }
        for k in windows.keys { s.insert(k.day) }
        return s.sorted()
    }
}
