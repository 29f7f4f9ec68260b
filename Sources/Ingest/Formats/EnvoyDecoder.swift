import Glibc

/// The Envoy AI Gateway decoder: the EnvoyProxy JSON access log with the `io.envoy.ai_gateway`
/// dynamic metadata the operator selects into it (`formats/GATEWAYS.md` §3), one request per line.
///
/// Envoy AI Gateway has no fixed access-log format: the keys are the operator's. This decoder
/// reads the keys of the project's documented example (`site/docs/capabilities/observability/
/// accesslogs.md`), in its older `genai_*` spelling and the newer `gen_ai.*` one (dots as flat
/// JSON keys, §3 quirk 2).
///
/// ### Fields read
///
///     start_time (ISO-8601 ms, %START_TIME%)             → instant
///     duration (ms, request start to last byte)           → latency
///     response_code                                        → HTTP status and outcome (429 rate_limited,
///                                                            401/403 denied, ≥ 400 error; 0 = the client left
///                                                            before the response: error)
///     response_flags                                       → `RL` (local rate limit) rate_limited;
///                                                            `UAEX` (ext_authz denied) denied/forbidden
///     x-request-id                                         → de-duplication (`hash("envoy", id)`, §"Dedupe keys")
///     genai_model_name_override | gen_ai.request.model_override   → model (served, first)
///     genai_model_name | gen_ai.request.model              → model (requested)
///     genai_tokens_input | gen_ai.usage.input_tokens       → input (OpenAI-shaped: cached reads are inside it,
///                                                            but no documented key carries them: all uncached)
///     genai_tokens_output | gen_ai.usage.output_tokens     → output (reasoning inside, not split out)
///     mcp_method "tools/call", mcp_backend, mcp_session_id → tool_call (the access log names the MCP
///                                                            backend, not the tool: the tool is the backend)
///
/// Not in the log: provider (`genai_backend_name` is a route reference such as
/// `default/tars/route/aigw-run/rule/0/ref/0`, not a vendor: empty), team, principal, cost (§3
/// quirk 4), TTFT. Tokens are written only at the end of a successful body (§3 quirk 1): a failed
/// request has `null` tokens and counts with zero tokens.
public struct EnvoyDecoder: LogDecoder {
    public let context: DecoderContext

    public init(context: DecoderContext) { self.context = context }

    /// True for an object with a string `start_time`, a `response_code` and at least one key of
    /// the AI Gateway's metadata (`genai_model_name`, `gen_ai.request.model`, `genai_tokens_input`,
    /// `gen_ai.usage.input_tokens`, `mcp_method`): a plain Envoy access log without them is no
    /// LLM log.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object else { return false }
        var start = false, code = false, ai = false
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("start_time") { start = v.kind == .string }
            else if k("response_code") { code = true }
            else if k("genai_model_name") || k("gen_ai.request.model") || k("genai_tokens_input")
                || k("gen_ai.usage.input_tokens") || k("mcp_method")
            { ai = true }
            return !(start && code && ai)
        }
        return start && code && ai
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        var r = Record()
        r.scan(root)
        guard let start = GatewaySupport.present(r.startTime) else { return .ignored }
        guard let instant = Plausible.instantMs(Timestamps.epochToMillis(start)) else { return .undecodable }

        let status = GatewaySupport.int(r.responseCode).flatMap { (0...999).contains($0) ? Int($0) : nil }
        var outcome: LLMOutcome = .ok
        var reason: PermissionReason? = nil
        if let s = status {
            if s == 0 { outcome = .error } else { (outcome, reason) = GatewaySupport.outcome(httpStatus: s) }
        }
        if Self.hasFlag(r.responseFlags, "RL") {
            outcome = .rateLimited
            reason = nil
        } else if Self.hasFlag(r.responseFlags, "UAEX"), outcome != .denied {
            outcome = .denied
            reason = .forbidden
        }
        let latency = Plausible.durationMs(GatewaySupport.double(r.duration))

        let model = GatewaySupport.string(GatewaySupport.firstNonEmpty(r.modelOverride, r.modelOverrideNew, r.model, r.modelNew)) ?? ""
        var bad = false
        let input = Plausible.tokens(GatewaySupport.present(r.input) ?? r.inputNew, &bad)
        let output = Plausible.tokens(GatewaySupport.present(r.output) ?? r.outputNew, &bad)
        guard !bad else { return .undecodable }

        if model.isEmpty, input == nil, output == nil {
            // An MCP request through the gateway (or a request that never reached a model route).
            guard let method = r.mcpMethod, method.stringEquals("tools/call") else { return .ignored }
            var t = ToolCall(instantMs: instant)
            t.tool = GatewaySupport.string(r.mcpBackend) ?? ""
            t.session = GatewaySupport.string(r.mcpSession) ?? ""
            if let latency {
                t.durationMs = latency
                t.endMs = instant + Int64(latency.rounded())
            }
            switch outcome {
            case .ok: t.outcome = .ok
            case .denied: t.outcome = .denied
            case .error, .rateLimited: t.outcome = .error
            }
            batch.toolCalls.append(t)
            if let reason {
                var p = PermissionDecision(instantMs: instant, reason: reason)
                p.subject = t.tool
                batch.permissions.append(p)
            }
            return .decoded
        }

        var call = LLMCall(instantMs: instant)
        call.model = model
        call.inputTokens = input ?? 0
        call.outputTokens = output ?? 0
        call.latencyMs = latency
        call.httpStatus = status.flatMap { $0 > 0 ? $0 : nil }
        call.outcome = outcome
        if let id = GatewaySupport.present(r.requestId), GatewaySupport.isNonEmptyString(id) {
            call.dedup = DedupClaim(key: GatewaySupport.dedupKey("envoy", id))
        }
        batch.appendCall(call, line: line, denial: reason)
        return .decoded
    }

    public mutating func finish(into batch: inout EventBatch) {}

    /// True when the comma-separated `response_flags` string holds `flag` (`"UH,UF"`, `"RL"`;
    /// `"-"` = none).
    static func hasFlag(_ v: JSONValue?, _ flag: StaticString) -> Bool {
        guard let v, v.kind == .string, let raw = v.rawStringBytes else { return false }
        let m = flag.utf8CodeUnitCount
        var i = 0
        while i <= raw.count {
            var j = i
            while j < raw.count, raw[j] != UInt8(ascii: ",") { j += 1 }
            if j - i == m, memcmp(raw.baseAddress! + i, flag.utf8Start, m) == 0 { return true }
            i = j + 1
        }
        return false
    }

    /// The members read, found in one pass.
    struct Record {
        var startTime: JSONValue?
        var duration: JSONValue?
        var responseCode: JSONValue?
        var responseFlags: JSONValue?
        var requestId: JSONValue?
        var model: JSONValue?
        var modelNew: JSONValue?
        var modelOverride: JSONValue?
        var modelOverrideNew: JSONValue?
        var input: JSONValue?
        var inputNew: JSONValue?
        var output: JSONValue?
        var outputNew: JSONValue?
        var mcpMethod: JSONValue?
        var mcpBackend: JSONValue?
        var mcpSession: JSONValue?

        mutating func scan(_ root: JSONValue) {
            root.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                switch k.length {
                case 8: if k("duration") { duration = v }
                case 10:
                    if k("start_time") { startTime = v } else if k("mcp_method") { mcpMethod = v }
                case 11: if k("mcp_backend") { mcpBackend = v }
                case 12: if k("x-request-id") { requestId = v }
                case 13: if k("response_code") { responseCode = v }
                case 14:
                    if k("response_flags") { responseFlags = v } else if k("mcp_session_id") { mcpSession = v }
                case 16: if k("genai_model_name") { model = v }
                case 18:
                    if k("genai_tokens_input") { input = v }
                case 19:
                    if k("genai_tokens_output") { output = v }
                case 20: if k("gen_ai.request.model") { modelNew = v }
                case 25:
                    if k("genai_model_name_override") { modelOverride = v }
                    else if k("gen_ai.usage.input_tokens") { inputNew = v }
                case 26: if k("gen_ai.usage.output_tokens") { outputNew = v }
                case 29: if k("gen_ai.request.model_override") { modelOverrideNew = v }
                default: break
                }
                return true
            }
        }
    }
}
