// Overflow-safe sums for every total that input can grow (issue 11 item 2).
//
// `Plausible` (Ingest) bounds each number a decoder reads: a token count above 2^40 makes its
// record malformed. Sums of in-bound values can still pass `Int64.max` (8.4 million records of
// 4 × 2^40 tokens, or a state that already holds such totals), and Swift traps on overflow, so
// a trap in `UsageStats.totalTokens` once killed every later `run`, `report` and `trend` on the
// state. Every sum here therefore saturates: it stops at `Int64.max` (or `.min`) instead of
// trapping or wrapping. A saturated total is not a real one: `Aggregates.impossibleTotals()`
// finds them and the commands report them with a message (`CONTRACT.md`, "Limits").

infix operator +| : AdditionPrecedence
infix operator +|= : AssignmentPrecedence

extension Int64 {
    /// `a + b`, or `Int64.max` / `Int64.min` where the sum overflows.
    @inlinable @inline(__always)
    public static func +| (a: Int64, b: Int64) -> Int64 {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : r
    }

    /// `a = a +| b`.
    @inlinable @inline(__always)
    public static func +|= (a: inout Int64, b: Int64) { a = a +| b }

    /// True for a saturated sum (`Int64.max` or `.min`) or a negative count: no real total.
    @inlinable
    public var isImpossibleCount: Bool { self < 0 || self == .max }
}

extension Int128 {
    /// `a + b`, or `Int128.max` / `Int128.min` where the sum overflows.
    @inlinable @inline(__always)
    public static func +| (a: Int128, b: Int128) -> Int128 {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : r
    }

    /// `a = a +| b`.
    @inlinable @inline(__always)
    public static func +|= (a: inout Int128, b: Int128) { a = a +| b }
}

extension Aggregates {
    /// Totals no real logs can reach: a count, token or cost sum that saturated (`+|`) or is
    /// negative. Only a state built from implausible inputs by an older factorylog, or a damaged
    /// or hand-made state, holds one; the tables still show them (capped), and the commands
    /// print `ImpossibleTotals.message`.
    /// - Returns: how many table cells are impossible, and a description of the first `limit`
    ///   of them (sorted by key).
    public func impossibleTotals(limit: Int = 3) -> ImpossibleTotals {
        var found = ImpossibleTotals()
        func note(_ what: @autoclosure () -> String) {
            found.count += 1
            if found.examples.count < limit { found.examples.append(what()) }
        }
        // Only the (rare) impossible entries are sorted, for examples in key order.
        func flagged<K: Comparable, V>(_ m: [K: V], _ bad: (V) -> Bool) -> [(key: K, value: V)] {
            m.filter { bad($0.value) }.sorted { $0.key < $1.key }
        }
        let usageBad: (UsageStats) -> Bool = { v in
            v.costPico < 0 || v.costPico == .max
                || [v.requests, v.failed, v.denied, v.rateLimited, v.inputTokens, v.cacheReadTokens, v.cacheWriteTokens,
                    v.outputTokens, v.reasoningTokens, v.totalTokens, v.unpriced].contains { $0.isImpossibleCount }
        }
        for (k, v) in flagged(usage, usageBad) {
            let counts: [(String, Int64)] = [
                ("requests", v.requests), ("failed_requests", v.failed), ("denied_requests", v.denied),
                ("rate_limited_requests", v.rateLimited), ("input_tokens", v.inputTokens),
                ("cache_read_tokens", v.cacheReadTokens), ("cache_write_tokens", v.cacheWriteTokens),
                ("output_tokens", v.outputTokens), ("reasoning_tokens", v.reasoningTokens),
                ("total_tokens", v.totalTokens), ("unpriced_requests", v.unpriced),
            ]
            let day = ReportCalendar.formatDay(k.day)
            for (name, value) in counts where value.isImpossibleCount {
                note("usage_daily \(day) \(k.source) \(k.model): \(name) = \(value)")
            }
            if v.costPico < 0 || v.costPico == .max { note("usage_daily \(day) \(k.source) \(k.model): cost_usd out of range") }
        }
        for (k, v) in flagged(tags, usageBad) {
            for (name, value) in [("requests", v.requests), ("total_tokens", v.totalTokens)] where value.isImpossibleCount {
                note("tags_daily \(ReportCalendar.formatDay(k.day)) \(k.source) \(k.tag): \(name) = \(value)")
            }
            if v.costPico < 0 || v.costPico == .max { note("tags_daily \(ReportCalendar.formatDay(k.day)) \(k.source) \(k.tag): cost_usd out of range") }
        }
        for (k, v) in flagged(tools, { v in [v.calls, v.succeeded, v.failed, v.retries].contains { $0.isImpossibleCount } }) {
            for (name, value) in [("calls", v.calls), ("succeeded", v.succeeded), ("failed", v.failed), ("retries", v.retries)]
            where value.isImpossibleCount {
                note("tools_daily \(ReportCalendar.formatDay(k.day)) \(k.source) \(k.tool): \(name) = \(value)")
            }
        }
        for (k, v) in flagged(permissions, { $0.isImpossibleCount }) {
            note("permissions_daily \(ReportCalendar.formatDay(k.day)) \(k.source) \(k.subject): denials = \(v)")
        }
        for (k, v) in flagged(unpriced, { $0.requests.isImpossibleCount || $0.totalTokens.isImpossibleCount }) {
            note("unpriced_models \(k.source) \(k.model): requests = \(v.requests), total_tokens = \(v.totalTokens)")
        }
        return found
    }
}

/// The impossible totals found in aggregates (`Aggregates.impossibleTotals()`).
public struct ImpossibleTotals: Sendable, Equatable {
    /// Table cells holding an impossible value.
    public var count = 0
    /// The first few, described (`usage_daily 2026-11-25 claude_code claude-opus-4-5: total_tokens = 9223372036854775807`).
    public var examples: [String] = []

    public var isEmpty: Bool { count == 0 }

    /// The operator's message: what was found and what to do; nil when nothing was found.
    public var message: String? {
        guard count > 0 else { return nil }
        let more = count > examples.count ? " (and \(count - examples.count) more)" : ""
        return "the state holds \(count) total(s) no real logs can reach: \(examples.joined(separator: "; "))\(more). "
            + "Such a sum stops at 9223372036854775807 (2^63 - 1) instead of overflowing, so these cells are capped, "
            + "not real. They come from input with implausible token counts read by an older factorylog, or from "
            + "a damaged state: restore the state from a backup, or remove those inputs and run with --rebuild."
    }
}
