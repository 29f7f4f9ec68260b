import Foundation
import Testing

@testable import Ingest

/// Issue 10 item 3: tool calls and permission decisions carry de-duplication claims, so that a
/// Claude Code resumed-session copy, a subagent copy or a Codex fork replay of them is one event
/// (`CONTRACT.md`, "Tool calls and permission decisions"). Which copy counts is decided in
/// Analyze; here: the keys are equal exactly for copies, and the ranks order them.
@Suite("replay keys of tool calls and permission decisions")
struct AgentReplayKeysTests {
    // MARK: Claude Code

    /// An assistant record with one `tool_use` block (`formats/AGENTS.md` §1.3 paths).
    static func toolUse(
        _ toolu: String, name: String = "Bash", msg: String, req: String, at: String, session: String = "s-1",
        sidechain: Bool = false, command: String = "make test"
    ) -> String {
        #"{"parentUuid":null,"isSidechain":\#(sidechain),"userType":"external","cwd":"/home/dev/shop","sessionId":"\#(session)","version":"2.0.14","type":"assistant","requestId":"\#(req)","uuid":"u-\#(toolu)","timestamp":"\#(at)","message":{"model":"claude-sonnet-4-5-20250929","id":"\#(msg)","type":"message","role":"assistant","content":[{"type":"tool_use","id":"\#(toolu)","name":"\#(name)","input":{"command":"\#(command)"}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5}}}"#
    }

    /// A user record with the `tool_result` of `toolu` (§1.3, §1.4).
    static func result(_ toolu: String, at: String, session: String = "s-1", sidechain: Bool = false, rejected: Bool = false) -> String {
        let content = rejected
            ? #""The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.""#
            : #""ok""#
        let tur = rejected ? #""User rejected tool use""# : #"{"stdout":"ok","stderr":"","interrupted":false,"isImage":false}"#
        return #"{"parentUuid":"u-\#(toolu)","isSidechain":\#(sidechain),"userType":"external","cwd":"/home/dev/shop","sessionId":"\#(session)","version":"2.0.14","type":"user","uuid":"r-\#(toolu)","timestamp":"\#(at)","message":{"role":"user","content":[{"tool_use_id":"\#(toolu)","type":"tool_result","content":\#(content),"is_error":\#(rejected)}]},"toolUseResult":\#(tur)}"#
    }

    static func sessionLines(sidechain: Bool = false) -> [String] {
        [
            toolUse("toolu_01A", msg: "msg_1", req: "req_1", at: "2026-09-09T10:00:00.000Z", sidechain: sidechain),
            result("toolu_01A", at: "2026-09-09T10:00:02.000Z", sidechain: sidechain, rejected: true),
            toolUse("toolu_01B", name: "Read", msg: "msg_2", req: "req_2", at: "2026-09-09T10:00:03.000Z", sidechain: sidechain),
        ]
    }

    @Test("a resumed copy and a subagent copy repeat the original's keys; ranks: result seen, then main transcript")
    func claudeCodeCopies() throws {
        let original = AgentHarness.decode(.claudeCode, json: Self.sessionLines(), path: "/p/-home-dev-shop/s-1.jsonl")
        // The resumed session's new file copies the earlier lines (their sessionId kept), then
        // continues under its own id.
        let resumed = AgentHarness.decode(
            .claudeCode,
            json: Self.sessionLines() + [
                Self.toolUse("toolu_01C", msg: "msg_3", req: "req_3", at: "2026-09-09T11:00:00.000Z", session: "s-2"),
                Self.result("toolu_01C", at: "2026-09-09T11:00:01.000Z", session: "s-2"),
            ], path: "/p/-home-dev-shop/s-2.jsonl")
        let subagent = AgentHarness.decode(
            .claudeCode, json: Self.sessionLines(sidechain: true), path: "/p/-home-dev-shop/s-1/subagents/agent-1.jsonl")

        // tools: resolved in line order, then the waiting one (toolu_01B: unknown)
        for d in [original, resumed, subagent] {
            #expect(Array(d.tools.map(\.tool).prefix(1)) == ["Bash"])
            #expect(d.tools.first?.outcome == .denied)
        }
        let key = DedupKey.of(strings: ["claude_code/tool", "s-1", "toolu_01A"])
        let permissionKey = DedupKey.of(strings: ["claude_code/permission", "s-1", "toolu_01A"])
        let a = [original, resumed, subagent].map { $0.tools.first { $0.tool == "Bash" }! }
        #expect(a.map(\.dedup?.key) == [key, key, key])
        // rank = (result seen ? 2 : 0) + (sidechain ? 0 : 1)
        #expect(a.map(\.dedup?.rank) == [3, 3, 2])
        #expect(a.map(\.line) == [1, 1, 1])  // the tool_use line
        let b = try #require(original.tools.first { $0.tool == "Read" })
        #expect(b.outcome == .unknown)
        #expect(b.dedup?.key == DedupKey.of(strings: ["claude_code/tool", "s-1", "toolu_01B"]))
        #expect(b.dedup?.rank == 1)  // no result seen (0) + main transcript (1)
        #expect(b.line == 3)
        // the resumed file's own call has its own key (its session, its id)
        let c = try #require(resumed.tools.first { $0.dedup?.key == DedupKey.of(strings: ["claude_code/tool", "s-2", "toolu_01C"]) })
        #expect(c.outcome == .ok && c.line == 4)

        // one denial per file, keyed by the request it refers to, ranked like the denied call
        for (d, rank) in [(original, Int64(3)), (resumed, 3), (subagent, 2)] {
            try #require(d.permissions.count == 1)
            let p = d.permissions[0]
            #expect(p.reason == .userRejected && p.subject == "Bash")
            #expect(p.dedup?.key == permissionKey)
            #expect(p.dedup?.rank == rank)
            #expect(p.line == 1)
        }
        #expect(permissionKey != key)
    }

    @Test("the same tool_use id in another session is another call (providers that number their ids)")
    func idsAreScopedBySession() throws {
        let one = AgentHarness.decode(.claudeCode, json: [Self.toolUse("functions.Bash:0", msg: "m1", req: "r1", at: "2026-09-09T10:00:00.000Z")])
        let two = AgentHarness.decode(.claudeCode, json: [Self.toolUse("functions.Bash:0", msg: "m2", req: "r2", at: "2026-09-09T10:00:00.000Z", session: "s-9")])
        let k1 = try #require(one.tools.first?.dedup?.key)
        let k2 = try #require(two.tools.first?.dedup?.key)
        #expect(k1 != k2)
    }

    @Test("a headless result's denial of a request it never saw is keyed like the transcript's denial")
    func headlessDenialKey() throws {
        let result = #"{"type":"result","subtype":"success","is_error":false,"duration_ms":5,"duration_api_ms":4,"num_turns":1,"result":"done","session_id":"s-1","total_cost_usd":0.01,"usage":{"input_tokens":1,"output_tokens":1},"permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_01A","tool_input":{"command":"make test"}}]}"#
        let d = AgentHarness.decode(.claudeCode, json: [Self.toolUse("toolu_09Z", msg: "m", req: "r", at: "2026-09-09T10:00:00.000Z"), result])
        try #require(d.permissions.count == 1)
        #expect(d.permissions[0].reason == .policyRule)
        #expect(d.permissions[0].dedup?.key == DedupKey.of(strings: ["claude_code/permission", "s-1", "toolu_01A"]))
        #expect(d.permissions[0].dedup?.rank == 3)
        #expect(d.permissions[0].line == 2)  // the result line: no request line in this file
    }

    // MARK: Codex

    static let parentMeta = #"{"timestamp":"2026-09-09T09:00:00.000Z","type":"session_meta","payload":{"id":"parent","timestamp":"2026-09-09T09:00:00.000Z","cwd":"/home/dev/app","source":"cli"}}"#
    static let childMeta = #"{"timestamp":"2026-09-09T12:00:00.000Z","type":"session_meta","payload":{"id":"child","timestamp":"2026-09-09T12:00:00.000Z","cwd":"/home/dev/app","source":"cli","forked_from_id":"parent"}}"#

    static func call(_ id: String, at: String, command: String = "make") -> String {
        #"{"timestamp":"\#(at)","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"\#(command)\"]}","call_id":"\#(id)"}}"#
    }

    static func output(_ id: String, at: String, _ text: String = #"Exit code: 0\nWall time: 1 seconds\nOutput:\nok"#) -> String {
        #"{"timestamp":"\#(at)","type":"response_item","payload":{"type":"function_call_output","call_id":"\#(id)","output":"\#(text)"}}"#
    }

    @Test("a fork's copy of a parent's call (one the replay rule let through) has the parent's key and a lower rank")
    func codexForkCopies() throws {
        let parent = AgentHarness.decode(.codex, json: [
            Self.parentMeta,
            Self.call("call_abc", at: "2026-09-09T09:01:00.000Z"), Self.output("call_abc", at: "2026-09-09T09:01:02.000Z"),
            Self.call("call_def", at: "2026-09-09T09:02:00.000Z"),
            Self.output("call_def", at: "2026-09-09T09:02:01.000Z", "exec command rejected by user"),
        ])
        // The child re-writes the parent's requests 5 s after its start: too late for the replay
        // rule (the records are after the child's start and not back to back with its
        // session_meta), so only their keys can tell them apart.
        let child = AgentHarness.decode(.codex, json: [
            Self.childMeta,
            Self.call("call_abc", at: "2026-09-09T12:00:05.000Z"), Self.output("call_abc", at: "2026-09-09T12:00:05.100Z"),
            Self.call("call_def", at: "2026-09-09T12:00:05.200Z"),
            Self.output("call_def", at: "2026-09-09T12:00:05.300Z", "exec command rejected by user"),
            Self.call("call_abc", at: "2026-09-09T12:01:00.000Z", command: "ls"),  // same id, other arguments
        ])
        // The key by hand: FNV seeds 1 and 2 over namespace, call_id, name, the 8 little-endian
        // bytes of the arguments hash, each followed by the field separator (`DedupKey.of`).
        func key(_ ns: String, _ id: String, _ command: String) -> DedupKey {
            let args = AgentHarness.argumentsHash(#""{\"command\":[\"\#(command)\"]}""#)
            let fields: [[UInt8]] = [Array("codex/\(ns)".utf8), Array(id.utf8), Array("shell".utf8), withUnsafeBytes(of: args.littleEndian) { Array($0) }]
            var a = ByteHasher(seed: 1)
            var b = ByteHasher(seed: 2)
            for f in fields {
                f.withUnsafeBytes { a.combine($0); b.combine($0) }
                a.separator()
                b.separator()
            }
            return DedupKey(hi: a.value, lo: b.value)
        }
        #expect(parent.tools.map(\.dedup?.key) == [key("tool", "call_abc", "make"), key("tool", "call_def", "make")])
        #expect(child.tools.map(\.dedup?.key) == [key("tool", "call_abc", "make"), key("tool", "call_def", "make"), key("tool", "call_abc", "ls")])
        // rank = (result seen ? 2 : 0) + (fork ? 0 : 1)
        #expect(parent.tools.map(\.dedup?.rank) == [3, 3])
        #expect(child.tools.map(\.dedup?.rank) == [2, 2, 0])
        #expect(parent.tools.map(\.line) == [2, 4])
        #expect(child.tools.map(\.line) == [2, 4, 6])
        #expect(parent.permissions.map(\.dedup?.key) == [key("permission", "call_def", "make")])
        #expect(child.permissions.map(\.dedup?.key) == [key("permission", "call_def", "make")])
        #expect(parent.permissions.map(\.dedup?.rank) == [3])
        #expect(child.permissions.map(\.dedup?.rank) == [2])
    }

    /// Issue 10 item 2, a replay that takes longer than one second: 40 replayed records written
    /// back to back 0.5 s apart (19.5 s in all), then 10 copies that kept their original
    /// instants (before the child's start), then the child's own turn 4 s later.
    @Test("a fork replay of 19.5 s with function_calls and token_counts adds nothing")
    func longForkReplay() throws {
        var lines = [Self.childMeta, Self.parentMeta]
        var cumulative = 0
        for i in 0..<20 {
            // record 2i at 12:00:00.5 + i s, record 2i+1 half a second later
            let t0 = String(format: "2026-09-09T12:00:%02d.500Z", i)
            let t1 = String(format: "2026-09-09T12:00:%02d.000Z", i + 1)
            if i % 2 == 0 {
                lines.append(Self.call("call_r\(i)", at: t0))
                lines.append(Self.output("call_r\(i)", at: t1))
            } else {
                cumulative += 1000
                lines.append(AgentCodexTests.tokens(t0, input: cumulative, cached: 0, output: 100 * i))
                lines.append(#"{"timestamp":"\#(t1)","type":"turn_context","payload":{"cwd":"/home/dev/app","model":"gpt-5"}}"#)
            }
        }
        for i in 0..<5 {
            // copies with their original (parent) instants, hours earlier
            lines.append(Self.call("call_o\(i)", at: "2026-09-09T09:3\(i):00.000Z"))
            lines.append(Self.output("call_o\(i)", at: "2026-09-09T09:3\(i):01.000Z"))
        }
        // the child's own turn: 12:00:24 is 4 s after the last back-to-back record (12:00:20)
        lines.append(Self.call("call_own", at: "2026-09-09T12:00:24.000Z"))
        lines.append(Self.output("call_own", at: "2026-09-09T12:00:25.000Z"))
        // last replayed snapshot: input 10 000 (10 × 1 000), output 1 900 (100 × 19)
        lines.append(AgentCodexTests.tokens("2026-09-09T12:00:30.000Z", input: 10_400, cached: 0, output: 2_000))
        let d = AgentHarness.decode(.codex, json: lines)
        #expect(d.tools.count == 1)
        #expect(d.tools.first?.session == "child")
        #expect(d.tools.first?.line == 53)  // 2 meta + 40 back to back + 10 original-instant copies + 1
        #expect(d.llm.count == 1)
        #expect(d.llm.first?.inputTokens == 400)  // 10 400 − 10 000
        #expect(d.llm.first?.outputTokens == 100)  // 2 000 − 1 900
    }
}
