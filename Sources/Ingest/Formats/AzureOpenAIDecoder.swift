/// The Azure OpenAI diagnostics decoder: `RequestResponse` resource-log records of an Azure OpenAI
/// (Cognitive Services) account, as diagnostic settings write them to storage or Event Hub
/// (`formats/GATEWAYS.md` §5c; the sample is Elastic's pipeline test file).
///
/// ### Fields read
///
///     time (ISO-8601, 7 fraction digits, Z)              → instant
///     correlationId                                      → de-duplication (`hash("azure_openai", id)`, §"Dedupe keys")
///     resultSignature (HTTP status as a **string**)      → HTTP status and outcome (429 rate_limited,
///                                                          401/403 denied, ≥ 400 error)
///     durationMs (ms)                                    → latency; when negative (seen in test data),
///                                                          properties.responseTime − requestTime (.NET ticks,
///                                                          100 ns) instead
///     properties (an object, or a JSON **string**, parsed)
///       .modelName | .modelDeploymentName                → model
///
/// These records carry **no tokens** (§5c: tokens are in metrics or APIM only): each model
/// request counts as a request with its latency and outcome, and 0 tokens. A record without a
/// model (an Assistants call such as `Create_Thread`) is no model response and is ignored.
/// Provider: `azure`. Team and principal: empty (`callerIpAddress` is masked and no principal;
/// `properties.objectId` is usually empty). No cost.
///
/// A blob file may wrap records as `{"records": [...]}` (§"Cross-cutting checklist",
/// UNVERIFIED): each element is then decoded as a record.
public struct AzureOpenAIDecoder: LogDecoder {
    public let context: DecoderContext
    /// Reused buffer for a JSON-encoded `properties` string.
    var scratch: [UInt8] = []

    public init(context: DecoderContext) { self.context = context }

    /// True for an object with `category` `RequestResponse` and a `properties` member, or a
    /// `{"records": [...]}` envelope whose first record is one.
    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        GatewaySupport.detectsAzureRecords(root, detectsRecord)
    }

    static func detectsRecord(_ v: JSONValue) -> Bool {
        guard v.kind == .object else { return false }
        return (v["category"]?.stringEquals("RequestResponse") ?? false) && v["properties"] != nil
    }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        GatewaySupport.decodeAzureRecords(root) { decodeRecord($0, line: line, into: &batch) }
    }

    public mutating func finish(into batch: inout EventBatch) {}

    /// .NET ticks (100 ns since 0001-01-01) per ms, and the ticks of the Unix epoch.
    static let ticksPerMs: Int64 = 10_000
    static let unixEpochTicks: Int64 = 621_355_968_000_000_000

    mutating func decodeRecord(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        guard Self.detectsRecord(root) else { return .ignored }
        var time: JSONValue? = nil, correlation: JSONValue? = nil, duration: JSONValue? = nil
        var signature: JSONValue? = nil, properties: JSONValue? = nil
        root.forEachMember { k, v in
            let k = GatewaySupport.Key(k)
            if k("time") { time = v }
            else if k("correlationId") { correlation = v }
            else if k("durationMs") { duration = v }
            else if k("resultSignature") { signature = v }
            else if k("properties") { properties = v }
            return true
        }
        guard let time = GatewaySupport.present(time) else { return .ignored }
        guard let instant = Plausible.instantMs(Timestamps.epochToMillis(time)) else { return .undecodable }

        var call = LLMCall(instantMs: instant)
        call.provider = "azure"
        if let s = GatewaySupport.int(signature), (100...999).contains(s) {
            call.httpStatus = Int(s)
        }
        if let c = GatewaySupport.present(correlation), GatewaySupport.isNonEmptyString(c) {
            call.dedup = DedupClaim(key: GatewaySupport.dedupKey("azure_openai", c))
        }
        var ticksLatency: Double? = nil
        withProperties(properties) { p in
            guard let p, p.kind == .object else { return }
            var model: JSONValue? = nil, deployment: JSONValue? = nil
            var requestTime: JSONValue? = nil, responseTime: JSONValue? = nil
            p.forEachMember { k, v in
                let k = GatewaySupport.Key(k)
                if k("modelName") { model = v }
                else if k("modelDeploymentName") { deployment = v }
                else if k("requestTime") { requestTime = v }
                else if k("responseTime") { responseTime = v }
                return true
            }
            call.model = GatewaySupport.string(GatewaySupport.firstNonEmpty(model, deployment)) ?? ""
            // ticks of year 1…9999 are below 3.2e18: the difference of two cannot overflow
            if let a = GatewaySupport.int(requestTime), let b = GatewaySupport.int(responseTime),
                a >= 0, b >= a, b < 3_200_000_000_000_000_000
            {
                ticksLatency = Double(b - a) / Double(Self.ticksPerMs)
            }
        }
        guard !call.model.isEmpty else { return .ignored }
        call.latencyMs = Plausible.durationMs(GatewaySupport.double(duration)) ?? Plausible.durationMs(ticksLatency)

        var reason: PermissionReason? = nil
        if let s = call.httpStatus { (call.outcome, reason) = GatewaySupport.outcome(httpStatus: s) }
        batch.appendCall(call, line: line, denial: reason)
        return .decoded
    }

    /// Calls `body` with `properties` as an object: the value itself, or the JSON document its
    /// string holds (unescaped into the reused scratch buffer; valid only during the call).
    mutating func withProperties(_ v: JSONValue?, _ body: (JSONValue?) -> Void) {
        guard let v else { return body(nil) }
        guard v.kind == .string else { return body(v) }
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
}
