import Ingest
import Testing

@testable import Analyze

/// Test helpers shared by the Time / Aggregation / Tables suites.
enum AggFixtures {
    /// UTC epoch ms of a UTC civil date-time.
    static func ms(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
        Int64(Timestamps.daysFromCivil(y, mo, d)) * 86_400_000 + Int64(h * 3600 + mi * 60 + s) * 1000
    }

    static func day(_ text: String) -> Int32 { ReportCalendar.parseDay(text)! }

    /// Per-token prices in pico-dollars: (input, cache read, cache write 5 min, output).
    /// Values are USD per Mtok × 1e6 (e.g. $3 / Mtok = 3 000 000 pico per token).
    static let prices: [String: (input: Int128, read: Int128, write: Int128, output: Int128)] = [
        "gpt-5": (1_250_000, 125_000, 0, 10_000_000),  // $1.25 / $0.125 / - / $10 per Mtok (case 12)
        "claude-haiku-4-5": (1_000_000, 100_000, 1_250_000, 5_000_000),  // $1 in / $5 out (case 11)
        "claude-sonnet-4-5": (3_000_000, 300_000, 3_750_000, 15_000_000),  // $3 / $0.30 / $3.75 / $15 (case 03)
    ]

    /// Fake pricing: strips a `openai/` or `anthropic/` route prefix, prices from `prices`,
    /// everything else unpriced (key = name as logged).
    static let coster = CallCoster(
        resolve: { name in
            var key = name
            for p in ["openai/", "anthropic/"] where key.hasPrefix(p) { key.removeFirst(p.count) }
            return prices[key] != nil ? (key, true) : (name, false)
        },
        cost: { call, key in
            guard let p = prices[key] else { return (0, true) }
            let pico = Int128(call.inputTokens) * p.input + Int128(call.cacheReadTokens) * p.read
                + Int128(call.cacheWriteTokens) * p.write + Int128(call.outputTokens) * p.output
            return (pico, false)
        })

    static func call(
        _ instant: Int64, model: String, provider: String = "openai", team: String = "", principal: String = "",
        input: Int64 = 0, read: Int64 = 0, write: Int64 = 0, output: Int64 = 0, reasoning: Int64 = 0,
        latency: Double? = nil, ttft: Double? = nil, outcome: LLMOutcome = .ok
    ) -> LLMCall {
        var c = LLMCall(instantMs: instant)
        c.model = model
        c.provider = provider
        c.team = team
        c.principal = principal
        c.inputTokens = input
        c.cacheReadTokens = read
        c.cacheWrite5mTokens = write
        c.outputTokens = output
        c.reasoningTokens = reasoning
        c.latencyMs = latency
        c.ttftMs = ttft
        c.outcome = outcome
        return c
    }

    static func tool(
        _ instant: Int64, _ name: String, session: String = "s1", principal: String = "proj", outcome: ToolOutcome,
        end: Int64? = nil, duration: Double? = nil, args: UInt64 = 1
    ) -> ToolCall {
        var t = ToolCall(instantMs: instant)
        t.tool = name
        t.session = session
        t.principal = principal
        t.outcome = outcome
        t.endMs = end
        t.durationMs = duration
        t.argumentsHash = args
        return t
    }

    static func aggregate(
        source: String = "litellm", tz: String = "UTC", calls: [LLMCall] = [], tools: [ToolCall] = [],
        permissions: [PermissionDecision] = []
    ) -> Aggregates {
        var agg = EventAggregator(source: source, calendar: try! ReportCalendar(timeZone: tz), coster: coster)
        for c in calls { agg.add(c) }
        for t in tools { agg.add(t) }
        for p in permissions { agg.add(p) }
        return agg.finish()
    }

    /// A deterministic SplitMix64 generator.
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A mixed corpus over ~3 weeks: llm calls (priced and unpriced, with latencies), tool
    /// calls in 6 sessions (with retries), permission denials.
    static func corpus(seed: UInt64 = 42) -> (calls: [LLMCall], tools: [ToolCall], permissions: [PermissionDecision]) {
        var rng = Rng(state: seed)
        let models = ["gpt-5", "openai/gpt-5", "claude-haiku-4-5", "claude-sonnet-4-5", "mystery-model"]
        let teams = ["", "search", "ads"]
        let principals = ["alice", "bob", "ci"]
        let base = ms(2025, 12, 20)
        var calls: [LLMCall] = []
        for _ in 0..<400 {
            let t = base + Int64.random(in: 0..<(21 * 86_400_000), using: &rng)
            var c = call(
                t, model: models.randomElement(using: &rng)!, team: teams.randomElement(using: &rng)!,
                principal: principals.randomElement(using: &rng)!,
                input: Int64.random(in: 0..<50_000, using: &rng), read: Int64.random(in: 0..<20_000, using: &rng),
                write: Int64.random(in: 0..<5_000, using: &rng), output: Int64.random(in: 0..<8_000, using: &rng),
                outcome: LLMOutcome.allCases.randomElement(using: &rng)!)
            if Bool.random(using: &rng) { c.latencyMs = Double.random(in: 50..<60_000, using: &rng) }
            if Bool.random(using: &rng) { c.ttftMs = Double.random(in: 10..<3_000, using: &rng) }
            calls.append(c)
        }
        var tools: [ToolCall] = []
        for s in 0..<6 {
            var t = base + Int64(s) * 3 * 86_400_000
            for _ in 0..<40 {
                t += Int64.random(in: 500..<90_000, using: &rng)
                let end = t + Int64.random(in: 10..<5_000, using: &rng)
                tools.append(tool(
                    t, ["Bash", "Read", "Edit"].randomElement(using: &rng)!, session: "sess\(s)",
                    principal: principals[s % 3], outcome: ToolOutcome.allCases.randomElement(using: &rng)!,
                    end: Bool.random(using: &rng) ? end : nil, duration: Bool.random(using: &rng) ? Double(end - t) : nil,
                    args: UInt64.random(in: 0..<3, using: &rng)))
            }
        }
        var perms: [PermissionDecision] = []
        for _ in 0..<30 {
            var p = PermissionDecision(
                instantMs: base + Int64.random(in: 0..<(21 * 86_400_000), using: &rng),
                reason: PermissionReason.allCases.randomElement(using: &rng)!)
            p.principal = principals.randomElement(using: &rng)!
            p.subject = ["Edit", "Bash", "gpt-5"].randomElement(using: &rng)!
            perms.append(p)
        }
        return (calls, tools, perms)
    }
}
