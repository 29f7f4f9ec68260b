import Glibc

/// The Azure API Management decoder: `GatewayLogs` resource-log records (storage / Event Hub
/// JSON; `ApiManagementGatewayLogs` in Log Analytics) of an APIM instance fronting Azure OpenAI,
/// with body logging on (`formats/GATEWAYS.md` §5b; the sample is Elastic's pipeline test file).
///
/// ### Fields read
///
///     time (ISO-8601, 7 fraction digits, Z)              → instant
///     correlationId                                      → de-duplication (`hash("azure_apim", id)`, §"Dedupe keys")
///     durationMs                                         → latency
///     properties.responseCode | properties.backendResponseCode
///                                                        → HTTP status and outcome (429 rate_limited, 401/403
///                                                          denied, ≥ 400 error)
///     properties.responseBody | properties.backendResponseBody   (a JSON **string**, parsed)
///       .model                                           → model (served)
///       .usage.{prompt_tokens, completion_tokens}        → tokens (OpenAI shape: prompt includes cached)
///       .usage.prompt_tokens_details.cached_tokens       → cache read (input = prompt − cached)
///       .usage.completion_tokens_details.reasoning_tokens → reasoning (inside output)
///       .error.code "content_filter"                     → denied / `guardrail` (ResponsibleAIPolicyViolation)
///     properties.requestBody.model                       → model when the response names none (the
///                                                          deployment name the client sent)
///
/// Provider: `azure` (the backend is Azure OpenAI). Team and principal: empty (the resource log
/// names no caller but its IP address, which is no principal). No cost in the log. A response
/// body that is not JSON (streamed, or body logging off) leaves the tokens at 0; the request
/// still counts.
///
/// A blob file may wrap records as `{"records": [...]}` (§"Cross-cutting checklist",
/// UNVERIFIED): each element is then decoded as a record.
public struct AzureAPIMDecoder: LogDecoder {
    public let context: DecoderContext
    /// Reused buffer for a JSON-encoded body.
    var scratch: [UInt8] = []

    public init(context: DecoderContext) { self.context = context }

    /// True for an object with `category` `GatewayLogs` and a `properties` member, or a
    /// `{"records": [...]}` envelope whose first record is one.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        GatewaySupport.detectsAzureRecords(root, detectsRecord)
    }

    static func detectsRecord(_ v: JSONValue) -> Bool {
        guard v.kind == .object else { return false }
        return (v["category"]?.stringEquals("GatewayLogs") ?? false) && v["properties"] != nil
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        GatewaySupport.decodeAzureRecords(root) { decodeRecord($0, line: line, into: &batch) }
    }

    public mutating func finish(into batch: inout EventBatch) {}

    mutating func decodeRecord(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard Self.detectsRecord(root) else { return .ignored }
        var time: JSONValue? = nil, correlation: JSONValue? = nil, duration: JSONValue? = nil
        var properties: JSONValue? = nil
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("time") { time = v }
            else if k("correlationId") { correlation = v }
            else if k("durationMs") { duration = v }
            else if k("properties") { properties = v }
            return true
        }
        guard let time = GatewaySupport.present(time) else { return .ignored }
        guard let instant = Plausible.instantMs(Timestamps.epochToMillis(time)) else { return .undecodable }

        var call = LLMCall(instantMs: instant)
        call.provider = "azure"
        call.latencyMs = Plausible.durationMs(GatewaySupport.double(duration))
        if let c = GatewaySupport.present(correlation), GatewaySupport.isNonEmptyString(c) {
            call.dedup = DedupClaim(key: GatewaySupport.dedupKey("azure_apim", c))
        }

        var responseBody: JSONValue? = nil, backendResponseBody: JSONValue? = nil, requestBody: JSONValue? = nil
        var code: JSONValue? = nil, backendCode: JSONValue? = nil
        if let p = properties, p.kind == .object {
            p.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                switch k.length {
                case 11: if k("requestBody") { requestBody = v }
                case 12: if k("responseBody") { responseBody = v } else if k("responseCode") { code = v }
                case 19:
                    if k("backendResponseBody") { backendResponseBody = v }
                    else if k("backendResponseCode") { backendCode = v }
                default: break
                }
                return true
            }
        }
        var reason: PermissionReason? = nil
        if let s = GatewaySupport.int(GatewaySupport.present(code) ?? backendCode), (100...999).contains(s) {
            call.httpStatus = Int(s)
            (call.outcome, reason) = GatewaySupport.outcome(httpStatus: Int(s))
        }

        // The response body (a JSON string): model, usage, content-filter error.
        let body = GatewaySupport.isNonEmptyString(responseBody) ? responseBody : backendResponseBody
        var modelFound = false
        var bad = false
        if let body, GatewaySupport.isNonEmptyString(body) {
            withParsedString(body) { r in
                guard let r, r.kind == .object else { return }
                if let m = GatewaySupport.string(r["model"]) {
                    call.model = m
                    modelFound = true
                }
                if let u = r["usage"], u.kind == .object {
                    if !Self.setTokens(&call, usage: u) { bad = true }
                }
                if let e = r["error"], e.kind == .object, e["code"]?.stringEquals("content_filter") ?? false {
                    call.outcome = .denied
                    call.errorType = "content_filter"
                    reason = .guardrail
                }
            }
        }
        guard !bad else { return .undecodable }
        if !modelFound, let rb = requestBody, GatewaySupport.isNonEmptyString(rb) {
            withParsedString(rb) { r in
                if let r, r.kind == .object, let m = GatewaySupport.string(r["model"]) { call.model = m }
            }
        }

        batch.appendCall(call, line: line, denial: reason)
        return .decoded
    }

    /// Parses the JSON document held in string value `v` (unescaped into the reused scratch
    /// buffer) and calls `body` with its root, or nil when the text is not JSON. The root is
    /// valid only during the call.
    mutating func withParsedString(_ v: JSONValue, _ body: (JSONValue?) -> Void) {
        var buf: [UInt8] = []
        swap(&buf, &scratch)
        GatewaySupport.unescape(v, into: &buf)
        buf.withUnsafeBytes { bytes in
            switch JSONDocument.parse(bytes) {
            case .success(let r): body(r)
            case .failure: body(nil)
            }
        }
        swap(&buf, &scratch)
    }

    /// OpenAI Chat Completions usage → disjoint buckets (`GATEWAYS.md` §8: prompt includes cached,
    /// completion includes reasoning). - Returns: false when a count is not plausible.
    static func setTokens(_ call: inout LLMCall, usage u: JSONValue) -> Bool {
        var bad = false
        var prompt: Int64 = 0, completion: Int64 = 0, cached: Int64 = 0, reasoning: Int64 = 0
        u.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("prompt_tokens") { prompt = Plausible.tokens(v, &bad) ?? 0 }
            else if k("completion_tokens") { completion = Plausible.tokens(v, &bad) ?? 0 }
            else if k("prompt_tokens_details"), v.kind == .object { cached = Plausible.tokens(v["cached_tokens"], &bad) ?? 0 }
            else if k("completion_tokens_details"), v.kind == .object {
                reasoning = Plausible.tokens(v["reasoning_tokens"], &bad) ?? 0
            }
            return true
        }
        guard !bad else { return false }
        // cached ⊆ prompt (ccusage-style clamp: a larger cached count is cut to the prompt)
        let reads = min(cached, prompt)
        call.inputTokens = prompt - reads
        call.cacheReadTokens = reads
        call.outputTokens = completion
        call.reasoningTokens = min(reasoning, completion)
        return true
    }
}
