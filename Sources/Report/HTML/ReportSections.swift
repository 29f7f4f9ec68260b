import TableModel

/// The sections of `report.html`, each from the tables it names (`HTMLReport.sections`).
///
/// Element ids are stable (tests and scripts read them): KPI tiles `kpi-*` with `data-v`; tables
/// `t-*` whose numeric cells are `<td class="n" data-col="COLUMN" data-v="EXACT">`, where COLUMN
/// is the contract column summed (or copied) into the cell; charts `c-*`.
enum ReportSections {
    /// Tools with fewer calls in the window are listed apart, not ranked by error rate.
    static let toolCallFloor: Int64 = 5
    /// Series and rows shown before the rest is summed into one "other" entry.
    static let chartSeries = 8, tableRows = 15

    // MARK: helpers

    struct Money { var cost = 0.0, requests: Int64 = 0, tokens: Int64 = 0 }

    static func label(_ s: String, empty: String) -> String { s.isEmpty ? empty : s }

    static func num(_ col: String, _ v: Double, _ text: String) -> String {
        "<td class=\"n\" data-col=\"\(col)\" data-v=\"\(ReportText.exact(v))\">\(ReportText.esc(text))</td>"
    }
    static func num(_ col: String, _ v: Int64) -> String {
        "<td class=\"n\" data-col=\"\(col)\" data-v=\"\(v)\">\(ReportText.group(v))</td>"
    }
    static func numOpt(_ col: String, _ v: Double?, _ fmt: (Double) -> String) -> String {
        guard let v else { return "<td class=\"n\" data-col=\"\(col)\" data-v=\"\">–</td>" }
        return num(col, v, fmt(v))
    }
    static func text(_ s: String, cls: String? = nil) -> String {
        "<td\(cls.map { " class=\"\($0)\"" } ?? "")>\(ReportText.esc(s))</td>"
    }
    static func head(_ cols: [(String, Bool)]) -> String {
        "<thead><tr>" + cols.map { "<th\($0.1 ? " class=\"n\"" : "")>\(ReportText.esc($0.0))</th>" }.joined() + "</tr></thead>"
    }
    static func kpi(_ id: String, _ label: String, _ value: String, data: String) -> String {
        "<div class=\"kpi\" id=\"kpi-\(id)\" data-v=\"\(ReportText.esc(data))\"><span class=\"l\">\(ReportText.esc(label))</span><span class=\"v\">\(ReportText.esc(value))</span></div>"
    }
    static func none(_ what: String) -> String { "<p class=\"none\">\(ReportText.esc(what))</p>" }

    /// Every day from the first to the last (gaps drawn as empty), or only the days seen when
    /// the span is longer than about three years.
    static func dayAxis(_ days: some Sequence<Int32>) -> [Int32] {
        let seen = Set(days.filter { $0 != .min })
        guard let lo = seen.min(), let hi = seen.max() else { return [] }
        if Int(hi) - Int(lo) <= 1100 { return Array(lo...hi) }
        return seen.sorted()
    }

    /// Keys sorted by cost (highest first, then name).
    static func ranked<K: Comparable>(_ m: [K: Money]) -> [(K, Money)] {
        m.sorted { $0.value.cost != $1.value.cost ? $0.value.cost > $1.value.cost : $0.key < $1.key }
    }

    /// Daily stacked series: the first `chartSeries - 1` keys of `order`, then one "other".
    static func dailySeries(_ axis: [Int32], _ rows: [(day: Int32, key: String, v: Double)], order: [String], otherName: String) -> [SVGChart.Series] {
        let index = Dictionary(uniqueKeysWithValues: axis.enumerated().map { ($1, $0) })
        let shown = order.count <= chartSeries ? order : Array(order.prefix(chartSeries - 1))
        let pos = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($1, $0) })
        var series = shown.map { SVGChart.Series(name: $0, values: Array(repeating: nil, count: axis.count)) }
        if order.count > shown.count {
            series.append(SVGChart.Series(name: "other (\(order.count - shown.count))", values: Array(repeating: nil, count: axis.count)))
        }
        for r in rows {
            guard let i = index[r.day] else { continue }
            let si = pos[r.key] ?? (series.count - 1)
            series[si].values[i] = (series[si].values[i] ?? 0) + r.v
        }
        _ = otherName
        return series
    }

    /// A money table (key columns, requests, tokens, cost, share), top `tableRows` and one
    /// "other" row summing the rest.
    static func moneyTable(id: String, keyHeads: [String], rows: [([String], Money)], total: Double) -> String {
        var s = "<table id=\"\(id)\">" + head(keyHeads.map { ($0, false) } + [("Requests", true), ("Tokens", true), ("Cost", true), ("Share", true)]) + "<tbody>"
        func row(_ keys: [String], _ m: Money, other: Bool) -> String {
            "<tr\(other ? " class=\"other\"" : "")>" + keys.map { text($0) }.joined()
                + num("requests", m.requests) + num("total_tokens", m.tokens) + num("cost_usd", m.cost.picoRounded, ReportText.usd(m.cost))
                + "<td class=\"n\">\(total > 0 ? ReportText.pct(m.cost / total) : "–")</td></tr>"
        }
        for (keys, m) in rows.prefix(tableRows) { s += row(keys, m, other: false) }
        if rows.count > tableRows {
            var rest = Money()
            for (_, m) in rows.dropFirst(tableRows) { rest.cost += m.cost; rest.requests.satAdd(m.requests); rest.tokens.satAdd(m.tokens) }
            var keys = Array(repeating: "", count: keyHeads.count)
            keys[0] = "other (\(rows.count - tableRows))"
            s += row(keys, rest, other: true)
        }
        return s + "</tbody></table>"
    }

    // MARK: overview

    static func overview(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"overview\">"
        guard let b = t["usage_daily"] else { return s + none("No usage table.") + "</section>" }
        let u = TableColumns(b)
        let days = u.days("day").filter { $0 != .min }
        let cost = u.doubles("cost_usd").reduce(0) { $0 + ($1 ?? 0) }.picoRounded
        let req = u.ints("requests").satSum, tok = u.ints("total_tokens").satSum
        let failed = u.ints("failed_requests").satSum, unpriced = u.ints("unpriced_requests").satSum
        let window = days.min().map { lo in ReportText.day(lo) + " – " + ReportText.day(days.max() ?? lo) } ?? "no usage yet"
        s += "<p class=\"window\" id=\"window\">Days <b>\(ReportText.esc(window))</b></p><div class=\"kpis\">"
        s += kpi("cost", "Cost", ReportText.usd(cost), data: ReportText.exact(cost))
        s += kpi("requests", "Requests", ReportText.group(req), data: String(req))
        s += kpi("tokens", "Tokens", ReportText.group(tok), data: String(tok))
        s += kpi("failed", "Failed requests", ReportText.group(failed), data: String(failed))
        s += kpi("unpriced", "Unpriced requests", ReportText.group(unpriced), data: String(unpriced))
        return s + "</div></section>"
    }

    // MARK: cost

    static func cost(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"cost\"><h2>Cost</h2>"
        if let b = t["usage_daily"], b.rowCount > 0 {
            let u = TableColumns(b)
            let day = u.days("day"), team = u.strings("team"), model = u.strings("model"), principal = u.strings("principal"), source = u.strings("source")
            let cost = u.doubles("cost_usd"), req = u.ints("requests"), tok = u.ints("total_tokens")
            var byTeam: [String: Money] = [:], byModel: [String: Money] = [:]
            struct PK: Hashable, Comparable {
                var source, principal, team: String
                static func < (a: PK, b: PK) -> Bool { (a.principal, a.source, a.team) < (b.principal, b.source, b.team) }
            }
            var byPrincipal: [PK: Money] = [:]
            var total = 0.0
            for i in 0..<b.rowCount {
                let c = cost[i] ?? 0
                total += c
                func add(_ m: inout Money) { m.cost += c; m.requests.satAdd(req[i]); m.tokens.satAdd(tok[i]) }
                add(&byTeam[label(team[i], empty: "(no team)"), default: Money()])
                add(&byModel[model[i], default: Money()])
                add(&byPrincipal[PK(source: source[i], principal: label(principal[i], empty: "(none)"), team: team[i]), default: Money()])
            }
            let axis = dayAxis(day)
            let labels = axis.map(ReportText.day)
            let teams = ranked(byTeam), models = ranked(byModel)
            let teamRows = (0..<b.rowCount).map { (day: day[$0], key: label(team[$0], empty: "(no team)"), v: cost[$0] ?? 0) }
            let modelRows = (0..<b.rowCount).map { (day: day[$0], key: model[$0], v: cost[$0] ?? 0) }
            s += "<h3>By team</h3>"
            s += SVGChart.stackedBars(id: "c-cost-team", title: "Daily cost by team", xLabels: labels,
                                      series: dailySeries(axis, teamRows, order: teams.map(\.0), otherName: "teams"), unit: .usd)
            s += moneyTable(id: "t-cost-team", keyHeads: ["Team"], rows: teams.map { ([$0.0], $0.1) }, total: total)
            s += "<h3>By model</h3>"
            s += SVGChart.stackedBars(id: "c-cost-model", title: "Daily cost by model", xLabels: labels,
                                      series: dailySeries(axis, modelRows, order: models.map(\.0), otherName: "models"), unit: .usd)
            s += moneyTable(id: "t-cost-model", keyHeads: ["Model"], rows: models.map { ([$0.0], $0.1) }, total: total)
            s += "<h3>Top principals</h3>"
            s += moneyTable(id: "t-cost-principal", keyHeads: ["Principal", "Source", "Team"],
                            rows: ranked(byPrincipal).map { ([$0.0.principal, $0.0.source, $0.0.team], $0.1) }, total: total)
        } else {
            s += none("No usage in this window.")
        }
        s += weekly(t["cost_weekly"])
        return s + "</section>"
    }

    static let allModels = "(all models)"

    static func weekly(_ batch: TableBatch?) -> String {
        var s = "<h3>Cost per million tokens, by ISO week</h3>"
        guard let b = batch, b.rowCount > 0 else { return s + none("No weekly cost yet.") }
        let w = TableColumns(b)
        let week = w.strings("iso_week"), model = w.strings("model"), cost = w.doubles("cost_usd")
        let per = w.doubles("usd_per_mtok"), change = w.doubles("change_pct"), req = w.ints("requests"), tok = w.ints("total_tokens")
        let weeks = Array(Set(week)).sorted()
        let widx = Dictionary(uniqueKeysWithValues: weeks.enumerated().map { ($1, $0) })
        var modelCost: [String: Double] = [:]
        for i in 0..<b.rowCount where model[i] != allModels { modelCost[model[i], default: 0] += cost[i] ?? 0 }
        let top = modelCost.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map(\.key)
        var series = [SVGChart.Series(name: allModels, values: Array(repeating: nil, count: weeks.count))]
        series += top.map { SVGChart.Series(name: $0, values: Array(repeating: nil, count: weeks.count)) }
        let spos = Dictionary(uniqueKeysWithValues: series.enumerated().map { ($1.name, $0) })
        for i in 0..<b.rowCount {
            if let si = spos[model[i]], let wi = widx[week[i]] { series[si].values[wi] = per[i] }
        }
        s += SVGChart.lines(id: "c-cost-weekly", title: "USD per million tokens by ISO week", xLabels: weeks, series: series, unit: .usdPerMtok)
        s += "<table id=\"t-cost-weekly\">" + head([("ISO week", false), ("Requests", true), ("Tokens", true), ("Cost", true), ("$ / Mtok", true), ("Change", true)]) + "<tbody>"
        let rows = (0..<b.rowCount).filter { model[$0] == allModels }.sorted { week[$0] > week[$1] }.prefix(12)
        for i in rows {
            s += "<tr>" + text(week[i]) + num("requests", req[i]) + num("total_tokens", tok[i]) + num("cost_usd", cost[i] ?? 0, ReportText.usd(cost[i] ?? 0))
                + numOpt("usd_per_mtok", per[i], ReportText.usd) + numOpt("change_pct", change[i], ReportText.change) + "</tr>"
        }
        return s + "</tbody></table><p class=\"note\">All models, newest week first; the change is against the previous ISO week.</p>"
    }

    // MARK: latency

    static func latency(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"latency\"><h2>Latency</h2>"
        guard let b = t["latency_daily"], b.rowCount > 0 else { return s + none("No timed requests in this window.") + "</section>" }
        let l = TableColumns(b)
        let day = l.days("day"), source = l.strings("source"), provider = l.strings("provider"), model = l.strings("model")
        let timed = l.ints("timed_requests"), p50 = l.doubles("latency_ms_p50"), p95 = l.doubles("latency_ms_p95"), p99 = l.doubles("latency_ms_p99")
        let ttftN = l.ints("ttft_requests"), t50 = l.doubles("ttft_ms_p50"), t95 = l.doubles("ttft_ms_p95")
        struct Key: Hashable { var source, provider, model: String }
        func name(_ k: Key) -> String { k.model + " (" + k.source + ")" }
        var rowsOf: [Key: [Int]] = [:]
        var order: [Key] = []
        for i in 0..<b.rowCount {
            let k = Key(source: source[i], provider: provider[i], model: model[i])
            if rowsOf[k] == nil { order.append(k) }
            rowsOf[k, default: []].append(i)
        }
        func sum(_ k: Key) -> Int64 { rowsOf[k]!.map { timed[$0] }.satSum }
        order.sort { sum($0) != sum($1) ? sum($0) > sum($1) : (name($0), $0.provider) < (name($1), $1.provider) }
        let axis = dayAxis(day)
        let index = Dictionary(uniqueKeysWithValues: axis.enumerated().map { ($1, $0) })
        func series(_ col: [Double?], keys: [Key]) -> [SVGChart.Series] {
            keys.map { k in
                var v = [Double?](repeating: nil, count: axis.count)
                for i in rowsOf[k]! { if let x = index[day[i]] { v[x] = col[i] } }
                return SVGChart.Series(name: name(k), values: v)
            }
        }
        let shown = Array(order.prefix(6))
        let labels = axis.map(ReportText.day)
        s += SVGChart.lines(id: "c-latency-p95", title: "p95 latency per day (the \(shown.count) most-timed models)", xLabels: labels, series: series(p95, keys: shown), unit: .ms)
        let ttftKeys = shown.filter { k in rowsOf[k]!.contains { ttftN[$0] > 0 } }
        if !ttftKeys.isEmpty {
            s += SVGChart.lines(id: "c-latency-ttft", title: "Time to first token p95 per day", xLabels: labels, series: series(t95, keys: ttftKeys), unit: .ms)
        }
        s += "<table id=\"t-latency\">" + head([("Model", false), ("Source", false), ("Provider", false), ("Timed", true), ("Latest day", false),
                                               ("p50", true), ("p95", true), ("p99", true), ("TTFT p50", true), ("TTFT p95", true), ("Worst daily p95", true), ("Day", false)]) + "<tbody>"
        for k in order.prefix(20) {
            let rows = rowsOf[k]!
            let last = rows.max { day[$0] < day[$1] }!
            let worst = rows.filter { p95[$0] != nil }.max { (p95[$0]!, day[$1]) < (p95[$1]!, day[$0]) }
            s += "<tr>" + text(k.model) + text(k.source) + text(k.provider) + num("timed_requests", sum(k)) + text(ReportText.day(day[last]), cls: "d")
                + numOpt("latency_ms_p50", p50[last], ReportText.ms) + numOpt("latency_ms_p95", p95[last], ReportText.ms) + numOpt("latency_ms_p99", p99[last], ReportText.ms)
                + numOpt("ttft_ms_p50", t50[last], ReportText.ms) + numOpt("ttft_ms_p95", t95[last], ReportText.ms)
                + numOpt("latency_ms_p95", worst.flatMap { p95[$0] }, ReportText.ms) + text(worst.map { ReportText.day(day[$0]) } ?? "", cls: "d") + "</tr>"
        }
        s += "</tbody></table><p class=\"note\">Percentiles are per day (nearest rank, from each day's histogram): the latest day's, and the highest daily p95 in the window. Timed: requests with a measured latency, summed over the window.</p>"
        return s + "</section>"
    }

    // MARK: tools

    static func tools(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"tools\"><h2>Tool stability</h2>"
        guard let b = t["tools_daily"], b.rowCount > 0 else { return s + none("No tool calls in this window.") + "</section>" }
        let c = TableColumns(b)
        let source = c.strings("source"), tool = c.strings("tool")
        let calls = c.ints("calls"), ok = c.ints("succeeded"), failed = c.ints("failed"), denied = c.ints("denied"), retries = c.ints("retries")
        struct Key: Hashable { var source, tool: String }
        struct Agg { var calls: Int64 = 0, ok: Int64 = 0, failed: Int64 = 0, denied: Int64 = 0, retries: Int64 = 0
            var errorRate: Double? { ok + failed > 0 ? Double(failed) / Double(ok + failed) : nil }
            var denialRate: Double? { calls > 0 ? Double(denied) / Double(calls) : nil }
        }
        var agg: [Key: Agg] = [:]
        for i in 0..<b.rowCount {
            var a = agg[Key(source: source[i], tool: tool[i]), default: Agg()]
            a.calls.satAdd(calls[i]); a.ok.satAdd(ok[i]); a.failed.satAdd(failed[i]); a.denied.satAdd(denied[i]); a.retries.satAdd(retries[i])
            agg[Key(source: source[i], tool: tool[i])] = a
        }
        let ranked = agg.filter { $0.value.calls >= toolCallFloor }.sorted { x, y in
            let ex = x.value.errorRate ?? -1, ey = y.value.errorRate ?? -1
            if ex != ey { return ex > ey }
            if x.value.failed != y.value.failed { return x.value.failed > y.value.failed }
            let dx = x.value.denialRate ?? 0, dy = y.value.denialRate ?? 0
            if dx != dy { return dx > dy }
            return (x.key.tool, x.key.source) < (y.key.tool, y.key.source)
        }
        let below = agg.count - ranked.count
        let bars = ranked.filter { ($0.value.errorRate ?? 0) > 0 }.prefix(10).map { (label: $0.key.tool + " (" + $0.key.source + ")", value: $0.value.errorRate ?? 0) }
        s += SVGChart.hbars(id: "c-tools-error", title: "Error rate of the least stable tools (at least \(toolCallFloor) calls)", items: Array(bars), unit: .pct)
        s += "<table id=\"t-tools\">" + head([("Tool", false), ("Source", false), ("Calls", true), ("Failed", true), ("Denied", true), ("Retries", true), ("Error rate", true), ("Denial rate", true)]) + "<tbody>"
        for (k, a) in ranked.prefix(tableRows) {
            s += "<tr>" + text(k.tool) + text(k.source) + num("calls", a.calls) + num("failed", a.failed) + num("denied", a.denied) + num("retries", a.retries)
                + numOpt("error_rate", a.errorRate, ReportText.pct) + numOpt("denial_rate", a.denialRate, ReportText.pct) + "</tr>"
        }
        s += "</tbody></table>"
        let few = agg.filter { $0.value.calls < toolCallFloor && $0.value.failed + $0.value.denied > 0 }
            .sorted { ($0.value.failed + $0.value.denied, $1.key.tool) > ($1.value.failed + $1.value.denied, $0.key.tool) }
        if !few.isEmpty {
            s += "<h3>Failing tools below the \(toolCallFloor)-call floor</h3><table id=\"t-tools-few\">"
                + head([("Tool", false), ("Source", false), ("Calls", true), ("Failed", true), ("Denied", true), ("Retries", true)]) + "<tbody>"
            for (k, a) in few.prefix(tableRows) {
                s += "<tr>" + text(k.tool) + text(k.source) + num("calls", a.calls) + num("failed", a.failed) + num("denied", a.denied) + num("retries", a.retries) + "</tr>"
            }
            s += "</tbody></table>"
        }
        let totalCalls = agg.values.map(\.calls).satSum
        s += "<p class=\"note\" id=\"tools-totals\" data-calls=\"\(totalCalls)\">\(ReportText.group(totalCalls)) calls of \(agg.count) tools in the window; error rate = failed / (succeeded + failed), denial rate = denied / calls. "
        s += below > 0 ? "\(below) tool(s) with fewer than \(toolCallFloor) calls are not ranked.</p>" : "</p>"
        return s + "</section>"
    }

    // MARK: permissions

    static func permissions(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"permissions\"><h2>Permissions</h2>"
        guard let b = t["permissions_daily"], b.rowCount > 0 else { return s + none("No denials in this window.") + "</section>" }
        let p = TableColumns(b)
        let day = p.days("day"), source = p.strings("source"), principal = p.strings("principal"), subject = p.strings("subject"), reason = p.strings("reason")
        let denials = p.ints("denials")
        var byReason: [String: Int64] = [:], bySubject: [String: Int64] = [:]
        struct PK: Hashable { var principal, source: String }
        var byPrincipal: [PK: [String: Int64]] = [:]
        for i in 0..<b.rowCount {
            byReason[reason[i], default: 0].satAdd(denials[i])
            bySubject[subject[i], default: 0].satAdd(denials[i])
            byPrincipal[PK(principal: label(principal[i], empty: "(none)"), source: source[i]), default: [:]][reason[i], default: 0].satAdd(denials[i])
        }
        func desc(_ m: [String: Int64]) -> [(String, Int64)] { m.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) } }
        let reasons = desc(byReason)
        let total = reasons.map(\.1).satSum
        s += "<p id=\"permissions-total\" data-v=\"\(total)\"><b>\(ReportText.group(total))</b> denials in the window.</p>"
        s += SVGChart.hbars(id: "c-denials-reason", title: "Denials by reason", items: reasons.map { (label: $0.0, value: Double($0.1)) }, unit: .count)
        let axis = dayAxis(day)
        let rows = (0..<b.rowCount).map { (day: day[$0], key: reason[$0], v: Double(denials[$0])) }
        s += SVGChart.stackedBars(id: "c-denials-daily", title: "Denials per day by reason", xLabels: axis.map(ReportText.day),
                                  series: dailySeries(axis, rows, order: reasons.map(\.0), otherName: "reasons"), unit: .count)
        s += "<table id=\"t-denials-reason\">" + head([("Reason", false), ("Denials", true)]) + "<tbody>"
        for (r, n) in reasons { s += "<tr>" + text(r) + num("denials", n) + "</tr>" }
        s += "</tbody></table><h3>By principal</h3><table id=\"t-denials-principal\">" + head([("Principal", false), ("Source", false), ("Denials", true), ("Reasons", false)]) + "<tbody>"
        let principals = byPrincipal.map { ($0.key, $0.value.values.satSum, desc($0.value)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : ($0.0.principal, $0.0.source) < ($1.0.principal, $1.0.source) }
        for (k, n, rs) in principals.prefix(tableRows) {
            s += "<tr>" + text(k.principal) + text(k.source) + num("denials", n) + text(rs.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) + "</tr>"
        }
        s += "</tbody></table><h3>Most denied subjects</h3><table id=\"t-denials-subject\">" + head([("Subject", false), ("Denials", true)]) + "<tbody>"
        for (sub, n) in desc(bySubject).prefix(10) { s += "<tr>" + text(label(sub, empty: "(none)")) + num("denials", n) + "</tr>" }
        return s + "</tbody></table></section>"
    }

    // MARK: data quality

    static func files(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"data-quality\"><h2>Data quality</h2>"
        guard let b = t["ingest_files"] else { return s + none("No file table.") + "</section>" }
        let f = TableColumns(b)
        let path = f.strings("path"), format = f.strings("format"), status = f.strings("status"), error = f.strings("error")
        let malformed = f.ints("malformed_lines"), oversized = f.ints("oversized_lines"), duplicates = f.ints("duplicate_events")
        var counts: [String: Int64] = [:]
        for st in status { counts[st, default: 0].satAdd(1) }
        s += "<div class=\"kpis\">" + kpi("files", "Files", ReportText.group(Int64(b.rowCount)), data: String(b.rowCount))
        for st in ["ok", "skipped", "pruned", "partial", "failed"] {
            s += kpi("files-" + st, "Files " + st, ReportText.group(counts[st] ?? 0), data: String(counts[st] ?? 0))
        }
        s += kpi("malformed", "Malformed lines", ReportText.group(malformed.satSum), data: String(malformed.satSum))
        s += kpi("duplicates", "Duplicate events", ReportText.group(duplicates.satSum), data: String(duplicates.satSum))
        s += "</div><h3>Files partial or failed</h3>"
        let bad = (0..<b.rowCount).filter { status[$0] == "partial" || status[$0] == "failed" }
        if bad.isEmpty { return s + none("None: every file was read whole.") + "</section>" }
        s += "<table id=\"t-files-bad\">" + head([("File", false), ("Format", false), ("Status", false), ("Malformed", true), ("Oversized", true), ("Error", false)]) + "<tbody>"
        for i in bad.prefix(50) {
            s += "<tr>" + text(path[i], cls: "path") + text(format[i]) + text(status[i], cls: "bad") + num("malformed_lines", malformed[i]) + num("oversized_lines", oversized[i]) + text(error[i]) + "</tr>"
        }
        s += "</tbody></table>"
        if bad.count > 50 { s += "<p class=\"note\">\(bad.count - 50) more in ingest_files.</p>" }
        return s + "</section>"
    }

    static func unpriced(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"unpriced\"><h3>Unpriced models</h3>"
        guard let b = t["unpriced_models"], b.rowCount > 0 else { return s + none("None: every model was priced.") + "</section>" }
        let u = TableColumns(b)
        let source = u.strings("source"), model = u.strings("model"), req = u.ints("requests"), tok = u.ints("total_tokens")
        let first = u.stamps("first_seen"), last = u.stamps("last_seen")
        s += "<p class=\"note\">Counted at $0: add a price with --prices or map the name with --model-aliases.</p>"
        s += "<table id=\"t-unpriced\">" + head([("Model", false), ("Source", false), ("Requests", true), ("Tokens", true), ("First seen (UTC)", false), ("Last seen (UTC)", false)]) + "<tbody>"
        let order = (0..<b.rowCount).sorted { req[$0] != req[$1] ? req[$0] > req[$1] : (model[$0], source[$0]) < (model[$1], source[$1]) }
        for i in order.prefix(50) {
            s += "<tr>" + text(model[i]) + text(source[i]) + num("requests", req[i]) + num("total_tokens", tok[i])
                + text(first[i].map(ReportText.stamp) ?? "", cls: "d") + text(last[i].map(ReportText.stamp) ?? "", cls: "d") + "</tr>"
        }
        return s + "</tbody></table></section>"
    }
}

extension Int64 {
    /// Adds, saturating at `Int64.max` / `.min` (a capped table cell never traps the report).
    mutating func satAdd(_ x: Int64) {
        let (r, o) = addingReportingOverflow(x)
        self = o ? (x > 0 ? .max : .min) : r
    }
}

extension Sequence where Element == Int64 {
    /// The saturating sum.
    var satSum: Int64 { reduce(into: 0) { $0.satAdd($1) } }
}
