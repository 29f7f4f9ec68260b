import Foundation
import Testing

@testable import Ingest

@Suite("OTel decoder")
struct GatewayOTelTests {
    /// `samples/EXPECTED.md`: line 1 is a trace export whose span has no `gen_ai.*` attributes (no
    /// llm_call); line 2 is a logs export (not decodable). Zero events.
    @Test func officialExamples() throws {
        let r = try GatewayFixtures.decode(.otel, "samples/gateway/otlp-json-official-examples.jsonl")
        #expect(r.count == 2)
        #expect(r[0].disposition == .ignored)
        #expect(r[1].disposition == .undecodable)
        #expect(r.allSatisfy { $0.batch.isEmpty })
    }

    /// One bare protojson span with OpenInference names, base64 ids and enum names: one llm_call.
    @Test func openInferenceSpan() throws {
        let r = try GatewayFixtures.decode(.otel, "samples/gateway/openinference-span-protojson.jsonl")
        #expect(r.count == 1)
        #expect(r[0].disposition == .decoded)
        #expect(r[0].batch.llmCalls.count == 1)
        #expect(r[0].batch.toolCalls.isEmpty)
        let c = try #require(r[0].llm)
        #expect(c.instantMs == 1_753_566_780_825)  // startTimeUnixNano 1753566780825845222 ns
        #expect(c.model == "gpt-4.1-nano-2025-04-14")  // llm.model_name
        #expect(c.provider == "openai")  // llm.system
        #expect(c.team == "")
        #expect(c.principal == "")  // a bare span has no resource service.name
        // llm.token_count.prompt 9 incl. cache_read 0; completion 2 incl. reasoning 0
        #expect(c.inputTokens == 9)
        #expect(c.cacheReadTokens == 0)
        #expect(c.outputTokens == 2)
        #expect(c.reasoningTokens == 0)
        #expect(c.totalTokens == 11)
        // 1753566780852445050 − 1753566780825845222 = 26 599 828 ns
        #expect(abs(c.latencyMs! - 26.599828) < 1e-9)
        // "First Token Stream Event" at …830936046: 5 090 824 ns after the start
        #expect(abs(c.ttftMs! - 5.090824) < 1e-9)
        #expect(c.outcome == .ok)  // STATUS_CODE_OK
        #expect(c.dedup == nil)
    }

    /// Case 13: provider-prefixed and Vertex `@date` names are kept as logged; provider mapped.
    @Test func case13Spans() throws {
        let r = try GatewayFixtures.decode(.otel, "cases-gateway/13-vertex-version-suffix/otel/traces/2026-07-23.jsonl")
        let c = r.compactMap(\.llm)
        #expect(c.count == 2)
        #expect(c.map(\.model) == ["vertex_ai/claude-haiku-4-5@20251001", "anthropic/claude-haiku-4-5"])
        #expect(c.map(\.provider) == ["vertex_ai", "anthropic"])  // gcp.vertex_ai → vertex_ai
        #expect(c.allSatisfy { $0.inputTokens == 1000 && $0.outputTokens == 100 && $0.cacheReadTokens == 0 })
        #expect(c.allSatisfy { $0.principal == "ticket-triage-agent" })  // resource service.name
        #expect(c.allSatisfy { $0.latencyMs == 2150 })  // 2.15 s
        #expect(c.map(\.instantMs) == [1_784_800_800_000, 1_784_800_860_000])
        #expect(c.allSatisfy { $0.outcome == .ok && $0.ttftMs == nil })
    }

    /// Case 18: `gen_ai.server.time_to_first_token` 0.45 s → 450 ms; span 3 s.
    @Test func case18SpanTTFT() throws {
        let r = try GatewayFixtures.decode(.otel, "cases-gateway/18-ttft-sources/otel/collector/traces-2026-06-16.jsonl")
        let c = try #require(r.first?.llm)
        #expect(c.ttftMs == 450)
        #expect(c.latencyMs == 3000)
        #expect(c.model == "claude-sonnet-4-5-20250929")  // gen_ai.response.model
        #expect(c.provider == "anthropic")
        #expect(c.inputTokens == 1200)
        #expect(c.outputTokens == 300)
        #expect(c.principal == "release-notes-agent")
        #expect(c.instantMs == 1_781_604_120_000)
    }

    /// An agent span repeating its children's usage adds nothing; a chat child is one call with
    /// cache reads inside input; an `execute_tool` child that failed is a tool_call with outcome
    /// error. Ids in base64, enum names, an int as a JSON number, and a deprecated `gen_ai.system`.
    static let agentTrace = #"""
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"triage"}},{"key":"tenant.id","value":{"stringValue":"acme"}}]},"scopeSpans":[{"scope":{"name":"agents"},"spans":[
        {"traceId":"GsAfoGyxz02fAiqudpMBIA==","spanId":"gvyCOW4zDsA=","name":"invoke_agent triage","kind":"SPAN_KIND_INTERNAL","startTimeUnixNano":"1781604000000000000","endTimeUnixNano":"1781604010000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"5000"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"700"}}],"status":{"code":"STATUS_CODE_OK"}},
        {"traceId":"GsAfoGyxz02fAiqudpMBIA==","spanId":"AAAAAAAAAAE=","name":"chat gpt-4o","kind":3,"startTimeUnixNano":"1781604001000000000","endTimeUnixNano":"1781604003500000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.system","value":{"stringValue":"azure.ai.openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":5000}},{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"4096"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"700"}},{"key":"gen_ai.usage.reasoning.output_tokens","value":{"intValue":"200"}},{"key":"gen_ai.response.time_to_first_chunk","value":{"doubleValue":0.25}},{"key":"enduser.id","value":{"stringValue":"u-42"}},{"key":"gen_ai.conversation.id","value":{"stringValue":"conv-1"}}],"status":{}},
        {"traceId":"GsAfoGyxz02fAiqudpMBIA==","spanId":"AAAAAAAAAAI=","name":"execute_tool search_orders","kind":1,"startTimeUnixNano":"1781604004000000000","endTimeUnixNano":"1781604004120000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"search_orders"}},{"key":"gen_ai.tool.call.arguments","value":{"stringValue":"{\"q\":\"late\"}"}},{"key":"error.type","value":{"stringValue":"TimeoutError"}}],"status":{"code":2}}
        ]}]}]}
        """#.replacingOccurrences(of: "\n", with: "")

    @Test func agentTraceSpans() {
        let r = GatewayFixtures.decodeLine(.otel, Self.agentTrace)
        #expect(r.disposition == .decoded)
        #expect(r.batch.llmCalls.count == 1)  // the invoke_agent span adds nothing
        let c = r.batch.llmCalls[0]
        #expect(c.model == "gpt-4o")
        #expect(c.provider == "azure")  // azure.ai.openai → azure
        #expect(c.team == "acme")  // resource tenant.id
        #expect(c.principal == "u-42")  // enduser.id before service.name
        #expect(c.session == "conv-1")
        // input 5 000 includes cache read 4 096 → 904 uncached; output 700 ⊇ reasoning 200
        #expect(c.inputTokens == 904)
        #expect(c.cacheReadTokens == 4096)
        #expect(c.outputTokens == 700)
        #expect(c.reasoningTokens == 200)
        #expect(c.totalTokens == 5700)
        #expect(c.ttftMs == 250)  // 0.25 s
        #expect(c.latencyMs == 2500)
        #expect(c.instantMs == 1_781_604_001_000)
        #expect(r.batch.toolCalls.count == 1)
        let t = r.batch.toolCalls[0]
        #expect(t.tool == "search_orders")
        #expect(t.outcome == .error)  // status code 2
        #expect(t.durationMs == 120)
        #expect(t.instantMs == 1_781_604_004_000)
        #expect(t.endMs == 1_781_604_004_120)
        #expect(t.principal == "triage")  // no enduser.id on the tool span: service.name
        #expect(t.argumentsHash != 0)
    }

    @Test func errorStatusAndMappedProviders() {
        let line = #"""
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"generate_content gemini-2.5-pro","startTimeUnixNano":1781604000000000000,"endTimeUnixNano":1781604001000000000,"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"generate_content"}},{"key":"gen_ai.provider.name","value":{"stringValue":"gcp.gemini"}},{"key":"gen_ai.system","value":{"stringValue":"ignored"}},{"key":"gen_ai.request.model","value":{"stringValue":"gemini-2.5-pro"}},{"key":"error.type","value":{"stringValue":"_OTHER"}}],"status":{"code":"STATUS_CODE_ERROR"}}
            """#
        let r = GatewayFixtures.decodeLine(.otel, line)
        let c = r.llm!
        #expect(c.provider == "gemini")  // gen_ai.provider.name wins over gen_ai.system
        #expect(c.outcome == .error)
        #expect(c.errorType == "_OTHER")
        #expect(c.totalTokens == 0)
    }

    @Test func openInferenceToolAndChainSpans() {
        let line = #"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"rag"}}]},"scopeSpans":[{"spans":[{"traceId":"01","spanId":"02","name":"retriever","startTimeUnixNano":"1781604000000000000","endTimeUnixNano":"1781604000500000000","attributes":[{"key":"openinference.span.kind","value":{"stringValue":"TOOL"}},{"key":"tool.name","value":{"stringValue":"lookup"}},{"key":"tool.parameters","value":{"stringValue":"{}"}}]},{"traceId":"01","spanId":"03","name":"chain","startTimeUnixNano":"1781604000000000000","endTimeUnixNano":"1781604000500000000","attributes":[{"key":"openinference.span.kind","value":{"stringValue":"CHAIN"}},{"key":"llm.token_count.prompt","value":{"intValue":"10"}},{"key":"llm.model_name","value":{"stringValue":"gpt-4o"}}]}]}]}]}
            """#
        let r = GatewayFixtures.decodeLine(.otel, line)
        #expect(r.batch.llmCalls.isEmpty)  // CHAIN adds nothing
        #expect(r.batch.toolCalls.map(\.tool) == ["lookup"])
        #expect(r.batch.toolCalls.first?.outcome == .ok)
        #expect(r.batch.toolCalls.first?.durationMs == 500)
    }

    @Test func metricsExportIsNotDecodable() {
        let r = GatewayFixtures.decodeLine(.otel, #"{"resourceMetrics":[{"resource":{},"scopeMetrics":[]}]}"#)
        #expect(r.disposition == .undecodable)
    }
}
