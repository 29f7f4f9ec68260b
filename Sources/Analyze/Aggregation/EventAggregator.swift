import Ingest

/// Dense storage for one table's groups: key → slot index, values in an array, and a one-entry
/// cache of the last key (consecutive events usually share their group, so most lookups are an
/// equality check instead of a hash).
struct GroupTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    var index: [Key: Int] = [:]
    var keys: [Key] = []
    var values: [Value] = []
    var lastKey: Key? = nil
    var lastSlot = 0

    @inline(__always)
    mutating func slot(_ key: Key, empty: @autoclosure () -> Value) -> Int {
        if let k = lastKey, k == key { return lastSlot }
        let s: Int
        if let found = index[key] {
            s = found
        } else {
            s = keys.count
            index[key] = s
            keys.append(key)
            values.append(empty())
        }
        lastKey = key
        lastSlot = s
        return s
    }

    func dictionary() -> [Key: Value] {
        var d = [Key: Value](minimumCapacity: keys.count)
        for i in keys.indices { d[keys[i]] = values[i] }
        return d
    }
}

/// A tool call kept until `finish()` for retry detection: 32 bytes.
struct PendingTool: Sendable {
    var instantMs: Int64
    var endMs: Int64
    var argumentsHash: UInt64
    /// The call's `tools` slot; a duplicate (`addDuplicate`) has −1 − its `duplicateKeys` index.
    var slot: Int32
    var outcome: ToolOutcome
}

/// Aggregates the events of one source (one file, chunk or worker) into `Aggregates`.
///
///     var agg = EventAggregator(source: "litellm", calendar: cal, coster: coster)
///     for call in batch.llmCalls { agg.add(call) }
///     let partial = agg.finish()      // merge partials in any order
///
/// Days: an llm call or permission decision falls on the report-time-zone day of its instant; a
/// tool call on the day of its request (`CONTRACT.md`, ingest_files note and "Time").
///
/// Retries (`CONTRACT.md` tools_daily): a call is a retry when the previous call of the same
/// (non-empty) session — the latest earlier call by instant — had the same tool and
/// byte-identical arguments (`argumentsHash`), ended with outcome `error`, and ended at most 60 s
/// before this call started (its end is `endMs`, else instant + duration, else its instant).
/// Tool calls are therefore kept per session until `finish()`. Sessions must not be split between
/// aggregators that are finished separately: aggregate a file's (or a session's) tool calls in
/// one aggregator, or combine unfinished aggregators with `merge(_:)` before `finish()`.
/// Calls with an empty session are never retries. A copy of a call that another file counts
/// (`addDuplicate`) still takes part as the previous call of the file's next one, so a retry is
/// seen the same whichever file counts the copies.
public struct EventAggregator<Coster: CallCosting>: Sendable {
    /// Decoder id written in the `source` column.
    public let source: String
    public let calendar: ReportCalendar
    public let coster: Coster

    var usage = GroupTable<UsageKey, UsageStats>()
    var latency = GroupTable<LatencyKey, LatencyStats>()
    var tools = GroupTable<ToolKey, ToolStats>()
    var permissions: [PermissionKey: Int64] = [:]
    var unpriced: [UnpricedKey: UnpricedStats] = [:]
    var tags = GroupTable<TagKey, UsageStats>()
    /// Per-window counts for incidents and availability (`Windows.swift`).
    var windowTally = WindowTally()
    var pending: [String: [PendingTool]] = [:]
    /// Tool keys of the duplicates in `pending` (slot −1 − i), never counted.
    var duplicateKeys: [ToolKey] = []

    var resolutions: [ModelAndProvider: (key: String, resolution: Coster.Resolution)] = [:]
    var lastModel: String? = nil
    var lastProvider: String = ""
    var lastResolution: (key: String, resolution: Coster.Resolution)? = nil

    /// - Parameters:
    ///   - source: the decoder id (`litellm`, `kong`, `bedrock`, `otel`, `claude_code`, `codex`).
    ///   - calendar: the report time zone.
    ///   - coster: pricing (resolution + cost policy).
    public init(source: String, calendar: ReportCalendar, coster: Coster) {
        self.source = source
        self.calendar = calendar
        self.coster = coster
    }

    @inline(__always)
    mutating func resolve(_ model: String, provider: String) -> (key: String, resolution: Coster.Resolution) {
        if let m = lastModel, m == model, lastProvider == provider, let r = lastResolution { return r }
        let r: (key: String, resolution: Coster.Resolution)
        let pair = ModelAndProvider(model: model, provider: provider)
        if let cached = resolutions[pair] {
            r = cached
        } else {
            let res = coster.resolve(model, provider: provider)
            r = (coster.priceKey(of: res), res)
            resolutions[pair] = r
        }
        lastModel = model
        lastProvider = provider
        lastResolution = r
        return r
    }

    /// Adds one model call: usage, cost, latency / TTFT, unpriced.
    public mutating func add(_ call: LLMCall) {
        let (key, resolution) = resolve(call.model, provider: call.provider)
        let (pico, isUnpriced) = coster.cost(of: call, resolved: resolution)
        let day = calendar.day(ofMillis: call.instantMs)
        let s = usage.slot(
            UsageKey(
                day: day, source: source, provider: call.provider, model: key, team: call.team, principal: call.principal,
                endUser: call.endUser),
            empty: UsageStats())
        usage.values.withUnsafeMutableBufferPointer { buf in
            buf[s].requests +|= 1
            switch call.outcome {
            case .ok: break
            case .error: buf[s].failed +|= 1
            case .denied: buf[s].denied +|= 1
            case .rateLimited: buf[s].rateLimited +|= 1
            }
            buf[s].inputTokens +|= call.inputTokens
            buf[s].cacheReadTokens +|= call.cacheReadTokens
            buf[s].cacheWriteTokens +|= call.cacheWriteTokens
            buf[s].outputTokens +|= call.outputTokens
            buf[s].reasoningTokens +|= call.reasoningTokens
            buf[s].costPico +|= pico
            if isUnpriced { buf[s].unpriced +|= 1 }
        }
        // tags_daily: the same request's usage under each of its (distinct) tags
        for tag in call.tags {
            let t = tags.slot(TagKey(day: day, source: source, tag: tag), empty: UsageStats())
            tags.values.withUnsafeMutableBufferPointer { buf in
                buf[t].requests +|= 1
                switch call.outcome {
                case .ok: break
                case .error: buf[t].failed +|= 1
                case .denied: buf[t].denied +|= 1
                case .rateLimited: buf[t].rateLimited +|= 1
                }
                buf[t].inputTokens +|= call.inputTokens
                buf[t].cacheReadTokens +|= call.cacheReadTokens
                buf[t].cacheWriteTokens +|= call.cacheWriteTokens
                buf[t].outputTokens +|= call.outputTokens
                buf[t].reasoningTokens +|= call.reasoningTokens
                buf[t].costPico +|= pico
                if isUnpriced { buf[t].unpriced +|= 1 }
            }
        }
        windowTally.add(call, day: day, model: key, usageSlot: s)
        if call.latencyMs != nil || call.ttftMs != nil {
            let l = latency.slot(LatencyKey(day: day, source: source, provider: call.provider, model: key), empty: LatencyStats())
            if let ms = call.latencyMs { latency.values[l].latency.record(ms: ms) }
            if let ms = call.ttftMs { latency.values[l].ttft.record(ms: ms) }
        }
        if isUnpriced {
            unpriced[UnpricedKey(source: source, model: call.model, day: day), default: UnpricedStats()]
                .add(instantMs: call.instantMs, tokens: call.totalTokens)
        }
    }

    /// Adds one tool call: outcome counts and duration now, retry detection at `finish()`.
    public mutating func add(_ tool: ToolCall) {
        let day = calendar.day(ofMillis: tool.instantMs)
        let s = tools.slot(ToolKey(day: day, source: source, principal: tool.principal, tool: tool.tool), empty: ToolStats())
        tools.values[s].count(tool.outcome)
        if let d = tool.durationMs { tools.values[s].duration.record(ms: d) }
        remember(tool, slot: Int32(s))
    }

    /// Adds a copy of a tool call that another record counts (a de-duplicated replay): it counts
    /// nothing, but is the previous call of the next call of its session for retry detection,
    /// as it is in the file.
    public mutating func addDuplicate(_ tool: ToolCall) {
        guard !tool.session.isEmpty else { return }
        let day = calendar.day(ofMillis: tool.instantMs)
        duplicateKeys.append(ToolKey(day: day, source: source, principal: tool.principal, tool: tool.tool))
        remember(tool, slot: -Int32(duplicateKeys.count))
    }

    private mutating func remember(_ tool: ToolCall, slot s: Int32) {
        guard !tool.session.isEmpty else { return }
        let end: Int64
        if let e = tool.endMs {
            end = e
        } else if let d = tool.durationMs, d.isFinite, d >= 0, d < 1e15 {
            end = tool.instantMs + Int64(d.rounded())
        } else {
            end = tool.instantMs
        }
        pending[tool.session, default: []].append(
            PendingTool(instantMs: tool.instantMs, endMs: end, argumentsHash: tool.argumentsHash, slot: s, outcome: tool.outcome))
    }

    /// Adds one permission denial.
    public mutating func add(_ p: PermissionDecision) {
        let day = calendar.day(ofMillis: p.instantMs)
        permissions[PermissionKey(day: day, source: source, principal: p.principal, subject: p.subject, reason: p.reason), default: 0] +|= 1
    }

    /// Adds every event of a batch (llm calls, tool calls, permissions).
    public mutating func add(_ batch: EventBatch) {
        for c in batch.llmCalls { add(c) }
        for t in batch.toolCalls { add(t) }
        for p in batch.permissions { add(p) }
    }

    /// Combines another unfinished aggregator (same source, calendar and pricing) into this one,
    /// pending tool calls included, so sessions split between the two still get their retries.
    public mutating func merge(_ other: EventAggregator<Coster>) {
        precondition(other.source == source, "merging aggregators of different sources")
        var usageRemap = [Int](repeating: 0, count: other.usage.keys.count)
        for i in other.usage.keys.indices {
            let s = usage.slot(other.usage.keys[i], empty: UsageStats())
            usage.values[s].merge(other.usage.values[i])
            usageRemap[i] = s
        }
        windowTally.merge(other.windowTally, usageRemap: usageRemap)
        for i in other.latency.keys.indices {
            let s = latency.slot(other.latency.keys[i], empty: LatencyStats())
            latency.values[s].merge(other.latency.values[i])
        }
        var remap = [Int32](repeating: 0, count: other.tools.keys.count)
        for i in other.tools.keys.indices {
            let s = tools.slot(other.tools.keys[i], empty: ToolStats())
            tools.values[s].merge(other.tools.values[i])
            remap[i] = Int32(s)
        }
        for (k, v) in other.permissions { permissions[k, default: 0] +|= v }
        for (k, v) in other.unpriced { unpriced[k, default: UnpricedStats()].merge(v) }
        for i in other.tags.keys.indices {
            let s = tags.slot(other.tags.keys[i], empty: UsageStats())
            tags.values[s].merge(other.tags.values[i])
        }
        let shift = Int32(duplicateKeys.count)
        duplicateKeys.append(contentsOf: other.duplicateKeys)
        for (session, calls) in other.pending {
            var mine = pending[session] ?? []
            mine.reserveCapacity(mine.count + calls.count)
            for var c in calls {
                c.slot = c.slot >= 0 ? remap[Int(c.slot)] : c.slot - shift
                mine.append(c)
            }
            pending[session] = mine
        }
    }

    /// Resolves retries and returns the aggregates; the aggregator is empty afterwards.
    public mutating func finish() -> Aggregates {
        let toolKeys = tools.keys
        let duplicateKeys = self.duplicateKeys
        func key(_ slot: Int32) -> ToolKey { slot >= 0 ? toolKeys[Int(slot)] : duplicateKeys[Int(-1 - slot)] }
        for (_, var calls) in pending where calls.count > 1 {
            // total order (independent of arrival order): instant, end, arguments, outcome, tool key
            calls.sort { a, b in
                if a.instantMs != b.instantMs { return a.instantMs < b.instantMs }
                if a.endMs != b.endMs { return a.endMs < b.endMs }
                if a.argumentsHash != b.argumentsHash { return a.argumentsHash < b.argumentsHash }
                if a.outcome != b.outcome { return a.outcome.rawValue < b.outcome.rawValue }
                if a.slot == b.slot { return false }
                let ka = key(a.slot), kb = key(b.slot)
                // a counted call before its identical duplicate
                return ka != kb ? ka < kb : a.slot > b.slot
            }
            for i in 1..<calls.count {
                let prev = calls[i - 1]
                let cur = calls[i]
                guard cur.slot >= 0, prev.outcome == .error, prev.argumentsHash == cur.argumentsHash,
                    cur.instantMs - prev.endMs <= 60_000,
                    key(prev.slot).tool == key(cur.slot).tool
                else { continue }
                tools.values[Int(cur.slot)].retries +|= 1
            }
        }
        var out = Aggregates()
        out.usage = usage.dictionary()
        out.latency = latency.dictionary()
        out.tools = tools.dictionary()
        out.permissions = permissions
        out.unpriced = unpriced
        out.tags = tags.dictionary()
        out.windows = windowTally.finish(source: source, usageKeys: usage.keys)
        self = EventAggregator(source: source, calendar: calendar, coster: coster)
        return out
    }
}
