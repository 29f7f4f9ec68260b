/// The span attributes the OTel decoder reads, collected in one pass over a span's attribute list.
///
/// Names (`formats/GATEWAYS.md` §9, `formats/AGENTS.md` §4; semantic conventions @ 953276ff):
///
/// | meaning | current name | also accepted (deprecated / non-standard / OpenInference) |
/// |---|---|---|
/// | operation | `gen_ai.operation.name` | `openinference.span.kind` (`LLM`, `TOOL`, `AGENT`, …) |
/// | provider | `gen_ai.provider.name` | `gen_ai.system`, `llm.provider`, `llm.system` |
/// | model | `gen_ai.response.model`, `gen_ai.request.model` | `llm.model_name`, then `model` / `model_name` inside the `llm.invocation_parameters` JSON string |
/// | input (includes cache reads) | `gen_ai.usage.input_tokens` | `gen_ai.usage.prompt_tokens`, `llm.token_count.prompt` |
/// | output (includes reasoning) | `gen_ai.usage.output_tokens` | `gen_ai.usage.completion_tokens`, `llm.token_count.completion` |
/// | cache read | `gen_ai.usage.cache_read.input_tokens` | `gen_ai.usage.cache_read_input_tokens`, `gen_ai.usage.cached_tokens`, `gen_ai.usage.input_cached_tokens`, `llm.token_count.prompt_details.cache_read` |
/// | cache write | `gen_ai.usage.cache_creation.input_tokens` | `gen_ai.usage.cache_creation_input_tokens`, `llm.token_count.prompt_details.cache_write` |
/// | reasoning | `gen_ai.usage.reasoning.output_tokens` | `llm.token_count.completion_details.reasoning` |
/// | TTFT (seconds) | `gen_ai.response.time_to_first_chunk` | `gen_ai.server.time_to_first_token` |
/// | session | `gen_ai.conversation.id` | `session.id` |
/// | tool | `gen_ai.tool.name`, `gen_ai.tool.call.arguments` | `tool.name`, `tool.parameters` |
/// | caller | `enduser.id` | `user.id` |
/// | error | `error.type`, `http.response.status_code` | `http.status_code` |
struct OTelAttributes {
    /// A value with the rank of the name it came from (lower = preferred), so attribute order
    /// does not decide between an old and a new name.
    struct Ranked {
        var value: JSONValue? = nil
        var rank = Int.max

        mutating func offer(_ v: JSONValue, rank r: Int) {
            if r < rank, v.kind != .null {
                value = v
                rank = r
            }
        }
    }

    var operation: JSONValue?
    var openInferenceKind: JSONValue?
    var traceloopKind: JSONValue?
    var agentName: JSONValue?
    var providerName: JSONValue?
    /// `openai.response.service_tier` (OTel GenAI OpenAI conventions): the served tier.
    var serviceTier: JSONValue?
    var system: JSONValue?
    var llmProvider: JSONValue?
    var llmSystem: JSONValue?
    var responseModel: JSONValue?
    var requestModel: JSONValue?
    var llmModelName: JSONValue?
    /// OpenInference `llm.invocation_parameters`: the request's parameters as a JSON-encoded
    /// string (`{"model": "gpt-4o", "temperature": 0}`; Arize-ai/openinference
    /// `spec/semantic_conventions.md`). Failed spans often carry the model only here.
    var llmInvocationParameters: JSONValue?
    var input = Ranked()
    var output = Ranked()
    var cacheRead = Ranked()
    var cacheWrite = Ranked()
    var reasoning = Ranked()
    var ttft = Ranked()
    var conversationId: JSONValue?
    var sessionId: JSONValue?
    var toolName: JSONValue?
    var oiToolName: JSONValue?
    var toolArgs = Ranked()
    var enduserId: JSONValue?
    var userId: JSONValue?
    var errorType: JSONValue?
    var status = Ranked()

    var inputTokens: Int64? { GatewaySupport.int(input.value) }
    var outputTokens: Int64? { GatewaySupport.int(output.value) }
    var cacheReadTokens: Int64? { GatewaySupport.int(cacheRead.value) }
    var cacheWriteTokens: Int64? { GatewaySupport.int(cacheWrite.value) }
    var reasoningTokens: Int64? { GatewaySupport.int(reasoning.value) }
    var ttftSeconds: Double? { GatewaySupport.double(ttft.value) }
    var httpStatus: Int64? { GatewaySupport.int(status.value) }
    var toolArguments: JSONValue? { toolArgs.value }

    /// Calls `body` with the key (a string value) and the inner typed value of one
    /// `{"key": …, "value": {"stringValue": …}}` element (`arrayValue`/`kvlistValue`: the object
    /// holding `values`). Does nothing for other shapes.
    static func keyValue(_ e: JSONValue, _ body: (JSONValue, JSONValue) -> Void) {
        var key: JSONValue? = nil, wrapped: JSONValue? = nil
        e.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("key") { key = v } else if k("value") { wrapped = v }
            return key == nil || wrapped == nil
        }
        guard let key, key.kind == .string, let wrapped else { return }
        var inner: JSONValue? = nil
        if wrapped.kind == .object {
            wrapped.forEachMember { _, v in
                inner = v
                return false
            }
        } else {
            inner = wrapped  // a plain JSON value (some writers flatten)
        }
        if let inner { body(key, inner) }
    }

    /// Reads one attribute element.
    mutating func take(_ e: JSONValue) {
        Self.keyValue(e) { kv, v in
            let k = GatewaySupport.Str(kv)
            if k.hasPrefix("gen_ai.") {
                takeGenAI(k, v)
            } else if k.hasPrefix("llm.") {
                takeOpenInference(k, v)
            } else if k("openinference.span.kind") { openInferenceKind = v }
            else if k("traceloop.span.kind") { traceloopKind = v }
            else if k("openai.response.service_tier") { serviceTier = v }
            else if k("session.id") { sessionId = v }
            else if k("user.id") { userId = v }
            else if k("enduser.id") { enduserId = v }
            else if k("tool.name") { oiToolName = v }
            else if k("tool.parameters") { toolArgs.offer(v, rank: 1) }
            else if k("error.type") { errorType = v }
            else if k("http.response.status_code") { status.offer(v, rank: 0) }
            else if k("http.status_code") { status.offer(v, rank: 1) }
        }
    }

    private mutating func takeGenAI(_ k: GatewaySupport.Str, _ v: JSONValue) {
        if k.hasPrefix("gen_ai.usage.") {
            if k("gen_ai.usage.input_tokens") { input.offer(v, rank: 0) }
            else if k("gen_ai.usage.output_tokens") { output.offer(v, rank: 0) }
            else if k("gen_ai.usage.prompt_tokens") { input.offer(v, rank: 1) }
            else if k("gen_ai.usage.completion_tokens") { output.offer(v, rank: 1) }
            else if k("gen_ai.usage.cache_read.input_tokens") { cacheRead.offer(v, rank: 0) }
            else if k("gen_ai.usage.cache_read_input_tokens") { cacheRead.offer(v, rank: 1) }
            else if k("gen_ai.usage.cached_tokens") { cacheRead.offer(v, rank: 2) }
            else if k("gen_ai.usage.input_cached_tokens") { cacheRead.offer(v, rank: 3) }
            else if k("gen_ai.usage.cache_creation.input_tokens") { cacheWrite.offer(v, rank: 0) }
            else if k("gen_ai.usage.cache_creation_input_tokens") { cacheWrite.offer(v, rank: 1) }
            else if k("gen_ai.usage.reasoning.output_tokens") { reasoning.offer(v, rank: 0) }
            return
        }
        if k("gen_ai.operation.name") { operation = v }
        else if k("gen_ai.provider.name") { providerName = v }
        else if k("gen_ai.system") { system = v }
        else if k("gen_ai.openai.response.service_tier") { serviceTier = v }
        else if k("gen_ai.request.model") { requestModel = v }
        else if k("gen_ai.response.model") { responseModel = v }
        else if k("gen_ai.response.time_to_first_chunk") { ttft.offer(v, rank: 0) }
        else if k("gen_ai.server.time_to_first_token") { ttft.offer(v, rank: 1) }
        else if k("gen_ai.conversation.id") { conversationId = v }
        else if k("gen_ai.tool.name") { toolName = v }
        else if k("gen_ai.tool.call.arguments") { toolArgs.offer(v, rank: 0) }
        else if k("gen_ai.agent.name") { agentName = v }
    }

    private mutating func takeOpenInference(_ k: GatewaySupport.Str, _ v: JSONValue) {
        guard !k.hasPrefix("llm.input_messages"), !k.hasPrefix("llm.output_messages") else { return }
        if k("llm.model_name") { llmModelName = v }
        else if k("llm.invocation_parameters") { llmInvocationParameters = v }
        else if k("llm.provider") { llmProvider = v }
        else if k("llm.system") { llmSystem = v }
        else if k("llm.token_count.prompt") { input.offer(v, rank: 2) }
        else if k("llm.token_count.completion") { output.offer(v, rank: 2) }
        else if k("llm.token_count.prompt_details.cache_read") { cacheRead.offer(v, rank: 4) }
        else if k("llm.token_count.prompt_details.cache_write") { cacheWrite.offer(v, rank: 2) }
        else if k("llm.token_count.completion_details.reasoning") { reasoning.offer(v, rank: 1) }
    }

    /// The model named inside `llm.invocation_parameters` (its `model`, else `model_name`
    /// member), or nil. Only called when no model attribute is present (OpenInference failed
    /// spans), so the unescaping copy stays off the common path.
    func invocationModel() -> String? {
        guard let v = llmInvocationParameters, v.kind == .string else { return nil }
        var buf: [UInt8] = []
        GatewaySupport.unescape(v, into: &buf)
        return buf.withUnsafeBytes { bytes -> String? in
            // without a tape: the span's own line keeps its tape
            guard case .success(let doc) = JSONDocument.parseWithoutTape(bytes), doc.kind == .object else { return nil }
            if let s = doc["model"]?.string, !s.isEmpty { return s }
            if let s = doc["model_name"]?.string, !s.isEmpty { return s }
            return nil
        }
    }

    enum SpanKind { case llm, tool, other }

    /// What the span is, from `gen_ai.operation.name`, else `openinference.span.kind`, else (no
    /// operation at all) a model plus token counts on a span that is not an agent/workflow span.
    func spanKind(name: JSONValue?) -> SpanKind {
        if let op = operation, op.kind == .string {
            if op.stringEquals("chat") || op.stringEquals("text_completion") || op.stringEquals("generate_content") { return .llm }
            if op.stringEquals("execute_tool") { return .tool }
            return .other
        }
        if let k = openInferenceKind, k.kind == .string {
            if k.stringEquals("LLM") { return .llm }
            if k.stringEquals("TOOL") { return .tool }
            return .other
        }
        if traceloopKind != nil || agentName != nil { return .other }
        let hasModel = GatewaySupport.firstNonEmpty(responseModel, requestModel, llmModelName) != nil
        if hasModel, input.value != nil || output.value != nil { return .llm }
        if GatewaySupport.isNonEmptyString(toolName), name?.stringHasPrefix("execute_tool") ?? false { return .tool }
        return .other
    }

    /// An OpenTelemetry provider value as a LiteLLM provider id (`CONTRACT.md`: `aws.bedrock` →
    /// `bedrock`, `gcp.vertex_ai` → `vertex_ai`, `azure.ai.openai` → `azure`, `gcp.gemini` →
    /// `gemini`; also `azure.ai.inference` → `azure_ai`, `mistral_ai` → `mistral`, `x_ai` → `xai`,
    /// `ibm.watsonx.ai` → `watsonx`); other values unchanged.
    static func litellmProvider(_ v: JSONValue) -> String {
        if v.stringEquals("aws.bedrock") { return "bedrock" }
        if v.stringEquals("gcp.vertex_ai") { return "vertex_ai" }
        if v.stringEquals("azure.ai.openai") { return "azure" }
        if v.stringEquals("gcp.gemini") { return "gemini" }
        if v.stringEquals("azure.ai.inference") { return "azure_ai" }
        if v.stringEquals("mistral_ai") { return "mistral" }
        if v.stringEquals("x_ai") { return "xai" }
        if v.stringEquals("ibm.watsonx.ai") { return "watsonx" }
        if v.stringEquals("openai") { return "openai" }
        if v.stringEquals("anthropic") { return "anthropic" }
        return v.string ?? ""
    }
}
