import Foundation
import Ingest
import TableModel

/// One line of a placement file (`--placement FILE`): which model a host or GPU served, when.
///
/// File: CSV with the header `host,gpu_uuid,model,start,end`; `#` lines are comments; either
/// `host` or `gpu_uuid` is set (a UUID line wins over a host line); `start` (inclusive) and
/// `end` (exclusive) are ISO-8601 instants (`2026-11-24T00:00:00Z`) or empty (open-ended).
public struct PlacementRule: Hashable, Sendable {
    public var host: String
    public var gpuUUID: String
    public var model: String
    public var startMs: Int64
    public var endMs: Int64

    public init(host: String = "", gpuUUID: String = "", model: String, startMs: Int64 = .min, endMs: Int64 = .max) {
        self.host = host
        self.gpuUUID = gpuUUID
        self.model = model
        self.startMs = startMs
        self.endMs = endMs
    }

    /// Errors of `parse`: the line number (1-based) and what is wrong.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var line: Int
        public var message: String
        public var description: String { "placement file line \(line): \(message)" }
    }

    /// Parses a placement file's text.
    /// - Throws: `ParseError` for a missing header, a line without model or without host and
    ///   UUID, an unreadable instant, or `end` not after `start`.
    public static func parse(_ text: String) throws(ParseError) -> [PlacementRule] {
        var rules: [PlacementRule] = []
        var header: [String]? = nil
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            let line = raw.trimmingCharacters(in: [" ", "\r", "\t"])
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: [" ", "\t"]) }
            guard let h = header else {
                guard cells == ["host", "gpu_uuid", "model", "start", "end"] else {
                    throw ParseError(line: n, message: "the header must be host,gpu_uuid,model,start,end")
                }
                header = cells
                continue
            }
            guard cells.count == h.count else { throw ParseError(line: n, message: "\(cells.count) cells, expected \(h.count)") }
            guard !cells[2].isEmpty else { throw ParseError(line: n, message: "no model") }
            guard !cells[0].isEmpty || !cells[1].isEmpty else { throw ParseError(line: n, message: "neither host nor gpu_uuid") }
            func instant(_ s: String, _ open: Int64) throws(ParseError) -> Int64 {
                if s.isEmpty { return open }
                var b = Array(s.utf8)
                guard let ms = b.withUnsafeMutableBytes({ Timestamps.parseISO8601(UnsafeRawBufferPointer($0)) }) else {
                    throw ParseError(line: n, message: "cannot read the instant \(s) (ISO-8601, e.g. 2026-11-24T00:00:00Z)")
                }
                return ms
            }
            let start = try instant(cells[3], .min)
            let end = try instant(cells[4], .max)
            guard end > start else { throw ParseError(line: n, message: "end is not after start") }
            rules.append(PlacementRule(host: cells[0], gpuUUID: cells[1], model: cells[2], startMs: start, endMs: end))
        }
        return rules
    }
}

/// How `energy_daily` is priced: `--power-price` (USD per kWh, nil: no cost columns) and `--pue`
/// (facility energy / IT energy, default 1).
public struct EnergyPricing: Sendable, Hashable {
    public var usdPerKWh: Double?
    public var pue: Double

    public init(usdPerKWh: Double? = nil, pue: Double = 1) {
        self.usdPerKWh = usdPerKWh
        self.pue = pue
    }
}

/// The API list price of a model: atto-dollars (1e-18 USD) per prompt and per generated token.
public typealias ListPriceLookup = (String) -> (input: Int64, output: Int64)?

extension Tables {
    /// Model label of GPU energy no model claims (never dropped).
    public static let unassignedModel = "(unassigned)"

    public static let energyDailySchema = TableSchema(name: "energy_daily", columns: [
        ColumnSpec("day", .date), ColumnSpec("host", .string), ColumnSpec("model", .string),
        ColumnSpec("gpus", .int64), ColumnSpec("energy_kwh", .double),
        ColumnSpec("energy_kwh_active", .double, nullable: true), ColumnSpec("tokens", .int64),
        ColumnSpec("tokens_per_kwh", .double, nullable: true),
        ColumnSpec("energy_cost_usd", .double, nullable: true),
        ColumnSpec("energy_cost_per_mtok_usd", .double, nullable: true),
        ColumnSpec("api_price_per_mtok_usd", .double, nullable: true),
        ColumnSpec("token_source", .string),
        ColumnSpec("data_gaps", .int64), ColumnSpec("gap_minutes", .double), ColumnSpec("counter_resets", .int64),
        ColumnSpec("duplicate_samples", .int64), ColumnSpec("out_of_order_samples", .int64),
    ])

    /// One energy_daily row before formatting.
    public struct EnergyRow: Hashable, Sendable {
        public var day: Int32
        public var host: String
        public var model: String
        public var gpus: Set<String> = []
        public var joules: Double = 0
        public var activeJoules: Double = 0
        /// False when no server token series tells when this model was busy.
        public var activityKnown = false
        public var promptTokens: Double = 0
        public var generationTokens: Double = 0
        /// "server" (vLLM counters), "gateway" (the logs of that model) or "" (none).
        public var tokenSource = ""
        public var quality = EnergyQuality()

        public var kwh: Double { joules / Energy.joulesPerKWh }
        public var tokens: Int64 { Int64((promptTokens + generationTokens).rounded()) }
    }

    struct RowKey: Hashable, Comparable {
        var day: Int32
        var host: String
        var model: String
        static func < (a: Self, b: Self) -> Bool { (a.day, a.host, a.model) < (b.day, b.host, b.model) }
    }

    /// Attributes each GPU's energy to models and joins the tokens (CONTRACT.md `energy_daily`).
    ///
    /// Per day, GPU context and 5-minute slot (joules: the counter's, else the power integral),
    /// the claimants are, in order: the placement rules covering the slot's start (a GPU UUID rule
    /// before a host rule); else the server token series of the same `namespace`/`pod`; else
    /// those on the same host; else none: `(unassigned)`. Several claimants share the slot
    /// equally. The slot is active for a model when one of its claiming series (for a placement
    /// rule: the model's series on that host, else anywhere) had tokens rise in it.
    /// Tokens of a row: its claiming server series' prompt + generation tokens (each series once,
    /// to the row it first claimed; a series that claimed no GPU makes its own row with no
    /// energy); where a model has no server series that day, the gateway's tokens of the same
    /// model name, or of the price key it resolves to (`resolveKey`, as usage_daily names models;
    /// `gatewayTokens`: day → model → (prompt, generation)), are shared among its
    /// rows in proportion to their energy.
    public static func energyRows(
        _ energy: EnergyAggregates, placement: [PlacementRule], calendar: ReportCalendar,
        gatewayTokens: [Int32: [String: (Double, Double)]], resolveKey: (String) -> String = { $0 }
    ) -> [EnergyRow] {
        var rows: [RowKey: EnergyRow] = [:]
        let uuidRules = Dictionary(grouping: placement.filter { !$0.gpuUUID.isEmpty }, by: \.gpuUUID)
        let hostRules = Dictionary(grouping: placement.filter { $0.gpuUUID.isEmpty }, by: \.host)
        let days = Set(energy.gpus.keys.map(\.day)).union(energy.servers.keys.map(\.day)).sorted()
        let gpusByDay = Dictionary(grouping: energy.gpus.keys, by: \.day)
        let serversByDay = Dictionary(grouping: energy.servers.keys, by: \.day)
        for day in days {
            let start = calendar.startMillis(ofDay: day)
            let serverKeys = (serversByDay[day] ?? []).sorted()
            var byPod: [String: [Int]] = [:]
            var byHost: [String: [Int]] = [:]
            var byModel: [String: [Int]] = [:]
            for (i, k) in serverKeys.enumerated() {
                let s = k.server
                if !s.pod.isEmpty { byPod[s.namespace + "/" + s.pod, default: []].append(i) }
                if !s.host.isEmpty { byHost[s.host, default: []].append(i) }
                byModel[s.model, default: []].append(i)
            }
            let serverDays = serverKeys.map { energy.servers[$0]! }
            var linked: [Int: RowKey] = [:]
            for gk in (gpusByDay[day] ?? []).sorted() {
                let g = gk.gpu
                let gd = energy.gpus[gk]!
                var share: [RowKey: Double] = [:]
                for slot in gd.slots {
                    let j = gd.joules(slot: slot)
                    let at = start + Int64(slot) * Energy.slotMs
                    // claimants: (model, host of the row, claiming series)
                    var claims: [(String, String, [Int])] = []
                    let rule = (uuidRules[g.uuid] ?? []).first { $0.startMs <= at && at < $0.endMs }
                        ?? (g.host.isEmpty ? nil : (hostRules[g.host] ?? []).first { $0.startMs <= at && at < $0.endMs })
                    if let rule {
                        let host = g.host.isEmpty ? rule.host : g.host
                        let all = byModel[rule.model] ?? []
                        let local = all.filter { serverKeys[$0].server.host == host }
                        claims.append((rule.model, host, local.isEmpty ? all : local))
                    } else {
                        var ids: [Int] = []
                        if !g.pod.isEmpty { ids = byPod[g.namespace + "/" + g.pod] ?? [] }
                        if ids.isEmpty && !g.host.isEmpty { ids = byHost[g.host] ?? [] }
                        let models = Array(Set(ids.map { serverKeys[$0].server.model })).sorted()
                        for m in models { claims.append((m, g.host, ids.filter { serverKeys[$0].server.model == m })) }
                    }
                    if claims.isEmpty { claims.append((unassignedModel, g.host, [])) }
                    let part = j / Double(claims.count)
                    for (model, host, ids) in claims {
                        let key = RowKey(day: day, host: host, model: model)
                        var row = rows[key] ?? EnergyRow(day: day, host: host, model: model)
                        row.joules += part
                        row.gpus.insert(g.identity)
                        if !ids.isEmpty {
                            row.activityKnown = true
                            if ids.contains(where: { serverDays[$0].active(slot) }) { row.activeJoules += part }
                        }
                        rows[key] = row
                        share[key, default: 0] += part
                        for i in ids where linked[i] == nil { linked[i] = key }
                    }
                }
                // the GPU-day's sample quality goes to the row it gave the most energy
                if let top = share.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key {
                    rows[top]?.quality.merge(gd.quality)
                }
            }
            // server tokens, each series once
            var modelsWithServer = Set<String>()
            for (i, k) in serverKeys.enumerated() {
                let key = linked[i] ?? RowKey(day: day, host: k.server.host, model: k.server.model)
                var row = rows[key] ?? EnergyRow(day: day, host: key.host, model: key.model)
                row.promptTokens += serverDays[i].promptTotal
                row.generationTokens += serverDays[i].generationTotal
                row.tokenSource = "server"
                row.quality.merge(serverDays[i].quality)
                rows[key] = row
                modelsWithServer.insert(k.server.model)
            }
            // gateway tokens where a model has no server series
            let dayRows = rows.keys.filter { $0.day == day && $0.model != unassignedModel && !modelsWithServer.contains($0.model) }
            for (model, keys) in Dictionary(grouping: dayRows, by: \.model) {
                guard let (p, gtok) = gatewayTokens[day]?[model] ?? gatewayTokens[day]?[resolveKey(model)] else { continue }
                let total = keys.reduce(0.0) { $0 + rows[$1]!.joules }
                for k in keys {
                    let w = total > 0 ? rows[k]!.joules / total : 1 / Double(keys.count)
                    rows[k]!.promptTokens += p * w
                    rows[k]!.generationTokens += gtok * w
                    rows[k]!.tokenSource = "gateway"
                }
            }
        }
        return rows.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Gateway tokens per day and model name from usage_daily's aggregates: prompt = input +
    /// cache read + cache write, generation = output.
    public static func gatewayTokens(_ a: Aggregates) -> [Int32: [String: (Double, Double)]] {
        var r: [Int32: [String: (Double, Double)]] = [:]
        for (k, v) in a.usage {
            let p = Double(v.inputTokens +| v.cacheReadTokens +| v.cacheWriteTokens)
            let g = Double(v.outputTokens)
            let old = r[k.day]?[k.model] ?? (0, 0)
            r[k.day, default: [:]][k.model] = (old.0 + p, old.1 + g)
        }
        return r
    }

    /// energy_daily: one row per (day, host, model) (CONTRACT.md).
    public static func energyDaily(
        _ energy: EnergyAggregates, usage: Aggregates, placement: [PlacementRule], calendar: ReportCalendar,
        pricing: EnergyPricing, listPrice: ListPriceLookup, resolveKey: (String) -> String = { $0 },
        window: ClosedRange<Int32>? = nil
    ) -> TableBatch {
        var b = TableBuilder(energyDailySchema)
        let rows = energyRows(
            energy.restricted(to: window), placement: placement, calendar: calendar, gatewayTokens: gatewayTokens(usage),
            resolveKey: resolveKey)
        for r in rows {
            let kwh = r.kwh
            let tokens = r.tokens
            let cost = pricing.usdPerKWh.map { kwh * pricing.pue * $0 }
            let api: Double? = listPrice(r.model).flatMap { p in
                let t = r.promptTokens + r.generationTokens
                guard t > 0 else { return nil }
                return (r.promptTokens * Double(p.input) + r.generationTokens * Double(p.output)) / t * 1e-12
            }
            b.append(
                .date(r.day), .string(r.host), .string(r.model), .int64(Int64(r.gpus.count)), .double(kwh),
                .double(r.activityKnown ? r.activeJoules / Energy.joulesPerKWh : nil), .int64(tokens),
                .double(kwh > 0 && tokens > 0 ? Double(tokens) / kwh : nil), .double(cost),
                .double(cost.flatMap { tokens > 0 ? $0 / Double(tokens) * 1e6 : nil }), .double(api),
                .string(r.tokenSource),
                .int64(r.quality.gaps), .double(Double(r.quality.gapMs) / 60_000), .int64(r.quality.resets),
                .int64(r.quality.duplicates), .int64(r.quality.outOfOrder))
        }
        return b.build()
    }

    /// Tokens per kWh by ISO week and model (plus `(all models)`), for `factorylog trend`:
    /// (week label, model, tokens, kWh), sorted. Unassigned energy counts in `(all models)` only.
    public static func energyWeekly(_ rows: [EnergyRow]) -> [(week: String, model: String, tokens: Int64, kwh: Double)] {
        var acc: [String: [String: (Int64, Double)]] = [:]
        for r in rows {
            let w = ReportCalendar.isoWeek(ofDay: r.day).label
            for m in r.model == unassignedModel ? [allModels] : [r.model, allModels] {
                let o = acc[w]?[m] ?? (0, 0)
                acc[w, default: [:]][m] = (o.0 + r.tokens, o.1 + r.kwh)
            }
        }
        var out: [(String, String, Int64, Double)] = []
        for w in acc.keys.sorted() { for m in acc[w]!.keys.sorted() { let v = acc[w]![m]!; out.append((w, m, v.0, v.1)) } }
        return out
    }
}
