/// The Gemini CLI chat-recording decoder: `~/.gemini/tmp/<projectHash>/chats/session-*.jsonl`
/// (and the legacy one-document `.json` per session), `formats/AGENTS.md` §3.2. The records'
/// shape is `chatRecordingTypes.ts` of google-gemini/gemini-cli; the sample is ccusage's test
/// fixture.
///
/// ### Records read
///
///     {"sessionId":"…","projectHash":"…","startTime":"…Z","kind":"main"}          metadata
///     {"$set":{"sessionId":…,"projectHash":…}}                                    metadata update
///     {"id":"msg-a","timestamp":"…Z","type":"gemini","model":"gemini-…",
///      "tokens":{"input":…,"output":…,"cached":…,"thoughts":…,"tool":…,"total":…},
///      "toolCalls":[{"id":…,"name":…,"args":{…},"result":…,"status":"success","timestamp":…}]}
///     {"sessionId":…,"projectHash":…,"messages":[…]}                              legacy file
///
/// * **llm_call** per `gemini` message with `tokens`: provider `gemini`, model `model`, session
///   `sessionId`, principal the project (`projectHash`: the chat file names no working
///   directory), team empty, instant `timestamp`. Tokens (§0): `input` (promptTokenCount)
///   includes `cached`; `thoughts` is beside `output`; `tool` (toolUsePromptTokenCount) is prompt
///   input. So input = input − cached + tool, cache read = cached, output = output + thoughts
///   (reasoning = thoughts), and the disjoint total equals the record's `total`.
/// * **De-duplication**: a message is appended again with the same `id` whenever tokens or tool
///   calls are attached (§3.2: last wins by id); every call carries a `DedupClaim` keyed
///   (`sessionId`, `id`) namespaced `gemini_cli`, ranked by its token total, so the fuller copy
///   counts once. `$rewindTo` truncates the history but rewound messages were billed: kept.
/// * **tool_call** per `toolCalls[]` entry: tool `name`, instant the entry's `timestamp` (else the
///   message's), arguments hash of `args`; outcome from `status` (`CoreToolCallStatus`):
///   `success` ok; `error` error, or denied when the result holds the policy engine's
///   `Tool execution denied by policy` (`policy_rule`) or a hook's `Tool execution blocked:` /
///   `Agent execution stopped by hook:` (`hook`); `cancelled` denied `user_rejected` (§3.2: a user
///   rejection is `cancelled`); any other status (`validating`, `scheduled`, `executing`,
///   `awaiting_approval`) unknown. Keyed `DedupClaim.tool` (`sessionId`, tool call `id`)
///   namespaced `gemini_cli/tool` (the re-appended message repeats its tool calls: a copy with
///   its result seen beats one still waiting). A denied call gives a permission_decision keyed
///   like it (`gemini_cli/permission`), subject the tool.
/// * Other message types (`user`, `info`, `error`, `warning`) and `$rewindTo` add nothing.
public struct GeminiCLIDecoder: LogDecoder {
    public let context: DecoderContext
    /// The session's id as written (raw bytes) and decoded, and its project.
    var sessionRaw: [UInt8] = []
    var session = ""
    var project = ""
    var lastInstantMs: Int64? = nil

    public init(context: DecoderContext) { self.context = context }

    /// True for a metadata line (`sessionId` and `projectHash` strings), a legacy session document
    /// (also with `messages`), or a `gemini` message with a `tokens` or `toolCalls` member.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object else { return false }
        var session = false, project = false, gemini = false, payload = false
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("sessionId") { session = v.kind == .string }
            else if k("projectHash") { project = v.kind == .string }
            else if k("type") { gemini = v.stringEquals("gemini") }
            else if k("tokens") { payload = payload || v.kind == .object }
            else if k("toolCalls") { payload = payload || v.kind == .array }
            return true
        }
        return (session && project) || (gemini && payload)
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        var sessionId: JSONValue? = nil, projectHash: JSONValue? = nil, messages: JSONValue? = nil, set: JSONValue? = nil
        var type: JSONValue? = nil
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("sessionId") { sessionId = v }
            else if k("projectHash") { projectHash = v }
            else if k("messages") { messages = v }
            else if k("$set") { set = v }
            else if k("type") { type = v }
            return true
        }
        if let set, set.kind == .object {
            setMetadata(set["sessionId"], set["projectHash"])
            return .decoded
        }
        if type == nil, sessionId != nil || projectHash != nil {
            setMetadata(sessionId, projectHash)
            guard let messages, messages.kind == .array else { return .decoded }
            // the legacy one-document session file
            var bad = false
            messages.forEachElement { m in
                if decodeMessage(m, line: line, into: &batch) == .undecodable { bad = true }
                return true
            }
            return bad ? .undecodable : .decoded
        }
        return decodeMessage(root, line: line, into: &batch)
    }

    public mutating func finish(into batch: inout EventBatch) {}

    mutating func setMetadata(_ sessionId: JSONValue?, _ projectHash: JSONValue?) {
        if let s = sessionId, let raw = s.rawStringBytes {
            sessionRaw = Array(raw)
            session = GatewaySupport.string(s) ?? ""
        }
        if let p = projectHash, p.kind == .string { project = GatewaySupport.string(p) ?? "" }
    }

    mutating func decodeMessage(_ m: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard m.kind == .object else { return .ignored }
        var id: JSONValue? = nil, timestamp: JSONValue? = nil, type: JSONValue? = nil, model: JSONValue? = nil
        var tokens: JSONValue? = nil, toolCalls: JSONValue? = nil
        m.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            switch k.length {
            case 2: if k("id") { id = v }
            case 4: if k("type") { type = v }
            case 5: if k("model") { model = v }
            case 6: if k("tokens") { tokens = v }
            case 9: if k("timestamp") { timestamp = v } else if k("toolCalls") { toolCalls = v }
            default: break
            }
            return true
        }
        guard let type, type.stringEquals("gemini") else { return .ignored }
        let instant: Int64
        if let ts = GatewaySupport.present(timestamp) {
            guard let t = _AgentText.instant(ts) else { return .undecodable }
            instant = t
            lastInstantMs = t
        } else if let t = lastInstantMs {
            instant = t
            batch.inferredInstants += 1
        } else {
            return .undecodable
        }
        var produced = false

        if let tokens, tokens.kind == .object {
            var bad = false
            var input: Int64 = 0, output: Int64 = 0, cached: Int64 = 0, thoughts: Int64 = 0, tool: Int64 = 0
            tokens.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("input") { input = Plausible.tokens(v, &bad) ?? 0 }
                else if k("output") { output = Plausible.tokens(v, &bad) ?? 0 }
                else if k("cached") { cached = Plausible.tokens(v, &bad) ?? 0 }
                else if k("thoughts") { thoughts = Plausible.tokens(v, &bad) ?? 0 }
                else if k("tool") { tool = Plausible.tokens(v, &bad) ?? 0 }
                return true
            }
            guard !bad else { return .undecodable }
            var call = LLMCall(instantMs: instant)
            call.provider = "gemini"
            call.model = GatewaySupport.string(model) ?? ""
            call.session = session
            call.principal = project
            let reads = min(cached, input)
            call.inputTokens = input - reads + tool
            call.cacheReadTokens = reads
            call.outputTokens = output + thoughts
            call.reasoningTokens = thoughts
            if let idRaw = _AgentText.nonEmptyRaw(id) {
                call.dedup = sessionRaw.withUnsafeBytes { s in
                    DedupClaim(key: _AgentText.key("gemini_cli", s, idRaw), rank: call.totalTokens)
                }
            }
            batch.llmCalls.append(call)
            batch.llmCallLines.append(line)
            produced = true
        }

        if let toolCalls, toolCalls.kind == .array {
            toolCalls.forEachElement { e in
                if emitTool(e, messageInstant: instant, line: line, into: &batch) { produced = true }
                return true
            }
        }
        return produced ? .decoded : .ignored
    }

    /// One `toolCalls[]` entry → a tool call (and its denial). Returns true when it produced one.
    func emitTool(_ e: JSONValue, messageInstant: Int64, line: Int, into batch: inout EventBatch) -> Bool {
        guard e.kind == .object else { return false }
        var id: JSONValue? = nil, name: JSONValue? = nil, args: JSONValue? = nil, result: JSONValue? = nil
        var status: JSONValue? = nil, timestamp: JSONValue? = nil
        e.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("id") { id = v }
            else if k("name") { name = v }
            else if k("args") { args = v }
            else if k("result") { result = v }
            else if k("status") { status = v }
            else if k("timestamp") { timestamp = v }
            return true
        }
        guard let toolName = GatewaySupport.string(name) else { return false }
        var t = ToolCall(instantMs: _AgentText.instant(timestamp) ?? messageInstant)
        t.tool = toolName
        t.session = session
        t.principal = project
        t.argumentsHash = _AgentText.argumentsHash(args)
        var reason: PermissionReason? = nil
        if let s = status, s.kind == .string {
            if s.stringEquals("success") {
                t.outcome = .ok
            } else if s.stringEquals("error") {
                t.outcome = .error
                let raw = GatewaySupport.present(result)?.rawBytes ?? _AgentText.emptyBytes
                if _AgentText.find(raw, "Tool execution denied by policy") != nil {
                    reason = .policyRule
                } else if _AgentText.find(raw, "Tool execution blocked:") != nil
                    || _AgentText.find(raw, "Agent execution stopped by hook:") != nil
                {
                    reason = .hook
                }
            } else if s.stringEquals("cancelled") {
                reason = .userRejected
            }
        }
        if reason != nil { t.outcome = .denied }
        let idRaw = _AgentText.nonEmptyRaw(id)
        if let idRaw {
            let key = sessionRaw.withUnsafeBytes { s in _AgentText.key("gemini_cli/tool", s, idRaw) }
            t.dedup = DedupClaim.tool(key: key, isSidechain: false, outcome: t.outcome)
            t.line = line
        }
        batch.toolCalls.append(t)
        if let reason {
            var p = PermissionDecision(instantMs: t.instantMs, reason: reason)
            p.principal = project
            p.subject = toolName
            if let idRaw {
                let key = sessionRaw.withUnsafeBytes { s in _AgentText.key("gemini_cli/permission", s, idRaw) }
                p.dedup = DedupClaim.permission(key: key, isSidechain: false)
                p.line = line
            }
            batch.permissions.append(p)
        }
        return true
    }
}
