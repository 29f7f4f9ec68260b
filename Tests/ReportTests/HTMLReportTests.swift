import Analyze
import Foundation
import Testing
@testable import Report

/// `report.html`: numbers read from the table batches, escaping, and sections taken over from
/// the previous page when their tables are unchanged.
@Suite struct HTMLReportTests {
    static let meta = HTMLReportMeta(version: "0.1.0", timeZone: "UTC", prices: "test")

    /// Three usage rows: team a on two days, team b once (days 20_415 = 2025-11-23, 20_416).
    static func usage() -> TableBatch {
        var b = TableBuilder(Tables.usageDailySchema)
        func row(_ day: Int32, _ model: String, _ team: String, _ principal: String, _ req: Int64, _ tok: Int64, _ cost: Double) {
            b.append(row: [.date(day), .string("litellm"), .string("openai"), .string(model), .string(team), .string(principal),
                           .int64(req), .int64(0), .int64(0), .int64(0), .int64(tok), .int64(0), .int64(0), .int64(0), .int64(0), .int64(tok),
                           .double(cost), .int64(0), .string("")])  // end_user last
        }
        row(20_415, "gpt-4o", "a", "svc-1", 2, 1_000, 0.25)
        row(20_416, "gpt-4o", "a", "svc-1", 3, 500, 0.5)
        row(20_416, "<b>m</b>", "b", "", 1, 100, 0.125)
        return b.build()
    }

    /// The `data-v` of the `col` cells of the row of table `id` whose first cell is `key`.
    func cell(_ html: String, table id: String, key: String, col: String) -> String? {
        guard let t = html.range(of: "<table id=\"\(id)\">") else { return nil }
        let rest = html[t.upperBound...]
        let end = rest.range(of: "</table>")!.lowerBound
        let body = rest[..<end]
        guard let r = body.range(of: "<tr><td>\(key)</td>") else { return nil }
        let row = body[r.upperBound...].prefix { $0 != "\n" }
        let rowText = String(row[..<(row.range(of: "</tr>")?.lowerBound ?? row.endIndex)])
        guard let c = rowText.range(of: "data-col=\"\(col)\" data-v=\"") else { return nil }
        return String(rowText[c.upperBound...].prefix { $0 != "\"" })
    }

    @Test func costByTeamSumsTheCells() throws {
        let html = HTMLReport.render([Self.usage()], meta: Self.meta)
        // team a: 0.25 + 0.5 = 0.75 USD, 2 + 3 = 5 requests, 1 000 + 500 = 1 500 tokens
        #expect(cell(html, table: "t-cost-team", key: "a", col: "cost_usd") == "0.75")
        #expect(cell(html, table: "t-cost-team", key: "a", col: "requests") == "5")
        #expect(cell(html, table: "t-cost-team", key: "a", col: "total_tokens") == "1500")
        #expect(cell(html, table: "t-cost-team", key: "b", col: "cost_usd") == "0.125")
        // total 0.75 + 0.125 = 0.875; 6 requests
        #expect(html.contains("id=\"kpi-cost\" data-v=\"0.875\""))
        #expect(html.contains("id=\"kpi-requests\" data-v=\"6\""))
        // the days 2025-11-23 and 2025-11-24 are the chart's two bars of team a (two rects)
        #expect(html.contains("2025-11-23 – 2025-11-24"))
        let chart = html[html.range(of: "id=\"c-cost-team\"")!.lowerBound...]
        let teamA = chart[chart.range(of: "data-series=\"a\"")!.upperBound...]
        #expect(teamA[..<teamA.range(of: "</g>")!.lowerBound].components(separatedBy: "<rect").count - 1 == 2)
        // A model name is text, never markup; the empty principal is shown as (none).
        #expect(html.contains("&lt;b&gt;m&lt;/b&gt;") && !html.contains("<b>m</b>"))
        #expect(html.contains("<tr><td>(none)</td>"))
        // No script and no external resource.
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
    }

    @Test func missingTablesRenderAsNoData() {
        let html = HTMLReport.render([], meta: Self.meta)
        for id in ["overview", "cost", "latency", "tools", "permissions", "data-quality", "unpriced"] {
            #expect(html.contains("<section id=\"\(id)\">"), "section \(id)")
        }
        #expect(html.contains("No timed requests in this window."))
    }

    @Test func sectionsAreTakenOverWhenTheirTablesAreUnchanged() throws {
        let files = TableSchema(name: "ingest_files", columns: [ColumnSpec("path", .string), ColumnSpec("status", .string)])
        func filesBatch(_ status: String) -> TableBatch { TableBatch(schema: files, columns: [.string(["a.jsonl"]), .string([status])]) }
        var built: [String] = []
        let first = HTMLReport.render(meta: Self.meta, digests: ["usage_daily": "s1", "ingest_files": "ok"], previous: nil) { name -> TableBatch? in
            built.append(name)
            return name == "usage_daily" ? Self.usage() : name == "ingest_files" ? filesBatch("partial") : nil
        }
        #expect(Set(built) == ["usage_daily", "ingest_files", "cost_weekly", "latency_daily", "tools_daily", "permissions_daily", "unpriced_models",
                             "incidents", "availability_daily", "energy_daily"])  // every section's tables, asked for once
        #expect(first.contains("id=\"kpi-files-partial\" data-v=\"1\""))
        // The files changed, usage did not: only ingest_files is asked for.
        built = []
        let second = HTMLReport.render(meta: Self.meta, digests: ["usage_daily": "s1", "ingest_files": "skipped"], previous: first) { name -> TableBatch? in
            built.append(name)
            return name == "ingest_files" ? filesBatch("skipped") : nil
        }
        #expect(built == ["ingest_files"])
        #expect(second.contains("id=\"kpi-cost\" data-v=\"0.875\""))  // the cost section, taken over
        #expect(second.contains("id=\"kpi-files-skipped\" data-v=\"1\"") && second.contains("id=\"kpi-files-partial\" data-v=\"0\""))
        // An unknown digest is always rendered anew.
        built = []
        _ = HTMLReport.render(meta: Self.meta, digests: ["usage_daily": nil, "ingest_files": "skipped"], previous: second) { name -> TableBatch? in
            built.append(name)
            return nil
        }
        #expect(built.contains("usage_daily") && !built.contains("ingest_files"))
    }

    @Test func numberText() {
        #expect(ReportText.usd(1234.565) == "$1,234.57")
        #expect(ReportText.usd(0.01234) == "$0.0123")
        #expect(ReportText.group(-1_234_567) == "-1,234,567")
        #expect(ReportText.pct(0.0833) == "8.3 %")
        #expect(ReportText.change(-2.04) == "-2.0 %")
        // 4 ticks of 0.25 cover a maximum of 0.94 (the first step ≥ 0.94 / 4 = 0.235)
        #expect(SVGChart.ticks(0.94) == [0, 0.25, 0.5, 0.75, 1.0])
        var n = Int64.max - 1
        n.satAdd(5)
        #expect(n == .max)
    }
}

/// The workbook's number formats by column name and the Overview sheet's cells.
@Suite struct XLSXFinanceTests {
    @Test func numberStyleByColumnName() {
        #expect(XLSXWriter.Style.forDouble("cost_usd") == XLSXWriter.Style.usd)
        #expect(XLSXWriter.Style.forDouble("usd_per_mtok") == XLSXWriter.Style.usdPerMtok)
        #expect(XLSXWriter.Style.forDouble("prev_usd_per_mtok") == XLSXWriter.Style.usdPerMtok)
        #expect(XLSXWriter.Style.forDouble("change_pct") == XLSXWriter.Style.percentNumber)
        #expect(XLSXWriter.Style.forDouble("error_rate") == XLSXWriter.Style.ratio)
        #expect(XLSXWriter.Style.forDouble("latency_ms_p95") == XLSXWriter.Style.milliseconds)
        #expect(XLSXWriter.Style.forDouble("ratio") == nil)
    }

    @Test func overviewSumsUsage() {
        let xml = String(decoding: XLSXOverview.sheet(usage: HTMLReportTests.usage(), meta: HTMLReportTests.meta), as: UTF8.self)
        // total cost 0.25 + 0.5 + 0.125 = 0.875 (B7, $ cents); 6 requests (B8)
        #expect(xml.contains("<c r=\"B7\" s=\"\(XLSXWriter.Style.usdCents)\"><v>0.875</v></c>"))
        #expect(xml.contains("<c r=\"B8\" s=\"\(XLSXWriter.Style.integer)\"><v>6</v></c>"))
        // team a first (0.75 of 0.875 = 0.857142…), as text, never a formula
        #expect(xml.contains("<t>a</t></is></c><c r=\"B15\" s=\"5\"><v>5</v>"))
        #expect(!xml.contains("<f>"))
        #expect(xml.contains("orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\""))
    }
}
