import Foundation

/// Inline SVG charts for `report.html`: no script, no library, no network. Each chart is an
/// `<svg>` with a `viewBox` (it scales to the page and prints as vectors), a `<title>` per mark
/// (the browser shows it on hover) and a legend.
///
/// Coordinates are written with one decimal. Values are drawn as given (they come from table
/// cells); the tables beside the charts carry the exact numbers.
enum SVGChart {
    /// Colour-blind-safe categorical palette (Tableau 10); the last colour is used for "other".
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    enum Unit {
        case usd, ms, count, pct, usdPerMtok

        func label(_ v: Double) -> String {
            switch self {
            case .usd, .usdPerMtok: ReportText.usd(v)
            case .ms: ReportText.ms(v)
            case .count: ReportText.fixed(v, v == v.rounded() ? 0 : 1)
            case .pct: ReportText.pct(v)
            }
        }

        /// Axis tick text: shorter than `label`.
        func tick(_ v: Double) -> String {
            switch self {
            case .usd, .usdPerMtok:
                v == 0 ? "$0"
                    : v.magnitude >= 1000 ? "$" + ReportText.fixed(v / 1000, v.magnitude >= 10_000 ? 0 : 1) + "k"
                    : "$" + ReportText.fixed(v, v.magnitude >= 100 ? 0 : (v * 100).rounded() == v * 100 ? 2 : 4)
            case .ms: v >= 1000 ? ReportText.fixed(v / 1000, 1) + " s" : ReportText.fixed(v, 0) + " ms"
            case .count: ReportText.fixed(v, v == v.rounded() ? 0 : 1)
            case .pct: ReportText.fixed(v * 100, 0) + " %"
            }
        }
    }

    struct Series {
        var name: String
        var values: [Double?]
    }

    static let width = 760.0, height = 250.0
    static let left = 64.0, right = 12.0, top = 12.0, bottom = 34.0

    /// Up to ~5 round tick values from 0 to at least `maxValue`.
    static func ticks(_ maxValue: Double) -> [Double] {
        guard maxValue > 0, maxValue.isFinite else { return [0, 1] }
        let raw = maxValue / 4
        var mag = 1.0
        while mag * 10 <= raw { mag *= 10 }
        while mag > raw { mag /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t: [Double] = []
        var v = 0.0
        while v < maxValue + step * 0.999 && t.count < 8 {
            t.append(v)
            v += step
        }
        return t
    }

    static func f(_ v: Double) -> String { ReportText.fixed(v, 1).replacingOccurrences(of: ",", with: "") }

    private static func open(_ id: String, _ title: String, height h: Double = height) -> String {
        "<figure class=\"chart\" id=\"\(ReportText.esc(id))\"><figcaption>\(ReportText.esc(title))</figcaption>"
            + "<svg viewBox=\"0 0 \(f(width)) \(f(h))\" role=\"img\" aria-label=\"\(ReportText.esc(title))\">"
    }

    private static func legend(_ names: [String]) -> String {
        guard names.count > 1 else { return "" }
        var s = "<ul class=\"legend\">"
        for (i, n) in names.enumerated() {
            s += "<li><span class=\"sw\" style=\"background:\(palette[i % palette.count])\"></span>\(ReportText.esc(n))</li>"
        }
        return s + "</ul>"
    }

    private static func axes(_ tickValues: [Double], _ unit: Unit, _ xLabels: [String], slot: Double) -> String {
        let plotH = height - top - bottom
        let maxT = tickValues.last ?? 1
        var s = ""
        for t in tickValues {
            let y = top + plotH - plotH * (t / maxT)
            s += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
            s += "<text class=\"yt\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(ReportText.esc(unit.tick(t)))</text>"
        }
        // At most ~8 x labels, evenly spaced.
        let every = max(1, (xLabels.count + 7) / 8)
        for (i, l) in xLabels.enumerated() where i % every == 0 || i == xLabels.count - 1 && xLabels.count <= 8 {
            let x = left + slot * (Double(i) + 0.5)
            s += "<text class=\"xt\" x=\"\(f(x))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(ReportText.esc(l))</text>"
        }
        s += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH))\"/>"
        return s
    }

    /// Bars per x label, stacked by series (nil and negative values draw nothing).
    static func stackedBars(id: String, title: String, xLabels: [String], series: [Series], unit: Unit) -> String {
        guard !xLabels.isEmpty, !series.isEmpty else { return empty(id, title) }
        var totals = Array(repeating: 0.0, count: xLabels.count)
        for s in series { for (i, v) in s.values.enumerated() where i < totals.count { totals[i] += max(0, v ?? 0) } }
        let tk = ticks(totals.max() ?? 0)
        let maxT = tk.last ?? 1
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = plotW / Double(xLabels.count)
        let barW = max(1, slot * 0.78)
        var s = open(id, title) + axes(tk, unit, xLabels, slot: slot)
        var base = Array(repeating: 0.0, count: xLabels.count)
        for (si, ser) in series.enumerated() {
            let color = palette[si % palette.count]
            s += "<g class=\"series\" fill=\"\(color)\" data-series=\"\(ReportText.esc(ser.name))\">"
            for (i, v) in ser.values.enumerated() where i < xLabels.count {
                guard let v, v > 0 else { continue }
                let h = plotH * v / maxT
                let y = top + plotH - plotH * (base[i] / maxT) - h
                let x = left + slot * Double(i) + (slot - barW) / 2
                s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barW))\" height=\"\(f(max(h, 0.5)))\">"
                    + "<title>\(ReportText.esc(xLabels[i])) · \(ReportText.esc(ser.name)): \(ReportText.esc(unit.label(v)))</title></rect>"
                base[i] += v
            }
            s += "</g>"
        }
        return s + "</svg>" + legend(series.map(\.name)) + "</figure>"
    }

    /// One polyline per series over the x labels; a nil value breaks the line.
    static func lines(id: String, title: String, xLabels: [String], series: [Series], unit: Unit) -> String {
        guard !xLabels.isEmpty, series.contains(where: { $0.values.contains { $0 != nil } }) else { return empty(id, title) }
        let maxV = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let tk = ticks(maxV)
        let maxT = tk.last ?? 1
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = plotW / Double(xLabels.count)
        var s = open(id, title) + axes(tk, unit, xLabels, slot: slot)
        for (si, ser) in series.enumerated() {
            let color = palette[si % palette.count]
            s += "<g class=\"series\" stroke=\"\(color)\" fill=\"\(color)\" data-series=\"\(ReportText.esc(ser.name))\">"
            var run: [String] = []
            func flush() {
                if run.count > 1 { s += "<polyline fill=\"none\" stroke-width=\"2\" points=\"\(run.joined(separator: " "))\"/>" }
                run = []
            }
            var dots = ""
            for (i, v) in ser.values.enumerated() where i < xLabels.count {
                guard let v, v.isFinite else { flush(); continue }
                let x = left + slot * (Double(i) + 0.5)
                let y = top + plotH - plotH * max(0, v) / maxT
                run.append("\(f(x)),\(f(y))")
                dots += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3\"><title>\(ReportText.esc(xLabels[i])) · \(ReportText.esc(ser.name)): \(ReportText.esc(unit.label(v)))</title></circle>"
            }
            flush()
            s += dots + "</g>"
        }
        return s + "</svg>" + legend(series.map(\.name)) + "</figure>"
    }

    /// Horizontal bars, one per item, longest first as given.
    static func hbars(id: String, title: String, items: [(label: String, value: Double)], unit: Unit) -> String {
        guard !items.isEmpty else { return empty(id, title) }
        let rowH = 22.0
        let h = top + rowH * Double(items.count) + 24
        let labelW = 230.0
        let plotW = width - labelW - right - 70
        let maxV = max(items.map(\.value).max() ?? 0, unit == .pct ? 0.01 : 1e-12)
        var s = open(id, title, height: h)
        for (i, it) in items.enumerated() {
            let y = top + rowH * Double(i)
            let w = max(1, plotW * max(0, it.value) / maxV)
            let label = it.label.count > 34 ? String(it.label.prefix(33)) + "…" : it.label
            s += "<text class=\"yl\" x=\"\(f(labelW - 8))\" y=\"\(f(y + 15))\" text-anchor=\"end\">\(ReportText.esc(label))</text>"
            s += "<rect fill=\"\(palette[0])\" x=\"\(f(labelW))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowH - 6))\">"
                + "<title>\(ReportText.esc(it.label)): \(ReportText.esc(unit.label(it.value)))</title></rect>"
            s += "<text class=\"vl\" x=\"\(f(labelW + w + 6))\" y=\"\(f(y + 15))\">\(ReportText.esc(unit.label(it.value)))</text>"
        }
        return s + "</svg></figure>"
    }

    static func empty(_ id: String, _ title: String) -> String {
        "<figure class=\"chart empty\" id=\"\(ReportText.esc(id))\"><figcaption>\(ReportText.esc(title))</figcaption><p class=\"none\">No data in this window.</p></figure>"
    }
}
