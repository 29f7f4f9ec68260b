import Foundation
import Testing

@testable import Ingest

@Suite("LiteLLM decoder")
struct GatewayLiteLLMTests {
    // MARK: - Real samples (samples/gateway, EXPECTED.md: one llm_call per line)

    @Test func standardLoggingPayloadSample() throws {
        let r = try GatewayFixtures.decode(.litellm, "samples/gateway/litellm-standard-logging-payload.jsonl")
        #expect(r.count == 1)
        #expect(r[0].disposition == .decoded)
        #expect(r[0].batch.llmCalls.count == 1)
        #expect(r[0].batch.permissions.isEmpty)
        let c = try #require(r[0].llm)
        // startTime "2025-01-24 09:20:46.847371" (naive = UTC) → 1 737 710 446 847 ms
        #expect(c.instantMs == 1_737_710_446_847)
        #expect(c.model == "gpt-4o")
        #expect(c.provider == "openai")
        #expect(c.team == "")  // every user_api_key_* is null, no team_id
        #expect(c.principal == "")  // end_user ""
        #expect(c.session == "")  // trace_id null
        // no usage_object: response.usage {prompt 10, completion 20, no details}
        #expect(c.inputTokens == 10)
        #expect(c.cacheReadTokens == 0)
        #expect(c.cacheWriteTokens == 0)
        #expect(c.outputTokens == 20)
        #expect(c.reasoningTokens == 0)
        #expect(c.totalTokens == 30)
        // endTime − startTime = 46.851954 − 46.847371 s = 4 583 µs = 4.583 ms
        #expect(abs(c.latencyMs! - 4.583) < 1e-9)
        #expect(c.ttftMs == nil)  // completionStartTime == endTime: not measured
        #expect(c.outcome == .ok)
        #expect(c.httpStatus == nil)
        #expect(c.loggedCostUSD == 0.00022500000000000002)
        #expect(c.dedup == DedupClaim(key: GatewayFixtures.key("litellm", "chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f")))
    }

    @Test func spendLogsSampleWithStringMetadata() throws {
        let r = try GatewayFixtures.decode(.litellm, "samples/gateway/litellm-spend-logs.jsonl")
        #expect(r.count == 1)
        #expect(r[0].disposition == .decoded)
        let c = try #require(r[0].llm)
        #expect(c.instantMs == 1_737_710_446_847)
        #expect(c.model == "gpt-4o")
        #expect(c.provider == "openai")
        #expect(c.team == "")
        #expect(c.principal == "")
        #expect(c.session == "1234567890")
        // metadata is a JSON string; its usage_object: prompt 10, completion 20
        #expect(c.inputTokens == 10)
        #expect(c.outputTokens == 20)
        #expect(c.cacheReadTokens == 0)
        #expect(abs(c.latencyMs! - 4.583) < 1e-9)
        #expect(c.ttftMs == nil)
        #expect(c.outcome == .ok)
        #expect(c.loggedCostUSD == 0.00022500000000000002)  // spend
        // attempted_retries is null in the metadata: keyed by request_id
        #expect(c.dedup == DedupClaim(key: GatewayFixtures.key("litellm", "chatcmpl-2283081b-dc89-41f6-93e6-d4f914774027")))
    }

    // MARK: - Cases

    /// Case 04: the `aget_responses` retrieval row repeats the `aresponses` usage and is excluded.
    @Test func case04ResponseRetrievalIsExcluded() throws {
        let r = try GatewayFixtures.decode(.litellm, "cases-gateway/04-response-retrieval-rows/litellm/spend_logs/2025-12-10.jsonl")
        #expect(r.count == 2)
        #expect(r[0].batch.llmCalls.count == 1)
        #expect(r[0].batch.excluded == 0)
        #expect(r[1].batch.llmCalls.isEmpty)
        #expect(r[1].batch.excluded == 1)
        let c = try #require(r[0].llm)
        #expect(c.instantMs == 1_765_370_855_118)  // 2025-12-10 12:47:35.118204 UTC
        #expect(c.model == "claude-sonnet-4-5")
        #expect(c.provider == "anthropic")
        #expect(c.team == "support")  // user_api_key_team_alias
        #expect(c.principal == "docs-assistant")  // user_api_key_alias
        // usage_object: prompt 121 (cached 0, reads 0, writes 0) → input 121; output 400
        #expect(c.inputTokens == 121)
        #expect(c.outputTokens == 400)
        #expect(c.totalTokens == 521)
        #expect(c.loggedCostUSD == 0.006363)
        // 41.902311 − 35.118204 s = 6.784107 s
        #expect(abs(c.latencyMs! - 6784.107) < 1e-6)
        #expect(c.ttftMs == nil)
    }

    /// Case 05: three router attempts share `session_id` and carry `attempted_retries` 0, 1, 2:
    /// one key `hash("litellm-trace", session_id)`, ranks 0, 1, 2; the last attempt (success,
    /// 1 000 in / 100 out) wins in Analyze.
    @Test func case05RouterRetriesShareOneKey() throws {
        let r = try GatewayFixtures.decode(.litellm, "cases-gateway/05-router-retries/litellm/spend_logs/2026-09-03.jsonl")
        let calls = r.compactMap(\.llm)
        #expect(calls.count == 3)
        let key = GatewayFixtures.key("litellm-trace", "94aa3bff-595f-46ff-9761-1f4ee0cb1e6b")
        #expect(calls.map(\.dedup) == [0, 1, 2].map { DedupClaim(key: key, rank: $0) })
        // attempts 1 and 2: HTTP 503, no usage
        for c in calls[0..<2] {
            #expect(c.outcome == .error)
            #expect(c.httpStatus == 503)
            #expect(c.errorType == "ServiceUnavailableError")
            #expect(c.totalTokens == 0)
            #expect(c.latencyMs == 350)  // 11.470451 − 11.120451 s
        }
        let last = calls[2]
        #expect(last.outcome == .ok)
        #expect(last.httpStatus == nil)
        #expect(last.instantMs == 1_788_444_134_320)  // 2026-09-03T14:02:14.320451+00:00
        #expect(last.inputTokens == 1000)
        #expect(last.outputTokens == 100)
        #expect(last.loggedCostUSD == 0.00225)
        #expect(last.latencyMs == 3900)  // 18.220451 − 14.320451 s
        #expect(last.team == "platform")
        #expect(last.principal == "ci-bot")
        #expect(r.allSatisfy { $0.batch.permissions.isEmpty })  // 503 is no denial
    }

    /// Case 12: ISO-offset timestamps; cached tokens inside prompt_tokens; reasoning inside output.
    @Test func case12CachedInsidePromptAndReasoningInsideOutput() throws {
        let r = try GatewayFixtures.decode(.litellm, "cases-gateway/12-iso-weeks/litellm/spend-export-2026-03.jsonl")
        let c = r.compactMap(\.llm)
        #expect(c.count == 4)
        #expect(c[0].instantMs == 1_766_923_200_504)  // 2025-12-28T12:00:00.504623+00:00
        #expect(c[1].instantMs == 1_767_009_600_687)  // 2025-12-29T12:00:00.687982+00:00
        // row 2: prompt 100 000 incl. cached 80 000 → input 20 000, read 80 000; output 12 500 ⊇ reasoning 2 500
        #expect(c[1].inputTokens == 20_000)
        #expect(c[1].cacheReadTokens == 80_000)
        #expect(c[1].outputTokens == 12_500)
        #expect(c[1].reasoningTokens == 2_500)
        #expect(c[1].totalTokens == 112_500)  // 20 000 + 80 000 + 12 500
        #expect(c[1].loggedCostUSD == 0.16)
        // row 1: 200 000 in (cached 0) + 25 000 out
        #expect(c[0].inputTokens == 200_000)
        #expect(c[0].cacheReadTokens == 0)
        #expect(c[0].totalTokens == 225_000)
        #expect(c.map(\.team) == ["research", "research", "research", "research"])
        #expect(c.map(\.principal) == ["batch-summarizer", "batch-summarizer", "batch-summarizer", "batch-summarizer"])
        #expect(c.allSatisfy { $0.latencyMs == 41_500 })
    }

    /// Case 18: TTFT only when measured; float epoch seconds.
    @Test func case18TTFT() throws {
        let r = try GatewayFixtures.decode(.litellm, "cases-gateway/18-ttft-sources/litellm/logging/2026-06-16.jsonl")
        let c = r.compactMap(\.llm)
        #expect(c.count == 2)
        // t1: start 1781604000.0, end = completionStart = 1781604002.5 → latency 2 500 ms, no TTFT
        #expect(c[0].instantMs == 1_781_604_000_000)
        #expect(c[0].latencyMs == 2500)
        #expect(c[0].ttftMs == nil)
        // t2: start 1781604060.0, first token 1781604060.9, end 1781604064.0 → TTFT 900, latency 4 000
        #expect(c[1].instantMs == 1_781_604_060_000)
        #expect(c[1].ttftMs == 900)
        #expect(c[1].latencyMs == 4000)
        #expect(c[1].inputTokens == 800)
        #expect(c[1].outputTokens == 300)
        #expect(c.map(\.model) == ["gpt-4o", "gpt-4o"])
        #expect(c.map(\.team) == ["support", "support"])
        #expect(c.map(\.principal) == ["support-bot", "support-bot"])
        // trace ids present but no attempted_retries: keyed by id
        #expect(c[0].dedup?.key == GatewayFixtures.key("litellm", "chatcmpl-jeBJ6iNIn1JLu1cVWzcLapX9qbhkW"))
        #expect(c[0].session == "358f1307-e9db-4d18-8175-c8a4d7cbba99")
    }

    /// Case 20: team "0042" stays text; a non-ASCII key alias is kept as is.
    @Test func case20TeamAndUnicodePrincipal() throws {
        let r = try GatewayFixtures.decode(.litellm, "cases-gateway/20-spreadsheet-safety/litellm/spend_logs/2026-04-14.jsonl")
        let c = try #require(r.first?.llm)
        #expect(c.team == "0042")
        #expect(c.principal == "Ünïcode-app")
        #expect(c.inputTokens == 2100)
        #expect(c.outputTokens == 400)
        #expect(c.loggedCostUSD == 0.0123)
        #expect(c.instantMs == 1_776_180_612_402)
    }

    // MARK: - Rules on inline rows

    /// BerriAI/litellm#15056: prompt 31 < writes 1 253 → writes are beside the prompt.
    @Test func cacheWritesBesidePrompt() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"id":"a","call_type":"acompletion","startTime":1781604000.0,"endTime":1781604001.0,"model":"claude-sonnet-4-5","custom_llm_provider":"anthropic","metadata":{"usage_object":{"prompt_tokens":31,"completion_tokens":7,"cache_creation_input_tokens":1253,"cache_read_input_tokens":0,"prompt_tokens_details":{"cached_tokens":0}}}}
            """#)
        let c = r.llm!
        #expect(c.inputTokens == 31)
        #expect(c.cacheWrite5mTokens == 1253)
        #expect(c.cacheReadTokens == 0)
        #expect(c.outputTokens == 7)
        #expect(c.totalTokens == 1291)  // 31 + 1 253 + 7
    }

    /// Newer LiteLLM: prompt 2 000 ≥ reads 1 500 + writes 300 → input = 2 000 − 1 500 − 300 = 200.
    @Test func cacheWritesInsidePrompt() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"request_id":"b","call_type":"acompletion","startTime":"2026-01-01T00:00:00+01:00","endTime":"2026-01-01T00:00:02+01:00","model":"claude-sonnet-4-5","prompt_tokens":2000,"completion_tokens":10,"metadata":"{\"usage_object\": {\"prompt_tokens\": 2000, \"completion_tokens\": 10, \"cache_read_input_tokens\": 1500, \"cache_creation_input_tokens\": 300, \"cache_creation\": {\"ephemeral_1h_input_tokens\": 100}}, \"user_api_key_team_alias\": \"t\\u00e9am\"}"}
            """#)
        let c = r.llm!
        #expect(c.instantMs == 1_767_222_000_000)  // 2025-12-31T23:00:00Z
        #expect(c.inputTokens == 200)
        #expect(c.cacheReadTokens == 1500)
        #expect(c.cacheWrite1hTokens == 100)
        #expect(c.cacheWrite5mTokens == 200)  // 300 − 100
        #expect(c.team == "téam")  // \u00e9 inside the escaped metadata string
        #expect(c.latencyMs == 2000)
    }

    @Test func rateLimitIsNotADenial() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"id":"c","call_type":"acompletion","startTime":1781604000,"endTime":1781604000.2,"model":"gpt-4o","status":"failure","error_information":{"error_code":"429","error_class":"RateLimitError"}}
            """#)
        #expect(r.llm?.outcome == .rateLimited)
        #expect(r.llm?.httpStatus == 429)
        #expect(r.batch.permissions.isEmpty)
    }

    @Test(arguments: [
        ("401", "AuthenticationError", PermissionReason.unauthenticated),
        ("403", "PermissionDeniedError", .forbidden),
        ("400", "BudgetExceededError", .budget),
    ])
    func deniedRequests(code: String, errorClass: String, reason: PermissionReason) {
        let r = GatewayFixtures.decodeLine(.litellm, """
            {"id":"d","call_type":"acompletion","startTime":1781604000,"model":"gpt-4o","status":"failure","metadata":{"user_api_key_alias":"k1"},"error_information":{"error_code":"\(code)","error_class":"\(errorClass)"}}
            """)
        #expect(r.llm?.outcome == .denied)
        #expect(r.llm?.errorType == errorClass)
        #expect(r.batch.permissions.count == 1)
        #expect(r.batch.permissions.first?.reason == reason)
        #expect(r.batch.permissions.first?.principal == "k1")
        #expect(r.batch.permissions.first?.subject == "gpt-4o")
        #expect(r.batch.permissions.first?.instantMs == 1_781_604_000_000)
    }

    /// Any intervened guardrail in the list → guardrail denial, not an error.
    @Test func guardrailIntervention() {
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"id":"e","call_type":"acompletion","startTime":1781604000,"model":"gpt-4o","status":"failure","guardrail_information":[{"guardrail_name":"a","guardrail_status":"success"},{"guardrail_name":"pii","guardrail_status":"guardrail_intervened"}],"error_information":{"error_code":"400","error_class":"BadRequestError"}}
            """#)
        #expect(r.llm?.outcome == .denied)
        #expect(r.batch.permissions.map(\.reason) == [.guardrail])
    }

    @Test func principalAndTeamFallbacks() {
        // no alias: user_api_key_user_id; no team alias: team_id
        let r = GatewayFixtures.decodeLine(.litellm, #"""
            {"request_id":"f","call_type":"acompletion","startTime":1781604000,"model":"gpt-4o","team_id":"team-7","end_user":"eu","metadata":{"user_api_key_alias":null,"user_api_key_user_id":"u-1","user_api_key_team_alias":null}}
            """#)
        #expect(r.llm?.team == "team-7")
        #expect(r.llm?.principal == "u-1")
        let s = GatewayFixtures.decodeLine(.litellm, #"""
            {"request_id":"g","call_type":"acompletion","startTime":1781604000,"model":"gpt-4o","end_user":"eu","metadata":{"user_api_key_team_id":"tid"}}
            """#)
        #expect(s.llm?.team == "tid")
        #expect(s.llm?.principal == "eu")
    }
}

@Suite("Gateway support")
struct GatewaySupportTests {
    /// Unescaping a JSON string value: simple escapes, `\u` BMP and surrogate pairs, a lone
    /// surrogate (U+FFFD).
    @Test(arguments: [
        (#""a\"b\\c\/d\n""#, "a\"b\\c/d\n"),
        (#""caf\u00e9 \ud83d\ude00""#, "café 😀"),
        (#""x\ud800y""#, "x\u{FFFD}y"),
        (#""""#, ""),
    ])
    func unescape(json: String, expected: String) {
        var buf: [UInt8] = [1, 2, 3]  // emptied first
        let bytes = Array(json.utf8)
        bytes.withUnsafeBytes { raw in
            guard case .success(let v) = JSONDocument.parse(raw) else { Issue.record("bad JSON"); return }
            GatewaySupport.unescape(v, into: &buf)
        }
        #expect(String(decoding: buf, as: UTF8.self) == expected)
    }

    /// Instants in microseconds: float seconds keep their fraction, naive strings keep µs digits.
    @Test func epochMicros() {
        func us(_ json: String) -> Int64? {
            Array(json.utf8).withUnsafeBytes { raw in
                guard case .success(let v) = JSONDocument.parse(raw) else { return nil }
                return GatewaySupport.epochMicros(v)
            }
        }
        #expect(us("1781604060.9") == 1_781_604_060_900_000)
        #expect(us(#""2025-01-24 09:20:46.847371""#) == 1_737_710_446_847_371)
        #expect(us(#""2026-09-03T14:02:11.120451+00:00""#) == 1_788_444_131_120_451)
        #expect(us(#""2026-09-03T16:02:11.12+02:00""#) == 1_788_444_131_120_000)
        #expect(us("1788444131120") == 1_788_444_131_120_000)  // ms
        #expect(us("null") == nil)
    }

    /// input = prompt − reads − writes when the prompt holds both; − reads when the writes are
    /// beside it; unchanged when the prompt is smaller than the reads (already disjoint).
    @Test func uncachedInput() {
        #expect(GatewaySupport.uncachedInput(prompt: 2000, reads: 1500, writes: 300) == 200)
        #expect(GatewaySupport.uncachedInput(prompt: 31, reads: 0, writes: 1253) == 31)
        #expect(GatewaySupport.uncachedInput(prompt: 1999, reads: 1792, writes: 0) == 207)
        #expect(GatewaySupport.uncachedInput(prompt: 100, reads: 4000, writes: 0) == 100)
    }
}

@Suite("LiteLLM request_tags and end_user")
struct GatewayLiteLLMTagsTests {
    static func row(_ extra: String) -> String {
        #"{"request_id":"r1","call_type":"acompletion","startTime":"2026-03-02 09:00:00.000000","model":"gpt-5","prompt_tokens":10,"completion_tokens":2,"#
            + extra + "}"
    }

    @Test func tagsAsAListAndDoubleEncoded() throws {
        let a = try #require(GatewayFixtures.decodeLine(.litellm, Self.row(#""request_tags":["job:etl","prod","job:etl",""],"end_user":"cust-1""#)).llm)
        #expect(a.tags == ["job:etl", "prod"])  // each once, empty tags dropped, record order
        #expect(a.endUser == "cust-1")
        // end_user stays the principal's last fallback, as before
        #expect(a.principal == "cust-1")

        // SpendLogs via pub/sub: request_tags is the JSON text of the list (GATEWAYS.md §1b quirk 1)
        let b = try #require(GatewayFixtures.decodeLine(.litellm, Self.row(#""request_tags":"[\"team:search\", \"batch\"]","end_user":"""#)).llm)
        #expect(b.tags == ["team:search", "batch"])
        #expect(b.endUser == "")

        // metadata.user_api_key_end_user_id when end_user is empty
        let c = try #require(GatewayFixtures.decodeLine(.litellm, Self.row(#""request_tags":[],"end_user":"","metadata":{"user_api_key_alias":"k","user_api_key_end_user_id":"cust-9"}"#)).llm)
        #expect(c.tags == [])
        #expect(c.endUser == "cust-9")
        #expect(c.principal == "k")

        for none in [#""request_tags":null"#, #""request_tags":"[]""#, #""request_tags":{"a":1}"#, #""x":1"#] {
            let d = try #require(GatewayFixtures.decodeLine(.litellm, Self.row(none)).llm)
            #expect(d.tags == [], "\(none)")
            #expect(d.endUser == "", "\(none)")
        }
    }

    /// The real samples carry `request_tags: []` / `"[]"` and `end_user: ""`.
    @Test func samplesHaveNoTags() throws {
        for f in ["litellm-spend-logs.jsonl", "litellm-standard-logging-payload.jsonl"] {
            for r in try GatewayFixtures.decode(.litellm, "samples/gateway/" + f) {
                #expect(r.llm?.tags == [])
                #expect(r.llm?.endUser == "")
            }
        }
    }

    /// One decoder reuses the tag array of a repeated tag set, and a different set replaces it.
    @Test func repeatedTagSetsAreCached() throws {
        var decoder = LiteLLMDecoder(context: DecoderContext(path: "x.jsonl"))
        var batch = EventBatch()
        for tags in [#"["a","b"]"#, #"["a","b"]"#, #"["c"]"#, #"["a","b"]"#] {
            let bytes = Array(Self.row(#""request_tags":"# + tags).utf8)
            bytes.withUnsafeBytes { raw in
                if case .success(let root) = JSONDocument.parse(raw) { _ = decoder.decode(root, line: 1, into: &batch) }
            }
        }
        #expect(batch.llmCalls.map(\.tags) == [["a", "b"], ["a", "b"], ["c"], ["a", "b"]])
    }
}
