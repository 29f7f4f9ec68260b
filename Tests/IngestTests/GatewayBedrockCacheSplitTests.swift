import Foundation
import Testing

@testable import Ingest

@Suite("bedrock decoder: 1-hour cache writes from usage.cacheDetails[].ttl")
struct GatewayBedrockCacheSplitTests {
    func usage(_ details: String) -> LLMCall? {
        GatewayFixtures.decodeLine(.bedrock, #"{"schemaType":"ModelInvocationLog","timestamp":"2026-05-04T09:00:00Z","modelId":"us.anthropic.claude-sonnet-4-6","output":{"outputBodyJson":{"usage":{"inputTokens":7,"outputTokens":3,"cacheWriteInputTokens":1000,"cacheDetails":"#
            + details + "}}}}").llm
    }

    @Test("a split that accounts for every write is kept; any other split leaves all writes at 5m")
    func split() {
        // 300 (5m) + 700 (1h) = 1 000 writes: kept.
        let full = usage(#"[{"ttl":"5m","inputTokens":300},{"ttl":"1h","inputTokens":700}]"#)
        #expect(full?.cacheWrite5mTokens == 300)
        #expect(full?.cacheWrite1hTokens == 700)
        #expect(full?.totalTokens == 1010)  // 7 + 1 000 + 3
        // 700 (1h) ≠ 1 000 writes: LiteLLM drops the split, every write at 5m.
        let partial = usage(#"[{"ttl":"1h","inputTokens":700}]"#)
        #expect(partial?.cacheWrite5mTokens == 1000)
        #expect(partial?.cacheWrite1hTokens == 0)
    }
}
