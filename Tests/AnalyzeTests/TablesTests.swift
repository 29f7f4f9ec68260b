import Ingest
import Testing

@testable import Analyze

@Suite("Tables: contract columns and values")
struct TablesTests {
    typealias F = AggFixtures

    // MARK: column accessors

    static func col(_ t: TableBatch, _ name: String) -> ColumnValues {
        let i = t.schema.columns.firstIndex { $0.name == name }!
        return t.columns[i]
    }
    static func strings(_ t: TableBatch, _ n: String) -> [String?] { if case .string(let v) = col(t, n) { v } else { [] } }
    static func ints(_ t: TableBatch, _ n: String) -> [Int64?] { if case .int64(let v) = col(t, n) { v } else { [] } }
    static func doubles(_ t: TableBatch, _ n: String) -> [Double?] { if case .double(let v) = col(t, n) { v } else { [] } }
    static func dates(_ t: TableBatch, _ n: String) -> [Int32?] { if case .date(let v) = col(t, n) { v } else { [] } }
    static func stamps(_ t: TableBatch, _ n: String) -> [Int64?] { if case .timestampMillis(let v) = col(t, n) { v } else { [] } }
    /// Row indices where string column `n` equals `v`.
    static func rows(_ t: TableBatch, _ n: String, _ v: String) -> [Int] {
        strings(t, n).indices.filter { strings(t, n)[$0] == v }
    }

    @Test("schemas: names, order and column names per the contract")
    func schemas() {
        #expect(Tables.schemas.map(\.name) == ["usage_daily", "latency_daily", "tools_daily", "permissions_daily", "cost_weekly", "unpriced_models", "ingest_files", "tags_daily", "incidents", "availability_daily"])
        #expect(Tables.usageDailySchema.columns.map(\.name) == [
            "day", "source", "provider", "model", "team", "principal", "requests", "failed_requests", "denied_requests",
            "rate_limited_requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
            "reasoning_tokens", "total_tokens", "cost_usd", "unpriced_requests", "end_user",
        ])
        #expect(Tables.latencyDailySchema.columns.map(\.name) == [
            "day", "source", "provider", "model", "timed_requests", "latency_ms_p50", "latency_ms_p90", "latency_ms_p95",
            "latency_ms_p99", "latency_ms_max", "ttft_requests", "ttft_ms_p50", "ttft_ms_p95",
        ])
        #expect(Tables.toolsDailySchema.columns.map(\.name) == [
            "day", "source", "principal", "tool", "calls", "succeeded", "failed", "denied", "cancelled", "unknown",
            "retries", "error_rate", "duration_ms_p50", "duration_ms_p95",
        ])
        #expect(Tables.permissionsDailySchema.columns.map(\.name) == ["day", "source", "principal", "subject", "reason", "denials"])
        #expect(Tables.costWeeklySchema.columns.map(\.name) == [
            "iso_week", "week_start", "model", "requests", "total_tokens", "cost_usd", "usd_per_mtok", "prev_usd_per_mtok", "change_pct",
        ])
        #expect(Tables.unpricedModelsSchema.columns.map(\.name) == ["source", "model", "requests", "total_tokens", "first_seen", "last_seen"])
        #expect(Tables.ingestFilesSchema.columns.map(\.name) == [
            "path", "format", "compression", "bytes_read", "bytes_decoded", "lines", "events", "malformed_lines",
            "oversized_lines", "duplicate_events", "excluded_events", "first_event", "last_event", "status", "error",
            "inferred_instants",
        ])
        #expect(Tables.usageDailySchema.columns[0].type == .date)
        #expect(Tables.usageDailySchema.columns[16] == ColumnSpec("cost_usd", .double))
        #expect(Tables.ingestFilesSchema.columns[11] == ColumnSpec("first_event", .timestampMillis, nullable: true))
        #expect(Tables.toolsDailySchema.columns[11] == ColumnSpec("error_rate", .double, nullable: true))
    }

    @Test("case 11: LA day buckets in usage_daily, nothing on 2025-03-09")
    func case11() {
        let a = F.aggregate(source: "claude_code", tz: "America/Los_Angeles", calls: [
            F.call(F.ms(2025, 1, 25, 4, 8), model: "claude-haiku-4-5", provider: "anthropic", input: 50_000, output: 10_000),  // $0.10
            F.call(F.ms(2025, 1, 25, 18, 0), model: "claude-haiku-4-5", provider: "anthropic", input: 100_000, output: 20_000),  // $0.20
            F.call(F.ms(2025, 3, 9, 7, 30), model: "claude-haiku-4-5", provider: "anthropic", input: 10_000, output: 2_000),  // $0.02
            F.call(F.ms(2025, 3, 10, 7, 30), model: "claude-haiku-4-5", provider: "anthropic", input: 20_000, output: 4_000),  // $0.04
        ])
        let t = Tables.usageDaily(a)
        #expect(Self.dates(t, "day") == ["2025-01-24", "2025-01-25", "2025-03-08", "2025-03-10"].map { F.day($0) })
        // 50 000·$1 + 10 000·$5 per Mtok = 0.05 + 0.05; 100 000·1 + 20 000·5 = 0.2; 10 000 + 2 000·5 = 0.02; 0.04
        #expect(Self.doubles(t, "cost_usd") == [0.1, 0.2, 0.02, 0.04])
        #expect(Self.ints(t, "total_tokens") == [60_000, 120_000, 12_000, 24_000])
        // the window keeps only its days
        let w = Tables.usageDaily(a, window: F.day("2025-03-01")...F.day("2025-03-31"))
        #expect(w.rowCount == 2)
    }

    @Test("case 12: cost_weekly ISO weeks, usd_per_mtok and week-over-week change")
    func case12() {
        let a = F.aggregate(calls: [
            F.call(F.ms(2026, 3, 1, 12), model: "gpt-5", input: 400_000, output: 50_000),  // 0.5 + 0.5 = $1.00
            F.call(F.ms(2026, 3, 2, 12), model: "gpt-5", input: 800_000, output: 100_000),  // $2.00
            F.call(F.ms(2025, 12, 28, 12), model: "gpt-5", input: 200_000, output: 25_000),  // 0.25 + 0.25 = $0.50
            // 20 000·1.25 + 80 000·0.125 + 12 500·10 per Mtok = 0.025 + 0.01 + 0.125 = $0.16
            F.call(F.ms(2025, 12, 29, 12), model: "gpt-5", input: 20_000, read: 80_000, output: 12_500),
        ])
        let t = Tables.costWeekly(a)
        #expect(Self.strings(t, "iso_week") == ["2025-W52", "2025-W52", "2026-W01", "2026-W01", "2026-W09", "2026-W09", "2026-W10", "2026-W10"])
        #expect(Self.strings(t, "model") == ["(all models)", "gpt-5", "(all models)", "gpt-5", "(all models)", "gpt-5", "(all models)", "gpt-5"])
        #expect(Self.dates(t, "week_start") == ["2025-12-22", "2025-12-22", "2025-12-29", "2025-12-29", "2026-02-23", "2026-02-23", "2026-03-02", "2026-03-02"].map { F.day($0) })
        #expect(Self.doubles(t, "cost_usd") == [0.5, 0.5, 0.16, 0.16, 1.0, 1.0, 2.0, 2.0])
        #expect(Self.ints(t, "total_tokens") == [225_000, 225_000, 112_500, 112_500, 450_000, 450_000, 900_000, 900_000])
        let rate = Self.doubles(t, "usd_per_mtok"), prev = Self.doubles(t, "prev_usd_per_mtok"), change = Self.doubles(t, "change_pct")
        // W01: 0.16 / 112 500 · 1e6 = 1.4222…; W52: 0.5 / 225 000 · 1e6 = 2.2222…; (1.4222 / 2.2222 − 1) · 100 = −36
        #expect(abs(rate[3]! - 1.4222222222222223) <= 1e-9 * 1.43)
        #expect(abs(prev[3]! - 2.222222222222222) <= 1e-9 * 2.3)
        #expect(abs(change[3]! - -36.0) <= 1e-6)
        #expect(prev[1] == nil && change[1] == nil)  // W51 has no data
        #expect(prev[5] == nil && change[5] == nil)  // W08 has no data (W01 is not "previous")
        #expect(abs(change[7]! - 0) <= 1e-6)  // W10 at the same rate as W09
        #expect(abs(change[2]! - -36.0) <= 1e-6)  // the (all models) row too
    }

    @Test("case 18: latency_daily nearest-rank values, TTFT null when unmeasured")
    func case18() {
        let t0 = F.ms(2026, 6, 16, 10)
        let a = F.aggregate(calls: [
            F.call(t0, model: "gpt-4o", latency: 2_500),
            F.call(t0 + 10, model: "gpt-4o", latency: 4_000, ttft: 900),
            F.call(t0 + 20, model: "claude-sonnet-4-5", provider: "anthropic", latency: 3_000, ttft: 450),
            F.call(t0 + 30, model: "claude-haiku-4-5", provider: "anthropic", latency: 1_000),
        ])
        let t = Tables.latencyDaily(a)
        #expect(Self.strings(t, "model") == ["claude-haiku-4-5", "claude-sonnet-4-5", "gpt-4o"])
        #expect(Self.ints(t, "timed_requests") == [1, 1, 2])
        #expect(Self.ints(t, "ttft_requests") == [0, 1, 1])
        #expect(Self.doubles(t, "ttft_ms_p50") == [nil, 450, 900])
        #expect(Self.doubles(t, "ttft_ms_p95") == [nil, 450, 900])
        #expect(Self.doubles(t, "latency_ms_max") == [1_000, 3_000, 4_000])
        let p50 = Self.doubles(t, "latency_ms_p50")[2]!
        #expect(abs(p50 - 2_500) / 2_500 <= 0.001)  // {2 500, 4 000}: rank 1 → 2 500, not the 3 250 mean
        #expect(Self.doubles(t, "latency_ms_p99")[2]! == 4_000)
        #expect(Self.doubles(t, "latency_ms_p50")[0] == 1_000)
    }

    @Test("case 19: tools_daily counts, retries, error rate null cases; permissions_daily")
    func case19() {
        let t = F.ms(2026, 6, 30, 9)
        var p = PermissionDecision(instantMs: t + 3_100, reason: .userRejected)
        p.principal = "proj"
        p.subject = "Edit"
        let a = F.aggregate(source: "claude_code", tools: [
            F.tool(t, "Bash", outcome: .error, end: t + 500, duration: 500, args: 42),
            F.tool(t + 1_500, "Bash", outcome: .ok, end: t + 2_300, duration: 800, args: 42),
            F.tool(t + 3_000, "Edit", outcome: .denied, end: t + 3_100, args: 7),
            F.tool(t + 4_000, "Read", outcome: .unknown, args: 8),
        ], permissions: [p])
        let tools = Tables.toolsDaily(a)
        #expect(Self.strings(tools, "tool") == ["Bash", "Edit", "Read"])
        #expect(Self.ints(tools, "calls") == [2, 1, 1])
        #expect(Self.ints(tools, "succeeded") == [1, 0, 0])
        #expect(Self.ints(tools, "failed") == [1, 0, 0])
        #expect(Self.ints(tools, "denied") == [0, 1, 0])
        #expect(Self.ints(tools, "unknown") == [0, 0, 1])
        #expect(Self.ints(tools, "retries") == [1, 0, 0])
        #expect(Self.doubles(tools, "error_rate") == [0.5, nil, nil])  // 1/(1+1); Edit and Read have neither
        #expect(Self.doubles(tools, "duration_ms_p50") == [500, nil, nil])  // rank ⌈0.5·2⌉ = 1 → 500
        #expect(Self.doubles(tools, "duration_ms_p95") == [800, nil, nil])
        let perms = Tables.permissionsDaily(a)
        #expect(perms.rowCount == 1)
        #expect(Self.strings(perms, "subject") == ["Edit"] && Self.strings(perms, "reason") == ["user_rejected"])
        #expect(Self.ints(perms, "denials") == [1] && Self.dates(perms, "day") == [F.day("2026-06-30")])
    }

    @Test("daily, weekly, per-model and per-team cost and token totals agree exactly")
    func totalsAgree() {
        let (calls, _, _) = F.corpus(seed: 5)
        let t = F.ms(2026, 4, 1, 8)
        // case 03's request on its own week
        let a = F.aggregate(calls: calls + [F.call(t, model: "claude-sonnet-4-5", provider: "anthropic", team: "ads", input: 4, write: 15_000, output: 120)])
        // exact Int128 totals by every grouping
        var byDay: [Int32: Int128] = [:], byWeek: [Int32: Int128] = [:], byModel: [String: Int128] = [:], byTeam: [String: Int128] = [:]
        var tokDay: [Int32: Int64] = [:], tokWeek: [Int32: Int64] = [:], tokModel: [String: Int64] = [:], tokTeam: [String: Int64] = [:]
        for (k, v) in a.usage {
            let w = ReportCalendar.isoWeek(ofDay: k.day).weekStart
            byDay[k.day, default: 0] += v.costPico; byWeek[w, default: 0] += v.costPico
            byModel[k.model, default: 0] += v.costPico; byTeam[k.team, default: 0] += v.costPico
            tokDay[k.day, default: 0] += v.totalTokens; tokWeek[w, default: 0] += v.totalTokens
            tokModel[k.model, default: 0] += v.totalTokens; tokTeam[k.team, default: 0] += v.totalTokens
        }
        let total = byDay.values.reduce(0, +)
        #expect(byWeek.values.reduce(0, +) == total && byModel.values.reduce(0, +) == total && byTeam.values.reduce(0, +) == total)
        let tokens = tokDay.values.reduce(0, +)
        #expect(tokWeek.values.reduce(0, +) == tokens && tokModel.values.reduce(0, +) == tokens && tokTeam.values.reduce(0, +) == tokens)
        let expectedTokens = calls.reduce(Int64(0)) { $0 + $1.totalTokens } + 15_124  // case 03: 4 + 15 000 + 120
        #expect(tokens == expectedTokens)

        // the tables carry the same figures
        let daily = Tables.usageDaily(a)
        let weekly = Tables.costWeekly(a)
        let allRows = Self.rows(weekly, "model", Tables.allModels)
        let modelRows = weekly.schema.columns.isEmpty ? [] : Array(0..<weekly.rowCount).filter { !allRows.contains($0) }
        let wTok = Self.ints(weekly, "total_tokens"), wCost = Self.doubles(weekly, "cost_usd"), wReq = Self.ints(weekly, "requests")
        #expect(allRows.reduce(Int64(0)) { $0 + wTok[$1]! } == tokens)
        #expect(modelRows.reduce(Int64(0)) { $0 + wTok[$1]! } == tokens)
        #expect(Self.ints(daily, "total_tokens").reduce(Int64(0)) { $0 + $1! } == tokens)
        #expect(allRows.reduce(Int64(0)) { $0 + wReq[$1]! } == Int64(calls.count + 1))
        // each (all models) cell is exactly the conversion of that week's Int128 sum
        let starts = Self.dates(weekly, "week_start")
        for r in allRows { #expect(wCost[r]! == PicoUSD.usd(byWeek[starts[r]!]!)) }
        // per-model weekly cells sum (Int128) to the model totals: check via each model's rows
        let models = Self.strings(weekly, "model")
        for (m, pico) in byModel {
            let cells = modelRows.filter { models[$0] == m }.map { wCost[$0]! }
            #expect(abs(cells.reduce(0, +) - PicoUSD.usd(pico)) <= 1e-9)
        }
        // column sums agree to 1e-9 USD (the contract's bound) across views
        let usd = PicoUSD.usd(total)
        #expect(abs(Self.doubles(daily, "cost_usd").reduce(0) { $0 + $1! } - usd) <= 1e-9)
        #expect(abs(allRows.reduce(0.0) { $0 + wCost[$1]! } - usd) <= 1e-9)
        #expect(abs(modelRows.reduce(0.0) { $0 + wCost[$1]! } - usd) <= 1e-9)
        #expect(RunSummary(a).totalCostUSD == usd)
        // case 03's week: one request, 15 124 tokens, $0.058062 in every view
        let w14 = allRows.first { Self.strings(weekly, "iso_week")[$0] == "2026-W14" }!
        #expect(wCost[w14] == 0.058062 && wTok[w14] == 15_124 && wReq[w14] == 1 && starts[w14] == F.day("2026-03-30"))
        let sonnetW14 = modelRows.first { Self.strings(weekly, "iso_week")[$0] == "2026-W14" && models[$0] == "claude-sonnet-4-5" }!
        #expect(abs(Self.doubles(weekly, "usd_per_mtok")[sonnetW14]! - 3.8390637397513885) <= 1e-9 * 3.84)
        #expect(Self.doubles(weekly, "prev_usd_per_mtok")[sonnetW14] == nil)
    }

    @Test("unpriced_models and ingest_files rows")
    func unpricedAndFiles() {
        let t = F.ms(2026, 5, 1, 10)
        let a = F.aggregate(source: "kong", calls: [
            F.call(t + 60_000, model: "mystery", input: 10, output: 5),
            F.call(t, model: "mystery", input: 1, output: 1),
            F.call(t, model: "gpt-5", input: 1),
        ])
        let u = Tables.unpricedModels(a)
        #expect(Self.strings(u, "source") == ["kong"] && Self.strings(u, "model") == ["mystery"])
        #expect(Self.ints(u, "requests") == [2] && Self.ints(u, "total_tokens") == [17])
        #expect(Self.stamps(u, "first_seen") == [t] && Self.stamps(u, "last_seen") == [t + 60_000])
        let usage = Tables.usageDaily(a)
        #expect(Self.ints(usage, "unpriced_requests") == [0, 2])  // rows: gpt-5, mystery
        #expect(Self.doubles(usage, "cost_usd") == [0.00000125, 0])  // 1 token · $1.25 / Mtok

        var ok = IngestFileRecord(path: "/logs/a.jsonl.gz")
        ok.format = "litellm"
        ok.compression = "gzip"
        ok.bytesRead = 100
        ok.bytesDecoded = 400
        ok.lines = 3
        ok.events = 2
        ok.firstEventMs = t
        ok.lastEventMs = t + 5
        var bad = IngestFileRecord(path: "/logs/b.bin")
        bad.status = .failed
        bad.error = "unknown format"
        let f = Tables.ingestFiles([ok, bad])
        #expect(Self.strings(f, "path") == ["/logs/a.jsonl.gz", "/logs/b.bin"])
        #expect(Self.strings(f, "compression") == ["gzip", "none"] && Self.strings(f, "status") == ["ok", "failed"])
        #expect(Self.ints(f, "bytes_decoded") == [400, 0] && Self.ints(f, "events") == [2, 0])
        #expect(Self.stamps(f, "first_event") == [t, nil] && Self.stamps(f, "last_event") == [t + 5, nil])
        #expect(Self.strings(f, "error") == ["", "unknown format"])
    }
}

@Suite("Tables with the shipped price snapshot")
struct TablesPricerTests {
    typealias F = AggFixtures

    @Test("case 12 through PricerCoster and the bundled gpt-5 prices ($1.25 / $0.125 / $10 per Mtok)")
    func case12RealPrices() throws {
        let pricer = Pricer(table: try PriceTable.bundled(), aliases: nil)
        var agg = EventAggregator(source: "litellm", calendar: .utc, coster: PricerCoster(pricer: pricer, costSource: .auto))
        agg.add(F.call(F.ms(2025, 12, 28, 12), model: "gpt-5", input: 200_000, output: 25_000))  // $0.50
        agg.add(F.call(F.ms(2025, 12, 29, 12), model: "openai/gpt-5", input: 20_000, read: 80_000, output: 12_500))  // $0.16
        var logged = F.call(F.ms(2025, 12, 29, 13), model: "gpt-5", input: 1)
        logged.loggedCostUSD = 0.25  // auto: the record's own cost wins
        agg.add(logged)
        let t = Tables.costWeekly(agg.finish())
        #expect(TablesTests.strings(t, "model") == ["(all models)", "gpt-5", "(all models)", "gpt-5"])
        #expect(TablesTests.doubles(t, "cost_usd") == [0.5, 0.5, 0.41, 0.41])  // 0.16 + 0.25
        #expect(TablesTests.ints(t, "requests") == [1, 1, 2, 2])
    }
}
