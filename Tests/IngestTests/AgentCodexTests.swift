import Foundation
import Testing

@testable import Ingest

/// The `codex` decoder on the samples (`Fixtures/samples/agent/`), the case inputs and inline
/// rollouts for the token-accounting quirks of `formats/AGENTS.md` §2.5 and the denials of §2.4.
@Suite("codex decoder")
struct AgentCodexTests {
    @Test("codex-rollout-fixture: tool calls joined by call_id; usage = increase of total_token_usage")
    func fixture() throws {
        let d = try AgentHarness.decode(.codex, "samples/agent/codex-rollout-fixture.jsonl")
        #expect(d.dispositions == [
            .decoded, .decoded, .ignored, .ignored, .ignored, .decoded, .decoded,  // 1–7
            .decoded, .decoded, .decoded, .decoded, .ignored, .ignored, .ignored,  // 8–14 (14: unknown type)
            .decoded, .decoded, .ignored, .decoded, .decoded, .decoded, .decoded,  // 15–21
        ])
        let t = d.tools
        try #require(t.count == 4)
        #expect(t.map(\.tool) == ["exec_command", "apply_patch", "synthetic/lookup", "spawn_agent"])
        #expect(t.allSatisfy { $0.outcome == .ok })
        #expect(t.map(\.instantMs) == [1_767_323_049_000, 1_767_323_051_000, 1_767_323_053_000, 1_767_413_108_000])
        #expect(t.map(\.durationMs) == [1000, 1000, 1000, 2000])  // result − request timestamps
        #expect(t[0].endMs == 1_767_323_050_000)
        #expect(t[0].argumentsHash == AgentHarness.argumentsHash(#""{\"cmd\":\"find . -maxdepth 1 -type f\"}""#))
        #expect(t[0].session == "11111111-1111-4111-8111-111111111111")
        #expect(t[3].session == "22222222-2222-4222-8222-222222222222")  // line 15 starts a new session
        #expect(t.allSatisfy { $0.principal == "synthetic-project" })
        #expect(d.permissions.isEmpty)

        let llm = d.llm
        try #require(llm.count == 2)
        // line 20: first snapshot of session 2222…: increase from 0 = the total itself
        // input 1000 − cached 250 = 750; cache read 250; output 125 incl. reasoning 75
        let a = llm[0]
        #expect(a.instantMs == 1_778_662_860_000)  // 2026-05-13T09:01:00Z
        #expect(a.provider == "openai")
        #expect(a.model == "gpt-5.2-codex")
        #expect(a.session == "22222222-2222-4222-8222-222222222222")
        #expect(a.principal == "synthetic-project")
        #expect(a.team == "")
        #expect(a.dedup == nil)
        #expect(a.inputTokens == 750)
        #expect(a.cacheReadTokens == 250)
        #expect(a.cacheWriteTokens == 0)
        #expect(a.outputTokens == 125)
        #expect(a.reasoningTokens == 75)
        #expect(a.totalTokens == 1125)  // 750 + 250 + 125 = input 1000 + output 125 (the synthetic total_tokens 1200 is not summed)
        // line 21: increase 4200 − 1200; input 3500 − 1000 = 2500 of which cached 750 − 250 = 500
        let b = llm[1]
        #expect(b.instantMs == 1_778_752_800_000)  // 2026-05-14T10:00:00Z
        #expect(b.model == "gpt-5.3-codex")  // info.model of that event
        #expect(b.inputTokens == 2000)
        #expect(b.cacheReadTokens == 500)
        #expect(b.outputTokens == 300)  // 425 − 125
        #expect(b.reasoningTokens == 200)  // 275 − 75
    }

    @Test("codex-rollout-token-count: one snapshot, counted from zero with cached inside input")
    func tokenCount() throws {
        let d = try AgentHarness.decode(.codex, "samples/agent/codex-rollout-token-count.jsonl")
        let c = try #require(d.llm.first)
        #expect(d.llm.count == 1)
        #expect(c.instantMs == 1_760_680_460_209)  // 2025-10-17T05:54:20.209Z
        #expect(c.inputTokens == 4277)  // 26 549 − 22 272
        #expect(c.cacheReadTokens == 22272)
        #expect(c.outputTokens == 1590)
        #expect(c.reasoningTokens == 1152)
        #expect(c.totalTokens == 28139)  // = total_tokens 26 549 + 1 590
        #expect(c.model == "")  // no turn_context and no info.model: no guess
        #expect(c.session == "" && c.principal == "")
    }

    @Test("cases 08/09: input 2 000, cache read 8 000, output 500 incl. reasoning 200")
    func cases0809() throws {
        for (file, principal, session) in [
            ("cases-agent/08-codex-cached-subset/rollout-2026-09-09T09-59-58-019942c8-c629-7656-8a63-62d3ac61e1ba.jsonl", "billing-api", "019942c8-c629-7656-8a63-62d3ac61e1ba"),
            ("cases-agent/09-codex-reasoning-in-output/rollout-2026-09-09T09-59-58-019987ee-137f-7927-8e8d-59a250a645ce.jsonl", "notifier", "019987ee-137f-7927-8e8d-59a250a645ce"),
        ] {
            let d = try AgentHarness.decode(.codex, file)
            let c = try #require(d.llm.first)
            #expect(d.llm.count == 1)
            #expect(c.instantMs == 1_788_948_005_000)  // 2026-09-09T10:00:05Z
            #expect(c.model == "gpt-5")
            #expect(c.principal == principal)
            #expect(c.session == session)
            #expect(c.inputTokens == 2000)  // 10 000 − 8 000 cached
            #expect(c.cacheReadTokens == 8000)
            #expect(c.outputTokens == 500)  // reasoning already inside
            #expect(c.reasoningTokens == 200)
            #expect(c.totalTokens == 10500)  // 2 000 + 8 000 + 500
        }
    }

    static let meta = #"{"timestamp":"2026-09-09T09:00:00.000Z","type":"session_meta","payload":{"id":"s-1","cwd":"/home/dev/app","source":"cli"}}"#
    static let context = #"{"timestamp":"2026-09-09T09:00:00.500Z","type":"turn_context","payload":{"cwd":"/home/dev/app","model":"gpt-5"}}"#

    static func tokens(_ at: String, input: Int, cached: Int, output: Int, reasoning: Int = 0, last: String = "") -> String {
        let total = input + output
        return #"{"timestamp":"\#(at)","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":\#(input),"cached_input_tokens":\#(cached),"output_tokens":\#(output),"reasoning_output_tokens":\#(reasoning),"total_tokens":\#(total)}\#(last)},"rate_limits":null}}"#
    }

    @Test("an unchanged repeated snapshot adds nothing; a decrease counts last_token_usage")
    func repeatedAndReset() throws {
        let d = AgentHarness.decode(.codex, json: [
            Self.meta, Self.context,
            Self.tokens("2026-09-09T09:01:00.000Z", input: 1000, cached: 400, output: 100),
            Self.tokens("2026-09-09T09:01:01.000Z", input: 1000, cached: 400, output: 100),  // UI refresh
            Self.tokens("2026-09-09T09:02:00.000Z", input: 1500, cached: 900, output: 150),
            // reset (total 60 < 1 650): the event's own last usage is the call
            Self.tokens("2026-09-09T09:03:00.000Z", input: 50, cached: 0, output: 10,
                        last: #","last_token_usage":{"input_tokens":50,"cached_input_tokens":0,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":60}"#),
            Self.tokens("2026-09-09T09:04:00.000Z", input: 80, cached: 20, output: 30),
        ])
        let llm = d.llm
        try #require(llm.count == 4)
        #expect(llm.map(\.inputTokens) == [600, 0, 50, 10])  // 1000−400; (500)−(500); 50; (30)−(20)
        #expect(llm.map(\.cacheReadTokens) == [400, 500, 0, 20])
        #expect(llm.map(\.outputTokens) == [100, 50, 10, 20])
        #expect(llm.allSatisfy { $0.model == "gpt-5" && $0.principal == "app" && $0.session == "s-1" })
    }

    @Test("a forked session's replayed history (written back to back after session_meta) adds nothing")
    func forkReplay() throws {
        let parent = #"{"timestamp":"2026-09-09T09:00:00.000Z","type":"session_meta","payload":{"id":"parent","cwd":"/home/dev/app"}}"#
        let d = AgentHarness.decode(.codex, json: [
            Self.meta, parent, Self.context,  // two session_meta lines first: child, then parent
            Self.tokens("2026-09-09T09:00:01.100Z", input: 1000, cached: 0, output: 100),
            Self.tokens("2026-09-09T09:00:01.200Z", input: 5000, cached: 0, output: 400),
            Self.tokens("2026-09-09T09:00:01.900Z", input: 9000, cached: 1000, output: 900),
            Self.tokens("2026-09-09T09:00:07.000Z", input: 9300, cached: 1200, output: 950),
        ])
        let llm = d.llm
        try #require(llm.count == 1)
        #expect(llm[0].session == "s-1")  // the child's id
        #expect(llm[0].inputTokens == 100)  // (9300 − 9000) − (1200 − 1000)
        #expect(llm[0].cacheReadTokens == 200)
        #expect(llm[0].outputTokens == 50)

        // the same burst without fork markers counts every increase
        let plain = AgentHarness.decode(.codex, json: [
            Self.meta, Self.context,
            Self.tokens("2026-09-09T09:00:01.100Z", input: 1000, cached: 0, output: 100),
            Self.tokens("2026-09-09T09:00:01.200Z", input: 5000, cached: 0, output: 400),
        ])
        #expect(plain.llm.count == 2)

        // forked_from_id marks a fork too
        let forked = #"{"timestamp":"2026-09-09T09:00:00.000Z","type":"session_meta","payload":{"id":"c","cwd":"/x/app","forked_from_id":"p"}}"#
        let f = AgentHarness.decode(.codex, json: [
            forked,
            // the replay is written right after the session_meta line (0.1 s), the child's own
            // call 1.9 s later
            Self.tokens("2026-09-09T09:00:00.100Z", input: 1000, cached: 0, output: 100),
            Self.tokens("2026-09-09T09:00:02.000Z", input: 1100, cached: 0, output: 110),
        ])
        #expect(f.llm.map(\.inputTokens) == [100])
    }

    static func call(_ id: String, name: String = "shell", at: String = "2026-09-09T09:01:00.000Z") -> String {
        #"{"timestamp":"\#(at)","type":"response_item","payload":{"type":"function_call","name":"\#(name)","arguments":"{\"command\":[\"make\",\"test\"]}","call_id":"\#(id)"}}"#
    }

    static func output(_ id: String, _ output: String, at: String = "2026-09-09T09:01:03.000Z") -> String {
        #"{"timestamp":"\#(at)","type":"response_item","payload":{"type":"function_call_output","call_id":"\#(id)","output":\#(output)}}"#
    }

    @Test("exit codes, recorded durations, denial strings (§2.4)")
    func toolOutcomes() throws {
        let d = AgentHarness.decode(.codex, json: [
            Self.meta,
            Self.call("c1"), Self.output("c1", #""Exit code: 2\nWall time: 1.5 seconds\nOutput:\nFAIL""#),
            Self.call("c2"), Self.output("c2", #""Exit code: 0\nWall time: 0.25 seconds\nOutput:\nok""#),
            Self.call("c3"), Self.output("c3", #""{\"output\":\"boom\\n\",\"metadata\":{\"exit_code\":1,\"duration_seconds\":0.4}}""#),
            Self.call("c4"), Self.output("c4", #""exec command rejected by user""#),
            Self.call("c5"), Self.output("c5", #""sandbox denied exec error""#),
            Self.call("c6"), Self.output("c6", #""Command blocked by PreToolUse hook: no rm. Command: rm -rf /""#),
            Self.call("c7"), Self.output("c7", #""approval required by policy, but AskForApproval is set to Never""#),
            Self.call("c8", name: "mcp__github__create_issue"),
            Self.call("c9"),
            #"{"timestamp":"2026-09-09T09:01:02.000Z","type":"event_msg","payload":{"type":"exec_command_end","call_id":"c9","exit_code":0,"duration":{"secs":2,"nanos":500000000},"status":"declined"}}"#,
            Self.output("c9", #""exec command rejected by user""#),  // same call: the first result won
            Self.call("c10"),
        ])
        let t = d.tools
        try #require(t.count == 10)
        #expect(t.map(\.outcome) == [.error, .ok, .error, .denied, .denied, .denied, .denied, .denied, .unknown, .unknown])
        // order: resolved in line order (c1…c7, c9), then the waiting ones (c8, c10)
        #expect(t[7].durationMs == 2500)  // duration {secs 2, nanos 5e8}
        #expect(t[8].tool == "github/create_issue")
        #expect(t[0].durationMs == 1500)  // Wall time 1.5 s
        #expect(t[1].durationMs == 250)
        #expect(t[2].durationMs == 400)  // metadata.duration_seconds 0.4
        #expect(t[3].durationMs == 3000)  // nothing recorded: 09:01:03 − 09:01:00
        #expect(d.permissions.map(\.reason) == [.userRejected, .sandbox, .hook, .policyRule, .userRejected])
        #expect(d.permissions.allSatisfy { $0.subject == "shell" && $0.principal == "app" })
        #expect(t[0].argumentsHash == t[1].argumentsHash)
    }

    @Test("turn_aborted cancels the calls still waiting")
    func aborted() throws {
        let d = AgentHarness.decode(.codex, json: [
            Self.meta, Self.call("c1"),
            #"{"timestamp":"2026-09-09T09:01:04.000Z","type":"event_msg","payload":{"type":"turn_aborted","reason":"interrupted"}}"#,
        ])
        try #require(d.tools.count == 1)
        #expect(d.tools[0].outcome == .cancelled)
        #expect(d.tools[0].durationMs == 4000)
    }
}

@Suite("agent format detection")
struct AgentDetectionTests {
    @Test("every agent sample line is claimed by its decoder and not by the other")
    func agentSamples() throws {
        for name in ["claude-code-transcript", "claude-code-fixture", "claude-code-denials", "claude-code-sdk-result"] {
            for (i, line) in try AgentHarness.lines("samples/agent/\(name).jsonl").enumerated() {
                #expect(AgentHarness.detects(.claudeCode, line), "\(name) line \(i + 1)")
                #expect(!AgentHarness.detects(.codex, line), "\(name) line \(i + 1)")
            }
        }
        for name in ["codex-rollout-fixture", "codex-rollout-token-count"] {
            for (i, line) in try AgentHarness.lines("samples/agent/\(name).jsonl").enumerated() {
                let isUnknownType = name == "codex-rollout-fixture" && i + 1 == 14  // future_synthetic_record
                #expect(AgentHarness.detects(.codex, line) == !isUnknownType, "\(name) line \(i + 1)")
                #expect(!AgentHarness.detects(.claudeCode, line), "\(name) line \(i + 1)")
            }
        }
    }

    @Test("the Gemini chat sample is claimed by the Gemini decoder alone")
    func gemini() throws {
        for line in try AgentHarness.lines("samples/agent/gemini-cli-chat-fixture.jsonl") {
            for f in LogFormat.allCases {
                #expect(AgentHarness.detects(f, line) == (f == .geminiCLI), "\(f.rawValue)")
            }
        }
    }

    @Test("gateway sample lines are not claimed by the agent decoders")
    func gatewaySamples() throws {
        let dir = AgentHarness.url("samples/gateway")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }
        #expect(files.count >= 10)
        for f in files {
            for line in try AgentHarness.lines("samples/gateway/\(f)") {
                #expect(!AgentHarness.detects(.claudeCode, line), "\(f)")
                #expect(!AgentHarness.detects(.codex, line), "\(f)")
            }
        }
    }
}
