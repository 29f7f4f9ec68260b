import Foundation
import Testing

@testable import Ingest

@Suite("Azure API Management decoder")
struct GatewayAzureAPIMTests {
    /// `samples/gateway/azure-apim-gatewaylogs.jsonl` (Elastic's pipeline test, see its SOURCE):
    /// line 1 a success with usage only inside the `responseBody` string, line 2 a content-filter
    /// block (HTTP 400, `content_filter`).
    @Test func sample() throws {
        let r = try GatewayFixtures.decode(.azureAPIM, "samples/gateway/azure-apim-gatewaylogs.jsonl")
        #expect(r.map(\.disposition) == [.decoded, .decoded])

        let a = try #require(r[0].llm)
        #expect(r[0].batch.llmCalls.count == 1)
        #expect(a.instantMs == 1_719_901_891_446)  // time 2024-07-02T06:31:31.4465902Z (ms, fraction truncated)
        #expect(a.model == "gpt-35-turbo")  // responseBody.model (served), not the deployment gpt-chat-pilot
        #expect(a.provider == "azure")
        #expect(a.team == "")
        #expect(a.principal == "")
        #expect(a.inputTokens == 14)  // prompt_tokens 14, no cached_tokens
        #expect(a.cacheReadTokens == 0)
        #expect(a.outputTokens == 8)  // completion_tokens
        #expect(a.totalTokens == 22)  // 14 + 8 = usage.total_tokens
        #expect(a.latencyMs == 176)  // durationMs
        #expect(a.httpStatus == 200)  // properties.responseCode
        #expect(a.outcome == .ok)
        #expect(a.loggedCostUSD == nil)
        #expect(a.dedup?.key == GatewayFixtures.key("azure_apim", "99789635-18d0-480f-8182-a3a3c477a6a4"))
        #expect(r[0].batch.permissions.isEmpty)

        let b = try #require(r[1].llm)
        #expect(b.instantMs == 1_719_900_896_237)  // 2024-07-02T06:14:56.2371877Z
        #expect(b.model == "gpt-chat-pilot")  // no response model: requestBody.model
        #expect(b.totalTokens == 0)
        #expect(b.latencyMs == 453)
        #expect(b.httpStatus == 400)
        #expect(b.outcome == .denied)  // error.code content_filter
        #expect(b.errorType == "content_filter")
        #expect(b.dedup?.key == GatewayFixtures.key("azure_apim", "0aa398fe-7b98-49aa-8352-52ce04ddc34a"))
        let p = try #require(r[1].batch.permissions.first)
        #expect(r[1].batch.permissions.count == 1)
        #expect(p.reason == .guardrail)
        #expect(p.subject == "gpt-chat-pilot")
        #expect(p.instantMs == 1_719_900_896_237)
    }

    @Test func everySampleLineIsDetected() throws {
        for line in try GatewayFixtures.lines("samples/gateway/azure-apim-gatewaylogs.jsonl") {
            let f = line.withUnsafeBytes { raw -> LogFormat? in
                guard case .success(let root) = JSONDocument.parse(raw) else { return nil }
                return LogFormat.allCases.first { $0.detects(root, context: DecoderContext(path: "gw.json")) }
            }
            #expect(f == .azureAPIM)
        }
    }

    /// Cached and reasoning tokens (OpenAI shape), a 429, a non-JSON (streamed) body, and the
    /// `{"records": [...]}` blob envelope.
    @Test func variants() throws {
        let body = #"{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":300,\"prompt_tokens_details\":{\"cached_tokens\":400},\"completion_tokens_details\":{\"reasoning_tokens\":120}}}"#
        let a = try #require(GatewayFixtures.decodeLine(.azureAPIM, """
            {"category":"GatewayLogs","time":"2026-03-01T10:00:00.0000000Z","correlationId":"c1","durationMs":900,"properties":{"responseCode":200,"responseBody":"\(body)"}}
            """).llm)
        #expect(a.inputTokens == 600)  // 1000 prompt − 400 cached
        #expect(a.cacheReadTokens == 400)
        #expect(a.outputTokens == 300)
        #expect(a.reasoningTokens == 120)  // inside the 300
        #expect(a.totalTokens == 1300)  // 600 + 400 + 300

        let rl = GatewayFixtures.decodeLine(.azureAPIM, #"""
            {"category":"GatewayLogs","time":"2026-03-01T10:00:00.0000000Z","correlationId":"c2","durationMs":3,"properties":{"responseCode":429,"responseBody":"data: {\"id\":1}\n\n"}}
            """#)
        #expect(rl.disposition == .decoded)
        #expect(rl.llm?.outcome == .rateLimited)
        #expect(rl.llm?.totalTokens == 0)
        #expect(rl.batch.permissions.isEmpty)

        let env = GatewayFixtures.decodeLine(.azureAPIM, #"""
            {"records":[{"category":"GatewayLogs","time":"2026-03-01T10:00:00.0000000Z","correlationId":"c3","properties":{"responseCode":200}},{"category":"GatewayLogs","time":"2026-03-01T10:00:01.0000000Z","correlationId":"c4","properties":{"responseCode":401}}]}
            """#)
        #expect(env.batch.llmCalls.count == 2)
        #expect(env.batch.llmCalls.map(\.outcome) == [.ok, .denied])
        #expect(env.batch.permissions.map(\.reason) == [.unauthenticated])

        let bad = GatewayFixtures.decodeLine(.azureAPIM, #"""
            {"category":"GatewayLogs","time":"2026-03-01T10:00:00.0000000Z","properties":{"responseBody":"{\"usage\":{\"prompt_tokens\":-1}}"}}
            """#)
        #expect(bad.disposition == .undecodable)
        #expect(bad.batch.llmCalls.isEmpty)
    }
}
