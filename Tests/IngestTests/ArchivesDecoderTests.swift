import Foundation
import Testing

@testable import Ingest

/// Issue 10 (real archives), decoder level: Codex fork replays (item 2), OpenInference failed
/// spans and the Anthropic cache-write split (item 7).
@Suite("archives: replays, failed spans, cache-write split")
struct ArchivesDecoderTests {
    static func tokens(_ at: String, input: Int, cached: Int, output: Int) -> String {
        AgentCodexTests.tokens(at, input: input, cached: cached, output: output)
    }
    static func call(_ id: String, at: String) -> String { AgentCodexTests.call(id, at: at) }
    static func output(_ id: String, at: String) -> String { AgentCodexTests.output(id, #""Exit code: 0\nWall time: 1 seconds\nOutput:\nok""#, at: at) }

    static let child = #"{"timestamp":"2026-09-09T09:00:00.000Z","type":"session_meta","payload":{"id":"child","timestamp":"2026-09-09T09:00:00.000Z","cwd":"/home/dev/app","source":"cli"}}"#
    static let parent = #"{"timestamp":"2026-09-09T09:00:00.001Z","type":"session_meta","payload":{"id":"parent","timestamp":"2026-09-08T14:00:00.000Z","cwd":"/home/dev/app","source":"cli"}}"#
    static let context = #"{"timestamp":"2026-09-09T09:00:00.002Z","type":"turn_context","payload":{"cwd":"/home/dev/app","model":"gpt-5"}}"#

    @Test("a fork's replay written over 6 s (no one-second burst) adds no usage and no tool call")
    func longReplay() throws {
        var lines = [Self.child, Self.parent, Self.context]
        // the parent's history, rewritten back to back: 16 token_counts 0.4 s apart
        // (09:00:00.100 … 09:00:06.100), totals 1 100, 2 200, … 17 600; one replayed call + output
        for i in 0..<16 {
            let ms = 100 + 400 * i
            let at = String(format: "2026-09-09T09:00:%02d.%03dZ", ms / 1000, ms % 1000)
            lines.append(Self.tokens(at, input: 1000 * (i + 1), cached: 0, output: 100 * (i + 1)))
            if i == 7 {
                lines.append(Self.call("call-old", at: at))
                lines.append(Self.output("call-old", at: at))
            }
        }
        // the child's own first turn, 14 s after the replay ended
        lines.append(Self.call("call-new", at: "2026-09-09T09:00:20.000Z"))
        lines.append(Self.output("call-new", at: "2026-09-09T09:00:21.000Z"))
        lines.append(Self.tokens("2026-09-09T09:00:25.000Z", input: 16_500, cached: 300, output: 1_700))
        let d = AgentHarness.decode(.codex, json: lines)
        let llm = d.llm
        try #require(llm.count == 1)
        // input (16 500 − 16 000) − cached (300 − 0) = 200; cache read 300; output 1 700 − 1 600 = 100
        #expect(llm[0].inputTokens == 200)
        #expect(llm[0].cacheReadTokens == 300)
        #expect(llm[0].outputTokens == 100)
        #expect(llm[0].session == "child")
        #expect(llm[0].instantMs == 1_788_944_425_000)  // 2026-09-09T09:00:25Z
        // only the child's own call: the replayed call-old and its output add nothing
        #expect(d.tools.count == 1)
        #expect(d.tools.first?.instantMs == 1_788_944_420_000)  // 09:00:20Z
        #expect(d.tools.first?.outcome == .ok)
    }

    @Test("replayed items that kept their original instants (before the child's start) add nothing")
    func replayWithOriginalInstants() throws {
        let forked = #"{"timestamp":"2026-09-10T08:00:00.000Z","type":"session_meta","payload":{"id":"child","timestamp":"2026-09-10T08:00:00.000Z","cwd":"/x/app","forked_from_id":"parent"}}"#
        let d = AgentHarness.decode(.codex, json: [
            forked,
            // copied from the parent, hours apart, all before 2026-09-10T08:00Z
            Self.tokens("2026-09-09T10:00:00.000Z", input: 1000, cached: 0, output: 100),
            Self.call("call-old", at: "2026-09-09T11:00:00.000Z"),
            Self.output("call-old", at: "2026-09-09T11:00:01.000Z"),
            Self.tokens("2026-09-09T15:00:00.000Z", input: 4000, cached: 1000, output: 300),
            // the child's own
            Self.tokens("2026-09-10T08:05:00.000Z", input: 4600, cached: 1500, output: 350),
        ])
        // input (4 600 − 4 000) − (1 500 − 1 000) = 100; cache read 500; output 50
        #expect(d.llm.map(\.inputTokens) == [100])
        #expect(d.llm.map(\.cacheReadTokens) == [500])
        #expect(d.llm.map(\.outputTokens) == [50])
        #expect(d.tools.isEmpty)
    }

    @Test("a file that is no fork counts its first call even right after session_meta")
    func notAFork() throws {
        let d = AgentHarness.decode(.codex, json: [
            AgentCodexTests.meta,
            Self.tokens("2026-09-09T09:00:00.100Z", input: 1000, cached: 200, output: 100),
        ])
        #expect(d.llm.map(\.inputTokens) == [800])  // 1 000 − 200
    }

    // MARK: - Item 7: OpenInference failed span

    @Test("OpenInference failed span: the model comes from llm.invocation_parameters")
    func invocationParametersModel() throws {
        let span = #"{"traceId":"AAAAAAAAAAAAAAAAAAAAAA==","spanId":"AAAAAAAAAAA=","name":"ChatCompletion","startTimeUnixNano":"1753566780825000000","endTimeUnixNano":"1753566781825000000","status":{"code":"STATUS_CODE_ERROR","message":"RateLimitError"},"attributes":[{"key":"openinference.span.kind","value":{"stringValue":"LLM"}},{"key":"llm.system","value":{"stringValue":"openai"}},{"key":"llm.invocation_parameters","value":{"stringValue":"{\"model\": \"gpt-4.1-mini\", \"temperature\": 0}"}},{"key":"llm.token_count.prompt","value":{"intValue":"0"}}]}"#
        let r = GatewayFixtures.decodeLine(.otel, span)
        #expect(r.disposition == .decoded)
        let c = try #require(r.llm)
        #expect(c.model == "gpt-4.1-mini")
        #expect(c.outcome == .error)
        #expect(c.latencyMs == 1000)  // 1753566781825000000 − 1753566780825000000 ns = 1 s
        #expect(c.totalTokens == 0)

        // llm.model_name, when present, still wins
        let named = span.replacingOccurrences(
            of: #"{"key":"llm.system""#, with: #"{"key":"llm.model_name","value":{"stringValue":"gpt-4o"}},{"key":"llm.system""#)
        #expect(GatewayFixtures.decodeLine(.otel, named).llm?.model == "gpt-4o")
        // model_name inside the parameters (some instrumentations)
        let alt = span.replacingOccurrences(of: #"\"model\": "#, with: #"\"model_name\": "#)
        #expect(GatewayFixtures.decodeLine(.otel, alt).llm?.model == "gpt-4.1-mini")
    }

    // MARK: - Item 7: cache-write total vs split

    static func assistant(_ usage: String) -> String {
        #"{"type":"assistant","timestamp":"2026-06-30T10:00:00.000Z","sessionId":"s","cwd":"/home/dev/shop","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":\#(usage),"content":[]}}"#
    }

    @Test("cache_creation_input_tokens wins over a disagreeing split; the split apportions it")
    func cacheWriteSplit() throws {
        func buckets(_ usage: String) -> (Int64, Int64)? {
            let d = AgentHarness.decode(.claudeCode, json: [Self.assistant(usage)])
            return d.llm.first.map { ($0.cacheWrite5mTokens, $0.cacheWrite1hTokens) }
        }
        // agree: 300 + 700 = 1 000
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":700}}"#)! == (300, 700))
        // split smaller (100 + 400 = 500 < 1 000): 1h 400, the remainder 1 000 − 400 = 600 at 5m
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":400}}"#)! == (600, 400))
        // split larger (500 + 900 = 1 400 > 1 000): 1h min(900, 1 000) = 900, 5m 1 000 − 900 = 100
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":500,"ephemeral_1h_input_tokens":900}}"#)! == (100, 900))
        // 1h alone above the total (1 500 > 1 000): all 1 000 at 1h
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":1500}}"#)! == (0, 1000))
        // a zero split: the total at 5m
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0}}"#)! == (1000, 0))
        // no total: the split's sum stands (200 + 50)
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":50}}"#)! == (200, 50))
        // the total says 0: no writes whatever the split
        #expect(buckets(#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":50}}"#)! == (0, 0))
    }
}

/// Issue 10 item 6: usage records without a timestamp of their own.
@Suite("archives: inferred instants")
struct ArchivesInferredInstantTests {
    static func assistant(_ id: String, session: String, timestamp: String?) -> String {
        let ts = timestamp.map { #""timestamp":"\#($0)","# } ?? ""
        return #"{"type":"assistant",\#(ts)"sessionId":"\#(session)","cwd":"/home/dev/shop","requestId":"req_\#(id)","message":{"id":"msg_\#(id)","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5},"content":[]}}"#
    }

    static func decodeCounting(_ format: LogFormat, _ json: [String]) -> (llm: [LLMCall], inferred: Int, dispositions: [LineDisposition]) {
        var decoder = format.makeDecoder(context: DecoderContext(path: "inline.jsonl"))
        var batch = EventBatch()
        var ds: [LineDisposition] = []
        for (i, line) in json.enumerated() {
            let bytes = Array(line.utf8)
            ds.append(bytes.withUnsafeBytes { raw in
                guard case .success(let root) = JSONDocument.parse(raw) else { return .undecodable }
                return decoder.decode(root, line: i + 1, into: &batch)
            })
        }
        decoder.finish(into: &batch)
        return (batch.llmCalls, batch.inferredInstants, ds)
    }

    @Test("Claude Code: the nearest preceding timestamped record of the same session gives the instant")
    func claudeCode() throws {
        let r = Self.decodeCounting(.claudeCode, [
            Self.assistant("1", session: "a", timestamp: "2026-06-30T10:00:00.000Z"),
            Self.assistant("2", session: "b", timestamp: "2026-06-30T11:00:00.000Z"),
            Self.assistant("3", session: "a", timestamp: nil),  // → 10:00 (session a), not 11:00
            #"{"type":"user","timestamp":"2026-06-30T10:30:00.000Z","sessionId":"a","message":{"role":"user","content":"go on"}}"#,
            Self.assistant("4", session: "a", timestamp: nil),  // → 10:30, the user line
            Self.assistant("5", session: "c", timestamp: nil),  // session c has no timestamped record
            Self.assistant("6", session: "a", timestamp: "not a time"),  // unreadable: stays malformed
        ])
        #expect(r.llm.count == 4)
        // 2026-06-30T10:00Z = 1 782 813 600 000 ms; 11:00 = +3 600 000; 10:30 = +1 800 000
        #expect(r.llm.map(\.instantMs) == [1_782_813_600_000, 1_782_817_200_000, 1_782_813_600_000, 1_782_815_400_000])
        #expect(r.inferred == 2)
        #expect(r.dispositions[5] == .undecodable)
        #expect(r.dispositions[6] == .undecodable)
    }

    @Test("Codex: a token_count without timestamp takes the session's last timestamped record")
    func codex() throws {
        let noTs = #"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1500,"cached_input_tokens":0,"output_tokens":150,"reasoning_output_tokens":0,"total_tokens":1650}}}}"#
        let r = Self.decodeCounting(.codex, [
            AgentCodexTests.meta, AgentCodexTests.context,  // 09:00:00.000, 09:00:00.500
            AgentCodexTests.tokens("2026-09-09T09:01:00.000Z", input: 1000, cached: 0, output: 100),
            noTs,  // → 09:01:00, the token_count before it
        ])
        #expect(r.llm.count == 2)
        // 2026-09-09T09:01:00Z = 1 788 944 460 000 ms; input 1 500 − 1 000 = 500, output 50
        #expect(r.llm.map(\.instantMs) == [1_788_944_460_000, 1_788_944_460_000])
        #expect(r.llm.map(\.inputTokens) == [1000, 500])
        #expect(r.inferred == 1)
        // before any timestamped record of the session: malformed
        let early = Self.decodeCounting(.codex, [#"{"type":"session_meta","payload":{"id":"s"}}"#, noTs])
        #expect(early.llm.isEmpty && early.inferred == 0 && early.dispositions[1] == .undecodable)
    }

    @Test("a span without timestamps stays malformed")
    func spanStaysMalformed() {
        let span = #"{"spanId":"AAAAAAAAAAA=","name":"chat","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}]}"#
        let r = Self.decodeCounting(.otel, [span])
        #expect(r.llm.isEmpty && r.inferred == 0)
        #expect(r.dispositions == [.undecodable])
    }
}
