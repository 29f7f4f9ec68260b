import Foundation
import Testing

@testable import Ingest

/// Issue 16: the sources that report a served service tier, the inference geography or fast mode
/// pass them through the event to the pricer (`LLMCall.serviceTier`, `inferenceGeo`, `fastMode`).
@Suite("decoders: service tier, inference_geo and speed reach the event")
struct PricingContextDecoderTests {
    @Test func liteLLMUsageObject() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"id":"c","call_type":"acompletion","startTime":1781604000.0,"model":"claude-opus-4-6","custom_llm_provider":"anthropic","metadata":{"usage_object":{"prompt_tokens":30,"completion_tokens":10,"service_tier":"priority","inference_geo":"us","speed":"fast"}}}
            """#)
        let c = r.llm!
        #expect(c.serviceTier == .priority)
        #expect(c.inferenceGeo == "us")
        #expect(c.fastMode)
        #expect(c.provider == "anthropic")
    }

    @Test func liteLLMResponseTier() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"id":"c","call_type":"acompletion","startTime":1781604000.0,"model":"gpt-5","custom_llm_provider":"openai","response":{"service_tier":"flex","usage":{"prompt_tokens":30,"completion_tokens":10}}}
            """#)
        #expect(r.llm!.serviceTier == .flex)
        #expect(r.llm!.inferenceGeo == "")
        #expect(!r.llm!.fastMode)
    }

    @Test func claudeCodeUsage() {
        let r = GatewayFixtures.decodeLine(.claudeCode, #"""
            {"type":"assistant","timestamp":"2026-11-25T10:00:00.000Z","sessionId":"s","cwd":"/w/p","requestId":"r","uuid":"u","message":{"id":"m","model":"claude-opus-4-6","role":"assistant","content":[],"usage":{"input_tokens":10,"output_tokens":20,"service_tier":"standard","speed":"fast","inference_geo":"global"}}}
            """#)
        let c = r.llm!
        #expect(c.serviceTier == .standard)
        #expect(c.fastMode)
        #expect(c.inferenceGeo == "global")
    }

    @Test func otelServiceTier() {
        let r = GatewayFixtures.decodeLine(.otel, #"""
            {"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"x"},"spans":[{"traceId":"01","spanId":"02","name":"chat gpt-5","kind":3,"startTimeUnixNano":"1795612020000000000","endTimeUnixNano":"1795612022000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.response.model","value":{"stringValue":"gpt-5"}},{"key":"openai.response.service_tier","value":{"stringValue":"priority"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"5"}}],"status":{}}]}]}]}
            """#)
        #expect(r.llm?.serviceTier == .priority)
        #expect(r.llm?.provider == "openai")
    }
}
