/// Normalized events: what every decoder produces from source records.
///
/// The shapes follow `CONTRACT.md` ("Normalized events"). Token buckets are **disjoint** after
/// normalization, whatever the source's convention:
///
///     total = input (uncached) + cache read + cache write (5 min + 1 h) + output (includes reasoning)
///
/// Instants are UTC milliseconds since the Unix epoch. Durations are milliseconds.

/// Outcome of one model call.
public enum LLMOutcome: UInt8, Sendable, Hashable, CaseIterable {
    case ok, error, denied, rateLimited

    /// The contract's spelling (`ok`, `error`, `denied`, `rate_limited`).
    public var name: String {
        switch self {
        case .ok: "ok"
        case .error: "error"
        case .denied: "denied"
        case .rateLimited: "rate_limited"
        }
    }
}

/// Outcome of one tool call. `unknown` means no result was seen before the end of the input.
public enum ToolOutcome: UInt8, Sendable, Hashable, CaseIterable {
    case ok, error, denied, cancelled, unknown

    public var name: String {
        switch self {
        case .ok: "ok"
        case .error: "error"
        case .denied: "denied"
        case .cancelled: "cancelled"
        case .unknown: "unknown"
        }
    }
}

/// Why something was denied: the contract's closed set (extend only by adding cases).
///
/// Rate limiting (HTTP 429) is **not** a permission reason.
public enum PermissionReason: String, Sendable, Hashable, CaseIterable {
    case userRejected = "user_rejected"
    case policyRule = "policy_rule"
    case hook
    case sandbox
    case classifier
    case guardrail
    case unauthenticated  // HTTP 401
    case forbidden  // HTTP 403
    case budget
}

/// A 128-bit de-duplication key (two independent 64-bit hashes of the key's bytes).
public struct DedupKey: Hashable, Sendable, Comparable {
    public var hi: UInt64
    public var lo: UInt64

    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    public static func < (a: DedupKey, b: DedupKey) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }
}

/// How a keyed model call competes with its duplicates (`CONTRACT.md`, "De-duplication and attempts").
///
/// Records with the same `key` are one request; the one with the highest `rank` is kept
/// (ties: the earlier file in discovery order, then the earlier line). A record whose `messageKey`
/// was already seen on a non-sidechain record is a duplicate whatever its `key` (Claude Code
/// sidechain / subagent replays).
public struct DedupClaim: Sendable, Hashable {
    /// The identity of the request (e.g. `message.id` + `requestId`, or a LiteLLM trace id).
    public var key: DedupKey
    /// Claude Code: the `message.id` alone, for sidechain matching; nil elsewhere.
    public var messageKey: DedupKey?
    /// True for a sidechain / subagent copy.
    public var isSidechain: Bool
    /// Higher wins: Claude Code uses (non-sidechain, token total); LiteLLM retries the attempt number.
    public var rank: Int64

    public init(key: DedupKey, messageKey: DedupKey? = nil, isSidechain: Bool = false, rank: Int64 = 0) {
        self.key = key
        self.messageKey = messageKey
        self.isSidechain = isSidechain
        self.rank = rank
    }

    /// The claim of a tool call replayed into other files (`CONTRACT.md`, "Tool calls and
    /// permission decisions"): `key` names the request (e.g. `claude_code/tool` + `tool_use.id`
    /// + tool name + arguments hash). Rank: a call whose result was seen (any outcome but
    /// `unknown`) beats one still waiting (2), then a main-transcript copy beats a sidechain or
    /// fork copy (1): `rank = (outcome != .unknown ? 2 : 0) + (isSidechain ? 0 : 1)`.
    public static func tool(key: DedupKey, isSidechain: Bool, outcome: ToolOutcome) -> DedupClaim {
        DedupClaim(key: key, isSidechain: isSidechain, rank: (outcome != .unknown ? 2 : 0) + (isSidechain ? 0 : 1))
    }

    /// The claim of a permission decision about a keyed tool request: the request's key under a
    /// `…/permission` namespace, ranked as a tool call with its result seen (a denial is a
    /// result), so a denied call and its denial always have the same winner.
    public static func permission(key: DedupKey, isSidechain: Bool) -> DedupClaim {
        tool(key: key, isSidechain: isSidechain, outcome: .denied)
    }
}

/// The service tier a response reports it was served at (`usage.service_tier`, the response's
/// `service_tier`), as LiteLLM maps it onto price-field suffixes (`get_service_tier_cost_key` in
/// `litellm/litellm_core_utils/llm_cost_calc/utils.py`): `flex` → `_flex`, `priority` and `fast`
/// → `_priority`, `ultrafast` → `_ultrafast`, `balanced` → `_balanced`; anything else (`standard`,
/// `default`, `auto`, `batch`, absent) is the standard price.
public enum ServiceTier: UInt8, Sendable, Hashable, CaseIterable {
    case standard, flex, priority, ultrafast, balanced

    /// The price-field suffix (`_flex`, ...), nil for `standard`.
    public var fieldSuffix: String? {
        switch self {
        case .standard: nil
        case .flex: "_flex"
        case .priority: "_priority"
        case .ultrafast: "_ultrafast"
        case .balanced: "_balanced"
        }
    }

    /// LiteLLM's mapping of a reported tier name (case-insensitive).
    public init(reported name: String) {
        switch name.lowercased() {
        case "flex": self = .flex
        case "priority", "fast": self = .priority
        case "ultrafast": self = .ultrafast
        case "balanced": self = .balanced
        default: self = .standard
        }
    }
}

/// One billed model response (`llm_call`).
public struct LLMCall: Sendable, Hashable {
    /// Request start, UTC epoch milliseconds.
    public var instantMs: Int64
    /// LiteLLM provider id (`openai`, `anthropic`, `bedrock`, ...); empty when unknown.
    public var provider: String = ""
    /// The model as logged (price-key resolution happens in Analyze).
    public var model: String = ""
    public var team: String = ""
    public var principal: String = ""
    public var session: String = ""
    /// The end user the request was made for (LiteLLM `end_user`); empty when the source has
    /// none.
    public var endUser: String = ""
    /// The request's tags (LiteLLM `request_tags`), each at most once, in the record's order;
    /// empty when the source has none. Repeated tag sets share one array (no allocation per
    /// record).
    public var tags: [String] = []
    /// Nil when the source has no de-duplication rule or the record has no ids.
    public var dedup: DedupClaim? = nil
    /// Uncached input tokens only.
    public var inputTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    /// Cache writes priced at the 5-minute rate (also: writes with no split given).
    public var cacheWrite5mTokens: Int64 = 0
    /// Cache writes priced at the 1-hour rate.
    public var cacheWrite1hTokens: Int64 = 0
    /// Output tokens, reasoning included.
    public var outputTokens: Int64 = 0
    /// Reasoning tokens: an informational subset of `outputTokens`.
    public var reasoningTokens: Int64 = 0
    /// Whole-request latency in ms, when measured.
    public var latencyMs: Double? = nil
    /// Time to first token in ms, only when the source measured a first token.
    public var ttftMs: Double? = nil
    public var outcome: LLMOutcome = .ok
    public var httpStatus: Int? = nil
    public var errorType: String = ""
    /// A cost the record itself carries (e.g. LiteLLM `response_cost`), in USD.
    public var loggedCostUSD: Double? = nil
    /// The service tier the response reports (`usage.service_tier`); `.standard` when none.
    public var serviceTier: ServiceTier = .standard
    /// Where the request was served (Anthropic `usage.inference_geo`, lower case: `us`, `global`);
    /// empty when not reported. Priced by an entry's `provider_specific_entry` multiplier.
    public var inferenceGeo: String = ""
    /// Anthropic fast mode (`usage.speed` = `fast`): priced by `provider_specific_entry.fast`.
    public var fastMode: Bool = false

    public init(instantMs: Int64) { self.instantMs = instantMs }

    /// 5-minute + 1-hour cache writes (tokens). Wrapping addition: decoders bound every count
    /// to 2^40 (`Plausible`), so it never wraps for decoded events, and never traps.
    public var cacheWriteTokens: Int64 { cacheWrite5mTokens &+ cacheWrite1hTokens }
    /// input + cache read + cache write + output (tokens); wrapping like `cacheWriteTokens`.
    public var totalTokens: Int64 { inputTokens &+ cacheReadTokens &+ cacheWriteTokens &+ outputTokens }
}

/// One tool request joined to its result (`tool_call`).
public struct ToolCall: Sendable, Hashable {
    /// When the call was requested (`tool_use` / `function_call` / span start), UTC epoch ms.
    public var instantMs: Int64
    /// When its result arrived, UTC epoch ms; nil when unknown.
    public var endMs: Int64? = nil
    public var principal: String = ""
    public var session: String = ""
    /// Tool name; MCP tools as `server/tool`.
    public var tool: String = ""
    public var outcome: ToolOutcome = .unknown
    /// Recorded or derived duration in ms.
    public var durationMs: Double? = nil
    /// A hash of the call's argument bytes as logged, for retry detection.
    public var argumentsHash: UInt64 = 0
    /// How the call competes with copies of it in other files (resumed-session copies, sidechain
    /// and fork replays: `DedupClaim.tool`); nil when the source gives the call no id.
    public var dedup: DedupClaim? = nil
    /// The 1-based line of the request (`tool_use` / `function_call`) in its file, the
    /// de-duplication tie-break; 0 when not keyed.
    public var line: Int = 0

    public init(instantMs: Int64) { self.instantMs = instantMs }
}

/// An observable denial (`permission_decision`).
public struct PermissionDecision: Sendable, Hashable {
    public var instantMs: Int64
    public var principal: String = ""
    /// Tool, model or route that was denied.
    public var subject: String = ""
    public var reason: PermissionReason
    /// How the decision competes with copies of it in other files (`DedupClaim.permission`, keyed
    /// by the tool request it refers to); nil when the source gives no request id.
    public var dedup: DedupClaim? = nil
    /// The 1-based line of the request the decision refers to (else of the decision), the
    /// de-duplication tie-break; 0 when not keyed.
    public var line: Int = 0

    public init(instantMs: Int64, reason: PermissionReason) {
        self.instantMs = instantMs
        self.reason = reason
    }
}

/// The events decoded from a stretch of input, in input order per kind.
///
/// A decoder appends to it; the reader drains it after every chunk, so it stays small.
/// `llmCallLines` give, for each `llmCalls` element, the 1-based line it came from (used to
/// break de-duplication ties deterministically); keyed tool calls and permission decisions carry
/// their line themselves (`ToolCall.line`, `PermissionDecision.line`), as they are emitted when
/// their result arrives, lines after their request.
public struct EventBatch: Sendable {
    public var llmCalls: [LLMCall] = []
    public var llmCallLines: [Int] = []
    public var toolCalls: [ToolCall] = []
    public var permissions: [PermissionDecision] = []
    /// Records read but not billable by rule (e.g. LiteLLM retrieving a stored response).
    public var excluded: Int = 0
    /// Usage records without a timestamp of their own that took the instant of the nearest
    /// preceding timestamped record of their session (`CONTRACT.md`, "Time"); counted in
    /// `ingest_files.inferred_instants`.
    public var inferredInstants: Int = 0

    public init() {}

    public var isEmpty: Bool { llmCalls.isEmpty && toolCalls.isEmpty && permissions.isEmpty && excluded == 0 }
    public var eventCount: Int { llmCalls.count + toolCalls.count + permissions.count }

    /// Appends a gateway's LLM call read from `line` and, when the gateway refused it (`denial`),
    /// the permission decision it was: same instant and principal, the model as its subject.
    @inline(__always)
    public mutating func appendCall(_ call: LLMCall, line: Int, denial: PermissionReason?) {
        llmCalls.append(call)
        llmCallLines.append(line)
        if let denial {
            var p = PermissionDecision(instantMs: call.instantMs, reason: denial)
            p.principal = call.principal
            p.subject = call.model
            permissions.append(p)
        }
    }

    public mutating func removeAll() {
        llmCalls.removeAll(keepingCapacity: true)
        llmCallLines.removeAll(keepingCapacity: true)
        toolCalls.removeAll(keepingCapacity: true)
        permissions.removeAll(keepingCapacity: true)
        excluded = 0
        inferredInstants = 0
    }
}
