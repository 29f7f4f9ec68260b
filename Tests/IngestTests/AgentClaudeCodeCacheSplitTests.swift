import Foundation
import Testing

@testable import Ingest

@Suite("claude_code decoder: the cache-write total wins, the split apportions it")
struct AgentClaudeCodeCacheSplitTests {
    func line(_ n: Int, usage: String) -> [UInt8] {
        Array(#"{"sessionId":"s1","type":"assistant","uuid":"u\#(n)","timestamp":"2026-04-01T10:00:0\#(n).000Z","requestId":"req_\#(n)","message":{"model":"claude-sonnet-4-5","id":"msg_\#(n)","type":"message","role":"assistant","content":[{"type":"text","text":"x"}],"usage":\#(usage)}}"#.utf8)
    }

    @Test("a split smaller, larger or absent: no recorded write is lost or invented")
    func split() throws {
        let d = AgentHarness.decode(.claudeCode, lines: [
            // split 100 + 200 < total 1 000: 1h 200, 5m 1 000 − 200 = 800
            line(1, usage: #"{"input_tokens":1,"cache_creation_input_tokens":1000,"output_tokens":2,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200}}"#),
            // split 300 + 900 > total 500: 1h min(900, 500) = 500, 5m 0
            line(2, usage: #"{"input_tokens":1,"cache_creation_input_tokens":500,"output_tokens":2,"cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":900}}"#),
            // no total: the split is the count, 5m 40, 1h 60
            line(3, usage: #"{"input_tokens":1,"output_tokens":2,"cache_creation":{"ephemeral_5m_input_tokens":40,"ephemeral_1h_input_tokens":60}}"#),
        ], path: "/x/.claude/projects/p/s1.jsonl")
        let llm = d.llm
        try #require(llm.count == 3)
        #expect(llm[0].cacheWrite1hTokens == 200)
        #expect(llm[0].cacheWrite5mTokens == 800)
        #expect(llm[0].totalTokens == 1003)  // 1 + 1 000 + 2
        #expect(llm[1].cacheWrite1hTokens == 500)
        #expect(llm[1].cacheWrite5mTokens == 0)
        #expect(llm[2].cacheWrite5mTokens == 40)
        #expect(llm[2].cacheWrite1hTokens == 60)
    }
}
