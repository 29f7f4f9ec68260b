import Foundation
import Testing

@testable import Ingest

@Suite("Bedrock decoder")
struct GatewayBedrockTests {
    /// `samples/EXPECTED.md`: four llm_calls; line 3 (`stopReason` `guardrail_intervened`) and
    /// line 4 (`amazon-bedrock-guardrailAction` `INTERVENED`) are guardrail denials.
    @Test func sample() throws {
        let r = try GatewayFixtures.decode(.bedrock, "samples/gateway/aws-bedrock-invocation-log.jsonl")
        #expect(r.count == 4)
        #expect(r.map(\.disposition) == [.decoded, .decoded, .decoded, .decoded])
        let c = r.compactMap(\.llm)
        #expect(c.count == 4)
        #expect(c.allSatisfy { $0.provider == "bedrock" && $0.team == "" && $0.model == "anthropic.claude-3-haiku-20240307-v1:0" })
        #expect(c.allSatisfy { $0.ttftMs == nil && $0.dedup == nil })

        // line 1: the Converse record of the slide deck; ARN redacted to "arn:aws:sts::xxxx"
        #expect(c[0].instantMs == 1_744_239_617_000)  // 2025-04-09T23:00:17Z
        #expect(c[0].principal == "")
        #expect(c[0].inputTokens == 35)
        #expect(c[0].outputTokens == 446)
        #expect(c[0].cacheReadTokens == 0)
        #expect(c[0].cacheWriteTokens == 0)
        #expect(c[0].latencyMs == 3640)
        #expect(c[0].outcome == .ok)
        #expect(r[0].batch.permissions.isEmpty)

        // line 2: regular Converse (Panther timestamp "2025-05-15 14:17:22.000000000")
        #expect(c[1].instantMs == 1_747_318_642_000)
        #expect(c[1].principal == "role_details")  // assumed-role/role_details/regular.user
        #expect(c[1].totalTokens == 0)
        #expect(c[1].latencyMs == 249)
        #expect(c[1].outcome == .ok)
        #expect(r[1].batch.permissions.isEmpty)

        // line 3: Converse stopped by a guardrail
        #expect(c[2].outcome == .denied)
        #expect(c[2].latencyMs == 249)
        #expect(r[2].batch.permissions.count == 1)
        let p3 = try #require(r[2].batch.permissions.first)
        #expect(p3.reason == .guardrail)
        #expect(p3.principal == "role_details")
        #expect(p3.subject == "anthropic.claude-3-haiku-20240307-v1:0")
        #expect(p3.instantMs == 1_747_318_642_000)

        // line 4: InvokeModel blocked by a guardrail; no token counts, no Converse metrics
        #expect(c[3].instantMs == 1_747_318_489_000)  // 2025-05-15 14:14:49
        #expect(c[3].outcome == .denied)
        #expect(c[3].totalTokens == 0)
        #expect(c[3].latencyMs == nil)
        #expect(r[3].batch.permissions.map(\.reason) == [.guardrail])
    }

    /// Case 21: region-prefixed, versioned and ARN model ids kept as logged; principal = role.
    @Test func case21ModelIdsAndRole() throws {
        let r = try GatewayFixtures.decode(.bedrock, "cases-gateway/21-bedrock-model-ids/invocations.jsonl")
        let c = r.compactMap(\.llm)
        #expect(c.count == 4)
        #expect(c.map(\.model) == [
            "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "us.anthropic.claude-sonnet-4-6",
            "arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/ops-triage",
        ])
        #expect(c.allSatisfy { $0.principal == "support-assistant" && $0.provider == "bedrock" && $0.outcome == .ok })
        #expect(c.map(\.inputTokens) == [10_000, 4_000, 100_000, 3_000])
        #expect(c.map(\.outputTokens) == [1_000, 500, 10_000, 300])
        #expect(c[3].totalTokens == 3_300)  // the unpriced ARN's tokens
        #expect(c.map(\.latencyMs) == [640, 2210, 5120, 900])
        // 2026-05-04T09:00:00Z = 1 777 885 200 000 ms, then every 5 min (300 000 ms)
        #expect(c.map(\.instantMs) == [1_777_885_200_000, 1_777_885_500_000, 1_777_885_800_000, 1_777_886_100_000])
    }

    @Test func cacheCountsAreDisjoint() {
        let r = GatewayFixtures.decodeLine(.bedrock, #"""
            {"schemaType":"ModelInvocationLog","timestamp":"2026-05-04T09:00:00Z","identity":{"arn":"arn:aws:iam::111122223333:user/dev/alice"},"modelId":"us.anthropic.claude-sonnet-4-6","input":{"inputBodyJson":{"messages":[]},"inputTokenCount":120,"cacheReadInputTokenCount":4000,"cacheWriteInputTokenCount":900},"output":{"outputBodyJson":{"usage":{"inputTokens":120,"outputTokens":80,"cacheReadInputTokens":4000,"cacheReadInputTokenCount":4000}},"outputTokenCount":80}}
            """#)
        let c = r.llm!
        #expect(c.principal == "alice")  // user/<path>/<name>
        #expect(c.inputTokens == 120)
        #expect(c.cacheReadTokens == 4000)  // counted once
        #expect(c.cacheWrite5mTokens == 900)
        #expect(c.outputTokens == 80)
        #expect(c.totalTokens == 5100)  // 120 + 4 000 + 900 + 80
    }

    @Test func countsFromConverseUsageWhenTopLevelAbsent() {
        let r = GatewayFixtures.decodeLine(.bedrock, #"""
            {"schemaType":"ModelInvocationLog","timestamp":"2026-05-04T09:00:00Z","modelId":"m","output":{"outputBodyJson":{"usage":{"inputTokens":7,"outputTokens":3,"cacheWriteInputTokens":11}}}}
            """#)
        #expect(r.llm?.inputTokens == 7)
        #expect(r.llm?.outputTokens == 3)
        #expect(r.llm?.cacheWrite5mTokens == 11)
    }

    @Test(arguments: [
        ("ThrottlingException", LLMOutcome.rateLimited, PermissionReason?.none),
        ("AccessDeniedException", .denied, .some(.forbidden)),
        ("ValidationException", .error, nil),
    ])
    func errorCodes(code: String, outcome: LLMOutcome, reason: PermissionReason?) {
        let r = GatewayFixtures.decodeLine(.bedrock, """
            {"schemaType":"ModelInvocationLog","timestamp":"2026-05-04T09:00:00Z","identity":{"arn":"arn:aws:sts::1:assumed-role/r1/s"},"modelId":"m","errorCode":"\(code)"}
            """)
        #expect(r.llm?.outcome == outcome)
        #expect(r.llm?.errorType == code)
        #expect(r.batch.permissions.map(\.reason) == (reason.map { [$0] } ?? []))
    }

    @Test(arguments: [
        ("arn:aws:sts::111122223333:assumed-role/support-assistant/session-7", "support-assistant"),
        ("arn:aws:iam::111122223333:user/alice", "alice"),
        ("arn:aws:iam::111122223333:role/service-role/builder", "builder"),
        ("arn:aws:sts::111122223333:federated-user/bob", "bob"),
        ("arn:aws:sts::xxxx", ""),
    ])
    func principalFromARN(arn: String, expected: String) {
        var s = arn
        let got = s.withUTF8 { BedrockDecoder.principal(arn: UnsafeRawBufferPointer($0)) }
        #expect(got == expected)
    }
}
