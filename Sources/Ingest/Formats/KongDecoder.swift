/// The Kong AI Gateway decoder: log-plugin records (file-log: one object per line; http-log: an
/// array of them per line) with the `ai` object (`formats/GATEWAYS.md` §2).
///
/// ### Fields read
///
///     started_at (epoch ms)                          → instant
///     latencies.request (ms)                         → latency
///     response.status                                → outcome (429 rate_limited, 401/403 denied, ≥ 400 error)
///     workspace_name                                 → team
///     consumer.username | consumer.id                → principal
///     route.name                                     → denial subject when no model is known
///     ai.proxy | ai["ai-proxy"] | ai["ai-proxy-advanced"]   (newer / 3.6–3.9 nesting, §2 quirk 1)
///       .meta.{response_model | request_model}       → model as logged (served first)
///       .meta.provider_name                          → provider
///       .meta.llm_latency                            → bounds the TTFT (a first token at the end is none)
///       .usage.{prompt_tokens | prompt_token, completion_tokens | completion_token}   (§2 quirk 2)
///       .usage.prompt_tokens_details.cached_tokens   → cache read (inside prompt: input = prompt − cached)
///       .usage.completion_tokens_details.reasoning_tokens → reasoning (inside output)
///       .usage.time_to_first_token (ms)              → TTFT
///       .usage.cost                                  → logged cost when > 0 (0 = no cost configured)
///       ["lakera-guard"].{input,output}_block_reason → guardrail denial
///     ai.mcp.mcp_session_id, ai.mcp.rpc[] (method "tools/call": tool_name, latency ms, error)
///                                                    → tool_call
///     ai.mcp.audit[] (action "deny": primitive_name) → permission_decision `policy_rule`, tool outcome denied
///
/// A record without `started_at` (the documentation's excerpts of the `ai` object) takes the
/// instant of the previous record of the file. Kong has no de-duplication rule in the contract.
public struct KongDecoder: LogDecoder {
    public let context: DecoderContext
    /// The last `started_at` seen in this file (UTC ms).
    var lastInstantMs: Int64? = nil

    public init(context: DecoderContext) { self.context = context }

    /// True for a record with an `ai` object holding `proxy`, `ai-proxy` or `mcp`, or with Kong's
    /// own request-log shape (`started_at` plus a `latencies` object with `kong`); an array's first
    /// element decides for an http-log batch (one level only: an array of arrays is no Kong
    /// batch, and detection never descends further, issue 11).
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        if root.kind == .array {
            guard let first = root[index: 0], first.kind == .object else { return false }
            return detectsRecord(first)
        }
        return detectsRecord(root)
    }

    /// True for one Kong log record (an object), see `detects`.
    static func detectsRecord(_ root: JSONValue) -> Bool {
        guard root.kind == .object else { return false }
        var startedAt = false, kongLatencies = false, ai = false
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("ai"), v.kind == .object {
                ai = v["proxy"] != nil || v["ai-proxy"] != nil || v["ai-proxy-advanced"] != nil || v["mcp"] != nil
            } else if k("started_at") {
                startedAt = v.kind == .number
            } else if k("latencies") {
                kongLatencies = v["kong"] != nil
            }
            return !ai
        }
        return ai || (startedAt && kongLatencies)
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        // a batch of records; one rejected (e.g. an implausible number) makes the line malformed,
        // the other records still count
        if root.kind == .array { return GatewaySupport.decodeEach(root) { decodeRecord($0, line: line, into: &batch) } }
        return decodeRecord(root, line: line, into: &batch)
    }

    public mutating func finish(into batch: inout EventBatch) {}

    // MARK: - Record

    struct Record {
        var startedAt: JSONValue?
        var response: JSONValue?
        var latencies: JSONValue?
        var consumer: JSONValue?
        var workspaceName: JSONValue?
        var route: JSONValue?
        var ai: JSONValue?

        init(_ root: JSONValue) {
            root.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                switch k.length {
                case 2: if k("ai") { ai = v }
                case 5: if k("route") { route = v }
                case 8: if k("response") { response = v } else if k("consumer") { consumer = v }
                case 9: if k("latencies") { latencies = v }
                case 10: if k("started_at") { startedAt = v }
                case 14: if k("workspace_name") { workspaceName = v }
                default: break
                }
                return true
            }
        }
    }

    mutating func decodeRecord(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        let r = Record(root)
        if let s = GatewaySupport.present(r.startedAt) {
            // an instant outside `Plausible`'s range (or unreadable) rejects the record
            guard let t = Plausible.instantMs(Timestamps.epochToMillis(s)) else { return .undecodable }
            lastInstantMs = t
        }
        guard let ai = r.ai, ai.kind == .object else { return .ignored }
        guard let instant = lastInstantMs else { return .ignored }

        var proxy: JSONValue? = nil
        var mcp: JSONValue? = nil
        ai.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if v.kind == .object {
                if k("proxy") || k("ai-proxy") || (proxy == nil && k("ai-proxy-advanced")) { proxy = v }
                else if k("mcp") { mcp = v }
            }
            return true
        }

        let status = GatewaySupport.int(r.response?["status"]).map { Int($0) }
        let principal = Self.principal(r.consumer)
        var produced = false

        if let proxy {
            guard emitCall(proxy, record: r, instant: instant, status: status, principal: principal, line: line, into: &batch)
            else { return .undecodable }
            produced = true
        } else if let status, status == 401 || status == 403 {
            // Refused before the AI plugin ran (auth plugin): a denial of the route.
            var p = PermissionDecision(instantMs: instant, reason: status == 401 ? .unauthenticated : .forbidden)
            p.principal = principal
            p.subject = GatewaySupport.string(r.route?["name"]) ?? ""
            batch.permissions.append(p)
            produced = true
        }
        if let mcp {
            if emitMCP(mcp, instant: instant, principal: principal, into: &batch) { produced = true }
        }
        return produced ? .decoded : .ignored
    }

    static func principal(_ consumer: JSONValue?) -> String {
        guard let c = consumer, c.kind == .object else { return "" }
        return GatewaySupport.string(GatewaySupport.firstNonEmpty(c["username"], c["id"])) ?? ""
    }

    // MARK: - LLM call

    /// Appends the model call (and its denial). - Returns: false, appending nothing, when a token
    /// count is not plausible (`Plausible.tokens`).
    func emitCall(
        _ proxy: JSONValue, record r: Record, instant: Int64, status: Int?, principal: String, line: Int,
        into batch: inout EventBatch
    ) -> Bool {
        var meta: JSONValue? = nil, usage: JSONValue? = nil, lakera: JSONValue? = nil
        proxy.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("meta") { meta = v } else if k("usage") { usage = v } else if k("lakera-guard") { lakera = v }
            return true
        }
        var call = LLMCall(instantMs: instant)
        call.team = GatewaySupport.string(r.workspaceName) ?? ""
        call.principal = principal

        var llmLatency: Double? = nil
        if let meta {
            var requestModel: JSONValue? = nil, responseModel: JSONValue? = nil, provider: JSONValue? = nil
            meta.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("response_model") { responseModel = v }
                else if k("request_model") { requestModel = v }
                else if k("provider_name") { provider = v }
                else if k("llm_latency") { llmLatency = GatewaySupport.double(v) }
                return true
            }
            call.model = GatewaySupport.string(GatewaySupport.firstNonEmpty(responseModel, requestModel)) ?? ""
            call.provider = GatewaySupport.string(provider) ?? ""
        }
        if call.model.isEmpty, let t = proxy["tried_targets"]?[index: 0] {
            call.model = GatewaySupport.string(t["model"]) ?? ""
        }

        if let usage {
            var prompt: Int64? = nil, completion: Int64? = nil, input: Int64? = nil, output: Int64? = nil
            var cached: Int64 = 0, reasoning: Int64 = 0
            var ttft: Double? = nil, cost: Double? = nil
            var bad = false
            usage.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("prompt_tokens") || k("prompt_token") { prompt = Plausible.tokens(v, &bad) }
                else if k("completion_tokens") || k("completion_token") { completion = Plausible.tokens(v, &bad) }
                else if k("input_tokens") { input = Plausible.tokens(v, &bad) }
                else if k("output_tokens") { output = Plausible.tokens(v, &bad) }
                else if k("prompt_tokens_details") { cached = Plausible.tokens(v["cached_tokens"], &bad) ?? 0 }
                else if k("completion_tokens_details") { reasoning = Plausible.tokens(v["reasoning_tokens"], &bad) ?? 0 }
                else if k("time_to_first_token") { ttft = Plausible.durationMs(GatewaySupport.double(v)) }
                else if k("cost") { cost = GatewaySupport.double(v) }
                return true
            }
            guard !bad else { return false }
            let p = prompt ?? input ?? 0
            let c = completion ?? output ?? 0
            call.inputTokens = GatewaySupport.uncachedInput(prompt: p, reads: cached, writes: 0)
            call.cacheReadTokens = cached
            call.outputTokens = c
            call.reasoningTokens = min(reasoning, c)
            // A first token measured at (or after) the end of the upstream call is no first token.
            if let t = ttft, t > 0, llmLatency == nil || t < llmLatency! { call.ttftMs = t }
            if let cost, cost > 0 { call.loggedCostUSD = cost }
        }
        if let l = Plausible.durationMs(GatewaySupport.double(r.latencies?["request"])) { call.latencyMs = l }

        var reason: PermissionReason? = nil
        if let status {
            call.httpStatus = status
            let (o, rr) = GatewaySupport.outcome(httpStatus: status)
            call.outcome = o
            reason = rr
        }
        if let lakera, lakera.kind == .object,
            GatewaySupport.isNonEmptyString(lakera["input_block_reason"])
                || GatewaySupport.isNonEmptyString(lakera["output_block_reason"])
        {
            call.outcome = .denied
            reason = .guardrail
        }
        batch.llmCalls.append(call)
        batch.llmCallLines.append(line)
        if let reason {
            var p = PermissionDecision(instantMs: instant, reason: reason)
            p.principal = principal
            p.subject = call.model.isEmpty ? (GatewaySupport.string(r.route?["name"]) ?? "") : call.model
            batch.permissions.append(p)
        }
        return true
    }

    // MARK: - MCP

    /// Tool calls from `ai.mcp.rpc[]` and denials from `ai.mcp.audit[]`. Returns true when it
    /// produced an event.
    func emitMCP(_ mcp: JSONValue, instant: Int64, principal: String, into batch: inout EventBatch) -> Bool {
        var rpc: JSONValue? = nil, audit: JSONValue? = nil, sessionV: JSONValue? = nil
        mcp.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("rpc") { rpc = v } else if k("audit") { audit = v } else if k("mcp_session_id") { sessionV = v }
            return true
        }
        let session = GatewaySupport.string(sessionV) ?? ""
        var produced = false
        var denied: [String] = []
        audit?.forEachElement { e in
            guard e["action"]?.stringEquals("deny") ?? false else { return true }
            let subject = GatewaySupport.string(e["primitive_name"]) ?? ""
            var p = PermissionDecision(instantMs: instant, reason: .policyRule)
            p.principal = principal
            p.subject = subject
            batch.permissions.append(p)
            denied.append(subject)
            produced = true
            return true
        }
        rpc?.forEachElement { e in
            var method: JSONValue? = nil, name: JSONValue? = nil, latency: JSONValue? = nil, error: JSONValue? = nil
            var payload: JSONValue? = nil
            e.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("method") { method = v } else if k("tool_name") { name = v }
                else if k("latency") { latency = v } else if k("error") { error = v }
                else if k("payload") { payload = v }
                return true
            }
            guard method?.stringEquals("tools/call") ?? false else { return true }
            var t = ToolCall(instantMs: instant)
            t.tool = GatewaySupport.string(name) ?? ""
            t.principal = principal
            t.session = session
            // a duration outside 0…30 days is dropped (`Plausible.durationMs`): instant + ms cannot overflow
            if let ms = Plausible.durationMs(GatewaySupport.double(latency)) {
                t.durationMs = ms
                t.endMs = instant + Int64(ms.rounded())
            }
            if denied.contains(t.tool) {
                t.outcome = .denied
            } else if let error = GatewaySupport.present(error), error.kind != .bool || error.bool == true,
                error.kind != .string || GatewaySupport.isNonEmptyString(error)
            {
                t.outcome = .error
            } else {
                t.outcome = .ok
            }
            t.argumentsHash = GatewaySupport.hash(payload?["request"])
            batch.toolCalls.append(t)
            produced = true
            return true
        }
        return produced
    }
}
