import Glibc

/// The LiteLLM proxy decoder: `StandardLoggingPayload` JSON lines and exported `LiteLLM_SpendLogs`
/// rows (`formats/GATEWAYS.md` §1a, §1b), one request per line.
///
/// ### Fields read
///
///     id | request_id                     → de-duplication (`hash("litellm", id)`)
///     trace_id | session_id  + metadata.attempted_retries
///                                         → router attempts: key `hash("litellm-trace", trace)`, rank = attempt
///     call_type                           → retrieving/listing stored objects is excluded (not billable)
///     startTime, endTime, completionStartTime
///                                         → instant, latency = end − start, TTFT = completion start − start
///                                           (none when completion start = end: not streamed)
///     model, custom_llm_provider          → model as logged, provider
///     metadata.usage_object | hidden_params.usage_object | response.usage | prompt_tokens/completion_tokens
///                                         → disjoint token buckets (`GatewaySupport.uncachedInput`)
///     metadata.user_api_key_team_alias | team_id | metadata.user_api_key_team_id   → team
///     metadata.user_api_key_alias | metadata.user_api_key_user_id | end_user       → principal
///     end_user | metadata.user_api_key_end_user_id → end user
///     request_tags (a list, or its JSON text in a string: §1b quirk 1) → tags (each once)
///     response_cost | spend               → logged cost (USD)
///     response.service_tier | usage.service_tier, usage.inference_geo, usage.speed
///                                         → served tier, geography, fast mode (pricing)
///     status, error_information, guardrail_information, status_fields → outcome and denials
///
/// Timestamps are float epoch seconds, naive `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) or ISO-8601 with an
/// offset (§1 quirk 3). `metadata` is an object or a JSON-encoded string (§1b quirk 1); the string
/// is unescaped into a buffer the decoder reuses and parsed with `JSONDocument.parse`.
///
/// Prompt and response bodies (`messages`, `response` choices) are skipped, never copied.
public struct LiteLLMDecoder: LogDecoder {
    public let context: DecoderContext
    /// Reused buffer for a JSON-encoded `metadata` string.
    var scratch: [UInt8] = []
    /// The raw bytes of the last `request_tags` value and its tags: a tag set repeated on every
    /// row is decoded (and allocated) once.
    var lastTagsRaw: [UInt8] = []
    var lastTags: [String] = []

    public init(context: DecoderContext) { self.context = context }

    /// True for an object with a string `call_type`, a `startTime` and a `request_id` or `id`.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object else { return false }
        var callType = false, start = false, id = false
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("call_type") {
                callType = v.kind == .string
            } else if k("startTime") {
                start = v.kind == .string || v.kind == .number
            } else if k("request_id") || k("id") {
                id = v.kind == .string
            }
            return !(callType && start && id)
        }
        return callType && start && id
    }

    /// Call types that read, list or delete stored objects: they repeat an earlier call's usage
    /// and are not billed again (case 04: `aget_responses` after `aresponses`).
    static func isExcludedCallType(_ v: JSONValue) -> Bool {
        guard v.kind == .string else { return false }
        // Every excluded name has a `_`: the usual `acompletion` / `completion` stop here.
        if v.isPlainString, let raw = v.rawStringBytes, raw.count > 0, memchr(raw.baseAddress!, 0x5F, raw.count) == nil {
            return false
        }
        return v.stringEquals("aget_responses") || v.stringEquals("get_responses")
            || v.stringEquals("alist_input_items") || v.stringEquals("list_input_items")
            || v.stringEquals("adelete_responses") || v.stringEquals("delete_responses")
            || v.stringEquals("acancel_responses") || v.stringEquals("cancel_responses")
            || v.stringEquals("aretrieve_batch") || v.stringEquals("retrieve_batch")
            || v.stringEquals("alist_batches") || v.stringEquals("list_batches")
            || v.stringEquals("afile_retrieve") || v.stringEquals("file_retrieve")
            || v.stringEquals("afile_list") || v.stringEquals("file_list")
            || v.stringEquals("afile_content") || v.stringEquals("file_content")
            || v.stringEquals("afile_delete") || v.stringEquals("file_delete")
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        var r = Row()
        r.scan(root)
        if let ct = r.callType, Self.isExcludedCallType(ct) {
            batch.excluded += 1
            return .decoded
        }
        guard r.startTime != nil else { return .ignored }
        let tags = self.tags(r.requestTags)

        if let m = r.metadata, m.kind == .string, let raw = m.rawStringBytes, raw.count > 1, raw[0] == UInt8(ascii: "{") {
            var buf: [UInt8] = []
            swap(&buf, &scratch)
            GatewaySupport.unescape(m, into: &buf)
            let result = buf.withUnsafeBytes { bytes -> LineDisposition in
                switch JSONDocument.parse(bytes) {
                case .success(let meta): return Self.emit(r, meta: meta.kind == .object ? meta : nil, tags: tags, line: line, into: &batch)
                case .failure: return Self.emit(r, meta: nil, tags: tags, line: line, into: &batch)
                }
            }
            swap(&buf, &scratch)
            return result
        }
        return Self.emit(r, meta: r.metadata?.kind == .object ? r.metadata : nil, tags: tags, line: line, into: &batch)
    }

    /// The distinct non-empty string tags of `request_tags` (an array, or a string holding its
    /// JSON text), in order; [] when absent, `null`, empty or not a list. Cached by raw bytes.
    mutating func tags(_ v: JSONValue?) -> [String] {
        guard let v, v.kind == .array || v.kind == .string else { return [] }
        let raw = v.rawBytes
        // `[]`, `"[]"`, `""`: no tags, without touching the cache
        if raw.count <= 4 && (raw.count <= 2 || v.kind == .string) { return [] }
        if raw.count == lastTagsRaw.count, lastTagsRaw.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
            return lastTags
        }
        var out: [String] = []
        func collect(_ list: JSONValue) {
            guard list.kind == .array else { return }
            list.forEachElement { e in
                if let t = GatewaySupport.string(e), !out.contains(t) { out.append(t) }
                return true
            }
        }
        if v.kind == .array {
            collect(v)
        } else if let text = v.rawStringBytes, text.count > 1, text[0] == UInt8(ascii: "[") {
            var buf: [UInt8] = []
            GatewaySupport.unescape(v, into: &buf)
            buf.withUnsafeBytes { bytes in
                if case .success(let list) = JSONDocument.parseWithoutTape(bytes) { collect(list) }
            }
        }
        lastTagsRaw = Array(raw)
        lastTags = out
        return out
    }

    public mutating func finish(into batch: inout EventBatch) {}

    // MARK: - Row

    /// The top-level members read, found in one pass over the row.
    struct Row {
        var id: JSONValue?
        var requestId: JSONValue?
        var traceId: JSONValue?
        var sessionId: JSONValue?
        var callType: JSONValue?
        var startTime: JSONValue?
        var endTime: JSONValue?
        var completionStartTime: JSONValue?
        var model: JSONValue?
        var modelGroup: JSONValue?
        var provider: JSONValue?
        var metadata: JSONValue?
        var responseCost: JSONValue?
        var spend: JSONValue?
        var promptTokens: JSONValue?
        var completionTokens: JSONValue?
        var teamId: JSONValue?
        var userApiKeyTeamId: JSONValue?
        var userApiKeyUserId: JSONValue?
        var endUser: JSONValue?
        var status: JSONValue?
        var errorInformation: JSONValue?
        var guardrailInformation: JSONValue?
        var statusFields: JSONValue?
        var response: JSONValue?
        var hiddenParams: JSONValue?
        var requestTags: JSONValue?

        mutating func scan(_ root: JSONValue) {
            root.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                // dispatch on the key's length first: most keys of a row are compared once
                switch k.length {
                case 2: if k("id") { id = v }
                case 5: if k("model") { model = v } else if k("spend") { spend = v }
                case 6: if k("status") { status = v }
                case 7: if k("team_id") { teamId = v } else if k("endTime") { endTime = v }
                case 8:
                    if k("trace_id") { traceId = v } else if k("metadata") { metadata = v }
                    else if k("end_user") { endUser = v } else if k("response") { response = v }
                case 9: if k("call_type") { callType = v } else if k("startTime") { startTime = v }
                case 10: if k("request_id") { requestId = v } else if k("session_id") { sessionId = v }
                case 11: if k("model_group") { modelGroup = v }
                case 12: if k("request_tags") { requestTags = v }
                case 13:
                    if k("response_cost") { responseCost = v } else if k("prompt_tokens") { promptTokens = v }
                    else if k("hidden_params") { hiddenParams = v } else if k("status_fields") { statusFields = v }
                case 17:
                    if k("completion_tokens") { completionTokens = v }
                    else if k("error_information") { errorInformation = v }
                case 19:
                    if k("completionStartTime") { completionStartTime = v }
                    else if k("custom_llm_provider") { provider = v }
                case 20:
                    if k("user_api_key_team_id") { userApiKeyTeamId = v }
                    else if k("user_api_key_user_id") { userApiKeyUserId = v }
                case 21: if k("guardrail_information") { guardrailInformation = v }
                default: break
                }
                return true
            }
        }
    }

    /// The `metadata` members read (object form or parsed from its string form).
    struct Metadata {
        var usageObject: JSONValue?
        var keyAlias: JSONValue?
        var userId: JSONValue?
        var teamAlias: JSONValue?
        var teamId: JSONValue?
        var attemptedRetries: JSONValue?
        var status: JSONValue?
        var errorInformation: JSONValue?
        var guardrailInformation: JSONValue?
        var endUserId: JSONValue?

        init(_ meta: JSONValue?) {
            guard let meta else { return }
            meta.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("usage_object") { usageObject = v }
                else if k("user_api_key_alias") { keyAlias = v }
                else if k("user_api_key_user_id") { userId = v }
                else if k("user_api_key_team_alias") { teamAlias = v }
                else if k("user_api_key_team_id") { teamId = v }
                else if k("attempted_retries") { attemptedRetries = v }
                else if k("status") { status = v }
                else if k("error_information") { errorInformation = v }
                else if k("guardrail_information") { guardrailInformation = v }
                else if k("user_api_key_end_user_id") { endUserId = v }
                return true
            }
        }
    }

    // MARK: - Event

    static func emit(_ r: Row, meta mv: JSONValue?, tags: [String], line: Int, into batch: inout EventBatch) -> LineDisposition {
        let m = Metadata(mv)
        // An instant outside `Plausible`'s range rejects the row; a bad end or first-token time
        // only drops latency / TTFT (the differences of in-range instants cannot overflow).
        guard let startUs = GatewaySupport.epochMicros(r.startTime), Plausible.isInstantMicros(startUs)
        else { return .undecodable }
        var call = LLMCall(instantMs: floorDiv(startUs, 1000))

        // Time: latency = endTime − startTime; TTFT only when the first token came before the end.
        let endUs = GatewaySupport.epochMicros(GatewaySupport.present(r.endTime)).flatMap {
            Plausible.isInstantMicros($0) ? $0 : nil
        }
        if let endUs, endUs >= startUs { call.latencyMs = Plausible.durationMs(Double(endUs - startUs) / 1000) }
        if let cst = GatewaySupport.epochMicros(GatewaySupport.present(r.completionStartTime)),
            Plausible.isInstantMicros(cst), cst >= startUs, endUs == nil || cst < endUs!
        {
            call.ttftMs = Plausible.durationMs(Double(cst - startUs) / 1000)
        }

        // Dimensions.
        if let v = GatewaySupport.firstNonEmpty(r.model, r.modelGroup) { call.model = GatewaySupport.string(v) ?? "" }
        call.provider = GatewaySupport.string(r.provider) ?? ""
        call.team = GatewaySupport.string(GatewaySupport.firstNonEmpty(m.teamAlias, r.teamId, m.teamId, r.userApiKeyTeamId)) ?? ""
        call.principal =
            GatewaySupport.string(GatewaySupport.firstNonEmpty(m.keyAlias, m.userId, r.userApiKeyUserId, r.endUser)) ?? ""
        call.endUser = GatewaySupport.string(GatewaySupport.firstNonEmpty(r.endUser, m.endUserId)) ?? ""
        call.tags = tags
        let trace = GatewaySupport.firstNonEmpty(r.traceId, r.sessionId)
        call.session = GatewaySupport.string(trace) ?? ""

        // De-duplication: router attempts of one logical request share the trace id.
        if let trace, let attempt = GatewaySupport.int(m.attemptedRetries) {
            call.dedup = DedupClaim(key: GatewaySupport.dedupKey("litellm-trace", trace), rank: attempt)
        } else if let id = GatewaySupport.firstNonEmpty(r.requestId, r.id) {
            call.dedup = DedupClaim(key: GatewaySupport.dedupKey("litellm", id))
        }

        // Tokens.
        let usage = usageObject(m.usageObject) ?? usageObject(r.hiddenParams?["usage_object"])
            ?? (r.response?.kind == .object ? usageObject(r.response?["usage"]) : nil)
        guard setTokens(&call, usage: usage, row: r) else { return .undecodable }
        // Served tier, geography, speed: the response's `service_tier`, then the usage object's.
        if r.response?.kind == .object { GatewaySupport.readPricingContext(r.response, into: &call) }
        GatewaySupport.readPricingContext(usage, into: &call)

        // Cost.
        call.loggedCostUSD = GatewaySupport.double(r.responseCost) ?? GatewaySupport.double(r.spend)

        // Outcome.
        let permission = setOutcome(&call, row: r, meta: m)
        batch.appendCall(call, line: line, denial: permission)
        return .decoded
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func usageObject(_ v: JSONValue?) -> JSONValue? {
        guard let v, v.kind == .object else { return nil }
        return v
    }

    /// Disjoint buckets from a LiteLLM usage object (OpenAI shape plus Anthropic cache fields), or
    /// from the row's `prompt_tokens`/`completion_tokens` when there is none.
    /// - Returns: false when a count read is not a plausible token count (`Plausible.tokens`):
    ///   the row is undecodable.
    @discardableResult
    static func setTokens(_ call: inout LLMCall, usage: JSONValue?, row r: Row) -> Bool {
        var bad = false
        var prompt: Int64? = nil, completion: Int64? = nil
        var reads: Int64 = 0, writes: Int64 = 0, writes1h: Int64 = 0, reasoning: Int64 = 0
        if let u = usage {
            var inputTokens: Int64? = nil, outputTokens: Int64? = nil
            u.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("prompt_tokens") { prompt = Plausible.tokens(v, &bad) }
                else if k("completion_tokens") { completion = Plausible.tokens(v, &bad) }
                else if k("input_tokens") { inputTokens = Plausible.tokens(v, &bad) }
                else if k("output_tokens") { outputTokens = Plausible.tokens(v, &bad) }
                else if k("prompt_tokens_details") || k("input_tokens_details") {
                    reads = max(reads, Plausible.tokens(v["cached_tokens"], &bad) ?? 0)
                    if writes == 0 { writes = Plausible.tokens(v["cache_creation_tokens"], &bad) ?? 0 }
                    // LiteLLM's PromptTokensDetailsWrapper.cache_creation_token_details (5m/1h split).
                    if let split = v["cache_creation_token_details"], split.kind == .object {
                        writes1h = max(writes1h, Plausible.tokens(split["ephemeral_1h_input_tokens"], &bad) ?? 0)
                    }
                } else if k("cache_read_input_tokens") {
                    reads = max(reads, Plausible.tokens(v, &bad) ?? 0)
                } else if k("cache_creation_input_tokens") {
                    if let w = Plausible.tokens(v, &bad) { writes = w }
                } else if k("cache_creation") {
                    writes1h = max(writes1h, Plausible.tokens(v["ephemeral_1h_input_tokens"], &bad) ?? 0)
                } else if k("completion_tokens_details") || k("output_tokens_details") {
                    reasoning = max(reasoning, Plausible.tokens(v["reasoning_tokens"], &bad) ?? 0)
                }
                return true
            }
            if prompt == nil { prompt = inputTokens }
            if completion == nil { completion = outputTokens }
        }
        let p = prompt ?? Plausible.tokens(r.promptTokens, &bad) ?? 0
        let c = completion ?? Plausible.tokens(r.completionTokens, &bad) ?? 0
        guard !bad else { return false }
        call.inputTokens = GatewaySupport.uncachedInput(prompt: p, reads: reads, writes: writes)
        call.cacheReadTokens = reads
        let w1h = min(writes1h, writes)
        call.cacheWrite1hTokens = w1h
        call.cacheWrite5mTokens = writes - w1h
        call.outputTokens = c
        call.reasoningTokens = min(reasoning, c)
        return true
    }

    /// Sets outcome, HTTP status and error type; returns the permission reason of a denial.
    ///
    /// Any intervened guardrail → `denied`/`guardrail`; error code 429 → `rate_limited`;
    /// 401/403 → `denied`/`unauthenticated`/`forbidden`; `BudgetExceededError` → `denied`/`budget`;
    /// other failures → `error` (`formats/GATEWAYS.md` §1a, §10 "Denials here").
    static func setOutcome(_ call: inout LLMCall, row r: Row, meta m: Metadata) -> PermissionReason? {
        let errorInfo = GatewaySupport.present(r.errorInformation) ?? GatewaySupport.present(m.errorInformation)
        let code = GatewaySupport.int(errorInfo?["error_code"]).map { Int($0) }
        let errorClass = errorInfo?["error_class"]
        if let code, code > 0 { call.httpStatus = code }
        let failed = (GatewaySupport.present(r.status) ?? GatewaySupport.present(m.status))?.stringEquals("failure") ?? false
        if failed || call.httpStatus != nil, let ec = GatewaySupport.string(errorClass) { call.errorType = ec }

        if guardrailIntervened(r.guardrailInformation) || guardrailIntervened(m.guardrailInformation)
            || (r.statusFields?["guardrail_status"]?.stringEquals("guardrail_intervened") ?? false)
        {
            call.outcome = .denied
            return .guardrail
        }
        if let code {
            let (o, reason) = GatewaySupport.outcome(httpStatus: code)
            if o != .ok {
                call.outcome = o
                if reason != nil { return reason }
                if o == .rateLimited { return nil }
            }
        }
        if let ec = errorClass, ec.kind == .string {
            if ec.stringEquals("BudgetExceededError") { call.outcome = .denied; return .budget }
            if ec.stringEquals("ContentPolicyViolationError") { call.outcome = .denied; return .guardrail }
            if ec.stringEquals("RateLimitError") { call.outcome = .rateLimited; return nil }
            if ec.stringEquals("AuthenticationError") { call.outcome = .denied; return .unauthenticated }
            if ec.stringEquals("PermissionDeniedError") { call.outcome = .denied; return .forbidden }
        }
        if failed || call.outcome == .error { call.outcome = .error }
        return nil
    }

    /// True when `guardrail_information` (one object, or a list of them) has a guardrail with
    /// `guardrail_status` `guardrail_intervened` (§1a "Guardrails").
    static func guardrailIntervened(_ v: JSONValue?) -> Bool {
        guard let v else { return false }
        switch v.kind {
        case .object:
            return v["guardrail_status"]?.stringEquals("guardrail_intervened") ?? false
        case .array:
            var hit = false
            v.forEachElement { e in
                if e["guardrail_status"]?.stringEquals("guardrail_intervened") ?? false { hit = true; return false }
                return true
            }
            return hit
        default:
            return false
        }
    }
}
