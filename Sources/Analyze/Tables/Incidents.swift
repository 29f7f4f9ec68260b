import Ingest

/// The incident rule (`CONTRACT.md`, "incidents"): which 5-minute windows of a (provider, model)
/// are bad, and how consecutive bad windows make one incident.
///
/// A window (5 minutes, UTC-aligned, all sources together) is bad for
/// * `errors` when its requests with outcome `error` are at least `minFailures` and at least
///   `failureSharePercent` % of its requests;
/// * `rate_limit` the same for outcome `rate_limited` (HTTP 429 and the sources' rate-limit errors);
/// * `latency` when it has at least `minTimed` timed requests and its p95 latency is more than
///   `latencyFactor` × its baseline: the lower median (sorted ascending, element ⌊(n − 1) / 2⌋) of
///   the p95s of the same (provider, model)'s last `baselineWindows` earlier windows that had at
///   least `minTimed` timed requests, were not bad for latency themselves, and started at most
///   `baselineHorizonWindows` windows (24 h) before; at least `minBaselineWindows` of them, else
///   the window has no baseline and is never bad for latency.
///
/// Bad windows of the same (provider, model) whose numbers follow each other without a gap are
/// one incident. Only the windows of the aggregates given (the report window) are seen: with
/// `--since`, the first day's baseline starts empty.
public enum IncidentRule {
    public static let minFailures: Int64 = 3
    public static let failureSharePercent: Int64 = 20
    public static let minTimed: UInt64 = 5
    public static let latencyFactor: Double = 3
    public static let baselineWindows = 12
    public static let minBaselineWindows = 3
    public static let baselineHorizonWindows: Int64 = 288

    /// Why a window is bad.
    public struct Reasons: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let errors = Reasons(rawValue: 1)
        public static let rateLimit = Reasons(rawValue: 2)
        public static let latency = Reasons(rawValue: 4)

        /// `errors,rate_limit,latency` (those present, in that order).
        public var names: String {
            var n: [String] = []
            if contains(.errors) { n.append("errors") }
            if contains(.rateLimit) { n.append("rate_limit") }
            if contains(.latency) { n.append("latency") }
            return n.joined(separator: ",")
        }
    }

    /// One window of one (provider, model) with the rule's verdict.
    public struct Verdict: Sendable {
        public var provider: String
        public var model: String
        public var window: Int64
        /// The earliest report-time-zone day its requests were filed under.
        public var day: Int32
        /// The window's counts, all its day keys added.
        public var stats: WindowStats
        /// Window p95 latency (ms, of the quantized latencies); nil below `minTimed` timed requests.
        public var p95: Double?
        /// The baseline the window was compared with (ms); nil when it had none.
        public var baseline: Double?
        public var reasons: Reasons
    }

    /// Every window with its verdict, by (provider, model, window).
    ///
    /// Windows are grouped by (provider, model) and ordered by window number, so the strings are
    /// compared once per model, not per window; a window filed under two days (a report time zone
    /// whose offset is not a multiple of 5 minutes) is merged into one, under the earlier day.
    public static func verdicts(_ windows: [WindowKey: WindowStats]) -> [Verdict] {
        struct Model: Hashable, Comparable {
            var provider: String
            var model: String
            static func < (a: Model, b: Model) -> Bool { (a.provider, a.model) < (b.provider, b.model) }
        }
        var models: [Model: Int] = [:]
        var names: [Model] = []
        var slots: [(model: Int, window: Int64, day: Int32, stats: WindowStats)] = []
        slots.reserveCapacity(windows.count)
        for (k, v) in windows {
            let m = Model(provider: k.provider, model: k.model)
            let i: Int
            if let known = models[m] {
                i = known
            } else {
                i = names.count
                models[m] = i
                names.append(m)
            }
            slots.append((i, k.window, k.day, v))
        }
        var rank = [Int](repeating: 0, count: names.count)
        for (r, i) in names.indices.sorted(by: { names[$0] < names[$1] }).enumerated() { rank[i] = r }
        slots.sort { a, b in rank[a.model] != rank[b.model] ? rank[a.model] < rank[b.model] : (a.window, a.day) < (b.window, b.day) }

        var out: [Verdict] = []
        out.reserveCapacity(slots.count)
        var ring: [(window: Int64, p95: Double)] = []
        var i = 0
        while i < slots.count {
            var (model, window, day, st) = slots[i]
            i += 1
            while i < slots.count, slots[i].model == model, slots[i].window == window {
                st.merge(slots[i].stats)
                i += 1
            }
            if out.last.map({ $0.provider != names[model].provider || $0.model != names[model].model }) ?? true {
                ring.removeAll(keepingCapacity: true)
            }
            var reasons: Reasons = []
            if st.failed >= minFailures && st.failed * 100 >= failureSharePercent * st.requests { reasons.insert(.errors) }
            if st.rateLimited >= minFailures && st.rateLimited * 100 >= failureSharePercent * st.requests { reasons.insert(.rateLimit) }
            let p95 = st.latency.count >= minTimed ? st.latency.percentile(95) : nil
            ring.removeAll { $0.window < window - baselineHorizonWindows }
            var baseline: Double? = nil
            if ring.count >= minBaselineWindows {
                let sorted = ring.map(\.p95).sorted()
                baseline = sorted[(sorted.count - 1) / 2]
            }
            if let p95, let baseline, p95 > latencyFactor * baseline { reasons.insert(.latency) }
            if let p95, !reasons.contains(.latency) {
                ring.append((window, p95))
                if ring.count > baselineWindows { ring.removeFirst() }
            }
            out.append(Verdict(
                provider: names[model].provider, model: names[model].model, window: window, day: day, stats: st, p95: p95,
                baseline: baseline, reasons: reasons))
        }
        return out
    }

    /// One incident: consecutive bad windows of one (provider, model).
    public struct Incident: Sendable {
        public var provider: String
        public var model: String
        public var day: Int32
        public var firstWindow: Int64
        public var lastWindow: Int64
        public var windows: Int64 = 0
        public var reasons: Reasons = []
        public var requests: Int64 = 0
        public var failed: Int64 = 0
        public var rateLimited: Int64 = 0
        /// Per window: all its requests when bad for latency, else its failed and rate-limited ones.
        public var affected: Int64 = 0
        public var errorKinds: [String: Int64] = [:]
        /// The highest window p95 among its windows and that window's baseline.
        public var worstP95: Double? = nil
        public var worstBaseline: Double? = nil
        /// Senders of the affected requests.
        public var teams = Set<String>()
        public var principals = Set<String>()
        public var sources = Set<String>()

        /// `kind: count` by count (descending), then kind, joined by `, `.
        public var errorKindsText: String {
            errorKinds.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
                .map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        }
    }

    /// The incidents of `windows`, by start, then provider and model.
    public static func incidents(_ windows: [WindowKey: WindowStats]) -> [Incident] {
        incidents(verdicts: verdicts(windows))
    }

    /// The incidents of the windows `verdicts` judged (a `verdicts(_:)` result, in its order).
    public static func incidents(verdicts: [Verdict]) -> [Incident] {
        var out: [Incident] = []
        var open: Incident? = nil
        func close() {
            if let o = open { out.append(o) }
            open = nil
        }
        for v in verdicts {
            guard !v.reasons.isEmpty else { close(); continue }
            if let o = open, o.provider == v.provider, o.model == v.model, o.lastWindow + 1 == v.window {
            } else {
                close()
                open = Incident(provider: v.provider, model: v.model, day: v.day, firstWindow: v.window, lastWindow: v.window)
            }
            var o = open!
            o.lastWindow = v.window
            o.windows += 1
            o.reasons.formUnion(v.reasons)
            let s = v.stats
            o.requests +|= s.requests
            o.failed +|= s.failed
            o.rateLimited +|= s.rateLimited
            let slow = v.reasons.contains(.latency)
            o.affected +|= slow ? s.requests : (s.failed +| s.rateLimited)
            for (k, n) in s.errorKinds { o.errorKinds[k, default: 0] +|= n }
            if let p = v.p95, p > (o.worstP95 ?? -1) {
                o.worstP95 = p
                o.worstBaseline = v.baseline
            }
            for w in s.who where slow || w.failed > 0 {
                if !w.who.team.isEmpty { o.teams.insert(w.who.team) }
                if !w.who.principal.isEmpty { o.principals.insert(w.who.principal) }
                o.sources.insert(w.who.source)
            }
            open = o
        }
        close()
        return out.sorted { a, b in (a.firstWindow, a.provider, a.model) < (b.firstWindow, b.provider, b.model) }
    }
}

extension Tables {
    public static let incidentsSchema = TableSchema(name: "incidents", columns: [
        ColumnSpec("day", .date), ColumnSpec("provider", .string), ColumnSpec("model", .string),
        ColumnSpec("started_at", .timestampMillis), ColumnSpec("ended_at", .timestampMillis),
        ColumnSpec("windows", .int64), ColumnSpec("reasons", .string),
        ColumnSpec("requests", .int64), ColumnSpec("failed_requests", .int64), ColumnSpec("rate_limited_requests", .int64),
        ColumnSpec("affected_requests", .int64), ColumnSpec("error_kinds", .string),
        ColumnSpec("latency_ms_p95", .double, nullable: true), ColumnSpec("baseline_latency_ms_p95", .double, nullable: true),
        ColumnSpec("teams_affected", .int64), ColumnSpec("principals_affected", .int64), ColumnSpec("sources_affected", .int64),
    ])

    public static let availabilityDailySchema = TableSchema(name: "availability_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("provider", .string), ColumnSpec("model", .string),
        ColumnSpec("requests", .int64), ColumnSpec("succeeded", .int64), ColumnSpec("failed", .int64),
        ColumnSpec("rate_limited", .int64), ColumnSpec("denied", .int64),
        ColumnSpec("successful_share", .double), ColumnSpec("rate_limited_share", .double),
        ColumnSpec("timed_requests", .int64), ColumnSpec("latency_ms_p95", .double, nullable: true),
        ColumnSpec("bad_windows", .int64),
    ])

    /// incidents: one row per incident (`IncidentRule`), by start, then provider and model. An
    /// incident belongs to the report window when the day it started does.
    /// - Parameter verdicts: `IncidentRule.verdicts(a.windows)` when the caller has it (the
    ///   export computes it once for this table, availability_daily and the summary).
    public static func incidents(_ a: Aggregates, window: ClosedRange<Int32>? = nil, verdicts: [IncidentRule.Verdict]? = nil) -> TableBatch {
        var b = TableBuilder(incidentsSchema)
        for i in IncidentRule.incidents(verdicts: verdicts ?? IncidentRule.verdicts(a.windows)) where inWindow(i.day, window) {
            b.append(
                .date(i.day), .string(i.provider), .string(i.model),
                .timestampMillis(i.firstWindow * WindowStats.windowMs), .timestampMillis((i.lastWindow + 1) * WindowStats.windowMs),
                .int64(i.windows), .string(i.reasons.names),
                .int64(i.requests), .int64(i.failed), .int64(i.rateLimited), .int64(i.affected), .string(i.errorKindsText),
                .double(i.worstP95), .double(i.worstBaseline),
                .int64(Int64(i.teams.count)), .int64(Int64(i.principals.count)), .int64(Int64(i.sources.count)))
        }
        return b.build()
    }

    /// availability_daily: one row per (day, provider, model) with requests, from usage_daily's
    /// counts (all sources, teams and principals added), latency_daily's histograms (all sources
    /// merged) and the windows the incident rule found bad (filed under their day).
    /// - Parameter verdicts: as for `incidents(_:window:verdicts:)`.
    public static func availabilityDaily(_ a: Aggregates, window: ClosedRange<Int32>? = nil, verdicts: [IncidentRule.Verdict]? = nil) -> TableBatch {
        struct K: Hashable { var day: Int32; var provider: String; var model: String }
        struct V {
            var requests: Int64 = 0, failed: Int64 = 0, rateLimited: Int64 = 0, denied: Int64 = 0
            var latency = DurationHistogram()
            var bad: Int64 = 0
        }
        var rows: [K: V] = [:]
        for (k, v) in a.usage where inWindow(k.day, window) {
            let key = K(day: k.day, provider: k.provider, model: k.model)
            func add(_ r: inout V) {
                r.requests +|= v.requests
                r.failed +|= v.failed
                r.rateLimited +|= v.rateLimited
                r.denied +|= v.denied
            }
            add(&rows[key, default: V()])
        }
        for (k, v) in a.latency where inWindow(k.day, window) {
            let key = K(day: k.day, provider: k.provider, model: k.model)
            guard rows[key] != nil else { continue }
            rows[key]!.latency.merge(v.latency)
        }
        for v in verdicts ?? IncidentRule.verdicts(a.windows) where !v.reasons.isEmpty {
            let key = K(day: v.day, provider: v.provider, model: v.model)
            guard rows[key] != nil else { continue }
            rows[key]!.bad += 1
        }
        var b = TableBuilder(availabilityDailySchema)
        for (k, v) in rows.sorted(by: { x, y in (x.key.day, x.key.provider, x.key.model) < (y.key.day, y.key.provider, y.key.model) }) {
            let ok = max(0, v.requests - v.failed - v.rateLimited - v.denied)
            let n = Double(max(v.requests, 1))
            b.append(
                .date(k.day), .string(k.provider), .string(k.model),
                .int64(v.requests), .int64(ok), .int64(v.failed), .int64(v.rateLimited), .int64(v.denied),
                .double(Double(ok) / n), .double(Double(v.rateLimited) / n),
                .int64(Int64(v.latency.count)), .double(v.latency.percentile(95)), .int64(v.bad))
        }
        return b.build()
    }
}
