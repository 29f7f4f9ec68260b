import Foundation
import Testing

@testable import Ingest

@Suite("Kong decoder")
struct GatewayKongTests {
    /// `samples/EXPECTED.md`: lines 1–2 llm_calls; line 3 an MCP `tools/call` of `list_orders` with
    /// an `allow` audit entry: a tool_call, no denial.
    @Test func sample() throws {
        let r = try GatewayFixtures.decode(.kong, "samples/gateway/kong-ai-gateway.jsonl")
        #expect(r.count == 3)
        #expect(r.map(\.disposition) == [.decoded, .decoded, .decoded])

        // line 1: full request log
        let a = try #require(r[0].llm)
        #expect(r[0].batch.llmCalls.count == 1)
        #expect(a.instantMs == 1_787_113_201_719)  // started_at (epoch ms)
        #expect(a.model == "gpt-4o-2024-08-06")  // meta.response_model (served), as logged
        #expect(a.provider == "openai")
        #expect(a.team == "default")  // workspace_name
        #expect(a.principal == "")  // no consumer
        #expect(a.inputTokens == 13)  // prompt 13, no cached_tokens
        #expect(a.cacheReadTokens == 0)
        #expect(a.outputTokens == 12)
        #expect(a.totalTokens == 25)
        #expect(a.latencyMs == 976)  // latencies.request
        #expect(a.ttftMs == 971)  // usage.time_to_first_token, before llm_latency 972
        #expect(a.loggedCostUSD == nil)  // cost 0 = no cost configured
        #expect(a.outcome == .ok)
        #expect(a.httpStatus == 200)
        #expect(a.dedup == nil)

        // line 2: the audit-log reference's "LLM traffic entry" (no started_at: previous instant)
        let b = try #require(r[1].llm)
        #expect(b.instantMs == 1_787_113_201_719)
        #expect(b.model == "command")
        #expect(b.provider == "cohere")
        #expect(b.team == "")
        #expect(b.inputTokens == 14)  // prompt 14 − cached 0
        #expect(b.cacheReadTokens == 0)
        #expect(b.outputTokens == 21)
        #expect(b.reasoningTokens == 0)
        #expect(b.latencyMs == nil)  // no latencies object
        #expect(b.ttftMs == 631)
        #expect(b.loggedCostUSD == nil)
        #expect(b.outcome == .ok)  // aws-guardrails ran, nothing blocked
        #expect(r[1].batch.permissions.isEmpty)

        // line 3: MCP tools/call, audit action allow
        #expect(r[2].batch.llmCalls.isEmpty)
        #expect(r[2].batch.permissions.isEmpty)
        let t = try #require(r[2].batch.toolCalls.first)
        #expect(r[2].batch.toolCalls.count == 1)
        #expect(t.tool == "list_orders")
        #expect(t.outcome == .ok)
        #expect(t.durationMs == 6)  // rpc latency (ms)
        #expect(t.instantMs == 1_787_113_201_719)
        #expect(t.endMs == 1_787_113_201_725)  // + 6 ms
    }

    /// Case 06: five records (three, then two appended), each 2 000 prompt + 500 completion,
    /// logged cost 0.01, consumer billing-svc.
    @Test func case06Records() throws {
        let first = try GatewayFixtures.decode(.kong, "cases-gateway/06-incremental-append/kong/access.jsonl")
        let tail = try GatewayFixtures.decode(.kong, "cases-gateway/06-incremental-append/incoming/access-tail.jsonl")
        let calls = (first + tail).compactMap(\.llm)
        #expect(calls.count == 5)
        for c in calls {
            #expect(c.model == "gpt-4o")
            #expect(c.inputTokens == 2000)
            #expect(c.outputTokens == 500)
            #expect(c.loggedCostUSD == 0.01)
            #expect(c.principal == "billing-svc")
            #expect(c.team == "default")
        }
        #expect(calls.map(\.instantMs) == [1_780_473_600_727, 1_780_474_211_742, 1_780_474_822_354, 1_780_475_433_171, 1_780_476_044_885])
        #expect(calls.map(\.latencyMs) == [1400, 1437, 1474, 1511, 1548])
        #expect(calls.map(\.ttftMs) == [380, 385, 390, 395, 400])
    }

    /// Case 10: prompt 1 999 includes cached 1 792 → input 207; total 207 + 1 792 + 50 = 2 049.
    @Test func case10CachedInsidePrompt() throws {
        let r = try GatewayFixtures.decode(.kong, "cases-gateway/10-prompt-tokens-include-cached/kong/file-log/ai-requests.jsonl")
        let c = try #require(r.first?.llm)
        #expect(c.inputTokens == 207)
        #expect(c.cacheReadTokens == 1792)
        #expect(c.outputTokens == 50)
        #expect(c.totalTokens == 2049)
        #expect(c.model == "gpt-4o-2024-08-06")
        #expect(c.loggedCostUSD == nil)  // no cost configured on the route
        #expect(c.principal == "search-ranker")
        #expect(c.instantMs == 1_739_599_998_412)
        #expect(c.latencyMs == 1588)
    }

    /// Kong 3.6–3.9 nest under `ai["ai-proxy"]` and docs spell `prompt_token` (singular).
    @Test func olderNestingAndSingularNames() {
        let r = GatewayFixtures.decodeLine(.kong, #"""
            {"started_at":1700000000000,"latencies":{"kong":1,"proxy":10,"request":12},"response":{"status":200},"consumer":{"id":"cid-1"},"ai":{"ai-proxy":{"meta":{"request_model":"gpt-4o-mini","provider_name":"openai"},"usage":{"prompt_token":40,"completion_token":8,"cost":0.00002}}}}
            """#)
        let c = r.llm!
        #expect(c.model == "gpt-4o-mini")  // no response_model: request_model
        #expect(c.principal == "cid-1")  // no username: consumer.id
        #expect(c.inputTokens == 40)
        #expect(c.outputTokens == 8)
        #expect(c.loggedCostUSD == 0.00002)
        #expect(c.latencyMs == 12)
        #expect(c.ttftMs == nil)
    }

    @Test(arguments: [
        (429, LLMOutcome.rateLimited, PermissionReason?.none),
        (401, .denied, .some(.unauthenticated)),
        (403, .denied, .some(.forbidden)),
        (500, .error, nil),
    ])
    func statusOutcomes(status: Int, outcome: LLMOutcome, reason: PermissionReason?) {
        let r = GatewayFixtures.decodeLine(.kong, """
            {"started_at":1700000000000,"source":"kong","response":{"status":\(status)},"consumer":{"username":"svc"},"ai":{"proxy":{"meta":{"request_model":"gpt-4o","provider_name":"openai"}}}}
            """)
        #expect(r.llm?.outcome == outcome)
        #expect(r.llm?.httpStatus == status)
        #expect(r.batch.permissions.map(\.reason) == (reason.map { [$0] } ?? []))
        if reason != nil {
            #expect(r.batch.permissions.first?.principal == "svc")
            #expect(r.batch.permissions.first?.subject == "gpt-4o")
        }
    }

    /// An MCP audit `deny` is a policy denial and the matching tool call is denied.
    @Test func mcpDeny() {
        let r = GatewayFixtures.decodeLine(.kong, #"""
            {"started_at":1700000000000,"consumer":{"username":"agent-7"},"ai":{"mcp":{"mcp_session_id":"ms-1","rpc":[{"method":"tools/call","latency":3,"id":"5","tool_name":"delete_orders"},{"method":"tools/list","latency":1,"id":"6"}],"audit":[{"primitive_name":"delete_orders","primitive":"tool","action":"deny","scope":"primitive"}]}}}
            """#)
        #expect(r.disposition == .decoded)
        #expect(r.batch.permissions.count == 1)
        #expect(r.batch.permissions.first?.reason == .policyRule)
        #expect(r.batch.permissions.first?.subject == "delete_orders")
        #expect(r.batch.permissions.first?.principal == "agent-7")
        #expect(r.batch.toolCalls.count == 1)  // tools/list is no tool call
        #expect(r.batch.toolCalls.first?.outcome == .denied)
        #expect(r.batch.toolCalls.first?.session == "ms-1")
    }

    @Test func httpLogBatchArray() {
        let r = GatewayFixtures.decodeLine(.kong, #"""
            [{"started_at":1700000000000,"latencies":{"kong":0,"request":5},"ai":{"proxy":{"meta":{"response_model":"m1"},"usage":{"prompt_tokens":1,"completion_tokens":2}}}},{"started_at":1700000001000,"latencies":{"kong":0,"request":6},"ai":{"proxy":{"meta":{"response_model":"m2"},"usage":{"prompt_tokens":3,"completion_tokens":4}}}}]
            """#)
        #expect(r.batch.llmCalls.map(\.model) == ["m1", "m2"])
        #expect(r.batch.llmCalls.map(\.instantMs) == [1_700_000_000_000, 1_700_000_001_000])
    }

    @Test func nonAIRecordIsIgnored() {
        let r = GatewayFixtures.decodeLine(.kong, #"{"started_at":1700000000000,"latencies":{"kong":0,"request":5},"response":{"status":200}}"#)
        #expect(r.disposition == .ignored)
        #expect(r.batch.isEmpty)
    }
}
