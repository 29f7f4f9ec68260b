import Foundation
import Testing

@testable import Ingest

@Suite("Azure OpenAI diagnostics decoder")
struct GatewayAzureOpenAITests {
    /// `samples/gateway/azure-openai-diagnostic-requestresponse.jsonl` (Elastic's pipeline test,
    /// see its SOURCE): line 1 an Assistants `Create_Thread` with `properties` as a JSON string
    /// and no model; lines 2–3 `ChatCompletions_Create` with `properties` objects, line 3 with a
    /// negative `durationMs`. No tokens in these records.
    @Test func sample() throws {
        let r = try GatewayFixtures.decode(.azureOpenAI, "samples/gateway/azure-openai-diagnostic-requestresponse.jsonl")
        #expect(r.map(\.disposition) == [.ignored, .decoded, .decoded])
        #expect(r[0].batch.isEmpty)  // no model: not a model response

        let a = try #require(r[1].llm)
        #expect(a.instantMs == 1_716_553_382_435)  // time 2024-05-24T12:23:02.4350000Z
        #expect(a.model == "gpt-35-turbo")  // properties.modelName
        #expect(a.provider == "azure")
        #expect(a.totalTokens == 0)
        #expect(a.latencyMs == 1021)  // durationMs
        #expect(a.httpStatus == 200)  // resultSignature "200"
        #expect(a.outcome == .ok)
        #expect(a.dedup?.key == GatewayFixtures.key("azure_openai", "d427a391-2bc7-4f38-9cbc-6560600e0981"))

        let b = try #require(r[2].llm)
        #expect(b.model == "dall-e-3")
        // durationMs −1021: responseTime − requestTime = 638515262825606520 − 638515262815394150
        // = 10 212 370 ticks of 100 ns = 1021.237 ms
        #expect(b.latencyMs == 1021.237)
        #expect(b.outcome == .ok)
        // the same correlationId as line 2: one request for de-duplication (`GATEWAYS.md` dedupe keys)
        #expect(b.dedup?.key == a.dedup?.key)
        #expect(r.allSatisfy { $0.batch.permissions.isEmpty })
    }

    @Test func everySampleLineIsDetected() throws {
        for line in try GatewayFixtures.lines("samples/gateway/azure-openai-diagnostic-requestresponse.jsonl") {
            let f = line.withUnsafeBytes { raw -> LogFormat? in
                guard case .success(let root) = JSONDocument.parse(raw) else { return nil }
                return LogFormat.allCases.first { $0.detects(root, context: DecoderContext(path: "PT1H.json")) }
            }
            #expect(f == .azureOpenAI)
        }
    }

    @Test func statuses() {
        func decode(_ sig: String) -> GatewayFixtures.LineResult {
            GatewayFixtures.decodeLine(.azureOpenAI, """
                {"category":"RequestResponse","time":"2026-03-01T10:00:00.0000000Z","correlationId":"c-\(sig)","durationMs":5,"resultSignature":"\(sig)","properties":{"modelDeploymentName":"prod-gpt4o"}}
                """)
        }
        #expect(decode("429").llm?.outcome == .rateLimited)
        #expect(decode("429").batch.permissions.isEmpty)
        #expect(decode("500").llm?.outcome == .error)
        #expect(decode("403").llm?.outcome == .denied)
        #expect(decode("403").batch.permissions.first?.reason == .forbidden)
        #expect(decode("403").llm?.model == "prod-gpt4o")  // the deployment when no modelName
        #expect(decode("200").llm?.outcome == .ok)
    }
}
