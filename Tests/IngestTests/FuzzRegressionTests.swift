import Foundation
import Testing

@testable import Ingest

/// Regression tests for issue 11 item 1 (no input-driven deep recursion) and for what the
/// fuzzers (`make fuzz`, Fuzz/README.md) found. Every input is generated here: nothing large is
/// committed.
@Suite("Issue 11: depth limit and fuzz regressions")
struct FuzzRegressionTests {
    static func nestedArrays(_ depth: Int, inner: String = "") -> [UInt8] {
        Array((String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)).utf8)
    }

    static func parseError(_ bytes: [UInt8], tape: Bool) -> JSONError? {
        bytes.withUnsafeBytes { raw in
            let r = tape ? JSONDocument.parse(raw, tape: JSONTape()) : JSONDocument.parseWithoutTape(raw)
            if case .failure(let e) = r { return e }
            return nil
        }
    }

    @Test("JSONDocument.maxDepth: 1 000 open containers parse, 1 001 are json.too_deep, in both validators")
    func depthLimit() {
        #expect(JSONDocument.maxDepth == 1_000)
        for tape in [true, false] {
            #expect(Self.parseError(Self.nestedArrays(1_000), tape: tape) == nil)
            #expect(Self.parseError(Self.nestedArrays(1_001), tape: tape) == .tooDeep)
            // objects count the same: {"a": … 1 000 times … 1}
            let objects = String(repeating: #"{"a":"#, count: 1_000) + "1" + String(repeating: "}", count: 1_000)
            #expect(Self.parseError(Array(objects.utf8), tape: tape) == nil)
            #expect(Self.parseError(Array(("[" + objects + "]").utf8), tape: tape) == .tooDeep)
            // depth is the number open at once, not the total: 5 000 siblings of depth 999
            let siblings = "[" + Array(repeating: String(repeating: "[", count: 998) + String(repeating: "]", count: 998), count: 5_000)
                .joined(separator: ",") + "]"
            #expect(Self.parseError(Array(siblings.utf8), tape: tape) == nil)
        }
        #expect(JSONError.tooDeep.rawValue == "json.too_deep")
    }

    @Test("a first line 75 000 arrays deep: no stack overflow, json.too_deep, detection goes on to the next line")
    func deepFirstLineDetection() throws {
        let deep = Self.nestedArrays(75_000)
        #expect(Self.parseError(deep, tape: true) == .tooDeep)
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let kong = #"{"started_at":1764064800000,"latencies":{"kong":1,"request":250},"ai":{"proxy":{"meta":{"provider_name":"openai","response_model":"gpt-4o"},"usage":{"prompt_tokens":10,"completion_tokens":5}}}}"#
        IOFixture.write(dir + "/deep.jsonl", deep + Array(("\n" + kong + "\n").utf8))
        let (format, _) = try FormatDetector.detect(path: dir + "/deep.jsonl", forced: nil)
        #expect(format == .kong)
        // the deep line alone decides nothing
        IOFixture.write(dir + "/only.jsonl", deep + [0x0A])
        #expect(try FormatDetector.detect(path: dir + "/only.jsonl", forced: nil).0 == nil)
    }

    @Test("Kong detection looks one level into an array, never deeper (it recursed once)")
    func kongBatchDetectionOneLevel() {
        let record = #"{"started_at":1764064800000,"latencies":{"kong":1},"ai":{"proxy":{}}}"#
        #expect(AgentHarness.detects(.kong, Array(("[" + record + "]").utf8)))
        #expect(AgentHarness.detects(.kong, Array(record.utf8)))
        // an array of arrays of a record is no http-log batch
        #expect(!AgentHarness.detects(.kong, Array(("[[" + record + "]]").utf8)))
        // 999 arrays around it, the most the depth limit lets through: false, and no recursion
        #expect(!AgentHarness.detects(.kong, Self.nestedArrays(998, inner: record)))
        for format in LogFormat.allCases {
            #expect(!AgentHarness.detects(format, Self.nestedArrays(1_000)))
        }
    }

    /// Odd values a mutated line may carry where a decoder expects something else.
    static let oddValues: [String] = [
        "null", "true", "false", "0", "-1", "1.5", "1e400", "-1e400", "9223372036854775807", "-9223372036854775808",
        "18446744073709551616", "1099511627777", #""""#, #""x""#, #""-5""#, #""1e400""#, #""\ud800""#, "[]", "{}",
        "[null]", "[[[]]]", #"[{"type":"tool_result","tool_use_id":null,"content":[[]]}]"#,
        #"{"type":{},"id":[],"input_tokens":"12"}"#, String(repeating: "[", count: 999) + String(repeating: "]", count: 999),
        String(repeating: #"{"a":"#, count: 998) + "0" + String(repeating: "}", count: 998),
        String(repeating: "[", count: 1_001) + String(repeating: "]", count: 1_001),
        "\"" + String(repeating: "x", count: 70_000) + "\"",
    ]

    /// Every line obtained from `line` by setting one member (at any depth) to one of `oddValues`.
    static func mutations(of line: String) throws -> [String] {
        let root = try JSONSerialization.jsonObject(with: Data(line.utf8))
        var paths: [[Any]] = []
        func collect(_ v: Any, _ path: [Any]) {
            if let d = v as? [String: Any] {
                for (k, c) in d.sorted(by: { $0.key < $1.key }) {
                    paths.append(path + [k])
                    collect(c, path + [k])
                }
            } else if let a = v as? [Any] {
                for (i, c) in a.enumerated() {
                    paths.append(path + [i])
                    collect(c, path + [i])
                }
            }
        }
        collect(root, [])
        let marker = "\u{1}ODD\u{1}"
        func replaced(_ v: Any, _ path: ArraySlice<Any>) -> Any {
            guard let head = path.first else { return marker }
            if var d = v as? [String: Any], let k = head as? String {
                d[k] = replaced(d[k]!, path.dropFirst())
                return d
            }
            if var a = v as? [Any], let i = head as? Int {
                a[i] = replaced(a[i], path.dropFirst())
                return a
            }
            return v
        }
        var out: [String] = []
        for path in paths {
            let data = try JSONSerialization.data(withJSONObject: replaced(root, path[...]), options: [.sortedKeys])
            let text = String(decoding: data, as: UTF8.self)
            for odd in oddValues { out.append(text.replacingOccurrences(of: "\"\\u0001ODD\\u0001\"", with: odd)) }
        }
        return out
    }

    /// Decodes each line of `lines` after `prefix` (fresh decoder per mutation) and checks what
    /// comes out is plausible: every count within `Plausible`, every instant in range.
    static func checkMutations(_ format: LogFormat, prefix: [String], lines: [String], path: String) -> Int {
        var tooDeep = 0
        for line in lines {
            let d = AgentHarness.decode(format, json: prefix + [line], path: path)
            if d.dispositions.last! == nil { tooDeep += 1 }
            for c in d.llm {
                for t in [c.inputTokens, c.cacheReadTokens, c.cacheWriteTokens, c.outputTokens, c.reasoningTokens] {
                    #expect(t >= 0 && t <= Plausible.maxTokens, "\(line.prefix(300))")
                }
                #expect(Plausible.isInstantMs(c.instantMs), "\(line.prefix(300))")
            }
            for t in d.tools { #expect(Plausible.isInstantMs(t.instantMs), "\(line.prefix(300))") }
            for p in d.permissions { #expect(Plausible.isInstantMs(p.instantMs), "\(line.prefix(300))") }
        }
        return tooDeep
    }

    static let session = "4ba71ab7-ac05-44a5-acc6-be1805fdf179"

    @Test("a headless Claude Code result record with each nested key set to odd values: no crash, plausible events")
    func claudeCodeResultMutations() throws {
        let result = #"{"type":"result","subtype":"success","is_error":false,"duration_ms":4047,"num_turns":1,"result":"","session_id":"\#(Self.session)","total_cost_usd":0.079,"usage":{"output_tokens":13,"input_tokens":4},"permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_01","tool_input":{"command":"rm -rf /"}}],"timestamp":"2026-11-23T09:14:05.120Z"}"#
        let toolUse = #"{"type":"assistant","sessionId":"\#(Self.session)","cwd":"/home/dev/shop","timestamp":"2026-11-23T09:14:04.000Z","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5","content":[{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"rm -rf /"}}],"usage":{"input_tokens":4,"output_tokens":13}}}"#
        let lines = try Self.mutations(of: result)
        // 18 members at any depth (11 top-level, 2 in usage, the denial, its 3 members and
        // tool_input.command) × 27 odd values
        #expect(Self.oddValues.count == 27)
        #expect(lines.count == 18 * 27)
        let tooDeep = Self.checkMutations(.claudeCode, prefix: [toolUse], lines: lines, path: "/home/u/.claude/projects/-home-dev-shop/\(Self.session).jsonl")
        // Lines that are json.too_deep: the 1 001-deep value wherever it is put (18); the
        // 999-deep arrays under a container of depth ≥ 2 (usage.output_tokens, usage.input_tokens,
        // permission_denials[0], its 3 members, tool_input.command: 7); the 998-deep objects
        // under depth ≥ 3 ([0]'s 3 members and command: 4). 18 + 7 + 4 = 29.
        #expect(tooDeep == 29)
        // unmutated: the denial of the pending Bash call, as the decoder's own tests expect
        let d = AgentHarness.decode(.claudeCode, json: [toolUse, result])
        #expect(d.permissions.map(\.reason) == [.policyRule])
        #expect(d.tools.map(\.outcome) == [.denied])
    }

    @Test("a subagent transcript line with each nested key set to odd values: no crash, plausible events")
    func claudeCodeSubagentMutations() throws {
        let user = #"{"isSidechain":true,"cwd":"/home/dev/shop","sessionId":"\#(Self.session)","type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"done <usage>duration_ms: 120</usage>"}],"is_error":false}]},"toolUseResult":{"durationMs":120},"uuid":"u1","timestamp":"2026-11-23T09:14:05.120Z"}"#
        let assistant = #"{"isSidechain":true,"cwd":"/home/dev/shop","sessionId":"\#(Self.session)","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_0151","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_02","name":"Read","input":{"file_path":"/etc/hosts"}}],"usage":{"input_tokens":4,"cache_creation_input_tokens":10,"cache_read_input_tokens":19300,"output_tokens":310,"cache_creation":{"ephemeral_5m_input_tokens":4,"ephemeral_1h_input_tokens":6}}},"type":"assistant","uuid":"a1","timestamp":"2026-11-23T09:14:04.120Z","requestId":"req_011C"}"#
        let path = "/home/u/.claude/projects/-home-dev-shop/\(Self.session)/subagents/agent-4f9bfedd.jsonl"
        let assistantLines = try Self.mutations(of: assistant)
        let userLines = try Self.mutations(of: user)
        #expect(Self.checkMutations(.claudeCode, prefix: [], lines: assistantLines, path: path) > 0)
        #expect(Self.checkMutations(.claudeCode, prefix: [assistant], lines: userLines, path: path) > 0)
        // unmutated: one call of 4 + 19 300 + 10 + 310 = 19 624 tokens, one Read call that succeeded
        let d = AgentHarness.decode(.claudeCode, json: [assistant, user], path: path)
        #expect(d.llm.map(\.totalTokens) == [19_624])
        #expect(d.tools.map(\.outcome) == [.ok])
    }
}
