import Foundation
import Testing

@testable import Ingest

@Suite("Envoy AI Gateway decoder")
struct GatewayEnvoyTests {
    /// `samples/gateway/envoy-ai-gateway-accesslog.jsonl` (the project's documented example, see
    /// its SOURCE): line 1 an LLM request with `genai_*` keys, line 2 an MCP `tools/call`.
    @Test func sample() throws {
        let r = try GatewayFixtures.decode(.envoy, "samples/gateway/envoy-ai-gateway-accesslog.jsonl")
        #expect(r.map(\.disposition) == [.decoded, .decoded])

        let a = try #require(r[0].llm)
        #expect(r[0].batch.llmCalls.count == 1)
        #expect(a.instantMs == 1_756_572_697_894)  // start_time 2025-08-30T16:51:37.894Z
        #expect(a.model == "gpt-4o-mini")  // genai_model_name (the override is null)
        #expect(a.provider == "")  // genai_backend_name is a route reference, not a vendor
        #expect(a.team == "")
        #expect(a.principal == "")
        #expect(a.inputTokens == 15)  // genai_tokens_input, no cached key
        #expect(a.cacheReadTokens == 0)
        #expect(a.outputTokens == 7)
        #expect(a.totalTokens == 22)  // 15 + 7 = genai_tokens_total
        #expect(a.latencyMs == 1526)  // duration (ms)
        #expect(a.ttftMs == nil)
        #expect(a.httpStatus == 200)
        #expect(a.outcome == .ok)
        #expect(a.loggedCostUSD == nil)
        #expect(a.dedup?.key == GatewayFixtures.key("envoy", "83b63da3-45a9-4196-98b8-1a7f697d6d8d"))
        #expect(r[0].batch.permissions.isEmpty)
        #expect(r[0].batch.toolCalls.isEmpty)

        // line 2: MCP through the gateway; genai_* are null: a tool call of the backend, no llm_call
        #expect(r[1].batch.llmCalls.isEmpty)
        #expect(r[1].batch.permissions.isEmpty)
        let t = try #require(r[1].batch.toolCalls.first)
        #expect(r[1].batch.toolCalls.count == 1)
        #expect(t.tool == "context7")  // mcp_backend
        #expect(t.session == "")  // mcp_session_id null
        #expect(t.outcome == .ok)  // response_code 200
        #expect(t.instantMs == 1_759_920_131_430)  // 2025-10-08T10:42:11.430Z
        #expect(t.durationMs == 653)
        #expect(t.endMs == 1_759_920_132_083)  // + 653 ms
    }

    @Test func everySampleLineIsDetected() throws {
        for line in try GatewayFixtures.lines("samples/gateway/envoy-ai-gateway-accesslog.jsonl") {
            let f = line.withUnsafeBytes { raw -> LogFormat? in
                guard case .success(let root) = JSONDocument.parse(raw) else { return nil }
                return LogFormat.allCases.first { $0.detects(root, context: DecoderContext(path: "access.log")) }
            }
            #expect(f == .envoy)
        }
    }

    /// A plain Envoy access log line without AI Gateway metadata is not claimed.
    @Test func plainEnvoyLineIsNotClaimed() {
        let line = #"{"start_time":"2025-08-30T16:51:37.894Z","response_code":200,"duration":3,"x-request-id":"r1","method":"GET"}"#
        let claimed = Array(line.utf8).withUnsafeBytes { raw -> Bool in
            guard case .success(let root) = JSONDocument.parse(raw) else { return true }
            return EnvoyDecoder.detects(root, context: DecoderContext(path: "a.log"))
        }
        #expect(!claimed)
    }

    /// The newer `gen_ai.*` spelling, a served-model override, a local rate limit (`RL`, 429) and
    /// an ext_authz denial (`UAEX`, 403).
    @Test func newerKeysAndFailures() throws {
        let a = try #require(GatewayFixtures.decodeLine(.envoy, #"""
            {"start_time":"2026-01-02T03:04:05.006Z","response_code":200,"duration":"250","x-request-id":"q1","gen_ai.request.model":"gpt-4o","gen_ai.request.model_override":"gpt-4o-2024-08-06","gen_ai.usage.input_tokens":100,"gen_ai.usage.output_tokens":20,"gen_ai.usage.total_tokens":120,"response_flags":"-"}
            """#).llm)
        #expect(a.model == "gpt-4o-2024-08-06")  // served first
        #expect(a.inputTokens == 100)
        #expect(a.outputTokens == 20)
        #expect(a.latencyMs == 250)  // a number as a string (GCP's Envoy JSON)
        #expect(a.outcome == .ok)

        let rl = GatewayFixtures.decodeLine(.envoy, #"""
            {"start_time":"2026-01-02T03:04:05.006Z","response_code":429,"response_flags":"RL","duration":1,"genai_model_name":"gpt-4o","genai_tokens_input":null,"genai_tokens_output":null}
            """#)
        #expect(rl.llm?.outcome == .rateLimited)
        #expect(rl.llm?.httpStatus == 429)
        #expect(rl.llm?.totalTokens == 0)
        #expect(rl.batch.permissions.isEmpty)  // 429 is not a denial

        let ua = GatewayFixtures.decodeLine(.envoy, #"""
            {"start_time":"2026-01-02T03:04:05.006Z","response_code":403,"response_flags":"UAEX","duration":1,"genai_model_name":"gpt-4o"}
            """#)
        #expect(ua.llm?.outcome == .denied)
        #expect(ua.batch.permissions.first?.reason == .forbidden)
        #expect(ua.batch.permissions.first?.subject == "gpt-4o")

        let gone = GatewayFixtures.decodeLine(.envoy, #"""
            {"start_time":"2026-01-02T03:04:05.006Z","response_code":0,"response_flags":"DC","genai_model_name":"gpt-4o"}
            """#)
        #expect(gone.llm?.outcome == .error)  // 0: the client left before the response
        #expect(gone.llm?.httpStatus == nil)

        let bad = GatewayFixtures.decodeLine(.envoy, #"""
            {"start_time":"2026-01-02T03:04:05.006Z","response_code":200,"genai_model_name":"gpt-4o","genai_tokens_input":-5}
            """#)
        #expect(bad.disposition == .undecodable)
        #expect(bad.batch.llmCalls.isEmpty)
    }

    @Test func flags() {
        func has(_ flags: String, _ f: StaticString) -> Bool {
            let line = "{\"f\":\"\(flags)\"}"
            return Array(line.utf8).withUnsafeBytes { raw in
                guard case .success(let root) = JSONDocument.parse(raw) else { return false }
                return EnvoyDecoder.hasFlag(root["f"], f)
            }
        }
        #expect(has("RL", "RL"))
        #expect(has("UH,RL", "RL"))
        #expect(!has("URL", "RL"))
        #expect(!has("-", "RL"))
        #expect(has("UAEX", "UAEX"))
    }
}
