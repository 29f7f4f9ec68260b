import Foundation
import GRDB
import Ingest
import Testing

@testable import Analyze
@testable import Engine

/// Issue 10 item 3: tool calls and permission decisions copied into other files (a Claude Code
/// resumed session, a subagent transcript) count once, the same for any `--jobs`, any file order
/// and any night the copy arrives; a state from before tool calls were keyed reads its recent
/// transcripts again once (`CONTRACT.md`, "Tool calls and permission decisions").
///
/// Records are of today: claims expire `--dedup-days` (7) back from the wall clock.
@Suite("replay keys: tool calls and permission decisions through the pipeline", .serialized)
struct ReplayKeysTests {
    static let today: String = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }()

    static func assistant(_ toolu: String, _ name: String, _ command: String, msg: String, at: String, session: String = "s-1", sidechain: Bool = false) -> String {
        #"{"parentUuid":null,"isSidechain":\#(sidechain),"userType":"external","cwd":"/home/dev/shop","sessionId":"\#(session)","version":"2.0.14","type":"assistant","requestId":"req-\#(msg)","uuid":"u-\#(toolu)","timestamp":"\#(today)T\#(at)Z","message":{"model":"claude-sonnet-4-5-20250929","id":"\#(msg)","type":"message","role":"assistant","content":[{"type":"tool_use","id":"\#(toolu)","name":"\#(name)","input":{"command":"\#(command)"}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5}}}"#
    }

    enum Result { case ok, error, rejected }

    static func result(_ toolu: String, _ r: Result, at: String, session: String = "s-1", sidechain: Bool = false) -> String {
        let content: String
        let tur: String
        switch r {
        case .ok: (content, tur) = (#""done""#, #"{"stdout":"done","stderr":"","interrupted":false,"isImage":false}"#)
        case .error: (content, tur) = (#""Exit code 1\nerror: test failed""#, #""Error: Exit code 1""#)
        case .rejected:
            (content, tur) = (
                #""The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.""#,
                #""User rejected tool use""#)
        }
        return #"{"parentUuid":"u-\#(toolu)","isSidechain":\#(sidechain),"userType":"external","cwd":"/home/dev/shop","sessionId":"\#(session)","version":"2.0.14","type":"user","uuid":"r-\#(toolu)","timestamp":"\#(today)T\#(at)Z","message":{"role":"user","content":[{"tool_use_id":"\#(toolu)","type":"tool_result","content":\#(content),"is_error":\#(r != .ok)}]},"toolUseResult":\#(tur)}"#
    }

    /// The original transcript: A Bash rejected by the user, B Read ok, E Bash error, F the same
    /// Bash 18 s after E ended, its result not written yet (the file ends there).
    static let mainLines = [
        assistant("toolu_A", "Bash", "rm -rf build", msg: "msg_1", at: "10:00:00.000"),
        result("toolu_A", .rejected, at: "10:00:02.000"),
        assistant("toolu_B", "Read", "README.md", msg: "msg_2", at: "10:00:03.000"),
        result("toolu_B", .ok, at: "10:00:04.000"),
        assistant("toolu_E", "Bash", "cargo test", msg: "msg_3", at: "10:00:10.000"),
        result("toolu_E", .error, at: "10:00:12.000"),
        assistant("toolu_F", "Bash", "cargo test", msg: "msg_4", at: "10:00:30.000"),
    ]
    /// The resumed session's file: the original's lines copied (sessionId s-1 kept), F's result,
    /// then its own call C (Edit ok).
    static let resumedLines = mainLines + [
        result("toolu_F", .ok, at: "10:00:40.000", session: "s-2"),
        assistant("toolu_C", "Edit", "README.md", msg: "msg_5", at: "10:01:00.000", session: "s-2"),
        result("toolu_C", .ok, at: "10:01:01.000", session: "s-2"),
    ]
    /// A subagent transcript replaying the request A and its rejection as sidechain records.
    static let subagentLines = [
        assistant("toolu_A", "Bash", "rm -rf build", msg: "msg_1", at: "10:00:00.000", sidechain: true),
        result("toolu_A", .rejected, at: "10:00:02.000", sidechain: true),
    ]

    struct Folder {
        let dir: URL
        var main: String { dir.appendingPathComponent("projects/-home-dev-shop/s-1.jsonl").path }
        var resumed: String { dir.appendingPathComponent("projects/-home-dev-shop/s-2.jsonl").path }
        var subagent: String { dir.appendingPathComponent("projects/-home-dev-shop/s-1/subagents/agent-1.jsonl").path }
        var state: String { dir.appendingPathComponent("state.sqlite").path }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("factorylog-replay-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("projects/-home-dev-shop/s-1/subagents"), withIntermediateDirectories: true)
        }

        func write(_ path: String, _ lines: [String]) throws {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    static func plan(_ inputs: [String], state: String, jobs: Int) throws -> RunPlan {
        var p = RunPlan(
            inputs: inputs, format: nil, calendar: try ReportCalendar(timeZone: "UTC"),
            pricer: Pricer(table: PriceTable(prices: [:], snapshotID: "test"), aliases: nil), costSource: .auto,
            jobs: jobs, statePath: state)
        p.excludedPaths = [state]
        return p
    }

    /// What the tables say, reduced to hand-checkable numbers.
    struct Summary: Equatable, CustomStringConvertible {
        /// tool → (calls, succeeded, failed, denied, unknown, retries)
        var tools: [String: [Int64]] = [:]
        /// "subject/reason" → denials
        var denials: [String: Int64] = [:]
        var requests: Int64 = 0
        /// file name → duplicate_events
        var duplicates: [String: Int64] = [:]

        var description: String { "tools \(tools) denials \(denials) requests \(requests) duplicates \(duplicates)" }
    }

    /// Reads the outcome's aggregates and closes its state (so the next run can open it).
    static func summary(_ o: RunOutcome, previous: Summary? = nil) -> Summary {
        var s = Summary()
        let a = (try? o.state.aggregates()) ?? Aggregates()
        o.state.close()
        for (k, v) in a.tools {
            s.tools[k.tool, default: [0, 0, 0, 0, 0, 0]] = zip(s.tools[k.tool, default: [0, 0, 0, 0, 0, 0]], [v.calls, v.succeeded, v.failed, v.denied, v.unknown, v.retries]).map { $0 + $1 }
        }
        for (k, v) in a.permissions { s.denials["\(k.subject)/\(k.reason.rawValue)", default: 0] += v }
        s.requests = a.usage.values.reduce(0) { $0 + $1.requests }
        for f in o.files { s.duplicates[(f.path as NSString).lastPathComponent] = f.duplicateEvents }
        return s
    }

    /// Bash: A denied, E error, F ok (resumed copy: it has F's result) = 3 calls, 1 ok, 1 failed,
    /// 1 denied, 0 unknown; 1 retry (F: same tool and arguments as E, which failed and ended
    /// 10:00:12, 18 s ≤ 60 s before F). Read: B. Edit: C. One denial (Bash, user_rejected).
    /// Requests: msg_1 … msg_5 = 5.
    /// Duplicates: s-1.jsonl: F (its copy without a result ranks 1 < 3) = 1. s-2.jsonl: llm calls
    /// msg_1…msg_4 (tie: s-1.jsonl sorts first) 4 + tool calls A, B, E 3 + A's denial 1 = 8.
    /// agent-1.jsonl: msg_1 (a sidechain copy) + A (sidechain, rank 2 < 3) + its denial = 3.
    static let expected = Summary(
        tools: ["Bash": [3, 1, 1, 1, 0, 1], "Read": [1, 1, 0, 0, 0, 0], "Edit": [1, 1, 0, 0, 0, 0]],
        denials: ["Bash/user_rejected": 1], requests: 5,
        duplicates: ["s-1.jsonl": 1, "s-2.jsonl": 8, "agent-1.jsonl": 3])

    @Test("a resumed copy and a subagent copy count once, for --jobs 1 and 3 and either file order", arguments: [1, 3])
    func copiesCountOnce(jobs: Int) async throws {
        for reversed in [false, true] {
            let f = try Folder()
            defer { f.remove() }
            try f.write(f.main, Self.mainLines)
            try f.write(f.resumed, Self.resumedLines)
            try f.write(f.subagent, Self.subagentLines)
            let inputs = [f.main, f.resumed, f.subagent]
            let o = try await Pipeline.run(Self.plan(reversed ? inputs.reversed() : inputs, state: f.state, jobs: jobs))
            #expect(Self.summary(o) == Self.expected, "jobs \(jobs) reversed \(reversed)")
        }
    }

    @Test("a copy a later night brings counts once too, whichever night each file arrives")
    func laterNight() async throws {
        for firstNight in [[0, 2], [1], [1, 2], [2]] {
            let f = try Folder()
            defer { f.remove() }
            let files = [(f.main, Self.mainLines), (f.resumed, Self.resumedLines), (f.subagent, Self.subagentLines)]
            for i in firstNight { try f.write(files[i].0, files[i].1) }
            _ = try await Pipeline.run(Self.plan([f.dir.path], state: f.state, jobs: 2))
            for i in 0..<3 where !firstNight.contains(i) { try f.write(files[i].0, files[i].1) }
            let o = try await Pipeline.run(Self.plan([f.dir.path], state: f.state, jobs: 2))
            #expect(Self.summary(o) == Self.expected, "first night \(firstNight)")
            // a third night with nothing new changes nothing
            let again = try await Pipeline.run(Self.plan([f.dir.path], state: f.state, jobs: 2))
            #expect(Self.summary(again).tools == Self.expected.tools)
            #expect(Self.summary(again).denials == Self.expected.denials)
        }
    }

    /// A state written by the previous version: the same night-1 read, but its claims hold no
    /// tool-call or permission kinds and the "v2-tool-claims" migration has not run.
    @Test("a state from before tool claims reads its recent transcripts again once, then copies count once")
    func stateFromBeforeToolClaims() async throws {
        let f = try Folder()
        defer { f.remove() }
        try f.write(f.main, Self.mainLines)
        try f.write(f.subagent, Self.subagentLines)
        _ = try await Pipeline.run(Self.plan([f.dir.path], state: f.state, jobs: 1))
        try Self.downgradeToNoToolClaims(f.state)
        // Night 2 brings the resumed copy. Its copies of A, B, E would count again against a
        // state without tool claims; the two transcripts of night 1 are read again first
        // (their newest event, today, is within --dedup-days), so they count once.
        try f.write(f.resumed, Self.resumedLines)
        let o = try await Pipeline.run(Self.plan([f.dir.path], state: f.state, jobs: 2))
        #expect(Self.summary(o) == Self.expected)
        let store = try StateStore(path: f.state, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        #expect(try store.markTranscriptsForToolClaims(newestEventAtOrAfterMs: nil) == 0)  // once only
        #expect(try store.staleFiles().isEmpty)
    }

    /// Strips the tool-call and permission claims and undoes the "v2-tool-claims" migration, as
    /// if the previous version had written the state.
    static func downgradeToNoToolClaims(_ state: String) throws {
        let q = try DatabaseQueue(path: state)
        var stripped = 0
        try q.write { db in
            for row in try Row.fetchAll(db, sql: "SELECT id, path, keys FROM dedup_sets") {
                var keys: [DedupKey] = []
                var entries: [ClaimEntry] = []
                ClaimEntry.decode([UInt8](row["keys"] as Data), owner: 0, into: &keys, &entries)
                let kept = zip(keys, entries).filter { $0.1.kind != .toolCall && $0.1.kind != .permission }
                stripped += keys.count - kept.count
                try db.execute(
                    sql: "UPDATE dedup_sets SET keys = ?, key_count = ? WHERE id = ?",
                    arguments: [Data(ClaimEntry.encode(kept.map { ($0.0, $0.1) })), kept.count, row["id"] as Int64])
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2-tool-claims'")
            try db.execute(sql: "DELETE FROM meta WHERE key = 'tool_claims_pending'")
        }
        try q.close()
        #expect(stripped == 5)  // s-1.jsonl: tool calls A, B, E, F + A's denial; agent-1.jsonl won nothing
    }

    /// E fails at 10:00:00 and ends at 10:00:02; F, the same tool and arguments, starts 10:00:20
    /// (18 s later): a retry. Whether E is counted here or is a copy another file counts, F is
    /// one retry; a copy is never a retry itself, and counts no call.
    @Test("a copy another file counts is still the previous call for retries, and counts nothing")
    func duplicatesFeedRetries() throws {
        typealias F = AggFixtures
        let t = F.ms(2026, 6, 30, 10)
        let e = F.tool(t, "Bash", outcome: .error, end: t + 2_000, args: 7)
        let f = F.tool(t + 20_000, "Bash", outcome: .ok, end: t + 21_000, args: 7)
        let g = F.tool(t + 30_000, "Bash", outcome: .ok, end: t + 31_000, args: 7)  // after an ok call: no retry
        func bash(_ build: (inout EventAggregator<CallCoster>) -> Void) -> ToolStats? {
            var agg = EventAggregator(source: "claude_code", calendar: try! ReportCalendar(timeZone: "UTC"), coster: F.coster)
            build(&agg)
            return agg.finish().tools.values.first
        }
        // counted E, F, G: 3 calls, 1 retry (F)
        let all = try #require(bash { $0.add(e); $0.add(f); $0.add(g) })
        #expect(all.calls == 3 && all.retries == 1)
        // E a copy: F and G counted, F still a retry of E
        let copyE = try #require(bash { $0.addDuplicate(e); $0.add(f); $0.add(g) })
        #expect(copyE.calls == 2 && copyE.failed == 0 && copyE.retries == 1)
        // F a copy: it would be the retry, but counts nothing; G follows an ok call
        let copyF = try #require(bash { $0.add(e); $0.addDuplicate(f); $0.add(g) })
        #expect(copyF.calls == 2 && copyF.retries == 0)
        // only copies: no row at all
        #expect(bash { $0.addDuplicate(e); $0.addDuplicate(f) } == nil)
        // split between two unfinished aggregators and merged: the same as one
        let merged = try #require(bash { agg in
            var other = EventAggregator(source: "claude_code", calendar: try! ReportCalendar(timeZone: "UTC"), coster: F.coster)
            other.addDuplicate(e)
            agg.add(g)
            agg.merge(other)
            agg.add(f)
        })
        #expect(merged.calls == 2 && merged.retries == 1)
    }

    @Test("the upgrade marks only recent, readable agent transcripts, once")
    func upgradeMarksRecentTranscripts() throws {
        let f = try Folder()
        defer { f.remove() }
        let store = try StateStore(path: f.state, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        let now: Int64 = 1_800_000_000_000
        let cutoff = now - 7 * 86_400_000
        func row(_ path: String, _ format: String, last: Int64?, status: IngestStatus = .ok) throws {
            var r = IngestFileRecord(path: path)
            r.format = format
            r.lastEventMs = last
            r.status = status
            try store.updateLedger(r)
        }
        try row("/a/claude-recent.jsonl", "claude_code", last: cutoff)  // exactly at the cutoff: marked
        try row("/a/codex-recent.jsonl", "codex", last: now)
        try row("/a/claude-old.jsonl", "claude_code", last: cutoff - 1)  // its keys have expired
        try row("/a/kong.jsonl", "kong", last: now)  // gateways have no tool keys to claim
        try row("/a/claude-failed.jsonl", "claude_code", last: now, status: .failed)
        try row("/a/claude-empty.jsonl", "claude_code", last: nil)
        #expect(try store.markTranscriptsForToolClaims(newestEventAtOrAfterMs: cutoff) == 2)
        #expect(try store.staleFiles() == ["/a/claude-recent.jsonl", "/a/codex-recent.jsonl"])
        #expect(try store.markTranscriptsForToolClaims(newestEventAtOrAfterMs: cutoff) == 0)
    }
}
