import Foundation
import Testing

@testable import Ingest

@Suite("Gemini CLI chat decoder")
struct AgentGeminiCLITests {
    /// `samples/agent/gemini-cli-chat-fixture.jsonl` (ccusage's fixture, see its SOURCE): a
    /// metadata line and one `gemini` message whose tokens satisfy total = input + output +
    /// thoughts + tool, with cached inside input.
    @Test func sample() throws {
        let d = try AgentHarness.decode(.geminiCLI, "samples/agent/gemini-cli-chat-fixture.jsonl")
        #expect(d.dispositions == [.decoded, .decoded])
        #expect(d.llm.count == 1)
        let c = try #require(d.llm.first)
        #expect(c.instantMs == 1_779_016_052_000)  // 2026-05-17T11:07:32.000Z
        #expect(c.provider == "gemini")
        #expect(c.model == "gemini-3-flash-preview")
        #expect(c.session == "session-a")
        #expect(c.principal == "project-a")  // projectHash
        #expect(c.team == "")
        #expect(c.inputTokens == 3808)  // 15 327 input − 11 526 cached + 7 tool
        #expect(c.cacheReadTokens == 11526)
        #expect(c.outputTokens == 942)  // 23 output + 919 thoughts
        #expect(c.reasoningTokens == 919)
        #expect(c.totalTokens == 16276)  // 3 808 + 11 526 + 942 = the record's total
        #expect(c.latencyMs == nil)
        #expect(c.outcome == .ok)
        #expect(c.dedup?.key == DedupKey.of(strings: ["gemini_cli", "session-a", "msg-a"]))
        #expect(c.dedup?.rank == 16276)
        #expect(d.tools.isEmpty)
        #expect(d.permissions.isEmpty)
    }

    /// A message appended again with its tool calls attached (same id), a `$set`, a user line, a
    /// `$rewindTo`, and the tool statuses.
    @Test func reappendedMessagesAndTools() throws {
        let d = AgentHarness.decode(.geminiCLI, json: [
            #"{"sessionId":"s1","projectHash":"p1","startTime":"2026-06-01T10:00:00.000Z","kind":"main"}"#,
            #"{"id":"u1","timestamp":"2026-06-01T10:00:01.000Z","type":"user","content":"fix it"}"#,
            #"{"id":"m1","timestamp":"2026-06-01T10:00:05.000Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":1000,"output":50,"cached":0,"thoughts":10,"tool":0,"total":1060},"toolCalls":[{"id":"t1","name":"run_shell_command","args":{"command":"ls"},"status":"executing","timestamp":"2026-06-01T10:00:06.000Z"}]}"#,
            #"{"id":"m1","timestamp":"2026-06-01T10:00:05.000Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":1000,"output":50,"cached":0,"thoughts":10,"tool":0,"total":1060},"toolCalls":[{"id":"t1","name":"run_shell_command","args":{"command":"ls"},"status":"success","result":[{"text":"ok"}],"timestamp":"2026-06-01T10:00:06.000Z"},{"id":"t2","name":"write_file","args":{"file_path":"a"},"status":"error","result":"Tool execution denied by policy. rule 3","timestamp":"2026-06-01T10:00:07.000Z"},{"id":"t3","name":"replace","args":{},"status":"cancelled","timestamp":"2026-06-01T10:00:08.000Z"},{"id":"t4","name":"read_file","args":{},"status":"error","result":"File not found","timestamp":"2026-06-01T10:00:09.000Z"}]}"#,
            #"{"$set":{"lastUpdated":"2026-06-01T10:01:00.000Z"}}"#,
            #"{"$rewindTo":"u1"}"#,
        ])
        #expect(d.dispositions == [.decoded, .ignored, .decoded, .decoded, .decoded, .ignored])
        // both copies of m1 carry one key: the pipeline counts one (same rank, the earlier line)
        #expect(d.llm.count == 2)
        #expect(d.llm[0].dedup == d.llm[1].dedup)
        #expect(d.llm[0].inputTokens == 1000)
        #expect(d.llm[0].outputTokens == 60)  // 50 + 10 thoughts
        let tools = d.tools
        #expect(tools.map(\.tool) == ["run_shell_command", "run_shell_command", "write_file", "replace", "read_file"])
        #expect(tools.map(\.outcome) == [.unknown, .ok, .denied, .denied, .error])
        // the copy with its result outranks the one still executing (DedupClaim.tool: 2 + 1 vs 1)
        #expect(tools[0].dedup?.key == tools[1].dedup?.key)
        #expect(tools[0].dedup!.rank < tools[1].dedup!.rank)
        #expect(tools[1].instantMs == 1_780_308_006_000)  // the tool call's timestamp 2026-06-01T10:00:06Z
        #expect(tools[1].argumentsHash == AgentHarness.argumentsHash(#"{"command":"ls"}"#))
        #expect(tools.allSatisfy { $0.session == "s1" && $0.principal == "p1" })
        #expect(d.permissions.map(\.reason) == [.policyRule, .userRejected])
        #expect(d.permissions.map(\.subject) == ["write_file", "replace"])
        #expect(d.permissions[0].dedup?.key == DedupKey.of(strings: ["gemini_cli/permission", "s1", "t2"]))
    }

    /// The legacy one-document session file and the path hint.
    @Test func legacyFileAndPathHint() {
        let d = AgentHarness.decode(.geminiCLI, json: [
            #"{"sessionId":"s2","projectHash":"p2","startTime":"2026-06-01T10:00:00.000Z","lastUpdated":"2026-06-01T10:05:00.000Z","messages":[{"id":"a","timestamp":"2026-06-01T10:00:01.000Z","type":"user","content":"hi"},{"id":"b","timestamp":"2026-06-01T10:00:02.000Z","type":"gemini","model":"gemini-2.5-flash","tokens":{"input":40,"output":5,"cached":30,"thoughts":0,"tool":0,"total":45}}]}"#,
        ])
        #expect(d.llm.count == 1)
        #expect(d.llm.first?.inputTokens == 10)  // 40 − 30 cached
        #expect(d.llm.first?.cacheReadTokens == 30)
        #expect(d.llm.first?.session == "s2")
        #expect(FormatDetector.pathHint("/home/u/.gemini/tmp/abc123/chats/session-2026-06-01T10-00-s2.jsonl") == .geminiCLI)
        #expect(FormatDetector.pathHint("/home/u/.gemini/settings.json") == nil)

        let bad = AgentHarness.decode(.geminiCLI, json: [
            #"{"id":"b","timestamp":"2026-06-01T10:00:02.000Z","type":"gemini","tokens":{"input":-4}}"#,
            #"{"id":"c","type":"gemini","tokens":{"input":4}}"#,
        ])
        // a negative count rejects the line; a message without a timestamp takes the last instant
        #expect(bad.dispositions == [.undecodable, .decoded])
        #expect(bad.llm.first?.instantMs == 1_780_308_002_000)  // 2026-06-01T10:00:02Z
        #expect(bad.perLine[1].inferredInstants == 1)
        let none = AgentHarness.decode(.geminiCLI, json: [#"{"id":"c","type":"gemini","tokens":{"input":4}}"#])
        #expect(none.dispositions == [.undecodable])  // no instant at all
    }
}
