import Foundation
import Testing

@testable import Ingest

/// Out-of-range numbers in log lines never crash a decoder (`Plausible`): an implausible token
/// count or instant makes the line `.undecodable`; an implausible latency / TTFT / duration only
/// leaves that field nil. The unmodified sample line still decodes as before.
@Suite("Hardening: extreme numbers")
struct HardeningTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/samples")

    /// Token counts that are not integers in 0…2^40 (2^40 + 1 = 1099511627777).
    static let badTokens = [
        "1e30", "1e400", "-1", "-9223372036854775808", "9223372036854775807", "99999999999999999999", "1.5",
        "1099511627777",
    ]
    /// Instants out of 1970 ..< 2200, as numbers and as a numeric string.
    static let badInstants = ["1e30", "-1e30", #""1e30""#, "-1"]

    /// The first line of a fixture containing `marker`.
    static func line(_ file: String, containing marker: String) throws -> String {
        let text = try String(contentsOf: samples.appendingPathComponent(file), encoding: .utf8)
        return try #require(text.split(separator: "\n").first { $0.contains(marker) }.map(String.init))
    }

    /// Decodes one line with a fresh decoder (plus `finish`).
    static func decode(_ format: LogFormat, _ line: String) -> (LineDisposition, EventBatch) {
        var decoder = format.makeDecoder(context: DecoderContext(path: "/tmp/sample.jsonl"))
        var batch = EventBatch()
        let disposition: LineDisposition = Array(line.utf8).withUnsafeBytes { raw in
            guard case .success(let root) = JSONDocument.parse(raw) else { return .undecodable }
            return decoder.decode(root, line: 1, into: &batch)
        }
        decoder.finish(into: &batch)
        return (disposition, batch)
    }

    /// `line` with `old` replaced by `new`; records an issue when `old` is not in the line (so a
    /// changed fixture cannot make the substitution a silent no-op).
    static func sub(_ line: String, _ old: String, _ new: String) -> String {
        #expect(line.contains(old), "fixture lacks \(old)")
        return line.replacingOccurrences(of: old, with: new)
    }

    /// Every substitution of `old` by a value of `values` gives `.undecodable` and no model call.
    static func expectRejected(_ format: LogFormat, _ line: String, _ old: String, _ values: [String], _ make: (String) -> String) {
        for v in values {
            let (d, batch) = decode(format, sub(line, old, make(v)))
            #expect(d == .undecodable, "\(format) \(old) → \(v)")
            #expect(batch.llmCalls.isEmpty, "\(format) \(old) → \(v)")
        }
    }

    // MARK: - LiteLLM

    @Test func litellm() throws {
        let line = try Self.line("gateway/litellm-standard-logging-payload.jsonl", containing: "startTime")
        let (d0, b0) = Self.decode(.litellm, line)
        try #require(d0 == .decoded && b0.llmCalls.count == 1)
        let base = b0.llmCalls[0]
        // prompt 10 (no cache) → input 10; completion 20 → output 20
        #expect(base.inputTokens == 10 && base.outputTokens == 20)
        // end − start = 46.851954 − 46.847371 s = 4.583 ms
        #expect(base.latencyMs == 4.583)

        // both usage copies carry the counts; replace every occurrence
        Self.expectRejected(.litellm, line, #""completion_tokens":20"#, Self.badTokens) { #""completion_tokens":\#($0)"# }
        Self.expectRejected(.litellm, line, #""prompt_tokens":10"#, Self.badTokens) { #""prompt_tokens":\#($0)"# }
        Self.expectRejected(.litellm, line, #""startTime":"2025-01-24 09:20:46.847371""#, Self.badInstants + ["\"2200-01-01 00:00:00\""]) {
            #""startTime":\#($0)"#
        }

        // an end time out of range: the call stays, latency (and the TTFT bound) from it is gone
        for v in ["1e30", "-1e30", #""1e30""#] {
            let (d, b) = Self.decode(.litellm, Self.sub(line, #""endTime":"2025-01-24 09:20:46.851954""#, #""endTime":\#(v)"#))
            #expect(d == .decoded)
            var expected = base
            expected.latencyMs = nil
            // completion start = 46.851954: without an end it is a first token 4.583 ms after start
            expected.ttftMs = 4.583
            #expect(b.llmCalls == [expected], "endTime \(v)")
        }
    }

    // MARK: - Kong

    @Test func kong() throws {
        let line = try Self.line("gateway/kong-ai-gateway.jsonl", containing: #""started_at":1787113201719"#)
        let (d0, b0) = Self.decode(.kong, line)
        try #require(d0 == .decoded && b0.llmCalls.count == 1)
        let base = b0.llmCalls[0]
        // prompt 13 (0 cached) → input 13; completion 12; latencies.request 976; TTFT 971 < llm_latency 972
        #expect(base.inputTokens == 13 && base.outputTokens == 12)
        #expect(base.instantMs == 1_787_113_201_719 && base.latencyMs == 976 && base.ttftMs == 971)

        Self.expectRejected(.kong, line, #""completion_tokens":12"#, Self.badTokens) { #""completion_tokens":\#($0)"# }
        Self.expectRejected(.kong, line, #""prompt_tokens":13"#, Self.badTokens) { #""prompt_tokens":\#($0)"# }
        Self.expectRejected(.kong, line, #""started_at":1787113201719"#, Self.badInstants) { #""started_at":\#($0)"# }
        // the http-log form (an array of records) with the bad record is malformed too
        let (da, _) = Self.decode(.kong, "[" + Self.sub(line, #""prompt_tokens":13"#, #""prompt_tokens":-1"#) + "]")
        #expect(da == .undecodable)

        for v in ["1e30", "-1", "1e400", "2592000001"] {  // 2592000001 ms = 30 days + 1 ms
            let (d, b) = Self.decode(.kong, Self.sub(line, #""request":976"#, #""request":\#(v)"#))
            var expected = base
            expected.latencyMs = nil
            #expect(d == .decoded && b.llmCalls == [expected], "latency \(v)")
            let (d2, b2) = Self.decode(.kong, Self.sub(line, #""time_to_first_token":971"#, #""time_to_first_token":\#(v)"#))
            var expected2 = base
            expected2.ttftMs = nil
            #expect(d2 == .decoded && b2.llmCalls == [expected2], "ttft \(v)")
        }
    }

    // MARK: - Bedrock

    @Test func bedrock() throws {
        let line = try Self.line("gateway/aws-bedrock-invocation-log.jsonl", containing: #""inputTokenCount":35"#)
        let (d0, b0) = Self.decode(.bedrock, line)
        try #require(d0 == .decoded && b0.llmCalls.count == 1)
        let base = b0.llmCalls[0]
        #expect(base.inputTokens == 35 && base.outputTokens == 446 && base.latencyMs == 3640)

        Self.expectRejected(.bedrock, line, #""inputTokenCount":35"#, Self.badTokens) { #""inputTokenCount":\#($0)"# }
        Self.expectRejected(.bedrock, line, #""outputTokenCount":446"#, Self.badTokens) { #""outputTokenCount":\#($0)"# }
        Self.expectRejected(.bedrock, line, #""timestamp":"2025-04-09T23:00:17Z""#, Self.badInstants) { #""timestamp":\#($0)"# }

        for v in ["1e30", "-1e30", "1e400"] {
            let (d, b) = Self.decode(.bedrock, Self.sub(line, #""latencyMs":3640"#, #""latencyMs":\#(v)"#))
            var expected = base
            expected.latencyMs = nil
            #expect(d == .decoded && b.llmCalls == [expected], "latency \(v)")
        }
    }

    // MARK: - OTel

    @Test func otel() throws {
        let line = try Self.line("gateway/openinference-span-protojson.jsonl", containing: "startTimeUnixNano")
        let (d0, b0) = Self.decode(.otel, line)
        try #require(d0 == .decoded && b0.llmCalls.count == 1)
        let base = b0.llmCalls[0]
        // prompt 9 (0 cache read) → input 9; completion 2
        #expect(base.inputTokens == 9 && base.outputTokens == 2)
        // (1753566780852445050 − 1753566780825845222) ns = 26599828 ns = 26.599828 ms
        #expect(base.latencyMs == 26.599828)

        let prompt = #""key":"llm.token_count.prompt","value":{"intValue":"9"}"#
        Self.expectRejected(.otel, line, prompt, Self.badTokens + Self.badTokens.map { "\"\($0)\"" }) {
            #""key":"llm.token_count.prompt","value":{"intValue":\#($0)}"#
        }
        let start = #""startTimeUnixNano":"1753566780825845222""#
        Self.expectRejected(.otel, line, start, Self.badInstants + ["-9223372036854775808", "9223372036854775807"]) {
            #""startTimeUnixNano":\#($0)"#
        }

        for v in ["1e30", #""9223372036854775807""#, "-9223372036854775808"] {
            let (d, b) = Self.decode(.otel, Self.sub(line, #""endTimeUnixNano":"1753566780852445050""#, #""endTimeUnixNano":\#(v)"#))
            var expected = base
            expected.latencyMs = nil
            #expect(d == .decoded && b.llmCalls == [expected], "end \(v)")
        }
    }

    // MARK: - Claude Code

    @Test func claudeCode() throws {
        let line = try Self.line("agent/claude-code-transcript.jsonl", containing: #""input_tokens":3,"#)
        let (d0, b0) = Self.decode(.claudeCode, line)
        try #require(d0 == .decoded && b0.llmCalls.count == 1)
        let base = b0.llmCalls[0]
        // disjoint buckets: input 3, cache write 5m 21896 (the split), output 271 → total 22170
        #expect(base.inputTokens == 3 && base.cacheWrite5mTokens == 21896 && base.outputTokens == 271)
        #expect(base.totalTokens == 22170)

        Self.expectRejected(.claudeCode, line, #""output_tokens":271"#, Self.badTokens) { #""output_tokens":\#($0)"# }
        Self.expectRejected(.claudeCode, line, #""ephemeral_5m_input_tokens":21896"#, Self.badTokens) {
            #""ephemeral_5m_input_tokens":\#($0)"#
        }
        Self.expectRejected(.claudeCode, line, #""ephemeral_1h_input_tokens":0"#, ["9223372036854775807", "-9223372036854775808"]) {
            #""ephemeral_1h_input_tokens":\#($0)"#
        }
        Self.expectRejected(.claudeCode, line, #""timestamp":"2025-11-23T04:53:43.058Z""#, Self.badInstants + [#""2200-01-01T00:00:00Z""#]) {
            #""timestamp":\#($0)"#
        }
    }

    // MARK: - Codex

    @Test func codex() throws {
        let line = try Self.line("agent/codex-rollout-token-count.jsonl", containing: "token_count")
        let (d0, b0) = Self.decode(.codex, line)
        try #require(d0 == .decoded && b0.llmCalls.count == 1)
        // first snapshot counts from zero: input 26549 − cached 22272 = 4277; output 1590
        #expect(b0.llmCalls[0].inputTokens == 4277 && b0.llmCalls[0].cacheReadTokens == 22272)
        #expect(b0.llmCalls[0].outputTokens == 1590)

        Self.expectRejected(.codex, line, #""output_tokens":1590"#, Self.badTokens) { #""output_tokens":\#($0)"# }
        Self.expectRejected(.codex, line, #""total_tokens":28139"#, Self.badTokens) { #""total_tokens":\#($0)"# }
        Self.expectRejected(.codex, line, #""timestamp":"2025-10-17T05:54:20.209Z""#, Self.badInstants) { #""timestamp":\#($0)"# }
    }

    /// Cumulative counters: a huge then a negative snapshot between valid ones are rejected
    /// without moving the baseline, so the next valid snapshot differences against the last valid one.
    @Test func codexCumulativeBaseline() throws {
        let line = try Self.line("agent/codex-rollout-token-count.jsonl", containing: "token_count")
        let huge = Self.sub(line, #""input_tokens":26549"#, #""input_tokens":9223372036854775807"#)
        let negative = Self.sub(line, #""input_tokens":26549"#, #""input_tokens":-9223372036854775808"#)
        let next = line.replacingOccurrences(of: #""input_tokens":26549"#, with: #""input_tokens":27549"#)
            .replacingOccurrences(of: #""total_tokens":28139"#, with: #""total_tokens":29139"#)
        var decoder = LogFormat.codex.makeDecoder(context: DecoderContext(path: "/tmp/rollout.jsonl"))
        var batch = EventBatch()
        var dispositions: [LineDisposition] = []
        for (i, l) in [line, huge, negative, next].enumerated() {
            Array(l.utf8).withUnsafeBytes { raw in
                guard case .success(let root) = JSONDocument.parse(raw) else { return }
                dispositions.append(decoder.decode(root, line: i + 1, into: &batch))
            }
        }
        #expect(dispositions == [.decoded, .undecodable, .undecodable, .decoded])
        try #require(batch.llmCalls.count == 2)
        // Δ = 27549 − 26549 = 1000 input, cached and output unchanged → input 1000, output 0
        #expect(batch.llmCalls[1].inputTokens == 1000 && batch.llmCalls[1].outputTokens == 0)
    }

    // MARK: - Helpers

    @Test func conversions() {
        #expect(Plausible.int64(1e30) == nil)
        #expect(Plausible.int64(-1e30) == nil)
        #expect(Plausible.int64(.nan) == nil)
        #expect(Plausible.int64(.infinity) == nil)
        #expect(Plausible.int64(9_223_372_036_854_775_808.0) == nil)  // 2^63
        #expect(Plausible.int64(-9_223_372_036_854_775_808.0) == Int64.min)
        #expect(Plausible.int64(2.5) == 3)  // half away from zero
        #expect(Plausible.int64(-2.5, rounding: .down) == -3)
        #expect(Plausible.durationMs(2_592_000_000) == 2_592_000_000)  // exactly 30 days
        #expect(Plausible.durationMs(2_592_000_000.5) == nil)
        #expect(Plausible.durationMs(-0.001) == nil)
        #expect(Plausible.isInstantMs(7_258_118_399_999))  // 2199-12-31T23:59:59.999Z
        #expect(!Plausible.isInstantMs(7_258_118_400_000))  // 2200-01-01
        #expect(!Plausible.isInstantMs(-1))
        let tot = LLMCall(instantMs: 0)
        var big = tot
        big.inputTokens = .max
        big.outputTokens = 1
        #expect(big.totalTokens == .min)  // wraps, never traps
    }
}
