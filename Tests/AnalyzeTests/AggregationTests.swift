import Histogram
import Ingest
import Testing

@testable import Analyze

@Suite("Aggregation: histograms, aggregator, merging, serialization")
struct AggregationTests {
    typealias F = AggFixtures

    // MARK: percentiles

    @Test("nearest-rank percentiles: p99 of 99 × 100 ms and 1 × 10 000 ms is 100")
    func nearestRank() {
        var h = DurationHistogram()
        for _ in 0..<99 { h.record(ms: 100) }
        h.record(ms: 10_000)
        // rank ⌈0.99 × 100⌉ = 99 → the 99th smallest sample = 100 (interpolation would give 199)
        #expect(h.percentile(99) == 100)
        #expect(h.percentile(50) == 100)
        #expect(h.count == 100)
        let max = h.maxMs!
        #expect(abs(max - 10_000) / 10_000 <= 0.001)
        // the library's own max level is within its 0.1 % precision
        #expect(abs(Double(h.histogram().max) - 10_000) / 10_000 <= 0.001)
    }

    @Test("case 18 shapes: latency p50 of {2 500, 4 000} is 2 500 (±0.1 %), TTFT 900")
    func case18() {
        var lat = DurationHistogram()
        lat.record(ms: 2_500)
        lat.record(ms: 4_000)
        // rank ⌈0.5 × 2⌉ = 1 → 2 500; values ≥ 2 048 share 2-ms buckets, so 2 500 reads as 2 501
        #expect(abs(lat.percentile(50)! - 2_500) <= 2.5)
        #expect(lat.maxMs == 4_000)
        var ttft = DurationHistogram()
        ttft.record(ms: 900)
        #expect(ttft.percentile(50) == 900 && ttft.percentile(95) == 900)
        #expect(DurationHistogram().percentile(50) == nil)
    }

    @Test("sparse buckets use the library's layout, and rebuild a histogram equal to direct recording")
    func sparseMatchesLibrary() {
        let reference = Histogram<UInt64>(highestTrackableValue: 1 << 41, numberOfSignificantValueDigits: .three)
        var rng = F.Rng(state: 7)
        for v: UInt64 in [0, 1, 2047, 2048, 2049, 4095, 4096, 4097, 100_000, 1 << 40] {
            #expect(DurationHistogram.lowestEquivalent(v) == reference.lowestEquivalentForValue(v))
        }
        var sparse = DurationHistogram()
        var dense = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for _ in 0..<5_000 {
            let v = UInt64.random(in: 0..<3_000_000, using: &rng) >> UInt64.random(in: 0..<12, using: &rng)
            #expect(DurationHistogram.lowestEquivalent(v) == reference.lowestEquivalentForValue(v))
            sparse.record(v, count: 1)
            dense.record(v)
        }
        let rebuilt = sparse.histogram()
        #expect(rebuilt == dense)
        for p in [0.0, 1, 50, 90, 95, 99, 99.9, 100] {
            #expect(rebuilt.valueAtPercentile(p) == dense.valueAtPercentile(p))
        }
        #expect(rebuilt.maxRecorded == dense.maxRecorded && rebuilt.minNonZero == dense.minNonZero)
    }

    @Test("histogram merge equals recording everything in one")
    func histogramMerge() {
        var a = DurationHistogram(), b = DurationHistogram(), all = DurationHistogram()
        for v in [1.0, 5, 3_000, 70_000] { a.record(ms: v); all.record(ms: v) }
        for v in [0.2, 5, 9_999.6, 2] { b.record(ms: v); all.record(ms: v) }
        var ab = a
        ab.merge(b)
        var ba = b
        ba += a
        #expect(ab == all && ba == all)
        #expect(all.count == 8 && all.maxValue == 70_000 && all.minNonZeroValue == 1)  // 0.2 rounds to 0
    }

    // MARK: aggregator

    @Test("usage counts, outcomes, tokens, cost and unpriced of one group")
    func usageGroup() {
        let t = F.ms(2026, 4, 1, 10)
        let a = F.aggregate(calls: [
            // 4·$3 + 15 000·$3.75 + 120·$15 per Mtok = 0.000012 + 0.05625 + 0.0018 = $0.058062 (case 03)
            F.call(t, model: "claude-sonnet-4-5", provider: "anthropic", team: "ads", principal: "p", input: 4, write: 15_000, output: 120),
            F.call(t + 1, model: "anthropic/claude-sonnet-4-5", provider: "anthropic", team: "ads", principal: "p",
                   input: 10, output: 5, reasoning: 2, outcome: .error),
            F.call(t + 2, model: "claude-sonnet-4-5", provider: "anthropic", team: "ads", principal: "p", outcome: .rateLimited),
            F.call(t + 3, model: "mystery", provider: "anthropic", team: "ads", principal: "p", input: 7, output: 3, outcome: .denied),
        ])
        let k = UsageKey(day: F.day("2026-04-01"), source: "litellm", provider: "anthropic", model: "claude-sonnet-4-5", team: "ads", principal: "p")
        let u = a.usage[k]!
        #expect(u.requests == 3 && u.failed == 1 && u.rateLimited == 1 && u.denied == 0)
        #expect(u.inputTokens == 14 && u.cacheWriteTokens == 15_000 && u.outputTokens == 125 && u.reasoningTokens == 2)
        #expect(u.totalTokens == 14 + 15_000 + 125)
        // 58 062 000 000 + (10·3 000 000 + 5·15 000 000 = 105 000 000) pico
        #expect(u.costPico == 58_062_000_000 + 105_000_000)
        let m = a.usage[UsageKey(day: k.day, source: "litellm", provider: "anthropic", model: "mystery", team: "ads", principal: "p")]!
        #expect(m.requests == 1 && m.denied == 1 && m.unpriced == 1 && m.costPico == 0)
        let un = a.unpriced[UnpricedKey(source: "litellm", model: "mystery", day: k.day)]!
        #expect(un.requests == 1 && un.totalTokens == 10 && un.firstSeenMs == t + 3 && un.lastSeenMs == t + 3)
        #expect(a.unpriced.count == 1)
        #expect(a.latency.isEmpty)  // no latency or TTFT measured
    }

    @Test("tool outcomes, retries and error rate (case 19 shape)")
    func toolRetries() {
        let t = F.ms(2026, 6, 30, 9)
        let a = F.aggregate(source: "claude_code", tools: [
            // Bash fails, ends 500 ms later; the same arguments 1 s after its end → a retry
            F.tool(t, "Bash", outcome: .error, end: t + 500, args: 42),
            F.tool(t + 1_500, "Bash", outcome: .ok, end: t + 2_000, args: 42),
            F.tool(t + 3_000, "Edit", outcome: .denied, end: t + 3_100, args: 7),
            F.tool(t + 4_000, "Read", outcome: .unknown, args: 8),
        ])
        let day = F.day("2026-06-30")
        let bash = a.tools[ToolKey(day: day, source: "claude_code", principal: "proj", tool: "Bash")]!
        #expect(bash.calls == 2 && bash.succeeded == 1 && bash.failed == 1 && bash.retries == 1)
        #expect(bash.errorRate == 0.5)  // 1 / (1 + 1)
        let edit = a.tools[ToolKey(day: day, source: "claude_code", principal: "proj", tool: "Edit")]!
        #expect(edit.calls == 1 && edit.denied == 1 && edit.failed == 0 && edit.errorRate == nil)
        let read = a.tools[ToolKey(day: day, source: "claude_code", principal: "proj", tool: "Read")]!
        #expect(read.unknown == 1 && read.errorRate == nil && read.retries == 0)
    }

    @Test("not retries: other arguments, 61 s gap, other tool, success before, other session")
    func notRetries() {
        let t = F.ms(2026, 6, 30, 9)
        func retries(_ calls: [ToolCall]) -> Int64 {
            F.aggregate(source: "claude_code", tools: calls).tools.values.reduce(0) { $0 + $1.retries }
        }
        #expect(retries([F.tool(t, "Bash", outcome: .error, end: t + 500, args: 1), F.tool(t + 1_500, "Bash", outcome: .ok, args: 2)]) == 0)
        // ended at t + 500, next starts 61 s after that end
        #expect(retries([F.tool(t, "Bash", outcome: .error, end: t + 500, args: 1), F.tool(t + 61_500, "Bash", outcome: .ok, args: 1)]) == 0)
        // exactly 60 s after the end counts
        #expect(retries([F.tool(t, "Bash", outcome: .error, end: t + 500, args: 1), F.tool(t + 60_500, "Bash", outcome: .ok, args: 1)]) == 1)
        // end from instant + duration when endMs is missing: t + 2 000 + 60 000 < t + 62 500
        #expect(retries([F.tool(t, "Bash", outcome: .error, duration: 2_000, args: 1), F.tool(t + 62_500, "Bash", outcome: .ok, args: 1)]) == 0)
        #expect(retries([F.tool(t, "Bash", outcome: .error, duration: 2_000, args: 1), F.tool(t + 62_000, "Bash", outcome: .ok, args: 1)]) == 1)
        #expect(retries([F.tool(t, "Bash", outcome: .error, end: t + 1, args: 1), F.tool(t + 2, "Grep", outcome: .ok, args: 1)]) == 0)
        #expect(retries([F.tool(t, "Bash", outcome: .ok, end: t + 1, args: 1), F.tool(t + 2, "Bash", outcome: .ok, args: 1)]) == 0)
        #expect(retries([F.tool(t, "Bash", session: "a", outcome: .error, end: t + 1, args: 1),
                         F.tool(t + 2, "Bash", session: "b", outcome: .ok, args: 1)]) == 0)
        // the previous call by instant is what counts, whatever the arrival order:
        // error(t) , other(t+10), same(t+20) → previous of the third is "other" → 0 retries
        let interleaved = [F.tool(t + 20, "Bash", outcome: .ok, args: 1), F.tool(t, "Bash", outcome: .error, end: t + 5, args: 1),
                           F.tool(t + 10, "Read", outcome: .ok, args: 9)]
        #expect(retries(interleaved) == 0)
        // arrival order does not matter: results emitted before their earlier-requested error
        #expect(retries([F.tool(t + 1_500, "Bash", outcome: .ok, args: 42), F.tool(t, "Bash", outcome: .error, end: t + 500, args: 42)]) == 1)
        // a chain: error, error (retry), ok (retry) → 2
        #expect(retries([F.tool(t, "Bash", outcome: .error, end: t + 1, args: 1), F.tool(t + 2, "Bash", outcome: .error, end: t + 3, args: 1),
                         F.tool(t + 4, "Bash", outcome: .ok, args: 1)]) == 2)
    }

    @Test("latency and TTFT go to the (day, source, provider, resolved model) group")
    func latencyGroups() {
        let t = F.ms(2026, 6, 16, 12)
        let a = F.aggregate(calls: [
            F.call(t, model: "gpt-4o", latency: 2_500),  // non-streaming: no TTFT
            F.call(t + 1, model: "gpt-4o", latency: 4_000, ttft: 900),
            F.call(t + 2, model: "gpt-4o"),  // not timed
        ])
        let l = a.latency[LatencyKey(day: F.day("2026-06-16"), source: "litellm", provider: "openai", model: "gpt-4o")]!
        #expect(l.latency.count == 2 && l.ttft.count == 1)
        #expect(l.ttft.percentile(95) == 900)
    }

    @Test("permission denials per (day, source, principal, subject, reason)")
    func permissions() {
        var p = PermissionDecision(instantMs: F.ms(2026, 6, 30, 9), reason: .userRejected)
        p.principal = "proj"
        p.subject = "Edit"
        let a = F.aggregate(source: "claude_code", permissions: [p, p])
        #expect(a.permissions == [PermissionKey(day: F.day("2026-06-30"), source: "claude_code", principal: "proj", subject: "Edit", reason: .userRejected): 2])
    }

    // MARK: merging

    /// Aggregates the corpus split into `parts` partitions (llm calls and permissions spread at
    /// random, tool calls by session), each partition shuffled, merged in shuffled order.
    static func partitioned(_ parts: Int, seed: UInt64) -> Aggregates {
        let (calls, tools, perms) = F.corpus()
        var rng = F.Rng(state: seed)
        var pc = Array(repeating: [LLMCall](), count: parts)
        var pt = Array(repeating: [ToolCall](), count: parts)
        var pp = Array(repeating: [PermissionDecision](), count: parts)
        for c in calls { pc[Int.random(in: 0..<parts, using: &rng)].append(c) }
        for p in perms { pp[Int.random(in: 0..<parts, using: &rng)].append(p) }
        let sessions = Set(tools.map(\.session)).sorted()
        var home: [String: Int] = [:]
        for s in sessions { home[s] = Int.random(in: 0..<parts, using: &rng) }
        for t in tools { pt[home[t.session]!].append(t) }
        var results: [Aggregates] = []
        for i in 0..<parts {
            results.append(F.aggregate(
                calls: pc[i].shuffled(using: &rng), tools: pt[i].shuffled(using: &rng), permissions: pp[i].shuffled(using: &rng)))
        }
        results.shuffle(using: &rng)
        var merged = Aggregates.empty
        for r in results { merged.merge(r) }
        return merged
    }

    @Test("merging partitions in any order gives identical aggregates, tables and bytes")
    func mergeOrderIndependence() {
        let whole = Self.partitioned(1, seed: 1)
        #expect(!whole.usage.isEmpty && !whole.tools.isEmpty && !whole.latency.isEmpty && !whole.unpriced.isEmpty)
        #expect(whole.tools.values.reduce(0) { $0 + $1.retries } > 0)  // the corpus has retries
        for (parts, seed) in [(2, UInt64(2)), (3, 3), (3, 4), (5, 5)] {
            let split = Self.partitioned(parts, seed: seed)
            #expect(split == whole)
            #expect(Tables.all(split, files: []) == Tables.all(whole, files: []))
            #expect(split.serialized() == whole.serialized())
        }
    }

    @Test("unfinished aggregators merged before finish keep retries across a split session")
    func aggregatorMerge() {
        let (calls, tools, perms) = F.corpus()
        let whole = F.aggregate(calls: calls, tools: tools, permissions: perms)
        var rng = F.Rng(state: 9)
        let cal = ReportCalendar.utc
        var a = EventAggregator(source: "litellm", calendar: cal, coster: F.coster)
        var b = EventAggregator(source: "litellm", calendar: cal, coster: F.coster)
        for c in calls { if Bool.random(using: &rng) { a.add(c) } else { b.add(c) } }
        for t in tools { if Bool.random(using: &rng) { a.add(t) } else { b.add(t) } }
        for p in perms { if Bool.random(using: &rng) { a.add(p) } else { b.add(p) } }
        b.merge(a)
        #expect(b.finish() == whole)
        #expect(b.finish() == .empty)  // finish empties the aggregator
    }

    // MARK: serialization

    @Test("binary state round trip, and rejection of damaged blobs")
    func serialization() throws {
        let (calls, tools, perms) = F.corpus(seed: 11)
        let a = F.aggregate(calls: calls, tools: tools, permissions: perms)
        let bytes = a.serialized()
        #expect(try Aggregates(serialized: bytes) == a)
        #expect(try Aggregates(serialized: Aggregates.empty.serialized()) == .empty)
        // compact: far below one dense histogram's ~47 KB JSON per group
        #expect(bytes.count < 200 * (a.usage.count + a.latency.count + a.tools.count))
        var big = Aggregates()
        var u = UsageStats()
        u.costPico = Int128(Int64.max) * 1_000 + 7  // needs the high half
        u.requests = 1
        big.usage[UsageKey(day: -3, source: "s", provider: "", model: "m", team: "", principal: "ü")] = u
        #expect(try Aggregates(serialized: big.serialized()) == big)

        #expect(throws: Aggregates.DecodingError.badMagic) { try Aggregates(serialized: [1, 2, 3, 4, 5]) }
        var newer = bytes
        newer[4] = Aggregates.serializationVersion + 1
        #expect(throws: Aggregates.DecodingError.unsupportedVersion(Aggregates.serializationVersion + 1)) { try Aggregates(serialized: newer) }
        #expect(throws: (any Error).self) { try Aggregates(serialized: Array(bytes.dropLast(3))) }
        #expect(throws: (any Error).self) { try Aggregates(serialized: bytes + [0]) }
    }

    @Test("run summary totals and rankings")
    func runSummary() {
        let t = F.ms(2026, 4, 1, 10)
        var p = PermissionDecision(instantMs: t, reason: .guardrail)
        p.subject = "gpt-5"
        let a = F.aggregate(
            calls: [
                F.call(t, model: "gpt-5", input: 1_000_000, latency: 100),  // $1.25
                F.call(t, model: "claude-haiku-4-5", output: 1_000_000, latency: 9_000),  // $5
                F.call(t, model: "mystery", input: 10),
            ],
            tools: [F.tool(t, "Bash", outcome: .error, end: t + 1), F.tool(t + 5, "Bash", outcome: .ok), F.tool(t, "Read", session: "x", outcome: .ok)],
            permissions: [p, p])
        let s = RunSummary(a)
        #expect(s.totalCostPico == 6_250_000_000_000 && s.totalCostUSD == 6.25)
        #expect(s.requests == 3 && s.totalTokens == 2_000_010 && s.unpricedRequests == 1 && s.unpricedModels == 1)
        #expect(s.topModels.map(\.model) == ["claude-haiku-4-5", "gpt-5", "mystery"])
        #expect(s.slowestModels.first?.model == "claude-haiku-4-5")
        #expect(s.leastStableTools.map(\.tool) == ["Bash"] && s.leastStableTools[0].errorRate == 0.5 && s.leastStableTools[0].retries == 1)
        #expect(s.denialsByReason.map(\.reason) == ["guardrail"] && s.denialsByReason[0].denials == 2)
        #expect(s.firstDay == F.day("2026-04-01") && s.lastDay == F.day("2026-04-01"))
    }
}
