import TableModel

/// The incidents and GPU energy sections (issue 14, issue 17): tables of `incidents`,
/// `availability_daily` and `energy_daily` as they are written beside the page.
extension ReportSections {
    // MARK: incidents

    static func incidents(_ t: [String: TableBatch]) -> String {
        var s = "<section id=\"incidents\"><h2>Incidents and availability</h2>"
        if let b = t["incidents"], b.rowCount > 0 {
            let c = TableColumns(b)
            let provider = c.strings("provider"), model = c.strings("model"), reasons = c.strings("reasons"), kinds = c.strings("error_kinds")
            let started = c.stamps("started_at"), ended = c.stamps("ended_at")
            let requests = c.ints("requests"), affected = c.ints("affected_requests")
            let teams = c.ints("teams_affected"), principals = c.ints("principals_affected"), sources = c.ints("sources_affected")
            s += "<p id=\"incidents-total\" data-v=\"\(b.rowCount)\"><b>\(ReportText.group(Int64(b.rowCount)))</b> incidents in the window (newest first).</p>"
            s += "<table id=\"t-incidents\">" + head([("Started (UTC)", false), ("Ended (UTC)", false), ("Provider", false), ("Model", false), ("Reasons", false),
                                                   ("Requests", true), ("Affected", true), ("Teams", true), ("Principals", true), ("Sources", true), ("Error kinds", false)]) + "<tbody>"
            let order = (0..<b.rowCount).sorted { (started[$0] ?? 0) > (started[$1] ?? 0) }
            for i in order.prefix(50) {
                s += "<tr>" + text(started[i].map(ReportText.stamp) ?? "") + text(ended[i].map(ReportText.stamp) ?? "")
                    + text(label(provider[i], empty: "(none)")) + text(model[i]) + text(reasons[i], cls: "bad")
                    + num("requests", requests[i]) + num("affected_requests", affected[i])
                    + num("teams_affected", teams[i]) + num("principals_affected", principals[i]) + num("sources_affected", sources[i])
                    + text(kinds[i]) + "</tr>"
            }
            s += "</tbody></table>"
            if b.rowCount > 50 { s += "<p class=\"note\">\(b.rowCount - 50) more in incidents.</p>" }
        } else {
            s += none("No incidents in this window.")
        }
        guard let a = t["availability_daily"], a.rowCount > 0 else { return s + "</section>" }
        // Per (provider, model) over the window: requests, successful and rate-limited shares.
        let c = TableColumns(a)
        let provider = c.strings("provider"), model = c.strings("model")
        let requests = c.ints("requests"), succeeded = c.ints("succeeded"), limited = c.ints("rate_limited"), bad = c.ints("bad_windows")
        struct K: Hashable, Comparable {
            var provider, model: String
            static func < (a: K, b: K) -> Bool { (a.provider, a.model) < (b.provider, b.model) }
        }
        var sum: [K: (req: Int64, ok: Int64, limited: Int64, bad: Int64)] = [:]
        for i in 0..<a.rowCount {
            var v = sum[K(provider: provider[i], model: model[i]), default: (0, 0, 0, 0)]
            v.req.satAdd(requests[i]); v.ok.satAdd(succeeded[i]); v.limited.satAdd(limited[i]); v.bad.satAdd(bad[i])
            sum[K(provider: provider[i], model: model[i])] = v
        }
        s += "<h3>Availability by model</h3><table id=\"t-availability\">" + head([("Provider", false), ("Model", false), ("Requests", true), ("Successful", true), ("Rate-limited", true), ("Bad 5-min windows", true)]) + "<tbody>"
        for (k, v) in sum.sorted(by: { $0.value.req != $1.value.req ? $0.value.req > $1.value.req : $0.key < $1.key }).prefix(tableRows) {
            s += "<tr>" + text(label(k.provider, empty: "(none)")) + text(k.model) + num("requests", v.req)
                + "<td class=\"n\">\(v.req > 0 ? ReportText.pct(Double(v.ok) / Double(v.req)) : "–")</td>"
                + "<td class=\"n\">\(v.req > 0 ? ReportText.pct(Double(v.limited) / Double(v.req)) : "–")</td>"
                + num("bad_windows", v.bad) + "</tr>"
        }
        return s + "</tbody></table></section>"
    }

    // MARK: energy

    static func energy(_ t: [String: TableBatch]) -> String {
        guard let b = t["energy_daily"], b.rowCount > 0 else { return "<section id=\"energy\"></section>" }
        var s = "<section id=\"energy\"><h2>GPU energy</h2>"
        let c = TableColumns(b)
        let model = c.strings("model"), kwh = c.doubles("energy_kwh"), tokens = c.ints("tokens")
        var byModel: [String: (kwh: Double, tokens: Int64)] = [:]
        for i in 0..<b.rowCount {
            var v = byModel[model[i], default: (0, 0)]
            v.kwh += kwh[i] ?? 0
            v.tokens.satAdd(tokens[i])
            byModel[model[i]] = v
        }
        s += SVGChart.hbars(id: "c-energy-model", title: "GPU energy by model (kWh)",
                            items: byModel.sorted { $0.value.kwh > $1.value.kwh }.map { (label: $0.key, value: $0.value.kwh) }, unit: .count)
        s += "<table id=\"t-energy\">" + head([("Model", false), ("Energy kWh", true), ("Tokens", true), ("Tokens per kWh", true)]) + "<tbody>"
        for (m, v) in byModel.sorted(by: { $0.value.kwh != $1.value.kwh ? $0.value.kwh > $1.value.kwh : $0.key < $1.key }) {
            s += "<tr>" + text(m) + num("energy_kwh", v.kwh, ReportText.fixed(v.kwh, 3)) + num("tokens", v.tokens)
                + numOpt("tokens_per_kwh", v.kwh > 0 && v.tokens > 0 ? Double(v.tokens) / v.kwh : nil) { ReportText.fixed($0, 0) } + "</tr>"
        }
        return s + "</tbody></table></section>"
    }
}
