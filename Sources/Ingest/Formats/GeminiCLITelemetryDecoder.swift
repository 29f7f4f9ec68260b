/// The Gemini CLI telemetry-outfile decoder (`telemetry.outfile`, `GEMINI_TELEMETRY_OUTFILE`,
/// `--telemetry-outfile`): OTel log records as the CLI's `FileExporter` writes them, one
/// pretty-printed JSON object after the other (`formats/AGENTS.md` §3.1; the reader splits the
/// stream, `JSONDocumentFile.concatenatedValues`). Spans and metric exports in the same file are
/// ignored. No real outfile is in the reference set: the field names are those of
/// `packages/core/src/telemetry` at the commit AGENTS.md cites, and the test fixture is built
/// from them (marked SYNTHETIC).
///
/// ### Records read (`attributes`, a plain object, of a log record)
///
///     event.name                                  which event; `event.timestamp` (ISO) → instant,
///                                                 else `hrTime` [seconds, nanoseconds]
///     session.id                                  → session
///     gemini_cli.api_response                     → llm_call: `model`, `status_code` (outcome),
///         `duration_ms` (latency), `input_token_count` (includes `cached_content_token_count`),
///         `output_token_count`, `thoughts_token_count` (beside output), `tool_token_count`
///         (prompt): input = input − cached + tool, cache read = cached, output = output +
///         thoughts, reasoning = thoughts (the chat recording's rule, §0)
///     gemini_cli.api_error                        → failed llm_call without tokens: `model_name`
///         (else `model`), `status_code` (429 rate_limited, 401/403 denied, else error),
///         `duration` / `duration_ms`, `error_type`
///     gemini_cli.tool_call                        → tool_call: `function_name` (MCP tools, `tool_type`
///         `mcp`, as `mcp_server_name/function_name`), `duration_ms`, `success`, `decision`,
///         `error_type`, `error.message`, `function_args` (arguments hash, when logged)
///
/// Tool outcomes: `decision` `reject` → denied `user_rejected`; `error_type` `policy_violation`
/// → denied `policy_rule` (or `hook` when `error.message` starts `Tool execution blocked:`),
/// `permission_denied` and `path_not_in_workspace` → denied `policy_rule`,
/// `sandbox_expansion_required` → denied `sandbox`, `stop_execution` → denied `hook`; else
/// `success` true → ok, false → error. A denied call gives a permission_decision of the tool.
/// Provider `gemini`; principal and team empty (`user.email` is personal data and not read).
/// The records carry no request id: nothing is de-duplicated (like the gateways).
public struct GeminiCLITelemetryDecoder: LogDecoder {
    public let context: DecoderContext

    public init(context: DecoderContext) { self.context = context }

    /// True for an object whose `attributes` object has an `event.name` starting `gemini_cli.`.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object, let a = root["attributes"], a.kind == .object,
            let name = a["event.name"], name.kind == .string
        else { return false }
        return name.stringHasPrefix("gemini_cli.")
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        guard let a = root["attributes"], a.kind == .object else { return .ignored }
        var f = Attributes()
        f.scan(a)
        guard let name = f.eventName, name.kind == .string else { return .ignored }
        let n = GatewaySupport.Str(name)
        let isResponse = n("gemini_cli.api_response"), isError = n("gemini_cli.api_error"), isTool = n("gemini_cli.tool_call")
        guard isResponse || isError || isTool else { return .ignored }

        let instant: Int64
        if let ts = GatewaySupport.present(f.timestamp) {
            guard let t = _AgentText.instant(ts) else { return .undecodable }
            instant = t
        } else if let t = Self.hrTimeMs(root["hrTime"]) {
            instant = t
        } else {
            return .undecodable
        }
        let session = GatewaySupport.string(f.session) ?? ""

        if isTool { return emitTool(f, instant: instant, session: session, into: &batch) }

        var call = LLMCall(instantMs: instant)
        call.provider = "gemini"
        call.session = session
        call.model = GatewaySupport.string(GatewaySupport.firstNonEmpty(f.model, f.modelName)) ?? ""
        call.latencyMs = Plausible.durationMs(GatewaySupport.double(GatewaySupport.present(f.durationMs) ?? f.duration))
        var reason: PermissionReason? = nil
        if let s = GatewaySupport.int(f.statusCode), (100...999).contains(s) {
            call.httpStatus = Int(s)
            (call.outcome, reason) = GatewaySupport.outcome(httpStatus: Int(s))
        }
        if isResponse {
            var bad = false
            let input = Plausible.tokens(f.input, &bad) ?? 0
            let output = Plausible.tokens(f.output, &bad) ?? 0
            let cached = Plausible.tokens(f.cached, &bad) ?? 0
            let thoughts = Plausible.tokens(f.thoughts, &bad) ?? 0
            let tool = Plausible.tokens(f.tool, &bad) ?? 0
            guard !bad else { return .undecodable }
            let reads = min(cached, input)
            call.inputTokens = input - reads + tool
            call.cacheReadTokens = reads
            call.outputTokens = output + thoughts
            call.reasoningTokens = thoughts
        } else {
            if call.outcome == .ok { call.outcome = .error }
            call.errorType = GatewaySupport.string(f.errorType) ?? ""
        }
        batch.appendCall(call, line: line, denial: reason)
        return .decoded
    }

    public mutating func finish(into batch: inout EventBatch) {}

    /// OTel `hrTime` `[seconds, nanoseconds]` → epoch ms (nil when not that shape or implausible).
    static func hrTimeMs(_ v: JSONValue?) -> Int64? {
        guard let v, v.kind == .array, let s = v[index: 0]?.int64, let ns = v[index: 1]?.int64,
            s >= 0, s < Plausible.endInstantMs / 1000, ns >= 0, ns < 1_000_000_000
        else { return nil }
        return Plausible.instantMs(s * 1000 + ns / 1_000_000)
    }

    func emitTool(_ f: Attributes, instant: Int64, session: String, into batch: inout EventBatch) -> LineDisposition {
        guard let fn = GatewaySupport.string(f.functionName) else { return .ignored }
        var t = ToolCall(instantMs: instant)
        if f.toolType?.stringEquals("mcp") ?? false, let server = GatewaySupport.string(f.mcpServer) {
            t.tool = server + "/" + fn
        } else {
            t.tool = fn
        }
        t.session = session
        t.argumentsHash = _AgentText.argumentsHash(GatewaySupport.present(f.functionArgs))
        if let ms = Plausible.durationMs(GatewaySupport.double(f.durationMs)) {
            t.durationMs = ms
            t.endMs = instant + Int64(ms.rounded())
        }
        var reason: PermissionReason? = nil
        if f.decision?.stringEquals("reject") ?? false {
            reason = .userRejected
        } else if let e = f.errorType, e.kind == .string {
            if e.stringEquals("policy_violation") {
                let message = GatewaySupport.present(f.errorMessage)?.rawStringBytes ?? _AgentText.emptyBytes
                reason = _AgentText.hasPrefix(message, "Tool execution blocked:") ? .hook : .policyRule
            } else if e.stringEquals("permission_denied") || e.stringEquals("path_not_in_workspace") {
                reason = .policyRule
            } else if e.stringEquals("sandbox_expansion_required") {
                reason = .sandbox
            } else if e.stringEquals("stop_execution") {
                reason = .hook
            }
        }
        if reason != nil {
            t.outcome = .denied
        } else if let s = f.success, s.kind == .bool {
            t.outcome = s.bool == true ? .ok : .error
        } else {
            t.outcome = .unknown
        }
        batch.toolCalls.append(t)
        if let reason {
            var p = PermissionDecision(instantMs: instant, reason: reason)
            p.subject = t.tool
            batch.permissions.append(p)
        }
        return .decoded
    }

    /// The attributes read, found in one pass.
    struct Attributes {
        var eventName: JSONValue?
        var timestamp: JSONValue?
        var session: JSONValue?
        var model: JSONValue?
        var modelName: JSONValue?
        var statusCode: JSONValue?
        var durationMs: JSONValue?
        var duration: JSONValue?
        var input: JSONValue?
        var output: JSONValue?
        var cached: JSONValue?
        var thoughts: JSONValue?
        var tool: JSONValue?
        var errorType: JSONValue?
        var errorMessage: JSONValue?
        var functionName: JSONValue?
        var functionArgs: JSONValue?
        var success: JSONValue?
        var decision: JSONValue?
        var toolType: JSONValue?
        var mcpServer: JSONValue?

        mutating func scan(_ a: JSONValue) {
            a.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("event.name") { eventName = v }
                else if k("event.timestamp") { timestamp = v }
                else if k("session.id") { session = v }
                else if k("model") { model = v }
                else if k("model_name") { modelName = v }
                else if k("status_code") { statusCode = v }
                else if k("duration_ms") { durationMs = v }
                else if k("duration") { duration = v }
                else if k("input_token_count") { input = v }
                else if k("output_token_count") { output = v }
                else if k("cached_content_token_count") { cached = v }
                else if k("thoughts_token_count") { thoughts = v }
                else if k("tool_token_count") { tool = v }
                else if k("error_type") { errorType = v }
                else if k("error.message") { errorMessage = v }
                else if k("function_name") { functionName = v }
                else if k("function_args") { functionArgs = v }
                else if k("success") { success = v }
                else if k("decision") { decision = v }
                else if k("tool_type") { toolType = v }
                else if k("mcp_server_name") { mcpServer = v }
                return true
            }
        }
    }
}
