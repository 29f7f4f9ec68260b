/// Decoder for OpenAI Codex CLI rollout files
/// (`~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl`, `formats/AGENTS.md` §2).
///
/// ### Line envelope (§2.2)
///
///     {"timestamp":"2026-09-09T10:00:05.000Z","type":"event_msg","payload":{"type":"token_count",
///      "info":{"total_token_usage":{"input_tokens":10000,"cached_input_tokens":8000,
///      "output_tokens":500,"reasoning_output_tokens":200,"total_tokens":10500},…}}}
///
/// * **Session state, per file**: `session_meta.payload.id` = session, last path component of
///   `session_meta.payload.cwd` = principal (`turn_context.payload.cwd` when no session_meta gave
///   one), model = `token_count.info.model` when present, else the latest
///   `turn_context.payload.model` (empty when neither: no family guess). provider `openai`,
///   team empty, no dedup claim on llm calls (`CONTRACT.md`). A `session_meta` line after other records starts
///   a new session (concatenated rollouts); a second `session_meta` before any other record is
///   the parent of a forked/subagent file (§2.2).
/// * **llm_call** = the increase of the cumulative `info.total_token_usage` since the previous
///   `token_count` of the session (§2.5 rule 1; `CONTRACT.md` "codex"): an unchanged snapshot adds
///   nothing; the first snapshot counts from zero; a *decrease* is a counter reset: the event's
///   `last_token_usage` is counted (when present) and its total becomes the new baseline.
///   `cached_input_tokens` ⊆ `input_tokens` (clamped to it) and `reasoning_output_tokens` ⊆
///   `output_tokens` (§0, §2.5 rule 4): input = Δinput − Δcached, cache read = Δcached, output =
///   Δoutput, reasoning = Δreasoning (informational). Instant = the event's `timestamp`; a
///   `token_count` without one (absent or null) takes the instant of the session's last
///   timestamped record (counted in `EventBatch.inferredInstants`), an unreadable one is
///   undecodable.
/// * **Forked/subagent sessions** (§2.5 rules 2–3): a file whose first 16 KB contain
///   `thread_spawn`, whose `session_meta` has a `forked_from_id` or a `source` object with
///   `subagent`, or that starts with two `session_meta` lines (child, then the parent: §2.2),
///   starts with the parent's history replayed (`CONTRACT.md`, "Forked and resumed Codex
///   sessions"). The replay is what the file shows before the child's own first record: every
///   record whose instant is before the child's start (`session_meta.payload.timestamp`, else
///   that line's `timestamp`; copies that kept their original instants), and the records written
///   back to back after the `session_meta` lines (each within `replayGapMs` of the one before,
///   however long the whole replay takes). The first record that is neither ends the replay for
///   good. Replayed `token_count`s only set the baseline; replayed `function_call` /
///   `custom_tool_call`s add no tool call (their outputs then find no request and are ignored);
///   replayed `turn_context`s still set the model and project.
/// * **tool_call**: `response_item` `function_call` (`name`, `arguments`, `call_id`) and
///   `custom_tool_call` (`name`, `input`, `call_id`) joined by `call_id` to
///   `function_call_output` / `custom_tool_call_output` (`output`), or to the Extended-mode
///   `event_msg` `exec_command_end` (`exit_code`, `duration {secs,nanos}`, `status`) and
///   `mcp_tool_call_end` (`duration`, `result {Ok:{isError}} | {Err}`); the first result wins.
///   Outcome: a §2.4 denial string at the start of the output → `denied` + permission_decision;
///   `status: "declined"` → denied `user_rejected`; a non-zero exit code (`Exit code: N` text, or
///   the older JSON-string output's `metadata.exit_code`) or an MCP error → `error`; else `ok`.
///   Duration: recorded (`duration`, `metadata.duration_seconds`, `Wall time: N seconds`) or
///   end − start. `argumentsHash` hashes the raw `arguments` / `input` value. MCP names
///   `mcp__server__tool` → `server/tool`. A `turn_aborted` event makes the calls still waiting
///   `cancelled` unless their result follows; calls with no result are `unknown` at the end.
///   **Copies** in other files (`CONTRACT.md`, "Tool calls and permission decisions"): every
///   call carries `DedupClaim.tool` keyed (`call_id`, `name`, `argumentsHash`) namespaced
///   `codex/tool`, a sidechain when the rollout is a fork/subagent, line = the request's; its
///   denial the same fields under `codex/permission`. The session is not in the key: a fork has
///   its own session id but repeats the parent's requests byte for byte.
/// * Output-keyword heuristics ("permission denied", "operation not permitted", …) are **not**
///   used: ordinary failing commands print them too. `patch_apply_end`, `local_shell_call`,
///   `web_search_call` and other records are ignored.
public struct CodexDecoder: LogDecoder {
    public let context: DecoderContext

    var session = ""
    var principal = ""
    var principalFromMeta = false
    var model = ""
    var haveMeta = false
    /// A record other than `session_meta` was seen in the current session.
    var sawOther = false

    var baseline: _CodexUsage? = nil
    var isFork = false
    /// The child session's start (`session_meta.payload.timestamp`, else the line's), UTC ms.
    var sessionStartMs: Int64? = nil
    /// Instant of the last record taken as replayed (the end of the replay so far).
    var replayLastMs: Int64? = nil
    var replayDone = false
    /// The instant of the session's last timestamped record (its `session_meta` included), for
    /// `token_count`s without a timestamp of their own.
    var lastSessionMs: Int64? = nil
    /// Bytes of the file seen so far (lines + newlines), for the 16 KB `thread_spawn` window.
    var bytesSeen = 0

    var models = _AgentInterner()
    var tools = _AgentInterner(transform: _AgentText.toolName)
    var pending: [DedupKey: _PendingTool] = [:]
    var seq = 0
    var scratch: [UInt8] = []

    static let forkWindow = 16 * 1024
    /// Longest gap between two consecutive replayed records of a fork (ms): the replay is
    /// written in one go, while the child's own first turn waits for a model response.
    static let replayGapMs: Int64 = 1000

    public init(context: DecoderContext) { self.context = context }

    /// True for a rollout line: `type` one of `session_meta`, `turn_context`, `response_item`,
    /// `event_msg`, `compacted` with an object `payload` (§2.2).
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object, let t = root["type"], root["payload"]?.kind == .object else { return false }
        return t.stringEquals("session_meta") || t.stringEquals("turn_context") || t.stringEquals("response_item")
            || t.stringEquals("event_msg") || t.stringEquals("compacted")
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object, let type = root["type"], let payload = root["payload"], payload.kind == .object
        else { return .undecodable }
        if bytesSeen < Self.forkWindow {
            let raw = root.rawBytes
            if _AgentText.find(raw, "thread_spawn", limit: Self.forkWindow - bytesSeen) != nil { isFork = true }
            bytesSeen += raw.count + 1
        }
        if type.stringEquals("session_meta") { return sessionMeta(payload, lineInstant: _AgentText.instant(root["timestamp"])) }
        sawOther = true
        let ts = _AgentText.instant(root["timestamp"])
        if let ts { lastSessionMs = ts }
        let replayed = isFork && !replayDone && ts.map { isReplayed($0) } == true
        if type.stringEquals("turn_context") {
            if let m = payload["model"], let raw = m.rawStringBytes, raw.count > 0 { model = models.intern(m) }
            if !principalFromMeta, let cwd = payload["cwd"]?.string { principal = _AgentText.lastPathComponent(cwd) }
            return .decoded
        }
        guard let ptype = payload["type"] else { return .ignored }
        if type.stringEquals("event_msg") {
            if ptype.stringEquals("token_count") {
                if let ts { return tokenCount(payload, at: ts, replayed: replayed, line: line, into: &batch) }
                // no timestamp of its own (absent or null): the nearest preceding timestamped
                // record of the session (`CONTRACT.md`, "Time")
                let own = root["timestamp"]
                guard own == nil || own?.kind == .null, let at = lastSessionMs else { return .undecodable }
                let replayedAt = isFork && !replayDone && isReplayed(at)
                let before = batch.llmCalls.count
                let d = tokenCount(payload, at: at, replayed: replayedAt, line: line, into: &batch)
                if batch.llmCalls.count > before { batch.inferredInstants += 1 }
                return d
            }
            if ptype.stringEquals("exec_command_end") || ptype.stringEquals("mcp_tool_call_end") {
                guard let ts else { return .undecodable }
                return extendedEnd(payload, isExec: ptype.stringEquals("exec_command_end"), at: ts, into: &batch)
            }
            if ptype.stringEquals("turn_aborted"), let ts {
                pending._markInterrupted(at: ts)
                return .decoded
            }
            return .ignored
        }
        if type.stringEquals("response_item") {
            let isCall = ptype.stringEquals("function_call")
            if isCall || ptype.stringEquals("custom_tool_call") {
                guard let ts else { return .undecodable }
                if replayed { return .decoded }  // inherited history: not a call of this session
                return toolRequest(payload, arguments: payload[isCall ? "arguments" : "input"], at: ts, line: line)
            }
            if ptype.stringEquals("function_call_output") || ptype.stringEquals("custom_tool_call_output") {
                guard let ts else { return .undecodable }
                return toolOutput(payload, at: ts, into: &batch)
            }
            return .ignored
        }
        return .ignored
    }

    public mutating func finish(into batch: inout EventBatch) {
        pending._flush(into: &batch)
    }

    // MARK: - Session

    /// True when a fork's record at `ts` belongs to the replayed parent history (see the type
    /// doc); the first record that does not ends the replay.
    mutating func isReplayed(_ ts: Int64) -> Bool {
        if let start = sessionStartMs, ts < start {
            replayLastMs = max(replayLastMs ?? ts, ts)
            return true
        }
        let previous = replayLastMs ?? sessionStartMs ?? ts
        if ts >= previous && ts - previous <= Self.replayGapMs || ts < previous {
            replayLastMs = max(previous, ts)
            return true
        }
        replayDone = true
        return false
    }

    mutating func sessionMeta(_ p: JSONValue, lineInstant: Int64?) -> LineDisposition {
        if haveMeta && !sawOther {
            // second session_meta at the start: the parent of a fork (§2.2, ccusage #1349)
            isFork = true
            return .decoded
        }
        if haveMeta {
            // a new session in the same file: fresh counters
            baseline = nil
            isFork = false
            sessionStartMs = nil
            replayLastMs = nil
            replayDone = false
            model = ""
            principal = ""
            principalFromMeta = false
        }
        haveMeta = true
        sawOther = false
        session = p["id"]?.string ?? ""
        sessionStartMs = _AgentText.instant(p["timestamp"]) ?? lineInstant
        lastSessionMs = lineInstant ?? sessionStartMs
        if let cwd = p["cwd"]?.string {
            principal = _AgentText.lastPathComponent(cwd)
            principalFromMeta = true
        }
        if let f = p["forked_from_id"], f.kind == .string { isFork = true }
        if let src = p["source"], src.kind == .object, src["subagent"] != nil { isFork = true }
        return .decoded
    }

    // MARK: - Tokens

    mutating func tokenCount(_ p: JSONValue, at ts: Int64, replayed: Bool, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard let info = p["info"], info.kind == .object, let tot = info["total_token_usage"], tot.kind == .object
        else { return .ignored }
        // an implausible counter (`Plausible.tokens`) rejects the line and leaves the baseline
        guard let cur = _CodexUsage(tot) else { return .undecodable }
        if replayed {
            baseline = cur
            return .decoded
        }
        let base = baseline ?? _CodexUsage()
        let delta: _CodexUsage
        if cur.total > base.total {
            delta = cur.minus(base)
        } else if cur.total == base.total {
            baseline = cur
            return .decoded
        } else if let last = info["last_token_usage"], last.kind == .object {
            guard let l = _CodexUsage(last) else { return .undecodable }
            delta = l
        } else {
            baseline = cur
            return .decoded
        }
        baseline = cur
        var call = LLMCall(instantMs: ts)
        call.provider = "openai"
        if let m = info["model"], let raw = m.rawStringBytes, raw.count > 0 {
            call.model = models.intern(m)
        } else {
            call.model = model
        }
        call.principal = principal
        call.session = session
        let cached = min(max(0, delta.cached), max(0, delta.input))
        call.inputTokens = max(0, delta.input) - cached
        call.cacheReadTokens = cached
        call.outputTokens = max(0, delta.output)
        call.reasoningTokens = min(max(0, delta.reasoning), call.outputTokens)
        guard call.totalTokens > 0 else { return .decoded }
        batch.llmCalls.append(call)
        batch.llmCallLines.append(line)
        return .decoded
    }

    // MARK: - Tools

    mutating func toolRequest(_ p: JSONValue, arguments: JSONValue?, at ts: Int64, line: Int) -> LineDisposition {
        guard let id = _AgentText.nonEmptyRaw(p["call_id"]) else { return .ignored }
        let key = _AgentText.idKey(id)
        guard pending[key] == nil else { return .ignored }
        var call = ToolCall(instantMs: ts)
        call.principal = principal
        call.session = session
        let name = p["name"]
        call.tool = tools.intern(name)
        call.argumentsHash = _AgentText.argumentsHash(arguments)
        // A replay of this request in another rollout (a fork or resume the replay rule did not
        // catch) repeats `call_id`, name and argument bytes: the same key, whatever the session.
        let nameBytes = name?.rawStringBytes ?? _AgentText.emptyBytes
        let (toolKey, permissionKey) = withUnsafeBytes(of: call.argumentsHash.littleEndian) { args in
            (_AgentText.key("codex/tool", id, nameBytes, args), _AgentText.key("codex/permission", id, nameBytes, args))
        }
        call.dedup = .tool(key: toolKey, isSidechain: isFork, outcome: .unknown)
        call.line = line
        pending[key] = _PendingTool(seq: seq, call: call, permissionKey: permissionKey)
        seq += 1
        return .decoded
    }

    mutating func toolOutput(_ p: JSONValue, at ts: Int64, into batch: inout EventBatch) -> LineDisposition {
        guard let id = _AgentText.nonEmptyRaw(p["call_id"]), let w = pending.removeValue(forKey: _AgentText.idKey(id))
        else { return .ignored }
        var r = _CodexResult()
        if let out = p["output"] { classifyOutput(out, into: &r) }
        complete(w, result: r, at: ts, into: &batch)
        return .decoded
    }

    mutating func extendedEnd(_ p: JSONValue, isExec: Bool, at ts: Int64, into batch: inout EventBatch) -> LineDisposition {
        guard let id = _AgentText.nonEmptyRaw(p["call_id"]), let w = pending.removeValue(forKey: _AgentText.idKey(id))
        else { return .ignored }
        var r = _CodexResult()
        if let d = p["duration"], d.kind == .object {
            let secs = d["secs"]?.int64 ?? 0
            let nanos = d["nanos"]?.int64 ?? 0
            r.durationMs = Plausible.durationMs(Double(secs) * 1000 + Double(nanos) / 1e6)
        }
        if isExec {
            if p["status"]?.stringEquals("declined") == true {
                r.outcome = .denied
                r.reason = .userRejected
            } else if let code = p["exit_code"]?.int64 {
                r.outcome = code == 0 ? .ok : .error
            } else if p["status"]?.stringEquals("failed") == true {
                r.outcome = .error
            }
        } else if let res = p["result"] {
            if res["Err"] != nil || res["Ok"]?["isError"]?.bool == true { r.outcome = .error }
        }
        complete(w, result: r, at: ts, into: &batch)
        return .decoded
    }

    func complete(_ w: _PendingTool, result r: _CodexResult, at ts: Int64, into batch: inout EventBatch) {
        var call = w.call
        call._settle(r.outcome)
        call.endMs = ts
        if let d = r.durationMs {
            call.durationMs = d
        } else if ts >= call.instantMs {
            call.durationMs = Plausible.durationMs(Double(ts - call.instantMs))
        }
        batch.toolCalls.append(call)
        if let reason = r.reason { batch.permissions.append(w.denial(of: call, reason: reason)) }
    }

    /// Outcome and recorded duration of a `function_call_output` / `custom_tool_call_output`.
    mutating func classifyOutput(_ out: JSONValue, into r: inout _CodexResult) {
        if out.kind == .array {
            // [{"type":"output_text","text":"…"}]: only denial markers are read
            out.forEachElement { el in
                guard let raw = el["text"]?.rawStringBytes else { return true }
                if let reason = Self.denialReason(raw) {
                    r.outcome = .denied
                    r.reason = reason
                }
                return false
            }
            return
        }
        guard let raw = out.rawStringBytes else { return }
        if let reason = Self.denialReason(raw) {
            r.outcome = .denied
            r.reason = reason
            return
        }
        // newer freeform: "Exit code: N\nWall time: S seconds\nOutput:\n…"
        if _AgentText.hasPrefix(raw, "Exit code: ") {
            if let code = _AgentText.integer(raw, at: 11) { r.outcome = code == 0 ? .ok : .error }
            if let w = _AgentText.find(raw, "Wall time: ", limit: 256), let s = _AgentText.decimal(raw, at: w + 11) {
                r.durationMs = Plausible.durationMs(s * 1000)
            }
            return
        }
        // older: a JSON-encoded {"output":…,"metadata":{"exit_code":N,"duration_seconds":S}}
        if _AgentText.hasPrefix(raw, "{\\\""), _AgentText.find(raw, "\\\"exit_code\\\"") != nil {
            _AgentText.unescape(raw, into: &scratch)
            scratch.withUnsafeBytes { bytes in
                guard case .success(let doc) = JSONDocument.parse(bytes), let meta = doc["metadata"], meta.kind == .object
                else { return }
                if let code = meta["exit_code"]?.int64 { r.outcome = code == 0 ? .ok : .error }
                if let s = meta["duration_seconds"]?.double, let d = Plausible.durationMs(s * 1000) { r.durationMs = d }
            }
        }
    }

    /// The §2.4 denial strings, matched at the start of the output (raw bytes).
    static func denialReason(_ raw: UnsafeRawBufferPointer) -> PermissionReason? {
        func p(_ s: StaticString) -> Bool { _AgentText.hasPrefix(raw, s) }
        if p("exec command rejected by user") || p("patch rejected by user")
            || p("same tool request was already denied in this turn")
        {
            return .userRejected
        }
        if p("sandbox denied exec error") { return .sandbox }
        if p("approval required by policy") || p("approval policy is ") || p("patch rejected: writing outside of the project")
            || p("Execution denied: ")
        {
            return .policyRule
        }
        if p("Network access to "), _AgentText.find(raw, "is blocked by policy", limit: 2048) != nil { return .policyRule }
        if p("`"), _AgentText.find(raw, "` rejected: policy forbids commands", limit: 8192) != nil { return .policyRule }
        if p("Command blocked by PreToolUse hook: ") { return .hook }
        if p("This action was rejected due to unacceptable risk.") { return .classifier }
        return nil
    }
}

/// One Codex `TokenUsage` snapshot (§2.3): cached ⊆ input, reasoning ⊆ output.
struct _CodexUsage {
    var input: Int64 = 0
    var cached: Int64 = 0
    var output: Int64 = 0
    var reasoning: Int64 = 0
    /// `total_tokens`, or input + output when absent.
    var total: Int64 = 0

    init() {}

    /// Reads a snapshot; nil when a count is not a plausible token count (`Plausible.tokens`:
    /// negative, fractional, above 2^40). Every field then lies in 0…2^40, so `minus` and
    /// `input + output` cannot overflow.
    init?(_ v: JSONValue) {
        var bad = false
        input = Plausible.tokens(v["input_tokens"], &bad) ?? 0
        cached = Plausible.tokens(v["cached_input_tokens"], &bad) ?? 0
        output = Plausible.tokens(v["output_tokens"], &bad) ?? 0
        reasoning = Plausible.tokens(v["reasoning_output_tokens"], &bad) ?? 0
        let t = Plausible.tokens(v["total_tokens"], &bad)
        if bad { return nil }
        total = t ?? (input + output)
    }

    /// Field-wise difference (each in −2^40…2^40 for snapshots read by `init?(_:)`).
    func minus(_ b: _CodexUsage) -> _CodexUsage {
        var d = _CodexUsage()
        d.input = input - b.input
        d.cached = cached - b.cached
        d.output = output - b.output
        d.reasoning = reasoning - b.reasoning
        d.total = total - b.total
        return d
    }
}

/// What a Codex tool result says.
struct _CodexResult {
    var outcome: ToolOutcome = .ok
    var reason: PermissionReason? = nil
    var durationMs: Double? = nil
}
