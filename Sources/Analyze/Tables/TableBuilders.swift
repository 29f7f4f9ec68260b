import Ingest

/// Builds the contract's output tables from `Aggregates` (`CONTRACT.md`, "Tables": names, column
/// order and types exactly as specified there).
///
/// Rows are sorted by their key columns (day first), so the output does not depend on merge
/// order. Money: every `cost_usd` cell is one `Int128` pico-dollar sum converted to DOUBLE once
/// (`PicoUSD.usd`), so daily, weekly, per-model and per-team totals agree.
/// `window` (inclusive day numbers) keeps only rows of those days; nil keeps all.
public enum Tables {
    // MARK: schemas

    public static let usageDailySchema = TableSchema(name: "usage_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("source", .string), ColumnSpec("provider", .string),
        ColumnSpec("model", .string), ColumnSpec("team", .string), ColumnSpec("principal", .string),
        ColumnSpec("requests", .int64), ColumnSpec("failed_requests", .int64), ColumnSpec("denied_requests", .int64),
        ColumnSpec("rate_limited_requests", .int64), ColumnSpec("input_tokens", .int64),
        ColumnSpec("cache_read_tokens", .int64), ColumnSpec("cache_write_tokens", .int64),
        ColumnSpec("output_tokens", .int64), ColumnSpec("reasoning_tokens", .int64), ColumnSpec("total_tokens", .int64),
        ColumnSpec("cost_usd", .double), ColumnSpec("unpriced_requests", .int64),
        ColumnSpec("end_user", .string),
    ])

    /// tags_daily (issue 14): per day, source and tag, the usage of the requests carrying the tag.
    public static let tagsDailySchema = TableSchema(name: "tags_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("source", .string), ColumnSpec("tag", .string),
        ColumnSpec("requests", .int64), ColumnSpec("failed_requests", .int64), ColumnSpec("denied_requests", .int64),
        ColumnSpec("rate_limited_requests", .int64), ColumnSpec("input_tokens", .int64),
        ColumnSpec("cache_read_tokens", .int64), ColumnSpec("cache_write_tokens", .int64),
        ColumnSpec("output_tokens", .int64), ColumnSpec("reasoning_tokens", .int64), ColumnSpec("total_tokens", .int64),
        ColumnSpec("cost_usd", .double), ColumnSpec("unpriced_requests", .int64),
    ])

    public static let latencyDailySchema = TableSchema(name: "latency_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("source", .string), ColumnSpec("provider", .string), ColumnSpec("model", .string),
        ColumnSpec("timed_requests", .int64),
        ColumnSpec("latency_ms_p50", .double, nullable: true), ColumnSpec("latency_ms_p90", .double, nullable: true),
        ColumnSpec("latency_ms_p95", .double, nullable: true), ColumnSpec("latency_ms_p99", .double, nullable: true),
        ColumnSpec("latency_ms_max", .double, nullable: true),
        ColumnSpec("ttft_requests", .int64),
        ColumnSpec("ttft_ms_p50", .double, nullable: true), ColumnSpec("ttft_ms_p95", .double, nullable: true),
    ])

    public static let toolsDailySchema = TableSchema(name: "tools_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("source", .string), ColumnSpec("principal", .string), ColumnSpec("tool", .string),
        ColumnSpec("calls", .int64), ColumnSpec("succeeded", .int64), ColumnSpec("failed", .int64),
        ColumnSpec("denied", .int64), ColumnSpec("cancelled", .int64), ColumnSpec("unknown", .int64),
        ColumnSpec("retries", .int64), ColumnSpec("error_rate", .double, nullable: true),
        ColumnSpec("duration_ms_p50", .double, nullable: true), ColumnSpec("duration_ms_p95", .double, nullable: true),
    ])

    public static let permissionsDailySchema = TableSchema(name: "permissions_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("source", .string), ColumnSpec("principal", .string),
        ColumnSpec("subject", .string), ColumnSpec("reason", .string), ColumnSpec("denials", .int64),
    ])

    public static let costWeeklySchema = TableSchema(name: "cost_weekly", columns: [
        ColumnSpec("iso_week", .string), ColumnSpec("week_start", .date), ColumnSpec("model", .string),
        ColumnSpec("requests", .int64), ColumnSpec("total_tokens", .int64), ColumnSpec("cost_usd", .double),
        ColumnSpec("usd_per_mtok", .double, nullable: true), ColumnSpec("prev_usd_per_mtok", .double, nullable: true),
        ColumnSpec("change_pct", .double, nullable: true),
    ])

    public static let unpricedModelsSchema = TableSchema(name: "unpriced_models", columns: [
        ColumnSpec("source", .string), ColumnSpec("model", .string),
        ColumnSpec("requests", .int64), ColumnSpec("total_tokens", .int64),
        ColumnSpec("first_seen", .timestampMillis), ColumnSpec("last_seen", .timestampMillis),
    ])

    public static let ingestFilesSchema = TableSchema(name: "ingest_files", columns: [
        ColumnSpec("path", .string), ColumnSpec("format", .string), ColumnSpec("compression", .string),
        ColumnSpec("bytes_read", .int64), ColumnSpec("bytes_decoded", .int64),
        ColumnSpec("lines", .int64), ColumnSpec("events", .int64),
        ColumnSpec("malformed_lines", .int64), ColumnSpec("oversized_lines", .int64), ColumnSpec("duplicate_events", .int64),
        ColumnSpec("excluded_events", .int64),
        ColumnSpec("first_event", .timestampMillis, nullable: true), ColumnSpec("last_event", .timestampMillis, nullable: true),
        ColumnSpec("status", .string), ColumnSpec("error", .string),
        ColumnSpec("inferred_instants", .int64),
    ])

    /// Every table's schema in the contract's order.
    public static let schemas: [TableSchema] = [
        usageDailySchema, latencyDailySchema, toolsDailySchema, permissionsDailySchema,
        costWeeklySchema, unpricedModelsSchema, ingestFilesSchema,
        tagsDailySchema,
        // issue 14 part B (Incidents.swift)
        incidentsSchema, availabilityDailySchema,
    ]

    /// The model label of cost_weekly's per-week total row.
    public static let allModels = "(all models)"

    @inline(__always)
    static func inWindow(_ day: Int32, _ window: ClosedRange<Int32>?) -> Bool { window?.contains(day) ?? true }

    // MARK: tables

    /// usage_daily: one row per (day, source, provider, model, team, principal, end_user).
    public static func usageDaily(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        var b = TableBuilder(usageDailySchema)
        let rows = a.usage.filter { inWindow($0.key.day, window) }.map { ($0.key, $0.value) }
        var order = RankedOrder(columns: 6, capacity: rows.count)
        for (k, _) in rows { order.add(day: k.day, k.source, k.provider, k.model, k.team, k.principal, k.endUser) }
        for i in order.order() {
            let (k, v) = rows[i]
            b.append(
                .date(k.day), .string(k.source), .string(k.provider), .string(k.model), .string(k.team), .string(k.principal),
                .int64(v.requests), .int64(v.failed), .int64(v.denied), .int64(v.rateLimited),
                .int64(v.inputTokens), .int64(v.cacheReadTokens), .int64(v.cacheWriteTokens),
                .int64(v.outputTokens), .int64(v.reasoningTokens), .int64(v.totalTokens),
                .double(PicoUSD.usd(v.costPico)), .int64(v.unpriced), .string(k.endUser))
        }
        return b.build()
    }

    /// tags_daily: one row per (day, source, tag); a request with n distinct tags is counted in
    /// n rows, a request without tags in none.
    public static func tagsDaily(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        var b = TableBuilder(tagsDailySchema)
        let rows = a.tags.filter { inWindow($0.key.day, window) }.map { ($0.key, $0.value) }
        var order = RankedOrder(columns: 2, capacity: rows.count)
        for (k, _) in rows { order.add(day: k.day, k.source, k.tag) }
        for i in order.order() {
            let (k, v) = rows[i]
            b.append(
                .date(k.day), .string(k.source), .string(k.tag),
                .int64(v.requests), .int64(v.failed), .int64(v.denied), .int64(v.rateLimited),
                .int64(v.inputTokens), .int64(v.cacheReadTokens), .int64(v.cacheWriteTokens),
                .int64(v.outputTokens), .int64(v.reasoningTokens), .int64(v.totalTokens),
                .double(PicoUSD.usd(v.costPico)), .int64(v.unpriced))
        }
        return b.build()
    }

    /// latency_daily: one row per (day, source, provider, model) that has a timed or TTFT sample.
    /// Percentiles are nearest rank over the HDR histogram (ms); max is the exact largest sample;
    /// nulls when the group has no such sample.
    public static func latencyDaily(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        var b = TableBuilder(latencyDailySchema)
        let rows = a.latency.filter { inWindow($0.key.day, window) }.map { ($0.key, $0.value) }
        var order = RankedOrder(columns: 3, capacity: rows.count)
        for (k, _) in rows { order.add(day: k.day, k.source, k.provider, k.model) }
        for i in order.order() {
            let (k, v) = rows[i]
            let lat = v.latency.percentiles([50, 90, 95, 99])
            let ttft = v.ttft.percentiles([50, 95])
            b.append(
                .date(k.day), .string(k.source), .string(k.provider), .string(k.model),
                .int64(Int64(v.latency.count)),
                .double(lat[0]), .double(lat[1]), .double(lat[2]), .double(lat[3]), .double(v.latency.maxMs),
                .int64(Int64(v.ttft.count)), .double(ttft[0]), .double(ttft[1]))
        }
        return b.build()
    }

    /// tools_daily: one row per (day, source, principal, tool).
    public static func toolsDaily(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        var b = TableBuilder(toolsDailySchema)
        let rows = a.tools.filter { inWindow($0.key.day, window) }.map { ($0.key, $0.value) }
        var order = RankedOrder(columns: 3, capacity: rows.count)
        for (k, _) in rows { order.add(day: k.day, k.source, k.principal, k.tool) }
        for i in order.order() {
            let (k, v) = rows[i]
            let d = v.duration.percentiles([50, 95])
            b.append(
                .date(k.day), .string(k.source), .string(k.principal), .string(k.tool),
                .int64(v.calls), .int64(v.succeeded), .int64(v.failed), .int64(v.denied), .int64(v.cancelled),
                .int64(v.unknown), .int64(v.retries), .double(v.errorRate), .double(d[0]), .double(d[1]))
        }
        return b.build()
    }

    /// permissions_daily: one row per (day, source, principal, subject, reason).
    public static func permissionsDaily(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        var b = TableBuilder(permissionsDailySchema)
        let rows = a.permissions.filter { inWindow($0.key.day, window) }.map { ($0.key, $0.value) }
        var order = RankedOrder(columns: 4, capacity: rows.count)
        for (k, _) in rows { order.add(day: k.day, k.source, k.principal, k.subject, k.reason.rawValue) }
        for i in order.order() {
            let (k, v) = rows[i]
            b.append(.date(k.day), .string(k.source), .string(k.principal), .string(k.subject), .string(k.reason.rawValue), .int64(v))
        }
        return b.build()
    }

    /// One cost_weekly cell group before conversion.
    struct WeekCell {
        var requests: Int64 = 0
        var tokens: Int64 = 0
        var pico: Int128 = 0
    }

    /// cost_weekly: one row per (ISO week, model) plus one `(all models)` row per week, summed
    /// from the usage entries of that week (within `window`).
    ///
    /// `usd_per_mtok` = cost_usd / total_tokens × 1e6 (null when total_tokens = 0);
    /// `prev_usd_per_mtok` = the same model's value in the previous ISO week (null when the model
    /// has no row there or its value is null); `change_pct` = (usd_per_mtok / prev − 1) × 100,
    /// null when either is null or prev is 0. Rows are sorted by week, then model, with the
    /// `(all models)` row first in its week.
    public static func costWeekly(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        struct WK: Hashable { var weekStart: Int32; var model: String }
        var cells: [WK: WeekCell] = [:]
        var weekCache: [Int32: Int32] = [:]  // day → week start
        for (k, v) in a.usage where inWindow(k.day, window) {
            let ws: Int32
            if let c = weekCache[k.day] { ws = c } else {
                ws = ReportCalendar.isoWeek(ofDay: k.day).weekStart
                weekCache[k.day] = ws
            }
            for model in [k.model, allModels] {
                var c = cells[WK(weekStart: ws, model: model), default: WeekCell()]
                c.requests +|= v.requests
                c.tokens +|= v.totalTokens
                c.pico +|= v.costPico
                cells[WK(weekStart: ws, model: model)] = c
            }
        }
        func rate(_ c: WeekCell) -> Double? {
            c.tokens == 0 ? nil : PicoUSD.usd(c.pico) / Double(c.tokens) * 1e6
        }
        let keys = cells.keys.sorted { x, y in
            if x.weekStart != y.weekStart { return x.weekStart < y.weekStart }
            let xa = x.model == allModels, ya = y.model == allModels
            if xa != ya { return xa }
            return x.model < y.model
        }
        var b = TableBuilder(costWeeklySchema)
        for k in keys {
            let c = cells[k]!
            let r = rate(c)
            let prev = cells[WK(weekStart: k.weekStart - 7, model: k.model)].flatMap(rate)
            var change: Double? = nil
            if let r, let prev, prev != 0 { change = (r / prev - 1) * 100 }
            b.append(
                .string(ReportCalendar.isoWeek(ofDay: k.weekStart).label), .date(k.weekStart), .string(k.model),
                .int64(c.requests), .int64(c.tokens), .double(PicoUSD.usd(c.pico)),
                .double(r), .double(prev), .double(change))
        }
        return b.build()
    }

    /// unpriced_models: one row per (source, model as logged); first/last seen are UTC ms.
    /// The days of `window` only (nil = all), summed per (source, model).
    public static func unpricedModels(_ a: Aggregates, window: ClosedRange<Int32>? = nil) -> TableBatch {
        var b = TableBuilder(unpricedModelsSchema)
        var rows: [UnpricedKey: UnpricedStats] = [:]
        for (k, v) in a.unpriced where window?.contains(k.day) ?? true {
            rows[UnpricedKey(source: k.source, model: k.model), default: UnpricedStats()].merge(v)
        }
        for (k, v) in rows.sorted(by: { $0.key < $1.key }) {
            b.append(
                .string(k.source), .string(k.model), .int64(v.requests), .int64(v.totalTokens),
                .timestampMillis(v.firstSeenMs), .timestampMillis(v.lastSeenMs))
        }
        return b.build()
    }

    /// ingest_files: one row per input file, in the order given (discovery order).
    public static func ingestFiles(_ records: [IngestFileRecord]) -> TableBatch {
        var b = TableBuilder(ingestFilesSchema)
        for r in records {
            b.append(
                .string(r.path), .string(r.format), .string(r.compression),
                .int64(r.bytesRead), .int64(r.bytesDecoded), .int64(r.lines), .int64(r.events),
                .int64(r.malformedLines), .int64(r.oversizedLines), .int64(r.duplicateEvents), .int64(r.excludedEvents),
                .timestampMillis(r.firstEventMs), .timestampMillis(r.lastEventMs),
                .string(r.status.rawValue), .string(r.error), .int64(r.inferredInstants))
        }
        return b.build()
    }

    /// Every table in the contract's order (`schemas`).
    public static func all(_ a: Aggregates, files: [IngestFileRecord], window: ClosedRange<Int32>? = nil) -> [TableBatch] {
        [
            usageDaily(a, window: window), latencyDaily(a, window: window), toolsDaily(a, window: window),
            permissionsDaily(a, window: window), costWeekly(a, window: window), unpricedModels(a, window: window), ingestFiles(files),
            tagsDaily(a, window: window),
            // issue 14 part B (Incidents.swift)
            incidents(a, window: window), availabilityDaily(a, window: window),
        ]
    }
}
