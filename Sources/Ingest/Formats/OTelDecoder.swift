/// The OpenTelemetry decoder: OTLP/JSON trace exports as the collector `file` exporter writes
/// them, one `ExportTraceServiceRequest` per line, or one bare span object per line
/// (`formats/GATEWAYS.md` §9, `formats/AGENTS.md` §4).
///
/// ### Shape
///
///     {"resourceSpans":[{"resource":{"attributes":[…]},
///                        "scopeSpans":[{"scope":{…},"spans":[{…span…}, …]}]}]}
///
/// Attributes are lists of `{"key": k, "value": {"stringValue"|"intValue"|"doubleValue"|"boolValue"|…: v}}`;
/// 64-bit integers (`intValue`, `startTimeUnixNano`) come as decimal strings or numbers; ids are hex
/// or base64 and enums integers or names (Go protojson: `STATUS_CODE_ERROR`). Ids are not needed:
/// the contract gives OTel no de-duplication rule.
///
/// ### Spans → events (`OTel+Attributes.swift` lists the attribute names)
///
/// * `gen_ai.operation.name` `chat` / `text_completion` / `generate_content`, or OpenInference
///   `openinference.span.kind` `LLM` → llm_call. A span with neither, but with a model and token
///   counts, is a model call too (older instrumentations).
/// * `execute_tool`, or OpenInference `TOOL` → tool_call (name from `gen_ai.tool.name` /
///   `tool.name`, else the span name after `execute_tool `).
/// * Agent and workflow spans (`invoke_agent`, `create_agent`, `invoke_workflow`, OpenInference
///   `AGENT`/`CHAIN`, …) repeat their children's usage and add nothing.
///
/// Tokens: the input count **includes** cache reads (and cache writes when it is large enough to,
/// `GatewaySupport.uncachedInput`); the output count includes reasoning. Latency = end − start;
/// TTFT from `gen_ai.server.time_to_first_token` or `gen_ai.response.time_to_first_chunk`
/// (seconds → ms), else from an OpenInference `First Token Stream Event` span event. Status code
/// ERROR (2) → outcome `error`. Provider: `gen_ai.provider.name`, else `gen_ai.system` (then the
/// OpenInference `llm.provider` / `llm.system`), mapped onto LiteLLM ids. Team: resource
/// `tenant.id`. Principal: `enduser.id` / `user.id`, else resource `service.name`.
/// A logs or metrics export line is `.undecodable`.
public struct OTelDecoder: LogDecoder {
    public let context: DecoderContext

    public init(context: DecoderContext) { self.context = context }

    /// True for an object with a `resourceSpans` array, or a bare span (`traceId`, `spanId` and
    /// `startTimeUnixNano`).
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        guard root.kind == .object else { return false }
        var trace = false, span = false, start = false, resourceSpans = false
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("resourceSpans") { resourceSpans = v.kind == .array }
            else if k("traceId") { trace = true }
            else if k("spanId") { span = true }
            else if k("startTimeUnixNano") { start = true }
            return !resourceSpans
        }
        return resourceSpans || (trace && span && start)
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        // one pass: the export envelope's keys, or a bare span's fields
        var resourceSpans: JSONValue? = nil
        var isOtherSignal = false
        var span = SpanFields()
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if !span.take(k, v) {
                if k("resourceSpans") { resourceSpans = v }
                else if k("resourceLogs") || k("resourceMetrics") { isOtherSignal = true }
            }
            return true
        }
        let before = batch.eventCount
        // a span rejected for an implausible number makes the line malformed; the other spans
        // of the export still count
        var ok = true
        if let rs = resourceSpans, rs.kind == .array {
            rs.forEachElement { r in
                if !decodeResourceSpans(r, line: line, into: &batch) { ok = false }
                return true
            }
        } else if isOtherSignal {
            return .undecodable
        } else if span.isSpan {
            ok = decodeSpan(span, resource: Resource(), line: line, into: &batch)
        } else {
            return .undecodable
        }
        if !ok { return .undecodable }
        return batch.eventCount > before ? .decoded : .ignored
    }

    public mutating func finish(into batch: inout EventBatch) {}

    // MARK: - Resource

    /// Resource attributes used as dimensions.
    struct Resource {
        var serviceName: JSONValue?
        var tenantId: JSONValue?
        init() {}

        init(_ resource: JSONValue?) {
            resource?["attributes"]?.forEachElement { a in
                OTelAttributes.keyValue(a) { key, value in
                    if key.stringEquals("service.name") { serviceName = value }
                    else if key.stringEquals("tenant.id") { tenantId = value }
                }
                return true
            }
        }
    }

    /// - Returns: false when a span was rejected (see `decodeSpan`).
    func decodeResourceSpans(_ r: JSONValue, line: Int, into batch: inout EventBatch) -> Bool {
        var resourceV: JSONValue? = nil, scopeSpans: JSONValue? = nil, legacy: JSONValue? = nil
        r.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("resource") { resourceV = v }
            else if k("scopeSpans") { scopeSpans = v }
            else if k("instrumentationLibrarySpans") { legacy = v }  // OTLP < 0.15 name
            return true
        }
        let resource = Resource(resourceV)
        var ok = true
        func spans(of list: JSONValue?) {
            list?.forEachElement { scope in
                scope["spans"]?.forEachElement { span in
                    if !decodeSpan(span, resource: resource, line: line, into: &batch) { ok = false }
                    return true
                }
                return true
            }
        }
        spans(of: scopeSpans)
        spans(of: legacy)
        return ok
    }

    // MARK: - Span

    /// The members of a span object that the decoder reads.
    struct SpanFields {
        var name: JSONValue?
        var start: JSONValue?
        var end: JSONValue?
        var attributes: JSONValue?
        var events: JSONValue?
        var status: JSONValue?
        var spanId = false

        /// A bare span has a `spanId` or a start time.
        var isSpan: Bool { spanId || start != nil }

        /// Takes the member if it is a span field; false otherwise.
        @inline(__always)
        mutating func take(_ k: GatewaySupport.Key, _ v: JSONValue) -> Bool {
            switch k.length {
            case 4: if k("name") { name = v; return true }
            case 6:
                if k("events") { events = v; return true }
                if k("status") { status = v; return true }
                if k("spanId") { spanId = true; return true }
            case 10: if k("attributes") { attributes = v; return true }
            case 15: if k("endTimeUnixNano") { end = v; return true }
            case 17: if k("startTimeUnixNano") { start = v; return true }
            default: break
            }
            return false
        }
    }

    func decodeSpan(_ span: JSONValue, resource: Resource, line: Int, into batch: inout EventBatch) -> Bool {
        guard span.kind == .object else { return true }
        var f = SpanFields()
        span.forEachMember { k, v in
            _ = f.take(GatewaySupport.Key(k), v)
            return true
        }
        return decodeSpan(f, resource: resource, line: line, into: &batch)
    }

    /// Appends the span's event, if it is a model or tool span.
    /// - Returns: false, appending nothing, when the span is rejected: a start time outside
    ///   `Plausible`'s instant range or missing, or an implausible token count. An end or
    ///   first-token time out of range only drops latency / duration / TTFT.
    func decodeSpan(_ f: SpanFields, resource: Resource, line: Int, into batch: inout EventBatch) -> Bool {
        let name = f.name, startV = f.start, endV = f.end, events = f.events, status = f.status
        let attributes = f.attributes
        var a = OTelAttributes()
        attributes?.forEachElement { e in
            a.take(e)
            return true
        }

        let kind = a.spanKind(name: name)
        guard kind != .other else { return true }
        // A model or tool span without a readable start is malformed: its instant is never
        // inferred from other spans (`CONTRACT.md`, "Time"); a start that is a number but not an
        // Int64 (1e30, 1e400) is out of range too.
        guard let startNs = GatewaySupport.int(startV) else { return false }
        guard Plausible.isInstantNanos(startNs) else { return false }
        // in range, so end − start and first token − start cannot overflow
        let endNs = GatewaySupport.int(endV).flatMap { Plausible.isInstantNanos($0) ? $0 : nil }
        let instant = Self.floorDiv(startNs, 1_000_000)
        let isError = Self.isErrorStatus(status) || GatewaySupport.isNonEmptyString(a.errorType)

        var principal = GatewaySupport.string(GatewaySupport.firstNonEmpty(a.enduserId, a.userId))
        if principal == nil { principal = GatewaySupport.string(resource.serviceName) }
        let session = GatewaySupport.string(GatewaySupport.firstNonEmpty(a.conversationId, a.sessionId)) ?? ""

        switch kind {
        case .llm:
            var call = LLMCall(instantMs: instant)
            call.model = GatewaySupport.string(GatewaySupport.firstNonEmpty(a.responseModel, a.requestModel, a.llmModelName))
                ?? a.invocationModel() ?? ""
            if let p = GatewaySupport.firstNonEmpty(a.providerName, a.system, a.llmProvider, a.llmSystem) {
                call.provider = OTelAttributes.litellmProvider(p)
            }
            if let t = a.serviceTier, t.kind == .string { call.serviceTier = GatewaySupport.serviceTier(t) }
            call.team = GatewaySupport.string(resource.tenantId) ?? ""
            call.principal = principal ?? ""
            call.session = session
            var bad = false
            let prompt = Plausible.tokens(a.input.value, &bad) ?? 0
            let reads = Plausible.tokens(a.cacheRead.value, &bad) ?? 0
            let writes = Plausible.tokens(a.cacheWrite.value, &bad) ?? 0
            let output = Plausible.tokens(a.output.value, &bad) ?? 0
            let reasoning = Plausible.tokens(a.reasoning.value, &bad) ?? 0
            guard !bad else { return false }
            call.inputTokens = GatewaySupport.uncachedInput(prompt: prompt, reads: reads, writes: writes)
            call.cacheReadTokens = reads
            call.cacheWrite5mTokens = writes
            call.outputTokens = output
            call.reasoningTokens = min(reasoning, output)
            if let endNs, endNs >= startNs { call.latencyMs = Plausible.durationMs(Double(endNs - startNs) / 1e6) }
            if let s = a.ttftSeconds, s >= 0 {
                call.ttftMs = Plausible.durationMs(s * 1000)
            } else if let firstToken = Self.firstTokenEventNs(events), Plausible.isInstantNanos(firstToken),
                firstToken >= startNs
            {
                call.ttftMs = Plausible.durationMs(Double(firstToken - startNs) / 1e6)
            }
            var reason: PermissionReason? = nil
            if let code = a.httpStatus {
                call.httpStatus = Int(code)
                let (o, r) = GatewaySupport.outcome(httpStatus: Int(code))
                call.outcome = o
                reason = r
            }
            if isError, call.outcome == .ok { call.outcome = .error }
            if call.outcome != .ok { call.errorType = GatewaySupport.string(a.errorType) ?? "" }
            batch.appendCall(call, line: line, denial: reason)
        case .tool:
            var t = ToolCall(instantMs: instant)
            if let n = GatewaySupport.firstNonEmpty(a.toolName, a.oiToolName) {
                t.tool = n.string ?? ""
            } else if let n = name, n.stringHasPrefix("execute_tool "), let s = n.string {
                t.tool = String(s.dropFirst(13))
            }
            t.principal = principal ?? ""
            t.session = session
            if let endNs, endNs >= startNs {
                t.endMs = Self.floorDiv(endNs, 1_000_000)
                t.durationMs = Plausible.durationMs(Double(endNs - startNs) / 1e6)
                t.outcome = isError ? .error : .ok
            } else {
                t.outcome = isError ? .error : .unknown
            }
            t.argumentsHash = GatewaySupport.hash(a.toolArguments)
            batch.toolCalls.append(t)
        case .other:
            break
        }
        return true
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Status code ERROR: `2`, `"2"` or `"STATUS_CODE_ERROR"`.
    static func isErrorStatus(_ status: JSONValue?) -> Bool {
        guard let code = status?["code"] else { return false }
        if let n = code.int64 { return n == 2 }
        return code.stringEquals("STATUS_CODE_ERROR")
    }

    /// The time of the OpenInference `First Token Stream Event` span event (epoch ns).
    static func firstTokenEventNs(_ events: JSONValue?) -> Int64? {
        var found: Int64? = nil
        events?.forEachElement { e in
            if e["name"]?.stringEquals("First Token Stream Event") ?? false {
                found = GatewaySupport.int(e["timeUnixNano"])
                return false
            }
            return true
        }
        return found
    }
}
