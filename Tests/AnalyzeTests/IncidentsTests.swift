import Ingest
import Testing

@testable import Analyze

@Suite("incidents and availability_daily: windows, the rule, merging")
struct IncidentsTests {
    typealias F = AggFixtures
    typealias T = TablesTests

    static let t0 = F.ms(2026, 4, 1, 10)  // 10:00 UTC, a window start
    static let min5: Int64 = 300_000

    static func failed(_ t: Int64, principal: String, team: String = "", errorType: String = "", status: Int? = nil, outcome: LLMOutcome = .error) -> LLMCall {
        var c = F.call(t, model: "gpt-5", team: team, principal: principal, outcome: outcome)
        c.errorType = errorType
        c.httpStatus = status
        return c
    }

    /// Scenario 1: an error window then a rate-limit window of openai/gpt-5, two sources.
    ///
    ///     A 10:00  10 ok (alice/search)                         → fine
    ///     B 10:05  7 ok (alice) + 3 errors (bob/ads: APIConnectionError ×2, HTTP 503 ×1)
    ///              3 ≥ 3 and 3·100 = 300 ≥ 20·10 = 200         → errors
    ///     C 10:10  litellm 1 ok (alice) + 4 × 429 (carol, no team), kong 1 × 429 (dave)
    ///              5 ≥ 3 and 500 ≥ 20·6 = 120                   → rate_limit
    ///     D 10:15  10 ok                                        → fine: the incident ends
    ///     E 10:25  2 errors of 2 (2 < 3 failures)               → fine
    static func scenario1() -> Aggregates {
        let t = t0
        let litellm = scenario1Calls()
        var a = F.aggregate(source: "litellm", calls: litellm)
        a.merge(F.aggregate(source: "kong", calls: [failed(t + 2 * min5 + 299_999, principal: "dave", status: 429, outcome: .rateLimited)]))
        return a
    }

    @Test("scenario 1: an error window and a rate-limit window make one incident, with kinds and spread")
    func errorAndRateLimitBurst() {
        let a = Self.scenario1()
        let inc = Tables.incidents(a)
        #expect(inc.rowCount == 1)
        #expect(T.dates(inc, "day") == [F.day("2026-04-01")])
        #expect(T.strings(inc, "provider") == ["openai"] && T.strings(inc, "model") == ["gpt-5"])
        // B starts 10:05, C ends 10:15
        #expect(T.stamps(inc, "started_at") == [Self.t0 + Self.min5] && T.stamps(inc, "ended_at") == [Self.t0 + 3 * Self.min5])
        #expect(T.ints(inc, "windows") == [2])
        #expect(T.strings(inc, "reasons") == ["errors,rate_limit"])
        // requests B 10 + C 6 = 16; failed 3; rate limited 4 + 1 = 5; affected 3 + 5 = 8
        #expect(T.ints(inc, "requests") == [16] && T.ints(inc, "failed_requests") == [3])
        #expect(T.ints(inc, "rate_limited_requests") == [5] && T.ints(inc, "affected_requests") == [8])
        #expect(T.strings(inc, "error_kinds") == ["HTTP 429: 5, APIConnectionError: 2, HTTP 503: 1"])
        #expect(T.doubles(inc, "latency_ms_p95") == [nil] && T.doubles(inc, "baseline_latency_ms_p95") == [nil])
        // affected senders: bob/ads (B), carol (C, no team), dave (C, kong); alice only had ok requests
        #expect(T.ints(inc, "teams_affected") == [1] && T.ints(inc, "principals_affected") == [3] && T.ints(inc, "sources_affected") == [2])
    }

    @Test("availability_daily: counts of every source, shares, bad windows")
    func availability() {
        let av = Tables.availabilityDaily(Self.scenario1())
        #expect(av.rowCount == 1)
        // requests A 10 + B 10 + C 6 + D 10 + E 2 = 38; failed 3 + 2 = 5; rate limited 5; ok 28
        #expect(T.ints(av, "requests") == [38] && T.ints(av, "succeeded") == [28] && T.ints(av, "failed") == [5])
        #expect(T.ints(av, "rate_limited") == [5] && T.ints(av, "denied") == [0])
        #expect(T.doubles(av, "successful_share") == [28.0 / 38] && T.doubles(av, "rate_limited_share") == [5.0 / 38])
        #expect(T.ints(av, "timed_requests") == [0] && T.doubles(av, "latency_ms_p95") == [nil])
        #expect(T.ints(av, "bad_windows") == [2])
    }

    /// Scenario 2: latency of anthropic/claude-haiku-4-5 (otel), 5 timed requests per window.
    ///
    ///     W0  5 × 100 → quantized 96 (100 = 0b1100100: 4 top bits 1100 → 96)   p95 96, no baseline
    ///     W1  5 × 200 → 192                                                    p95 192, no baseline (1 window)
    ///     W2  5 × 64  → 64                                                     p95 64, no baseline (2 windows)
    ///     W3  4 × 64 + 1 × 1 000 (→ 960): p95 rank ⌈0.95·5⌉ = 5 → 960;
    ///         baseline = lower median of [64, 96, 192] = 96; 960 > 3·96 = 288  → latency
    ///     W4  5 × 300 (0b100101100 → 288): baseline still 96 (W3 is not taken in); 288 > 288 is false → fine
    ///     W5  4 × 5 000: fewer than 5 timed → no p95 → fine
    ///     W6  two days later, 5 × 1 000: every earlier window is > 288 windows back → no baseline → fine
    static func scenario2() -> Aggregates {
        let t = t0
        var calls: [LLMCall] = []
        func add(_ w: Int64, _ latencies: [Double], principal: String = "erin") {
            for (i, l) in latencies.enumerated() {
                calls.append(F.call(t + w * min5 + Int64(i), model: "claude-haiku-4-5", provider: "anthropic", team: "core", principal: principal, latency: l))
            }
        }
        add(0, Array(repeating: 100, count: 5))
        add(1, Array(repeating: 200, count: 5))
        add(2, Array(repeating: 64, count: 5))
        add(3, [64, 64, 64, 64], principal: "erin")
        add(3, [1_000], principal: "frank")
        add(4, Array(repeating: 300, count: 5))
        add(5, Array(repeating: 5_000, count: 4))
        add(2 * 288 + 3, Array(repeating: 1_000, count: 5))
        return F.aggregate(source: "otel", calls: calls)
    }

    @Test("scenario 2: a p95 over 3 × the trailing median is a latency incident; the boundary and the horizon are not")
    func latencySpike() {
        #expect(WindowStats.quantize(100) == 96 && WindowStats.quantize(200) == 192 && WindowStats.quantize(300) == 288)
        #expect(WindowStats.quantize(1_000) == 960 && WindowStats.quantize(15) == 15 && WindowStats.quantize(-1) == nil)
        let a = Self.scenario2()
        let v = IncidentRule.verdicts(a.windows)
        #expect(v.map(\.p95) == [96, 192, 64, 960, 288, nil, 960])
        #expect(v.map(\.baseline) == [nil, nil, nil, 96, 96, 96, nil])
        #expect(v.map(\.reasons) == [[], [], [], .latency, [], [], []])
        let inc = Tables.incidents(a)
        #expect(inc.rowCount == 1)
        #expect(T.stamps(inc, "started_at") == [Self.t0 + 3 * Self.min5] && T.ints(inc, "windows") == [1])
        #expect(T.strings(inc, "reasons") == ["latency"])
        // a latency window: all its 5 requests are affected, senders erin and frank of team core
        #expect(T.ints(inc, "requests") == [5] && T.ints(inc, "affected_requests") == [5] && T.ints(inc, "failed_requests") == [0])
        #expect(T.doubles(inc, "latency_ms_p95") == [960] && T.doubles(inc, "baseline_latency_ms_p95") == [96])
        #expect(T.ints(inc, "teams_affected") == [1] && T.ints(inc, "principals_affected") == [2] && T.ints(inc, "sources_affected") == [1])
        #expect(T.strings(inc, "error_kinds") == [""])
        // availability's p95 uses the full-precision daily histograms: 2026-04-01 has
        // 5·100, 5·200, 5·64, 4·64 + 1 000, 5·300, 4·5 000 = 29 timed; rank ⌈0.95·29⌉ = 28 → 5 000
        let av = Tables.availabilityDaily(a)
        #expect(T.ints(av, "timed_requests") == [29, 5])
        #expect(T.doubles(av, "latency_ms_p95")[0].map { abs($0 - 5_000) <= 5 } == true)
        #expect(T.ints(av, "bad_windows") == [1, 0])
    }

    @Test("an incident across midnight is one incident, filed under the day it started")
    func acrossMidnight() {
        let t = F.ms(2026, 4, 1, 23, 55)
        var calls: [LLMCall] = []
        for i in 0..<3 { calls.append(Self.failed(t + Int64(i), principal: "bob", status: 500)) }
        for i in 0..<3 { calls.append(Self.failed(t + Self.min5 + Int64(i), principal: "bob", status: 500)) }
        let a = F.aggregate(calls: calls)
        #expect(Set(a.windows.keys.map(\.day)) == [F.day("2026-04-01"), F.day("2026-04-02")])
        let inc = Tables.incidents(a)
        #expect(inc.rowCount == 1 && T.ints(inc, "windows") == [2] && T.ints(inc, "requests") == [6])
        #expect(T.dates(inc, "day") == [F.day("2026-04-01")] && T.strings(inc, "error_kinds") == ["HTTP 500: 6"])
        // the report window keeps an incident by the day it started
        #expect(Tables.incidents(a, window: F.day("2026-04-02")...F.day("2026-04-02")).rowCount == 0)
        #expect(T.ints(Tables.availabilityDaily(a), "bad_windows") == [1, 1])
    }

    @Test("windows merge in any order and survive the per-day split and the blob round trip")
    func mergeAndStore() throws {
        let whole = Self.scenario1()
        var rng = F.Rng(state: 3)
        // the same calls dealt to two aggregators at random, merged the other way round
        let calls = Self.scenario1Calls()
        var x = EventAggregator(source: "litellm", calendar: try ReportCalendar(timeZone: "UTC"), coster: F.coster)
        var y = EventAggregator(source: "litellm", calendar: try ReportCalendar(timeZone: "UTC"), coster: F.coster)
        for c in calls { if Bool.random(using: &rng) { x.add(c) } else { y.add(c) } }
        y.merge(x)
        var merged = y.finish()
        merged.merge(F.aggregate(source: "kong", calls: [Self.failed(Self.t0 + 2 * Self.min5 + 299_999, principal: "dave", status: 429, outcome: .rateLimited)]))
        #expect(merged.windows == whole.windows)
        var parts = Aggregates()
        for (_, p) in whole.splitByDay() { parts.merge(try Aggregates(serialized: p.serialized())) }
        #expect(parts == whole)
        #expect(T.stamps(Tables.incidents(parts), "started_at") == T.stamps(Tables.incidents(whole), "started_at"))
        // an older blob (version 2: no end user, tags or windows) still reads, with no windows
        var noWindows = whole
        noWindows.windows = [:]
        let v2 = noWindows.serialized(layout: 2)
        #expect(v2[4] == 2)
        let old = try Aggregates(serialized: v2)
        #expect(old.windows.isEmpty && old.usage == whole.usage)
    }

    /// Scenario 1's litellm calls (see `scenario1`).
    static func scenario1Calls() -> [LLMCall] {
        let t = t0
        var litellm: [LLMCall] = []
        for i in 0..<10 { litellm.append(F.call(t + Int64(i) * 1000, model: "gpt-5", team: "search", principal: "alice")) }
        for i in 0..<7 { litellm.append(F.call(t + min5 + Int64(i) * 1000, model: "gpt-5", team: "search", principal: "alice")) }
        litellm.append(failed(t + min5 + 10_000, principal: "bob", team: "ads", errorType: "APIConnectionError"))
        litellm.append(failed(t + min5 + 11_000, principal: "bob", team: "ads", errorType: "APIConnectionError"))
        litellm.append(failed(t + min5 + 12_000, principal: "bob", team: "ads", status: 503))
        litellm.append(F.call(t + 2 * min5, model: "gpt-5", team: "search", principal: "alice"))
        for i in 0..<4 { litellm.append(failed(t + 2 * min5 + 1000 + Int64(i), principal: "carol", status: 429, outcome: .rateLimited)) }
        for i in 0..<10 { litellm.append(F.call(t + 3 * min5 + Int64(i), model: "gpt-5", team: "search", principal: "alice")) }
        litellm.append(failed(t + 5 * min5, principal: "bob", team: "ads", errorType: "Timeout"))
        litellm.append(failed(t + 5 * min5 + 1, principal: "bob", team: "ads", errorType: "Timeout"))
        return litellm
    }

}
