/// Decoder for Claude Code session transcripts (`~/.claude/projects/<slug>/<sessionId>.jsonl`)
/// and the headless `result` record (`formats/AGENTS.md` §1).
///
/// ### Records read
///
///     {"type":"assistant","timestamp":"…Z","sessionId":"…","cwd":"/home/dev/shop","requestId":"req_…",
///      "isSidechain":false,"message":{"id":"msg_…","model":"claude-…","usage":{…},
///      "content":[{"type":"tool_use","id":"toolu_…","name":"Bash","input":{…}}]}}
///     {"type":"user","timestamp":"…Z","message":{"content":[{"type":"tool_result",
///      "tool_use_id":"toolu_…","is_error":true,"content":"…"}]},"toolUseResult":"User rejected tool use"}
///
/// * **llm_call** per assistant record with `message.usage` (§1.3): provider `anthropic`, team
///   empty, principal = last path component of `cwd`, session = `sessionId`, model
///   `message.model` as logged. Buckets are already disjoint (§0): `input_tokens`,
///   `cache_read_input_tokens` (missing/null = 0), `cache_creation_input_tokens` (the total,
///   which wins) apportioned by `cache_creation.ephemeral_1h_input_tokens` (capped at the total;
///   the rest is 5-minute), or the split's sum when the total is missing; `output_tokens`
///   (thinking included; no separate reasoning count). `costUSD` (older versions) is the logged
///   cost. A line without `type` but with an assistant `message` (older/ccusage shape) is read too.
///   Instant = `timestamp`; an assistant record without one (absent or null) takes the instant
///   of the nearest preceding timestamped record with the same `sessionId` (as ccusage does),
///   counted in `EventBatch.inferredInstants`; with no such record, or an unreadable
///   timestamp, the line is undecodable.
/// * `isApiErrorMessage: true` (model `<synthetic>`): a failed llm_call with zero tokens (§1.3),
///   attributed to the last real model of the file when there is one; `"API Error: NNN"` gives
///   the HTTP status, 429 and `"Claude AI usage limit reached"` give `rate_limited`. Other
///   `<synthetic>` records carry no usage and add nothing.
/// * **De-duplication** (`CONTRACT.md`, §1.5): one response is written on several lines with the
///   same usage, so every llm_call carries a `DedupClaim`: key = (`message.id`, `requestId`)
///   namespaced `claude_code`; (`sessionId`, `message.id`) namespaced `claude_code/session` when
///   `requestId` is missing; (`requestId`) namespaced `claude_code/request` when only it exists;
///   nil when neither id exists (counted as it stands). `messageKey` = (`message.id`) namespaced
///   `claude_code/message`. `isSidechain` = `isSidechain: true` or a path containing
///   `/subagents/`. `rank` = (sidechain ? 0 : 2^40) + token total, so the non-sidechain record,
///   then the larger total, wins. Analyze resolves claims across lines, files and runs.
/// * **tool_call**: `tool_use` blocks joined by `id` to `tool_result` blocks (`tool_use_id`) of
///   later user records. Instant = the `tool_use` record's timestamp, end = the result record's
///   timestamp; duration = `toolUseResult.durationMs` or the subagent `<usage>… duration_ms: N`
///   block when recorded (§1.3), else end − start. A repeated `tool_use` id within the file is
///   ignored (§1.5). MCP names `mcp__server__tool` → `server/tool`. `argumentsHash` hashes the raw
///   bytes of `input`. A result with no known request is ignored. **Copies** in other files
///   (`CONTRACT.md`, "Tool calls and permission decisions"): every call carries
///   `DedupClaim.tool` keyed (`sessionId`, `tool_use.id`) namespaced `claude_code/tool` (a
///   resumed session's new file keeps the original `sessionId` on the lines it copies, a
///   subagent file the parent's), sidechain as for llm calls, line = the `tool_use` line.
/// * **Outcomes** (§1.4, in this order): `toolDenialKind` (`user-rejected`, `automode-blocked`,
///   `permission-rule`) or `permissionDecision.decision == "reject"` (by `reasonType`, else
///   `source`) → denied; then, with `is_error: true` only: `toolUseResult == "User rejected tool
///   use"` → denied `user_rejected`; a prefix of the result text (an `"Error: "` prefix skipped,
///   the content first, then a string `toolUseResult`) → denied with the matching reason (user
///   rejection / don't-ask / deny rule / not granted / approval needed / classifier / hook) or
///   `cancelled` for `"[Request interrupted by user"`; otherwise `error` (`<tool_use_error>`
///   included). `toolUseResult.interrupted == true` → `cancelled`. Else `ok`. A call without a
///   result by the end of the file is `unknown`, or `cancelled` when a later user line says
///   `"[Request interrupted by user…"`. A hook's own reason text has no marker, so a hook deny
///   that carries only that text reads as a tool error (samples `claude-code-denials` line 6).
/// * **permission_decision** for every denied call: subject = tool name, the call's principal,
///   instant = the request's (the call and its denial fall on the same day); keyed like its
///   call under `claude_code/permission` (`DedupClaim.permission`).
/// * Headless `"type":"result"` (§1.8): adds no llm_call (its usage repeats the transcript's).
///   Its `permission_denials[]` (`tool_name`, `tool_use_id`) deny a still-waiting call of this
///   file (`policy_rule`: not pre-approved); an id never seen in the file gives a
///   permission_decision only, at the file's last instant, keyed (`session_id`, `tool_use_id`)
///   under `claude_code/permission` with the `result` line.
/// * `system`, `summary`, `progress`, snapshots and unknown types are ignored (§1.2). `progress`
///   lines embed subagent messages that the subagent file also holds; they are not counted.
public struct ClaudeCodeDecoder: LogDecoder {
    public let context: DecoderContext
    /// The file lies under a `subagents/` folder: every record is a sidechain copy (§1.1, §1.5).
    let pathIsSubagent: Bool

    var models = _AgentInterner()
    var sessions = _AgentInterner()
    var principals = _AgentInterner(transform: _AgentText.lastPathComponent)
    var tools = _AgentInterner(transform: _AgentText.toolName)

    var pending: [DedupKey: _PendingTool] = [:]
    /// Every `tool_use` id seen in this file (waiting or resolved).
    var seenToolUses: Set<DedupKey> = []
    var seq = 0
    /// The last real (non-`<synthetic>`) model of the file, for API-error records.
    var lastModel = ""
    var lastInstantMs: Int64? = nil
    /// The instant of the last timestamped record of each session (by interned `sessionId`),
    /// for usage records without a timestamp of their own.
    var lastInstantBySession: [String: Int64] = [:]
    var lastPrincipal = ""

    public init(context: DecoderContext) {
        self.context = context
        self.pathIsSubagent = context.path.contains("/subagents/")
    }

    /// Record types of the transcript format (§1.2) that are recognised when they carry a
    /// transcript id (`uuid`, `sessionId`, `messageId` or `leafUuid`).
    static func isKnownOtherType(_ t: JSONValue) -> Bool {
        t.stringEquals("system") || t.stringEquals("summary") || t.stringEquals("progress")
            || t.stringEquals("file-history-snapshot") || t.stringEquals("queue-operation")
            || t.stringEquals("attachment") || t.stringEquals("turn_end") || t.stringEquals("ai-title")
    }

    /// True for a transcript record: `type` `user`/`assistant` with a `message` object; another
    /// transcript type (§1.2) with a transcript id; a headless `result` with `session_id` and
    /// `num_turns`/`duration_ms` (§1.8); or, without `type`, a `message` object with `usage` or
    /// `role` next to `sessionId` (older lines). Gateway records carry none of these shapes.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object else { return false }
        if let t = root["type"] {
            if t.stringEquals("user") || t.stringEquals("assistant") {
                return root["message"]?.kind == .object
            }
            if t.stringEquals("result") {
                return root["session_id"] != nil && (root["num_turns"] != nil || root["duration_ms"] != nil)
            }
            if isKnownOtherType(t) {
                return root["uuid"] != nil || root["sessionId"] != nil || root["leafUuid"] != nil
                    || root["messageId"] != nil
            }
            return false
        }
        guard let m = root["message"], m.kind == .object, root["sessionId"] != nil else { return false }
        return m["usage"] != nil || m["role"] != nil
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        let f = _ClaudeLine(root)
        if let ts = _AgentText.instant(f.timestamp) {
            lastInstantMs = max(lastInstantMs ?? ts, ts)
            if let sid = f.sessionId, sid.kind == .string { lastInstantBySession[sessions.intern(sid)] = ts }
        }
        if let t = f.type {
            if t.stringEquals("assistant") { return decodeAssistant(f, line: line, into: &batch) }
            if t.stringEquals("user") { return decodeUser(f, into: &batch) }
            if t.stringEquals("result") { return decodeResult(f, line: line, into: &batch) }
            return .ignored
        }
        guard let m = f.message, m.kind == .object else { return .undecodable }
        if let role = m["role"] {
            if role.stringEquals("assistant") { return decodeAssistant(f, line: line, into: &batch) }
            if role.stringEquals("user") { return decodeUser(f, into: &batch) }
            return .ignored
        }
        return m["usage"] != nil ? decodeAssistant(f, line: line, into: &batch) : .ignored
    }

    public mutating func finish(into batch: inout EventBatch) {
        pending._flush(into: &batch)
    }

    // MARK: - Assistant records

    mutating func decodeAssistant(_ f: _ClaudeLine, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard let msg = f.message, msg.kind == .object else { return .ignored }
        let session = sessions.intern(f.sessionId)
        // No timestamp of its own (absent or null, not unreadable): the instant of the nearest
        // preceding timestamped record of the same session (`CONTRACT.md`, "Time").
        var inferred = false
        let ts: Int64
        if let t = _AgentText.instant(f.timestamp) {
            ts = t
        } else if f.timestamp == nil || f.timestamp?.kind == .null, let t = lastInstantBySession[session] {
            ts = t
            inferred = true
        } else {
            return .undecodable
        }
        let principal = principals.intern(f.cwd)
        if f.cwd != nil { lastPrincipal = principal }
        let sidechain = pathIsSubagent || f.isSidechain?.bool == true
        var produced = false

        // tool_use blocks → waiting tool calls
        if let content = msg["content"], content.kind == .array {
            content.forEachElement { block in
                guard block["type"]?.stringEquals("tool_use") == true,
                    let id = _AgentText.nonEmptyRaw(block["id"])
                else { return true }
                let key = _AgentText.idKey(id)
                guard seenToolUses.insert(key).inserted else { return true }
                var call = ToolCall(instantMs: ts)
                call.principal = principal
                call.session = session
                call.tool = tools.intern(block["name"])
                call.argumentsHash = _AgentText.argumentsHash(block["input"])
                // Copies of this request in other files (resumed sessions keep the original
                // `sessionId` on copied lines; subagent files carry the parent's) share the key.
                let sid = f.sessionId?.rawStringBytes ?? _AgentText.emptyBytes
                call.dedup = .tool(key: _AgentText.key("claude_code/tool", sid, id), isSidechain: sidechain, outcome: .unknown)
                call.line = line
                pending[key] = _PendingTool(seq: seq, call: call, permissionKey: _AgentText.key("claude_code/permission", sid, id))
                seq += 1
                produced = true
                return true
            }
        }

        let isApiError = f.isApiErrorMessage?.bool == true
        let modelValue = msg["model"]
        let synthetic = modelValue?.stringEquals("<synthetic>") == true
        let usage = msg["usage"]
        guard isApiError || (!synthetic && usage?.kind == .object) else {
            if produced && inferred { batch.inferredInstants += 1 }
            return produced ? .decoded : .ignored
        }

        var call = LLMCall(instantMs: ts)
        call.provider = "anthropic"
        call.principal = principal
        call.session = session
        if synthetic || modelValue == nil {
            call.model = isApiError && !lastModel.isEmpty ? lastModel : (synthetic ? "<synthetic>" : "")
        } else {
            call.model = models.intern(modelValue)
            lastModel = call.model
        }
        if isApiError {
            Self.readApiError(msg, into: &call)
        } else if let u = usage {
            // an implausible count rejects the line; tool uses already read stay pending
            guard Self.readUsage(u, into: &call) else { return .undecodable }
            GatewaySupport.readPricingContext(u, into: &call)
            call.loggedCostUSD = f.costUSD?.double
        }
        call.dedup = Self.claim(f, message: msg, isSidechain: sidechain, total: call.totalTokens)
        if inferred { batch.inferredInstants += 1 }
        batch.llmCalls.append(call)
        batch.llmCallLines.append(line)
        return .decoded
    }

    /// Disjoint Anthropic buckets (§0, §1.3).
    /// - Returns: false when a count is not a plausible token count (`Plausible.tokens`:
    ///   negative, fractional, above 2^40): the record is undecodable.
    static func readUsage(_ u: JSONValue, into call: inout LLMCall) -> Bool {
        var bad = false
        let input = Plausible.tokens(u["input_tokens"], &bad) ?? 0
        let reads = Plausible.tokens(u["cache_read_input_tokens"], &bad) ?? 0
        let output = Plausible.tokens(u["output_tokens"], &bad) ?? 0
        let total = Plausible.tokens(u["cache_creation_input_tokens"], &bad)
        var m5: Int64 = 0, h1: Int64 = 0
        if let split = u["cache_creation"], split.kind == .object {
            m5 = Plausible.tokens(split["ephemeral_5m_input_tokens"], &bad) ?? 0
            h1 = Plausible.tokens(split["ephemeral_1h_input_tokens"], &bad) ?? 0
        }
        guard !bad else { return false }
        call.inputTokens = input
        call.cacheReadTokens = reads
        call.outputTokens = output
        // The total wins; the split only apportions it (CONTRACT.md "Money", cache-write split):
        // 1h writes are at most the total, the rest of the total is 5m writes. Without a total the
        // split is the count.
        if let total {
            let oneHour = min(h1, total)
            call.cacheWrite1hTokens = oneHour
            call.cacheWrite5mTokens = total - oneHour
        } else {
            call.cacheWrite5mTokens = m5
            call.cacheWrite1hTokens = h1
        }
        return true
    }

    /// Cache writes by rate when `cache_creation_input_tokens` (the total) and the
    /// `cache_creation.ephemeral_5m/1h_input_tokens` split disagree (`CONTRACT.md`, "Cache
    /// writes"; `formats/AGENTS.md` §0: the total *is* the sum when both agree): the total wins
    /// and the split only apportions it. The 1-hour part is the split's 1-hour count capped at
    /// the total; the rest of the total is 5-minute writes (so a split smaller than the total
    /// bills the remainder at the 5-minute rate, and a larger one is cut down). Without a total
    /// the split's sum stands. All counts are in 0…2^40 (`Plausible.tokens`).
    static func apportionCacheWrites(total: Int64?, split5m: Int64, split1h: Int64) -> (m5: Int64, h1: Int64) {
        guard let total else { return (split5m, split1h) }
        let h1 = min(split1h, total)
        return (total - h1, h1)
    }

    /// A locally generated API-error record: zero tokens, outcome from its text (§1.3).
    static func readApiError(_ msg: JSONValue, into call: inout LLMCall) {
        call.outcome = .error
        guard let content = msg["content"], let text = firstText(content), let raw = text.rawStringBytes else { return }
        if _AgentText.hasPrefix(raw, "API Error: "), let status = _AgentText.integer(raw, at: 11), (100...599).contains(status) {
            call.httpStatus = Int(status)
            if status == 429 { call.outcome = .rateLimited }
        } else if _AgentText.hasPrefix(raw, "Claude AI usage limit reached") {
            call.outcome = .rateLimited
        }
    }

    /// The de-duplication claim of an assistant record (see the type doc).
    static func claim(_ f: _ClaudeLine, message msg: JSONValue, isSidechain: Bool, total: Int64) -> DedupClaim? {
        let mid = _AgentText.nonEmptyRaw(msg["id"])
        let rid = _AgentText.nonEmptyRaw(f.requestId)
        let key: DedupKey
        if let mid, let rid {
            key = _AgentText.key("claude_code", mid, rid)
        } else if let mid {
            let sid = f.sessionId?.rawStringBytes ?? _AgentText.emptyBytes
            key = _AgentText.key("claude_code/session", sid, mid)
        } else if let rid {
            key = _AgentText.key("claude_code/request", rid)
        } else {
            return nil
        }
        let messageKey = mid.map { _AgentText.key("claude_code/message", $0) }
        let rank = (isSidechain ? 0 : Int64(1) << 40) + total
        return DedupClaim(key: key, messageKey: messageKey, isSidechain: isSidechain, rank: rank)
    }

    // MARK: - User records (tool results, interrupts)

    mutating func decodeUser(_ f: _ClaudeLine, into batch: inout EventBatch) -> LineDisposition {
        guard let msg = f.message, let content = msg["content"] else { return .ignored }
        guard let ts = _AgentText.instant(f.timestamp) else { return .undecodable }
        if let raw = content.rawStringBytes {
            if _AgentText.hasPrefix(raw, "[Request interrupted by user") {
                pending._markInterrupted(at: ts)
                return .decoded
            }
            return .ignored
        }
        guard content.kind == .array else { return .ignored }
        var produced = false
        content.forEachElement { block in
            guard let type = block["type"] else { return true }
            if type.stringEquals("tool_result") {
                if resolve(block, f, at: ts, into: &batch) { produced = true }
            } else if type.stringEquals("text"), let raw = block["text"]?.rawStringBytes,
                _AgentText.hasPrefix(raw, "[Request interrupted by user")
            {
                pending._markInterrupted(at: ts)
                produced = true
            }
            return true
        }
        return produced ? .decoded : .ignored
    }

    /// Joins one `tool_result` block to its waiting call. - Returns: true when a call was emitted.
    mutating func resolve(_ block: JSONValue, _ f: _ClaudeLine, at ts: Int64, into batch: inout EventBatch) -> Bool {
        guard let id = _AgentText.nonEmptyRaw(block["tool_use_id"]),
            let p = pending.removeValue(forKey: _AgentText.idKey(id))
        else { return false }
        var call = p.call
        let (outcome, reason) = Self.classify(block, f)
        call._settle(outcome)
        call.endMs = ts
        if let recorded = Self.recordedDuration(block, f) {
            call.durationMs = recorded
        } else if ts >= call.instantMs {
            call.durationMs = Plausible.durationMs(Double(ts - call.instantMs))
        }
        batch.toolCalls.append(call)
        if let reason { batch.permissions.append(p.denial(of: call, reason: reason)) }
        return true
    }

    /// The outcome of one tool result (§1.4 order; see the type doc).
    static func classify(_ block: JSONValue, _ f: _ClaudeLine) -> (ToolOutcome, PermissionReason?) {
        if let kind = f.toolDenialKind {
            if kind.stringEquals("user-rejected") { return (.denied, .userRejected) }
            if kind.stringEquals("automode-blocked") { return (.denied, .classifier) }
            if kind.stringEquals("permission-rule") { return (.denied, .policyRule) }
        }
        if let pd = f.permissionDecision, pd.kind == .object, pd["decision"]?.stringEquals("reject") == true {
            return (.denied, decisionReason(pd))
        }
        let toolUseResult = f.toolUseResult
        if block["is_error"]?.bool == true {
            if toolUseResult?.stringEquals("User rejected tool use") == true { return (.denied, .userRejected) }
            if let text = firstText(block["content"]), let raw = text.rawStringBytes, let r = markerOutcome(raw) {
                return r
            }
            if let raw = toolUseResult?.rawStringBytes, let r = markerOutcome(raw) { return r }
            if toolUseResult?["interrupted"]?.bool == true { return (.cancelled, nil) }
            return (.error, nil)
        }
        if toolUseResult?["interrupted"]?.bool == true { return (.cancelled, nil) }
        return (.ok, nil)
    }

    /// `permissionDecision {decision:"reject", source, reasonType}` → reason (§1.3).
    static func decisionReason(_ pd: JSONValue) -> PermissionReason {
        if let rt = pd["reasonType"] {
            if rt.stringEquals("rule") { return .policyRule }
            if rt.stringEquals("classifier") { return .classifier }
            if rt.stringEquals("hook") { return .hook }
        }
        if let s = pd["source"] {
            if s.stringEquals("hook") { return .hook }
            if s.stringEquals("classifier") { return .classifier }
            if s.stringEquals("config") { return .policyRule }
            if let raw = s.rawStringBytes, _AgentText.hasPrefix(raw, "user") { return .userRejected }
        }
        return .policyRule
    }

    /// Prefix markers of §1.4 on a result text (raw bytes; an `"Error: "` prefix skipped).
    /// - Returns: nil when no marker matches (a plain tool error).
    static func markerOutcome(_ raw: UnsafeRawBufferPointer) -> (ToolOutcome, PermissionReason?)? {
        let o = _AgentText.hasPrefix(raw, "Error: ") ? 7 : 0
        func p(_ s: StaticString) -> Bool { _AgentText.hasPrefix(raw, at: o, s) }
        if p("The user doesn't want to proceed with this tool use") || p("The user doesn't want to take this action right now") {
            return (.denied, .userRejected)
        }
        // deny rule ("Permission to use Bash with command … has been denied.") and don't-ask mode
        // ("Permission to use Bash has been denied because Claude Code is running in don't ask mode.")
        if p("Permission to use ") { return (.denied, .policyRule) }
        if p("Claude requested permissions to ") { return (.denied, .policyRule) }
        if p("This command requires approval") || p("This Bash command contains multiple operations. The following part requires approval") {
            return (.denied, .policyRule)
        }
        if p("Permission for this action was denied by the Claude Code auto mode classifier") { return (.denied, .classifier) }
        // "Hook PreToolUse:<Tool> denied this tool", "PreToolUse:Bash hook error: …",
        // "PreToolUse hook did not respond before its timeout …"
        if p("Hook PreToolUse:") || p("PreToolUse") { return (.denied, .hook) }
        if p("[Request interrupted by user") { return (.cancelled, nil) }
        return nil
    }

    /// A duration the record states: `toolUseResult.durationMs`, else a subagent result's
    /// `<usage>… duration_ms: N</usage>` block (§1.3). In ms.
    static func recordedDuration(_ block: JSONValue, _ f: _ClaudeLine) -> Double? {
        if let tur = f.toolUseResult, tur.kind == .object, let d = Plausible.durationMs(tur["durationMs"]?.double) { return d }
        guard let content = block["content"] else { return nil }
        var found: Double? = nil
        func scan(_ v: JSONValue) {
            guard found == nil, let raw = v.rawStringBytes, let u = _AgentText.find(raw, "<usage>"),
                let k = _AgentText.find(raw, "duration_ms: ", from: u)
            else { return }
            if let n = _AgentText.integer(raw, at: k + 13), let d = Plausible.durationMs(Double(n)) { found = d }
        }
        if content.kind == .string {
            scan(content)
        } else {
            content.forEachElement { el in
                if el["type"]?.stringEquals("text") == true, let t = el["text"] { scan(t) }
                return found == nil
            }
        }
        return found
    }

    /// The text of a content value: the string itself, or the first `{type:"text",text}` element.
    static func firstText(_ content: JSONValue?) -> JSONValue? {
        guard let content else { return nil }
        if content.kind == .string { return content }
        var found: JSONValue? = nil
        content.forEachElement { el in
            if el["type"]?.stringEquals("text") == true, let t = el["text"], t.kind == .string {
                found = t
                return false
            }
            return true
        }
        return found
    }

    // MARK: - Headless result

    mutating func decodeResult(_ f: _ClaudeLine, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard let denials = f.permissionDenials, denials.kind == .array else { return .ignored }
        var produced = false
        let ts = _AgentText.instant(f.timestamp) ?? lastInstantMs
        denials.forEachElement { d in
            if let id = _AgentText.nonEmptyRaw(d["tool_use_id"]) {
                let key = _AgentText.idKey(id)
                if var p = pending.removeValue(forKey: key) {
                    p.call._settle(.denied)
                    batch.toolCalls.append(p.call)
                    batch.permissions.append(p.denial(of: p.call, reason: .policyRule))
                    produced = true
                    return true
                }
                if seenToolUses.contains(key) { return true }  // already resolved from the stream
            }
            guard let ts else { return true }
            var pd = PermissionDecision(instantMs: ts, reason: .policyRule)
            pd.principal = lastPrincipal
            pd.subject = tools.intern(d["tool_name"])
            if let id = _AgentText.nonEmptyRaw(d["tool_use_id"]) {
                // keyed like the denial of the request it names, in whichever file holds that
                let sid = f.sessionIdSnake?.rawStringBytes ?? f.sessionId?.rawStringBytes ?? _AgentText.emptyBytes
                pd.dedup = .permission(key: _AgentText.key("claude_code/permission", sid, id), isSidechain: pathIsSubagent)
                pd.line = line
            }
            batch.permissions.append(pd)
            produced = true
            return true
        }
        return produced ? .decoded : .ignored
    }
}

/// The top-level members of one transcript line that the decoder reads, found in one pass over
/// the object (a lookup per field would cross the large `message` value every time).
/// Duplicate keys: the first wins, as with `JSONValue` subscripts.
struct _ClaudeLine {
    var type: JSONValue? = nil
    var timestamp: JSONValue? = nil
    var sessionId: JSONValue? = nil
    var cwd: JSONValue? = nil
    var message: JSONValue? = nil
    var requestId: JSONValue? = nil
    var isSidechain: JSONValue? = nil
    var isApiErrorMessage: JSONValue? = nil
    var costUSD: JSONValue? = nil
    var toolUseResult: JSONValue? = nil
    var toolDenialKind: JSONValue? = nil
    var permissionDecision: JSONValue? = nil
    var permissionDenials: JSONValue? = nil
    /// `session_id` of a headless `result` record (§1.8).
    var sessionIdSnake: JSONValue? = nil

    init(_ root: JSONValue) {
        root.forEachMember { k, v in
            switch k.end - k.start - 2 {
            case 3: if cwd == nil, k.equals("cwd") { cwd = v }
            case 4: if type == nil, k.equals("type") { type = v }
            case 7:
                if message == nil, k.equals("message") { message = v }
                else if costUSD == nil, k.equals("costUSD") { costUSD = v }
            case 9:
                if timestamp == nil, k.equals("timestamp") { timestamp = v }
                else if sessionId == nil, k.equals("sessionId") { sessionId = v }
                else if requestId == nil, k.equals("requestId") { requestId = v }
            case 10: if sessionIdSnake == nil, k.equals("session_id") { sessionIdSnake = v }
            case 11: if isSidechain == nil, k.equals("isSidechain") { isSidechain = v }
            case 13: if toolUseResult == nil, k.equals("toolUseResult") { toolUseResult = v }
            case 14: if toolDenialKind == nil, k.equals("toolDenialKind") { toolDenialKind = v }
            case 17: if isApiErrorMessage == nil, k.equals("isApiErrorMessage") { isApiErrorMessage = v }
            case 18:
                if permissionDecision == nil, k.equals("permissionDecision") { permissionDecision = v }
                else if permissionDenials == nil, k.equals("permission_denials") { permissionDenials = v }
            default: break
            }
            return true
        }
    }
}
