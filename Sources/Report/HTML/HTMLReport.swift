import Foundation
import TableModel

/// What the report's header names: the run's version, time zone and price snapshot.
public struct HTMLReportMeta: Sendable, Hashable {
    public var version: String
    public var timeZone: String
    public var prices: String

    public init(version: String, timeZone: String, prices: String) {
        self.version = version
        self.timeZone = timeZone
        self.prices = prices
    }

    /// From the Parquet key-value metadata (`factorylog.version`, `factorylog.tz`,
    /// `factorylog.prices`); missing keys read as "".
    init(_ kv: [(String, String)]) {
        func v(_ k: String) -> String { kv.first { $0.0 == k }?.1 ?? "" }
        self.init(version: v("factorylog.version"), timeZone: v("factorylog.tz"), prices: v("factorylog.prices"))
    }
}

/// `report.html`: one self-contained page (inline CSS and SVG, no script, no network) for the
/// people who read the tables: FinOps (cost), platform (latency), tool owners (stability),
/// security (permissions), and whoever runs the job (data quality). Printable (`@media print`).
///
/// Every number is read from the table batches the Parquet, CSV and XLSX writers get (by contract
/// column name, `TableColumns`), as a cell or as a sum of cells: the same values as the Parquet
/// files. Numeric cells carry their exact value in `data-v` (shortest round-trip decimal), so a
/// test or a script can compare the page with the tables; tables and KPI tiles have stable ids
/// (see `Tests/acceptance/test_report_html.py`).
///
/// The page is a sequence of sections, each rendered from the tables it names and wrapped in
/// `<!--fl:section ID DIGEST-->…<!--/fl:section ID-->`, where DIGEST names the content of those
/// tables: an export that takes tables over from the previous folder takes over the sections
/// built from them too (`reusableSections`), so a night that only changes `ingest_files`
/// re-renders only the files section and never loads the aggregates.
public enum HTMLReport {
    /// File name inside the output folder.
    public static let fileName = "report.html"
    /// Changes whenever the page's markup changes, so sections of an older layout are rendered anew.
    static let layout = "2"

    struct Section: Sendable {
        var id: String
        /// Table names the section reads.
        var tables: [String]
        var render: @Sendable (_ tables: [String: TableBatch]) -> String
    }

    /// The sections in page order.
    static let sections: [Section] = [
        Section(id: "overview", tables: ["usage_daily"], render: ReportSections.overview),
        Section(id: "cost", tables: ["usage_daily", "cost_weekly"], render: ReportSections.cost),
        Section(id: "latency", tables: ["latency_daily"], render: ReportSections.latency),
        Section(id: "tools", tables: ["tools_daily"], render: ReportSections.tools),
        Section(id: "permissions", tables: ["permissions_daily"], render: ReportSections.permissions),
        Section(id: "incidents", tables: ["incidents", "availability_daily"], render: ReportSections.incidents),
        Section(id: "energy", tables: ["energy_daily"], render: ReportSections.energy),
        Section(id: "files", tables: ["ingest_files"], render: ReportSections.files),
        Section(id: "unpriced", tables: ["unpriced_models"], render: ReportSections.unpriced),
    ]

    /// The table names any section reads.
    public static var tableNames: Set<String> { Set(sections.flatMap(\.tables)) }

    /// The digest of a section from its tables' digests (nil when one is unknown: always rendered;
    /// a table the export does not have counts as absent).
    static func sectionDigest(_ section: Section, _ digests: [String: String?]) -> String? {
        var parts = ["layout=" + layout]
        for t in section.tables {
            switch digests[t] {
            case .none: parts.append(t + " absent")  // not among the export's tables: rendered as no data
            case .some(.none): return nil
            case .some(.some(let d)): parts.append(t + "=" + d)
            }
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in parts.joined(separator: "\u{1F}").utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return String(h, radix: 16)
    }

    /// Renders the whole page from the tables (by name; a missing table renders its sections as
    /// "no data").
    public static func render(_ tables: [TableBatch], meta: HTMLReportMeta) -> String {
        var byName: [String: TableBatch] = [:]
        for t in tables { byName[t.schema.name] = t }
        return page(meta: meta, sections: sections.map { wrap($0.id, digest: "-", $0.render(byName)) })
    }

    /// Renders the page, taking over from `previous` (the text of the page written before) each
    /// section whose digest is unchanged, and building the others from `tables(name)`.
    /// - Parameters:
    ///   - digests: table name → the digest it was written from (nil: unknown).
    ///   - tables: the batch of a table, built on demand (only for sections rendered anew).
    static func render(meta: HTMLReportMeta, digests: [String: String?], previous: String?,
                       tables: (String) throws -> TableBatch?) rethrows -> String {
        let old = previous.map(parseSections) ?? [:]
        var built: [String: TableBatch] = [:]
        var out: [String] = []
        for s in sections {
            let d = sectionDigest(s, digests)
            if let d, let o = old[s.id], o.digest == d {
                out.append(o.text)
                continue
            }
            for t in s.tables where built[t] == nil { built[t] = try tables(t) }
            out.append(wrap(s.id, digest: d ?? "-", s.render(built)))
        }
        return page(meta: meta, sections: out)
    }

    static func wrap(_ id: String, digest: String, _ body: String) -> String {
        "<!--fl:section \(id) \(digest)-->\n" + body + "\n<!--/fl:section \(id)-->"
    }

    /// The wrapped sections of a page: id → (digest, the whole wrapped text).
    static func parseSections(_ html: String) -> [String: (digest: String, text: String)] {
        var out: [String: (digest: String, text: String)] = [:]
        var rest = html[...]
        while let start = rest.range(of: "<!--fl:section ") {
            let afterStart = rest[start.upperBound...]
            guard let headEnd = afterStart.range(of: "-->") else { break }
            let head = afterStart[..<headEnd.lowerBound].split(separator: " ")
            guard head.count == 2 else { rest = afterStart; continue }
            let id = String(head[0]), digest = String(head[1])
            let closing = "<!--/fl:section \(id)-->"
            guard let end = afterStart.range(of: closing) else { break }
            out[id] = (digest, String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    static func page(meta: HTMLReportMeta, sections: [String]) -> String {
        var s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        s += "<meta name=\"generator\" content=\"factorylog \(ReportText.esc(meta.version))\">"
        s += "<title>factorylog report</title><style>\(css)</style></head><body>\n"
        s += "<header><h1>factorylog report</h1><p class=\"meta\">Time zone <b>\(ReportText.esc(meta.timeZone))</b> · prices <b>\(ReportText.esc(meta.prices))</b> · factorylog \(ReportText.esc(meta.version))</p>"
        s += "<nav><a href=\"#cost\">Cost</a> <a href=\"#latency\">Latency</a> <a href=\"#tools\">Tool stability</a> <a href=\"#permissions\">Permissions</a> <a href=\"#incidents\">Incidents</a> <a href=\"#data-quality\">Data quality</a></nav></header>\n<main>\n"
        s += sections.joined(separator: "\n")
        s += "\n</main><footer>Every number on this page is a cell, or a sum of cells, of the Parquet tables in this folder (CONTRACT.md). Costs are in USD.</footer></body></html>\n"
        return s
    }

    static let css = """
        :root{--ink:#1d2330;--mute:#5b6472;--line:#d9dde3;--bg:#fff;--soft:#f4f6f8}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
        header,main,footer{max-width:1000px;margin:0 auto;padding:0 20px}header{padding-top:18px;border-bottom:1px solid var(--line)}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;padding-top:8px;border-top:2px solid var(--ink)}h3{font-size:15px;margin:18px 0 6px}
        .meta,.note,footer{color:var(--mute);font-size:12px}nav a{margin-right:12px;color:#2c5d9c;text-decoration:none}nav{padding:6px 0 10px}
        .kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.kpi{flex:1 1 150px;background:var(--soft);border-radius:6px;padding:8px 12px}
        .kpi .l{display:block;color:var(--mute);font-size:12px}.kpi .v{display:block;font-size:20px;font-weight:600}
        table{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        th{background:var(--soft);font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.path{word-break:break-all}td.d{white-space:nowrap}
        tr.other td{color:var(--mute);font-style:italic}.bad{color:#b3261e;font-weight:600}
        figure.chart{margin:10px 0 16px}figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto;display:block}
        svg text{font-size:11px;fill:var(--mute)}svg .grid{stroke:#e7eaee;stroke-width:1}svg .axis{stroke:#9aa3ad;stroke-width:1}svg text.yl{fill:var(--ink)}
        ul.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}
        p.none{color:var(--mute);font-style:italic}footer{padding:20px;border-top:1px solid var(--line);margin-top:30px}
        @media print{body{font-size:11px}header,main,footer{max-width:none;padding:0}nav{display:none}figure,tr,.kpis{break-inside:avoid}h2{break-after:avoid}@page{size:A4 landscape;margin:12mm}}
        """
}
