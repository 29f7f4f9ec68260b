import Foundation
import Testing

@testable import Ingest

/// The `claude_code` decoder on the real/synthetic samples (`Fixtures/samples/agent/`) and inline
/// records for every denial form of `formats/AGENTS.md` §1.4.
@Suite("claude_code decoder: samples")
struct AgentClaudeCodeSampleTests {
    static let sidechainRank: Int64 = 0
    static let mainRank: Int64 = 1 << 40

    @Test("claude-code-transcript: two sidechain llm_calls with the 5m/1h split, a Glob call with no result")
    func transcript() throws {
        let d = try AgentHarness.decode(.claudeCode, "samples/agent/claude-code-transcript.jsonl")
        #expect(d.dispositions == [.decoded, .ignored, .decoded])
        let llm = d.llm
        try #require(llm.count == 2)

        let a = llm[0]
        #expect(a.instantMs == 1_763_873_623_058)  // 2025-11-23T04:53:43.058Z
        #expect(a.provider == "anthropic")
        #expect(a.model == "claude-sonnet-4-5-20250929")
        #expect(a.team == "")
        #expect(a.principal == "agent-dash")  // cwd /home/example/agent-dash
        #expect(a.session == "19f5b1dc-60b2-4190-9484-0327449d379d")
        #expect(a.inputTokens == 3)
        #expect(a.cacheReadTokens == 0)
        #expect(a.cacheWrite5mTokens == 21896)  // ephemeral_5m_input_tokens
        #expect(a.cacheWrite1hTokens == 0)
        #expect(a.outputTokens == 271)
        #expect(a.reasoningTokens == 0)
        #expect(a.totalTokens == 22170)  // 3 + 0 + 21896 + 271
        #expect(a.loggedCostUSD == nil)
        #expect(a.outcome == .ok)
        let ca = try #require(a.dedup)
        #expect(ca.key == DedupKey.of(strings: ["claude_code", "msg_01DLR6cAneJvrPvkp7xyLYJ6", "req_011CVQDuEUy86c4t9S1dcwJi"]))
        #expect(ca.messageKey == DedupKey.of(strings: ["claude_code/message", "msg_01DLR6cAneJvrPvkp7xyLYJ6"]))
        #expect(ca.isSidechain)  // "isSidechain": true
        #expect(ca.rank == Self.sidechainRank + 22170)

        let b = llm[1]
        #expect(b.instantMs == 1_763_873_716_213)  // 2025-11-23T04:55:16.213Z
        #expect(b.inputTokens == 5)
        #expect(b.cacheReadTokens == 60996)
        #expect(b.cacheWrite5mTokens == 6738)
        #expect(b.cacheWrite1hTokens == 0)
        #expect(b.outputTokens == 2753)
        #expect(b.totalTokens == 70492)  // 5 + 60996 + 6738 + 2753
        let cb = try #require(b.dedup)
        #expect(cb.key == DedupKey.of(strings: ["claude_code", "msg_01THMooD6dbed9HQg5ym62PE", "req_011CVQDxBavL5Rtn8nq2e2fH"]))
        #expect(cb.key != ca.key)
        #expect(cb.rank == Self.sidechainRank + 70492)

        // Line 2's result names toolu_018MS6…, not line 1's toolu_01BKdV…: the Glob call stays
        // without a result (unknown) and the orphan result adds nothing.
        let tools = d.tools
        try #require(tools.count == 1)
        #expect(tools[0].tool == "Glob")
        #expect(tools[0].outcome == .unknown)
        #expect(tools[0].instantMs == 1_763_873_623_058)
        #expect(tools[0].endMs == nil)
        #expect(tools[0].durationMs == nil)
        #expect(tools[0].principal == "agent-dash")
        #expect(tools[0].session == "19f5b1dc-60b2-4190-9484-0327449d379d")
        #expect(tools[0].argumentsHash == AgentHarness.argumentsHash(#"{"pattern":"**/*.svelte","path":"/home/example/agent-dash/frontend"}"#))
        #expect(d.permissions.isEmpty)
    }

    @Test("a file under subagents/ is a sidechain copy even without isSidechain")
    func subagentPath() throws {
        let line = #"{"type":"assistant","timestamp":"2026-04-01T10:00:00.000Z","sessionId":"s1","cwd":"/w/app","isSidechain":false,"requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5}}}"#
        let side = AgentHarness.decode(.claudeCode, json: [line], path: "/p/-w-app/s1/subagents/agent-1.jsonl").llm
        let main = AgentHarness.decode(.claudeCode, json: [line], path: "/p/-w-app/s1.jsonl").llm
        try #require(side.count == 1 && main.count == 1)
        #expect(side[0].dedup?.isSidechain == true)
        #expect(side[0].dedup?.rank == 15)  // 0 + 10 + 5
        #expect(main[0].dedup?.isSidechain == false)
        #expect(main[0].dedup?.rank == Int64(1 << 40) + 15)
        #expect(side[0].dedup?.key == main[0].dedup?.key)
        #expect(side[0].dedup?.messageKey == main[0].dedup?.messageKey)
    }

    @Test("claude-code-fixture: Agent calls with a recorded <usage> duration, an MCP name, legacy costUSD")
    func fixture() throws {
        let d = try AgentHarness.decode(.claudeCode, "samples/agent/claude-code-fixture.jsonl")
        #expect(d.dispositions == [.decoded, .decoded, .decoded, .decoded])
        let llm = d.llm
        try #require(llm.count == 3)
        let session = "55550000-0000-4000-8000-000000000001"

        #expect(llm[0].instantMs == 1_781_517_608_000)  // 2026-06-15T10:00:08Z
        #expect(llm[0].model == "claude-haiku-4-5-20251001")
        #expect(llm[0].principal == "example-app")
        #expect(llm[0].session == session)
        #expect(llm[0].inputTokens == 120)
        #expect(llm[0].outputTokens == 40)
        #expect(llm[0].cacheWriteTokens == 0 && llm[0].cacheReadTokens == 0)
        // no requestId: key (sessionId, message.id)
        #expect(llm[0].dedup?.key == DedupKey.of(strings: ["claude_code/session", session, "msg_sc-a4"]))
        #expect(llm[0].dedup?.isSidechain == false)
        #expect(llm[0].dedup?.rank == Int64(1 << 40) + 160)  // 120 + 40

        #expect(llm[1].instantMs == 1_781_517_604_000)  // 2026-06-15T10:00:04Z
        #expect(llm[1].dedup?.key == DedupKey.of(strings: ["claude_code/session", session, "msg_sc-a2"]))

        // line 4: no "type", legacy costUSD and speed "fast"; model as logged, no cwd → no principal
        let c = llm[2]
        #expect(c.instantMs == 1_767_961_800_000)  // 2026-01-09T12:30:00Z
        #expect(c.model == "claude-opus-4-20250514")
        #expect(c.session == "session-alpha")
        #expect(c.principal == "")
        #expect(c.inputTokens == 200)
        #expect(c.outputTokens == 75)
        #expect(c.cacheWrite5mTokens == 50)  // no split: all 5-minute
        #expect(c.cacheWrite1hTokens == 0)
        #expect(c.cacheReadTokens == 20)
        #expect(c.totalTokens == 345)  // 200 + 75 + 50 + 20
        #expect(c.loggedCostUSD == 0.34)
        #expect(c.dedup?.key == DedupKey.of(strings: ["claude_code", "msg-alpha-2", "req-alpha-2"]))

        let tools = d.tools
        try #require(tools.count == 3)
        // line 2 answers toolu_sc_showcol1: ok, duration from "<usage>… duration_ms: 4200" (the
        // timestamps alone would give 10:00:09 − 10:00:08 = 1000 ms)
        #expect(tools[0].tool == "Agent")
        #expect(tools[0].outcome == .ok)
        #expect(tools[0].instantMs == 1_781_517_608_000)
        #expect(tools[0].endMs == 1_781_517_609_000)
        #expect(tools[0].durationMs == 4200)
        #expect(tools[0].argumentsHash == AgentHarness.argumentsHash(
            #"{"description":"Survey the web module","subagent_type":"general-purpose","prompt":"Survey src/web and report its layout, with a screenshot."}"#))
        // flushed at the end in request order: the second Agent call, then the MCP call
        #expect(tools[1].tool == "Agent")
        #expect(tools[1].outcome == .unknown)
        #expect(tools[1].instantMs == 1_781_517_608_000)
        #expect(tools[1].argumentsHash != tools[0].argumentsHash)
        #expect(tools[2].tool == "plugin_showcase_example/refresh_search_index")
        #expect(tools[2].outcome == .unknown)
        #expect(tools[2].instantMs == 1_781_517_604_000)
        #expect(tools[2].argumentsHash == AgentHarness.argumentsHash("{}"))
        #expect(d.permissions.isEmpty)
    }

    @Test("claude-code-denials: line 2 a user rejection, line 6 (hook reason text only) a tool error")
    func denials() throws {
        let d = try AgentHarness.decode(.claudeCode, "samples/agent/claude-code-denials.jsonl")
        #expect(d.dispositions == [.decoded, .decoded, .decoded, .ignored, .decoded, .decoded])
        #expect(d.llm.isEmpty)  // no usage on these partial records
        #expect(d.tail.toolCalls.isEmpty)
        let tools = d.tools
        try #require(tools.count == 2)
        #expect(tools[0].tool == "AskUserQuestion")
        #expect(tools[0].outcome == .denied)
        #expect(tools[0].instantMs == 1_785_553_566_370)  // 03:06:06.370Z
        #expect(tools[0].endMs == 1_785_553_580_692)  // 03:06:20.692Z
        #expect(tools[0].durationMs == 14_322)  // 20.692 − 6.370 s
        #expect(tools[0].principal == "")  // the published records omit cwd/sessionId
        #expect(tools[1].tool == "AskUserQuestion")
        #expect(tools[1].outcome == .error)
        #expect(tools[1].durationMs == 275)  // 14.105 − 13.830 s
        #expect(d.perLine[1].permissions.count == 1)
        let p = try #require(d.permissions.first)
        #expect(d.permissions.count == 1)
        #expect(p.reason == .userRejected)
        #expect(p.subject == "AskUserQuestion")
        #expect(p.instantMs == 1_785_553_566_370)
    }

    @Test("claude-code-sdk-result: a headless summary adds no llm_call")
    func sdkResult() throws {
        let lines = try AgentHarness.lines("samples/agent/claude-code-sdk-result.jsonl")
        #expect(AgentHarness.detects(.claudeCode, lines[0]))
        let d = AgentHarness.decode(.claudeCode, lines: lines, path: "result.json")
        #expect(d.dispositions == [.ignored])
        #expect(d.llm.isEmpty && d.tools.isEmpty && d.permissions.isEmpty)
    }
}

@Suite("claude_code decoder: denial forms and edge records")
struct AgentClaudeCodeDenialTests {
    static func use(_ name: String = "Bash", id: String = "toolu_1", at: String = "2026-06-30T10:00:00.000Z") -> String {
        #"{"type":"assistant","timestamp":"\#(at)","sessionId":"s1","cwd":"/home/dev/api","message":{"content":[{"type":"tool_use","id":"\#(id)","name":"\#(name)","input":{"command":"rm -rf build"}}]}}"#
    }

    static func result(_ content: String, isError: Bool = true, extra: String = "", id: String = "toolu_1") -> String {
        #"{"type":"user","timestamp":"2026-06-30T10:00:02.000Z","sessionId":"s1","cwd":"/home/dev/api","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(id)","content":\#(content),"is_error":\#(isError)}]}\#(extra)}"#
    }

    static func outcome(_ resultLine: String, tool: String = "Bash") -> (ToolCall?, [PermissionDecision]) {
        let d = AgentHarness.decode(.claudeCode, json: [use(tool), resultLine])
        return (d.tools.first, d.permissions)
    }

    @Test(
        "text markers of §1.4 (prefix, is_error true) give the matching reason",
        arguments: [
            (#""The user doesn't want to take this action right now. STOP what you are doing and wait for the user to tell you how to proceed.""#, PermissionReason.userRejected),
            (#""Permission to use Bash with command rm -rf build has been denied.""#, .policyRule),
            (#""Permission to use Bash has been denied because Claude Code is running in don't ask mode. IMPORTANT: You *may* attempt …""#, .policyRule),
            (#""Claude requested permissions to use Bash, but you haven't granted it yet.""#, .policyRule),
            (#""Error: Permission for this action was denied by the Claude Code auto mode classifier. Reason: [Destructive]. …""#, .classifier),
            (#""Hook PreToolUse:Bash denied this tool""#, .hook),
            (#""PreToolUse:Bash hook error: [./guard.sh]: blocked""#, .hook),
            (#""PreToolUse hook did not respond before its timeout (10s). The tool call was not executed; …""#, .hook),
            (#""This Bash command contains multiple operations. The following part requires approval: rm -rf build""#, .policyRule),
            (#"[{"type":"text","text":"This command requires approval"}]"#, .policyRule),
        ])
    func markers(content: String, reason: PermissionReason) throws {
        let (call, perms) = Self.outcome(Self.result(content))
        let c = try #require(call)
        #expect(c.outcome == .denied)
        #expect(c.durationMs == 2000)  // 10:00:02 − 10:00:00
        try #require(perms.count == 1)
        #expect(perms[0].reason == reason)
        #expect(perms[0].subject == "Bash")
        #expect(perms[0].principal == "api")
        #expect(perms[0].instantMs == c.instantMs)
    }

    @Test("toolDenialKind and permissionDecision come first")
    func structuredFields() throws {
        let cases: [(String, PermissionReason)] = [
            (#","toolUseResult":"Error: blocked","toolDenialKind":"automode-blocked""#, .classifier),
            (#","toolDenialKind":"permission-rule""#, .policyRule),
            (#","toolDenialKind":"user-rejected""#, .userRejected),
            (#","permissionDecision":{"decision":"reject","source":"hook","reasonType":"hook"}"#, .hook),
            (#","permissionDecision":{"decision":"reject","source":"config","reasonType":"rule"}"#, .policyRule),
            (#","permissionDecision":{"decision":"reject","source":"user_temporary"}"#, .userRejected),
        ]
        for (extra, reason) in cases {
            let (call, perms) = Self.outcome(Self.result(#""blocked""#, extra: extra))
            #expect(call?.outcome == .denied, "\(extra)")
            #expect(perms.map(\.reason) == [reason], "\(extra)")
        }
        // an accepted decision is no denial
        let (ok, none) = Self.outcome(Self.result(#""done""#, isError: false, extra: #","permissionDecision":{"decision":"accept","source":"config"}"#))
        #expect(ok?.outcome == .ok)
        #expect(none.isEmpty)
    }

    @Test("errors, non-error look-alikes, interrupts")
    func errorsAndLookalikes() throws {
        // <tool_use_error> is a tool error, not a denial
        var (c, p) = Self.outcome(Self.result(#""<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>""#))
        #expect(c?.outcome == .error)
        #expect(p.isEmpty)
        // the marker text without is_error (e.g. grep output) is a success
        (c, p) = Self.outcome(Self.result(#""Permission to use Bash with command x has been denied.""#, isError: false))
        #expect(c?.outcome == .ok)
        #expect(p.isEmpty)
        // the marker only counts as a prefix
        (c, p) = Self.outcome(Self.result(#""grep: log says: Permission to use Bash has been denied""#))
        #expect(c?.outcome == .error)
        #expect(p.isEmpty)
        // an interrupted Bash result
        (c, p) = Self.outcome(Self.result(#""partial output""#, isError: false, extra: #","toolUseResult":{"stdout":"","stderr":"","interrupted":true,"isImage":false}"#))
        #expect(c?.outcome == .cancelled)
        #expect(p.isEmpty)

        // a pending call followed by "[Request interrupted by user]" and no result: cancelled at
        // the interrupt (10:00:05 − 10:00:00 = 5000 ms); a later call with no result: unknown
        let d = AgentHarness.decode(.claudeCode, json: [
            Self.use("Bash", id: "toolu_a"),
            #"{"type":"user","timestamp":"2026-06-30T10:00:05.000Z","sessionId":"s1","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]}}"#,
            Self.use("Read", id: "toolu_b", at: "2026-06-30T10:00:09.000Z"),
        ])
        try #require(d.tools.count == 2)
        #expect(d.tools[0].tool == "Bash")
        #expect(d.tools[0].outcome == .cancelled)
        #expect(d.tools[0].durationMs == 5000)
        #expect(d.tools[1].tool == "Read")
        #expect(d.tools[1].outcome == .unknown)
    }

    @Test("a repeated tool_use id and a repeated result count once")
    func repeatedIds() {
        let d = AgentHarness.decode(.claudeCode, json: [
            Self.use(), Self.use(), Self.result(#""ok""#, isError: false), Self.result(#""ok""#, isError: false),
        ])
        #expect(d.tools.count == 1)
        #expect(d.tools.first?.outcome == .ok)
    }

    @Test("headless permission_denials deny the waiting call (not pre-approved: policy_rule)")
    func headlessDenials() throws {
        let d = AgentHarness.decode(.claudeCode, json: [
            Self.use("Write", id: "toolu_w"),
            #"{"type":"result","subtype":"success","is_error":false,"duration_ms":10,"num_turns":2,"result":"","session_id":"s1","total_cost_usd":0.01,"usage":{"output_tokens":3},"permission_denials":[{"tool_name":"Write","tool_use_id":"toolu_w","tool_input":{}},{"tool_name":"mcp__gh__push","tool_use_id":"toolu_other","tool_input":{}}]}"#,
        ])
        #expect(d.llm.isEmpty)
        try #require(d.tools.count == 1)
        #expect(d.tools[0].outcome == .denied)
        // the second id was never requested in this stream: a decision only, at the last instant
        #expect(d.permissions.map(\.subject) == ["Write", "gh/push"])
        #expect(d.permissions.map(\.reason) == [.policyRule, .policyRule])
        #expect(d.permissions[1].instantMs == 1_782_813_600_000)  // 2026-06-30T10:00:00Z
    }

    @Test("API error records: failed llm_call, zero tokens, the file's last real model; <synthetic> without error adds nothing")
    func apiErrors() throws {
        let d = AgentHarness.decode(.claudeCode, json: [
            #"{"type":"assistant","timestamp":"2026-06-30T10:00:00.000Z","sessionId":"s1","cwd":"/w/app","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5}}}"#,
            #"{"type":"assistant","timestamp":"2026-06-30T10:01:00.000Z","sessionId":"s1","cwd":"/w/app","isApiErrorMessage":true,"message":{"id":"e1","model":"<synthetic>","content":[{"type":"text","text":"API Error: 529 Overloaded"}],"usage":{"input_tokens":0,"output_tokens":0}}}"#,
            #"{"type":"assistant","timestamp":"2026-06-30T10:02:00.000Z","sessionId":"s1","cwd":"/w/app","isApiErrorMessage":true,"message":{"id":"e2","model":"<synthetic>","content":[{"type":"text","text":"API Error: 429 rate_limit_error"}]}}"#,
            #"{"type":"assistant","timestamp":"2026-06-30T10:03:00.000Z","sessionId":"s1","cwd":"/w/app","message":{"id":"e3","model":"<synthetic>","content":[{"type":"text","text":"No response requested."}],"usage":{"input_tokens":0,"output_tokens":0}}}"#,
        ])
        let llm = d.llm
        try #require(llm.count == 3)
        #expect(llm[1].outcome == .error)
        #expect(llm[1].httpStatus == 529)
        #expect(llm[1].model == "claude-sonnet-4-5")
        #expect(llm[1].totalTokens == 0)
        #expect(llm[1].dedup?.key == DedupKey.of(strings: ["claude_code/session", "s1", "e1"]))
        #expect(llm[2].outcome == .rateLimited)
        #expect(llm[2].httpStatus == 429)
        #expect(d.dispositions[3] == .ignored)
    }

    @Test("streaming partials share a key; the larger total ranks higher; null cache reads are 0")
    func partials() throws {
        let d = AgentHarness.decode(.claudeCode, json: [
            #"{"type":"assistant","timestamp":"2026-06-30T10:00:00.000Z","sessionId":"s1","requestId":"r","message":{"id":"m","model":"x","usage":{"input_tokens":4,"cache_read_input_tokens":null,"output_tokens":1}}}"#,
            #"{"type":"assistant","timestamp":"2026-06-30T10:00:01.000Z","sessionId":"s1","requestId":"r","message":{"id":"m","model":"x","usage":{"input_tokens":4,"cache_read_input_tokens":null,"output_tokens":90}}}"#,
            #"{"type":"assistant","timestamp":"2026-06-30T10:00:02.000Z","sessionId":"s1","message":{"model":"x","usage":{"input_tokens":7,"output_tokens":1}}}"#,
        ])
        let llm = d.llm
        try #require(llm.count == 3)
        #expect(llm[0].dedup?.key == llm[1].dedup?.key)
        #expect(llm[0].dedup!.rank < llm[1].dedup!.rank)  // 2^40 + 5 < 2^40 + 94
        #expect(llm[1].dedup?.rank == Int64(1 << 40) + 94)
        #expect(llm[0].cacheReadTokens == 0)
        #expect(llm[2].dedup == nil)  // neither id: counted as it stands
    }
}

@Suite("claude_code decoder: acceptance-case inputs")
struct AgentClaudeCodeCaseTests {
    @Test("case 01: one response on two lines shares one dedup key")
    func case01() throws {
        let d = try AgentHarness.decode(.claudeCode, "cases-agent/01-split-content-blocks/e88b7591-31db-4e32-98dc-b35f94c662cd.jsonl")
        let llm = d.llm
        try #require(llm.count == 2)  // lines 2 and 3; Analyze keeps one
        #expect(llm[0].dedup?.key == llm[1].dedup?.key)
        #expect(llm[0].dedup?.key == DedupKey.of(strings: ["claude_code", "msg_016VrbQDXsMGhsSUE5UWLE8i", "req_011CbPW4jZEfFKYmsENV5HDB"]))
        #expect(llm[0].dedup?.rank == llm[1].dedup?.rank)  // same usage on both lines
        for c in llm {
            // no cache_creation split: all 15 000 writes at the 5-minute rate
            #expect(c.inputTokens == 4)
            #expect(c.cacheWrite5mTokens == 15000)
            #expect(c.cacheWrite1hTokens == 0)
            #expect(c.cacheReadTokens == 0)
            #expect(c.outputTokens == 120)
            #expect(c.totalTokens == 15124)  // 4 + 15 000 + 120
            #expect(c.model == "claude-sonnet-4-5-20250929")
            #expect(c.principal == "shop")
        }
        #expect(llm[0].instantMs == 1_775_037_600_100)  // 2026-04-01T10:00:00.100Z
        #expect(llm[1].instantMs == 1_775_037_600_900)
        try #require(d.tools.count == 1)
        #expect(d.tools[0].tool == "Glob")
        #expect(d.tools[0].outcome == .ok)
        #expect(d.tools[0].durationMs == 41)  // toolUseResult.durationMs
    }

    @Test("case 02: three copies without requestId share a key; the line with neither id has none")
    func case02() throws {
        let d = try AgentHarness.decode(.claudeCode, "cases-agent/02-missing-request-id/5bb58492-9daf-46be-ad21-914625ee8c4c.jsonl")
        let llm = d.llm
        try #require(llm.count == 4)
        let key = DedupKey.of(strings: ["claude_code/session", "5bb58492-9daf-46be-ad21-914625ee8c4c", "chatcmpl-55c9d15ce74215e74fdf272a"])
        #expect(llm[0...2].allSatisfy { $0.dedup?.key == key })
        #expect(llm[0...2].allSatisfy { $0.inputTokens == 1000 && $0.outputTokens == 200 })
        #expect(llm[3].dedup == nil)
        #expect(llm[3].inputTokens == 500)
        #expect(llm[3].outputTokens == 100)
        #expect(llm[3].principal == "gateway-demo")
    }

    @Test("case 07: 10 000 cache writes split 2 000 five-minute / 8 000 one-hour")
    func case07() throws {
        let d = try AgentHarness.decode(.claudeCode, "cases-agent/07-cache-write-1h/c42e1ca0-94cf-4aba-9eab-cba13f19711e.jsonl")
        let c = try #require(d.llm.first)
        #expect(d.llm.count == 1)
        #expect(c.instantMs == 1_774_008_000_000)  // 2026-03-20T12:00:00Z
        #expect(c.cacheWrite5mTokens == 2000)
        #expect(c.cacheWrite1hTokens == 8000)
        #expect(c.cacheWriteTokens == 10000)
        #expect(c.cacheReadTokens == 50000)
        #expect(c.inputTokens == 10)
        #expect(c.outputTokens == 500)
        #expect(c.totalTokens == 60510)  // 10 + 50 000 + 10 000 + 500
        try #require(d.tools.count == 1)
        #expect(d.tools[0].tool == "Read")
        #expect(d.tools[0].outcome == .ok)
        #expect(d.tools[0].durationMs == 950)  // no recorded duration: 12:00:00.950 − 12:00:00.000
    }

    @Test("case 16: the truncated line is not JSON; the other two lines decode")
    func case16() throws {
        let d = try AgentHarness.decode(.claudeCode, "cases-agent/16-truncated-line/8bd5502c-998c-450d-bed9-c258d2447cb9.jsonl")
        #expect(d.dispositions == [.decoded, nil, .decoded])
        #expect(d.llm.map(\.inputTokens) == [200, 300])
        #expect(d.llm.map(\.outputTokens) == [50, 80])
    }

    @Test("case 19: Bash error then ok (same arguments), Edit denied user_rejected, Read unknown")
    func case19() throws {
        let d = try AgentHarness.decode(.claudeCode, "cases-agent/19-tool-outcomes/bd0fd87c-2e08-4d5a-8937-17c4ed22d6f2.jsonl")
        #expect(d.llm.count == 4)
        #expect(d.llm.allSatisfy { $0.outcome == .ok })  // tool errors do not fail llm calls
        let t = d.tools
        try #require(t.count == 4)
        #expect(t.map(\.tool) == ["Bash", "Bash", "Edit", "Read"])
        #expect(t.map(\.outcome) == [.error, .ok, .denied, .unknown])
        #expect(t[0].instantMs == 1_782_813_600_000)  // 10:00:00
        #expect(t[0].durationMs == 5000)  // 10:00:05 − 10:00:00
        #expect(t[1].instantMs == 1_782_813_606_000)  // re-issued 1 s after the failure ended
        #expect(t[1].durationMs == 14000)  // 10:00:20 − 10:00:06
        #expect(t[0].argumentsHash == t[1].argumentsHash)  // byte-identical input → a retry for Analyze
        #expect(t[2].instantMs == 1_782_813_621_000)
        #expect(t[2].durationMs == 9000)  // 10:00:30 − 10:00:21
        #expect(t[3].instantMs == 1_782_813_631_000)
        #expect(t[3].endMs == nil)
        #expect(t.allSatisfy { $0.principal == "api" && $0.session == "bd0fd87c-2e08-4d5a-8937-17c4ed22d6f2" })
        let p = d.permissions
        try #require(p.count == 1)
        #expect(p[0].subject == "Edit")
        #expect(p[0].reason == .userRejected)
        #expect(p[0].principal == "api")
    }

    @Test("case 20: a tool named like a spreadsheet formula is kept verbatim")
    func case20() throws {
        let d = try AgentHarness.decode(.claudeCode, "cases-agent/20-spreadsheet-safety/2c34108a-4655-45bc-938e-a4e6a513de3c.jsonl")
        try #require(d.tools.count == 1)
        #expect(d.tools[0].tool == #"=HYPERLINK("http://example.invalid","x")"#)
        #expect(d.tools[0].outcome == .error)  // <tool_use_error>: no such tool
        #expect(d.permissions.isEmpty)
        #expect(d.llm.map(\.principal) == ["reports"])
    }
}
