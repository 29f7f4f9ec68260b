import Ingest

// The per-window counts behind `incidents` and `availability_daily` (`CONTRACT.md`, "incidents").
//
// Every llm call that counts (after de-duplication) is also counted in its 5-minute UTC window
// of its (provider, model). The values merge by addition (counts, histogram buckets) and by
// sorted union (who was in the window), so they are stored per day in the state like every
// other aggregate, and a nightly run re-merges only the days it touched. The incident rule
// itself (`IncidentRule`) runs on the merged windows when the tables are built.

/// incidents key: one 5-minute UTC window of one (provider, model), filed under the report-time-
/// zone day of its requests (a window the day boundary cuts, in a zone whose offset is not a
/// multiple of 5 minutes, has one key per day; the rule adds them up).
public struct WindowKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var provider: String
    /// The resolved price key, as in usage_daily.
    public var model: String
    /// Window number: ⌊UTC epoch ms / 300 000⌋ (`WindowStats.windowMs`).
    public var window: Int64

    public init(day: Int32, provider: String, model: String, window: Int64) {
        self.day = day
        self.provider = provider
        self.model = model
        self.window = window
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.day, a.provider, a.model, a.window) < (b.day, b.provider, b.model, b.window)
    }
}

/// Who sent requests in a window: (source, team, principal), as in usage_daily.
public struct Who: Hashable, Sendable, Comparable {
    public var source: String
    public var team: String
    public var principal: String

    public init(source: String, team: String, principal: String) {
        self.source = source
        self.team = team
        self.principal = principal
    }

    public static func < (a: Self, b: Self) -> Bool { (a.source, a.team, a.principal) < (b.source, b.team, b.principal) }
}

/// One sender's requests in one window.
public struct WhoCount: Hashable, Sendable {
    public var who: Who
    public var requests: Int64
    /// Requests with outcome `error` or `rate_limited`.
    public var failed: Int64

    public init(who: Who, requests: Int64, failed: Int64) {
        self.who = who
        self.requests = requests
        self.failed = failed
    }
}

/// What one window of one (provider, model) saw.
public struct WindowStats: Hashable, Sendable {
    /// Window length: 5 minutes, aligned on the UTC epoch.
    public static let windowMs: Int64 = 300_000

    /// llm calls after de-duplication.
    public var requests: Int64 = 0
    /// Outcome `error`.
    public var failed: Int64 = 0
    /// Outcome `rate_limited`.
    public var rateLimited: Int64 = 0
    /// Outcome `denied` (a permission matter, not an availability failure).
    public var denied: Int64 = 0
    /// Latencies of the timed requests, each rounded down to 4 significant bits
    /// (`WindowStats.quantize`), so a window holds at most 8 buckets per power of two.
    public var latency = DurationHistogram()
    /// Failed and rate-limited requests by kind (`WindowStats.errorKind`).
    public var errorKinds: [String: Int64] = [:]
    /// Senders, sorted by `Who`, each once.
    public var who: [WhoCount] = []

    public init() {}

    /// Window number of an instant (UTC epoch ms): ⌊ms / 300 000⌋.
    @inline(__always)
    public static func window(ofMillis ms: Int64) -> Int64 {
        ms >= 0 ? ms / windowMs : (ms - (windowMs - 1)) / windowMs
    }

    /// A latency (ms) as the window histograms record it: rounded to whole ms, then rounded
    /// down to its 4 most significant bits (values below 16 stay exact; 100 → 96, 200 → 192,
    /// 1 000 → 960: at most 12.5 % low). Nil for a negative or non-finite value.
    @inline(__always)
    public static func quantize(_ ms: Double) -> UInt64? {
        guard ms.isFinite, ms >= 0 else { return nil }
        let v = ms >= Double(DurationHistogram.maxTrackable) ? DurationHistogram.maxTrackable : UInt64(ms.rounded(.toNearestOrAwayFromZero))
        if v < 16 { return v }
        let shift = UInt64(63 - v.leadingZeroBitCount) - 3
        return (v >> shift) << shift
    }

    /// The kind a failed or rate-limited call is listed under in `incidents.error_kinds`: its
    /// error type as logged (LiteLLM `error_class`, Bedrock `errorCode`, OTel `error.type`),
    /// else `HTTP <status>`, else its outcome (`error`, `rate_limited`).
    public static func errorKind(_ c: LLMCall) -> String {
        if !c.errorType.isEmpty { return c.errorType }
        if let s = c.httpStatus { return "HTTP \(s)" }
        return c.outcome.name
    }

    /// Adds `other` (commutative and associative).
    public mutating func merge(_ o: WindowStats) {
        requests +|= o.requests
        failed +|= o.failed
        rateLimited +|= o.rateLimited
        denied +|= o.denied
        latency.merge(o.latency)
        for (k, v) in o.errorKinds { errorKinds[k, default: 0] +|= v }
        who = Self.union(who, o.who)
    }

    /// Sorted union of two sorted sender lists, counts added.
    static func union(_ a: [WhoCount], _ b: [WhoCount]) -> [WhoCount] {
        if b.isEmpty { return a }
        if a.isEmpty { return b }
        var r: [WhoCount] = []
        r.reserveCapacity(max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].who < b[j].who) {
                r.append(a[i]); i += 1
            } else if i == a.count || b[j].who < a[i].who {
                r.append(b[j]); j += 1
            } else {
                var m = a[i]
                m.requests +|= b[j].requests
                m.failed +|= b[j].failed
                r.append(m)
                i += 1; j += 1
            }
        }
        return r
    }
}

/// The per-window tallies an `EventAggregator` keeps while it reads: counts per window slot,
/// and per (window slot, usage slot) pair the sender's counts. One pair per sender and window,
/// found through the last-key cache, so a call costs two slot look-ups and no allocation.
struct WindowTally: Sendable {
    var windows = GroupTable<WindowKey, WindowStats>()
    /// (window slot << 32 | usage slot) → (requests, failed).
    var senders = GroupTable<UInt64, SenderTally>()

    struct SenderTally: Sendable {
        var requests: Int64 = 0
        var failed: Int64 = 0
    }

    @inline(__always)
    mutating func add(_ call: LLMCall, day: Int32, model: String, usageSlot: Int) {
        let w = windows.slot(
            WindowKey(day: day, provider: call.provider, model: model, window: WindowStats.window(ofMillis: call.instantMs)),
            empty: WindowStats())
        let failing = call.outcome == .error || call.outcome == .rateLimited
        windows.values.withUnsafeMutableBufferPointer { buf in
            buf[w].requests +|= 1
            switch call.outcome {
            case .ok: break
            case .error: buf[w].failed +|= 1
            case .denied: buf[w].denied +|= 1
            case .rateLimited: buf[w].rateLimited +|= 1
            }
            if let ms = call.latencyMs, let q = WindowStats.quantize(ms) { buf[w].latency.record(q, count: 1) }
        }
        if failing { windows.values[w].errorKinds[WindowStats.errorKind(call), default: 0] +|= 1 }
        let p = senders.slot(UInt64(w) << 32 | UInt64(usageSlot), empty: SenderTally())
        senders.values.withUnsafeMutableBufferPointer { buf in
            buf[p].requests +|= 1
            if failing { buf[p].failed +|= 1 }
        }
    }

    /// Adds another tally whose usage slots map to ours through `usageRemap`.
    mutating func merge(_ o: WindowTally, usageRemap: [Int]) {
        var remap = [Int](repeating: 0, count: o.windows.keys.count)
        for i in o.windows.keys.indices {
            let s = windows.slot(o.windows.keys[i], empty: WindowStats())
            windows.values[s].merge(o.windows.values[i])
            remap[i] = s
        }
        for i in o.senders.keys.indices {
            let k = o.senders.keys[i]
            let w = remap[Int(k >> 32)], u = usageRemap[Int(k & 0xFFFF_FFFF)]
            let s = senders.slot(UInt64(w) << 32 | UInt64(u), empty: SenderTally())
            senders.values[s].requests +|= o.senders.values[i].requests
            senders.values[s].failed +|= o.senders.values[i].failed
        }
    }

    /// The windows with their sorted sender lists; `usageKeys` are the aggregator's usage keys
    /// by slot.
    func finish(source: String, usageKeys: [UsageKey]) -> [WindowKey: WindowStats] {
        var values = windows.values
        for i in senders.keys.indices {
            let k = senders.keys[i]
            let u = usageKeys[Int(k & 0xFFFF_FFFF)]
            values[Int(k >> 32)].who.append(WhoCount(
                who: Who(source: source, team: u.team, principal: u.principal),
                requests: senders.values[i].requests, failed: senders.values[i].failed))
        }
        var d = [WindowKey: WindowStats](minimumCapacity: values.count)
        for i in values.indices {
            var v = values[i]
            v.who.sort { $0.who < $1.who }
            // Usage slots that differ only in what a sender does not hold (the end user) are one
            // sender: their counts are added.
            var merged: [WhoCount] = []
            merged.reserveCapacity(v.who.count)
            for c in v.who {
                if let last = merged.last, last.who == c.who {
                    merged[merged.count - 1].requests +|= c.requests
                    merged[merged.count - 1].failed +|= c.failed
                } else {
                    merged.append(c)
                }
            }
            v.who = merged
            d[windows.keys[i]] = v
        }
        return d
    }
}
