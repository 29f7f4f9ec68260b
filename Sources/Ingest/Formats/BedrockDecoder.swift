/// The AWS Bedrock model-invocation-log decoder (`schemaType` `ModelInvocationLog`,
/// `formats/GATEWAYS.md` §4), one record per line.
///
/// ### Fields read
///
///     timestamp (RFC 3339, or Panther's "YYYY-MM-DD HH:MM:SS.fffffffff")   → instant
///     modelId                                   → model as logged (foundation id, region-prefixed
///                                                 profile id or application-inference-profile ARN)
///     identity.arn                              → principal: `assumed-role/<role>/…` → `<role>`,
///                                                 `user/<name>` → `<name>`
///     input.inputTokenCount                     → input (disjoint from the cache counts)
///     input.cacheReadInputTokenCount            → cache read
///     input.cacheWriteInputTokenCount           → cache write (5-minute rate: no split logged)
///     output.outputTokenCount                   → output
///     output.outputBodyJson.usage               → the same counts when the top-level ones are absent
///                                                 (Converse `inputTokens`…, Anthropic `input_tokens`…)
///     output.outputBodyJson.metrics.latencyMs   → latency (Converse only); no TTFT in these logs
///     output.outputBodyJson.stopReason == "guardrail_intervened",
///     output.outputBodyJson["amazon-bedrock-guardrailAction"] == "INTERVENED"
///                                               → `denied` + permission_decision `guardrail`
///     errorCode                                 → ThrottlingException → `rate_limited`,
///                                                 AccessDeniedException → `denied`/`forbidden`,
///                                                 UnrecognizedClientException → `denied`/`unauthenticated`,
///                                                 any other → `error`
///
/// Provider is `bedrock`, team empty (`CONTRACT.md`). Bedrock has no de-duplication rule in the
/// contract (the Panther sample even reuses one `requestId` for two records).
public struct BedrockDecoder: LogDecoder {
    public let context: DecoderContext

    public init(context: DecoderContext) { self.context = context }

    /// True for an object whose `schemaType` is `ModelInvocationLog`.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object else { return false }
        return root["schemaType"]?.stringEquals("ModelInvocationLog") ?? false
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        var schema: JSONValue? = nil, timestamp: JSONValue? = nil, identity: JSONValue? = nil
        var modelId: JSONValue? = nil, input: JSONValue? = nil, output: JSONValue? = nil, errorCode: JSONValue? = nil
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            switch k.length {
            case 5: if k("input") { input = v }
            case 6: if k("output") { output = v }
            case 7: if k("modelId") { modelId = v }
            case 8: if k("identity") { identity = v }
            case 9: if k("timestamp") { timestamp = v } else if k("errorCode") { errorCode = v }
            case 10: if k("schemaType") { schema = v }
            default: break
            }
            return true
        }
        guard schema?.stringEquals("ModelInvocationLog") ?? false else { return .ignored }
        guard let ts = timestamp, let instant = Plausible.instantMs(Timestamps.epochToMillis(ts)) else { return .undecodable }

        var call = LLMCall(instantMs: instant)
        call.provider = "bedrock"
        call.model = GatewaySupport.string(modelId) ?? ""
        if let arn = identity?["arn"]?.rawStringBytes { call.principal = Self.principal(arn: arn) }

        // Tokens: top-level counts first.
        var inTok: Int64? = nil, outTok: Int64? = nil, reads: Int64? = nil, writes: Int64? = nil
        var split5m: Int64? = nil, split1h: Int64? = nil
        var bad = false  // an implausible token count (`Plausible.tokens`) rejects the record
        input?.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("inputTokenCount") { inTok = Plausible.tokens(v, &bad) }
            else if k("cacheReadInputTokenCount") { reads = Plausible.tokens(v, &bad) }
            else if k("cacheWriteInputTokenCount") { writes = Plausible.tokens(v, &bad) }
            return true
        }
        var body: JSONValue? = nil
        output?.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("outputTokenCount") { outTok = Plausible.tokens(v, &bad) }
            else if k("outputBodyJson") || k("outputBodyJSON") { body = v }
            return true
        }

        var stopReason: JSONValue? = nil, guardrailAction: JSONValue? = nil, usage: JSONValue? = nil
        if let body, body.kind == .object {
            body.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("stopReason") { stopReason = v }
                else if k("amazon-bedrock-guardrailAction") { guardrailAction = v }
                else if k("usage") { usage = v }
                else if k("metrics") { call.latencyMs = Plausible.durationMs(GatewaySupport.double(v["latencyMs"])) }
                return true
            }
        }
        if let usage, usage.kind == .object {
            // Converse usage carries `cacheReadInputTokens` and `cacheReadInputTokenCount` (the same
            // count twice, §4 quirks): take one. Anthropic InvokeModel bodies use snake_case.
            usage.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if inTok == nil, k("inputTokens") || k("input_tokens") { inTok = Plausible.tokens(v, &bad) }
                else if outTok == nil, k("outputTokens") || k("output_tokens") { outTok = Plausible.tokens(v, &bad) }
                else if reads == nil,
                    k("cacheReadInputTokens") || k("cacheReadInputTokenCount") || k("cache_read_input_tokens")
                {
                    reads = Plausible.tokens(v, &bad)
                } else if writes == nil,
                    k("cacheWriteInputTokens") || k("cacheWriteInputTokenCount")
                        || k("cache_creation_input_tokens")
                {
                    writes = Plausible.tokens(v, &bad)
                } else if k("cacheDetails"), v.kind == .array {
                    // [{ttl: "5m"|"1h", inputTokens}] (AWS CacheDetail).
                    var m5: Int64 = 0, h1: Int64 = 0
                    v.forEachElement { d in
                        guard d.kind == .object, let ttl = d["ttl"] else { return true }
                        let n = Plausible.tokens(d["inputTokens"], &bad) ?? 0
                        if ttl.stringEquals("5m") { m5 &+= n } else if ttl.stringEquals("1h") { h1 &+= n }
                        return true
                    }
                    split5m = m5
                    split1h = h1
                }
                return true
            }
        }
        guard !bad else { return .undecodable }
        call.inputTokens = inTok ?? 0
        call.cacheReadTokens = reads ?? 0
        call.cacheWrite5mTokens = writes ?? 0
        // The 5m/1h split counts only when it accounts for every write, as LiteLLM's
        // `AmazonConverseConfig._parse_cache_details`; otherwise every write is a 5m write.
        if let w = writes, let m5 = split5m, let h1 = split1h, m5 &+ h1 == w {
            call.cacheWrite5mTokens = m5
            call.cacheWrite1hTokens = h1
        }
        call.outputTokens = outTok ?? 0

        // Outcome.
        var reason: PermissionReason? = nil
        if (stopReason?.stringEquals("guardrail_intervened") ?? false) || (guardrailAction?.stringEquals("INTERVENED") ?? false) {
            call.outcome = .denied
            reason = .guardrail
        } else if let ec = errorCode, GatewaySupport.isNonEmptyString(ec) {
            call.errorType = ec.string ?? ""
            if ec.stringEquals("ThrottlingException") || ec.stringEquals("ServiceQuotaExceededException") {
                call.outcome = .rateLimited
                call.httpStatus = 429
            } else if ec.stringEquals("AccessDeniedException") {
                call.outcome = .denied
                call.httpStatus = 403
                reason = .forbidden
            } else if ec.stringEquals("UnrecognizedClientException") || ec.stringEquals("ExpiredTokenException") {
                call.outcome = .denied
                call.httpStatus = 401
                reason = .unauthenticated
            } else {
                call.outcome = .error
            }
        }
        batch.appendCall(call, line: line, denial: reason)
        return .decoded
    }

    public mutating func finish(into batch: inout EventBatch) {}

    /// The role or user name in an IAM/STS ARN (raw bytes):
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>` → `<role>`;
    /// `arn:aws:iam::<acct>:user/<path>/<name>` → `<name>`; `…:role/<name>` → `<name>`;
    /// `…:federated-user/<name>` → `<name>`; anything else → "".
    static func principal(arn b: UnsafeRawBufferPointer) -> String {
        // the resource part starts after the fifth ':'
        var colons = 0
        var i = 0
        while i < b.count, colons < 5 {
            if b[i] == UInt8(ascii: ":") { colons += 1 }
            i += 1
        }
        guard colons == 5, i < b.count else { return "" }
        let res = UnsafeRawBufferPointer(rebasing: b[i...])
        func hasPrefix(_ p: StaticString) -> Bool {
            let n = p.utf8CodeUnitCount
            guard res.count > n else { return false }
            for k in 0..<n where res[k] != p.utf8Start[k] { return false }
            return true
        }
        func component(from start: Int, last: Bool) -> String {
            var s = start
            var e = res.count
            if last {
                if let slash = res[start...].lastIndex(of: UInt8(ascii: "/")) { s = slash + 1 }
            } else if let slash = res[start...].firstIndex(of: UInt8(ascii: "/")) {
                e = slash
            }
            guard s < e else { return "" }
            return String(decoding: UnsafeRawBufferPointer(rebasing: res[s..<e]), as: UTF8.self)
        }
        if hasPrefix("assumed-role/") { return component(from: 13, last: false) }
        if hasPrefix("user/") { return component(from: 5, last: true) }
        if hasPrefix("role/") { return component(from: 5, last: true) }
        if hasPrefix("federated-user/") { return component(from: 15, last: true) }
        return ""
    }
}
