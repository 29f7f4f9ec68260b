import Foundation
import Testing

@testable import Ingest

@Suite("litellm decoder: 1-hour cache writes from prompt_tokens_details.cache_creation_token_details")
struct GatewayLiteLLMCacheSplitTests {
    /// LiteLLM's `PromptTokensDetailsWrapper.cache_creation_token_details` (litellm/types/utils.py).
    @Test func oneHourWritesFromPromptTokensDetails() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"id":"c","call_type":"acompletion","startTime":1781604000.0,"endTime":1781604001.0,"model":"claude-sonnet-4-5","custom_llm_provider":"anthropic","metadata":{"usage_object":{"prompt_tokens":3000,"completion_tokens":10,"cache_creation_input_tokens":1000,"cache_read_input_tokens":500,"prompt_tokens_details":{"cached_tokens":500,"cache_creation_tokens":1000,"cache_creation_token_details":{"ephemeral_5m_input_tokens":400,"ephemeral_1h_input_tokens":600}}}}}
            """#)
        let c = r.llm!
        #expect(c.cacheWrite1hTokens == 600)
        #expect(c.cacheWrite5mTokens == 400)  // 1 000 − 600
        #expect(c.cacheReadTokens == 500)
        #expect(c.inputTokens == 1500)  // 3 000 − 500 − 1 000
        #expect(c.totalTokens == 3010)  // 1 500 + 500 + 1 000 + 10
    }
}
