import TableModel

/// The `Overview` sheet of `summary.xlsx`, first in the workbook, for finance readers: the
/// window, the totals, and cost by team and by model, with human headings and `$` / `%`
/// formats. Every value is a sum of `usage_daily` cells (the batch the writers get), written as
/// a number, never as a formula.
///
/// Layout (rows): 1 title; 2–4 days, time zone, prices; 6–11 the totals (cost, requests, tokens,
/// failed, unpriced); then "Cost by team" and "Cost by model", each a heading, a header row
/// (`Team`/`Model`, `Requests`, `Tokens`, `Cost (USD)`, `Share of cost`), one row per team or
/// model (highest cost first, then name; the empty team as `(no team)`) and a `Total` row.
enum XLSXOverview {
    /// The table the overview is built from.
    static let usageTable = "usage_daily"

    enum Cell {
        case text(String), bold(String), title(String)
        case int(Int64), usd(Double), ratio(Double)
    }

    /// The worksheet part for `usage` (a `usage_daily` batch).
    static func sheet(usage: TableBatch, meta: HTMLReportMeta) -> [UInt8] {
        let u = TableColumns(usage)
        let day = u.days("day").filter { $0 != .min }
        let team = u.strings("team"), model = u.strings("model")
        let cost = u.doubles("cost_usd"), req = u.ints("requests"), tok = u.ints("total_tokens")
        let failed = u.ints("failed_requests"), unpriced = u.ints("unpriced_requests")
        struct Sum { var cost = 0.0, requests: Int64 = 0, tokens: Int64 = 0 }
        var byTeam: [String: Sum] = [:], byModel: [String: Sum] = [:]
        var total = Sum()
        for i in 0..<usage.rowCount {
            let c = cost[i] ?? 0
            func add(_ s: inout Sum) { s.cost += c; s.requests.satAdd(req[i]); s.tokens.satAdd(tok[i]) }
            add(&total)
            add(&byTeam[team[i].isEmpty ? "(no team)" : team[i], default: Sum()])
            add(&byModel[model[i], default: Sum()])
        }
        var rows: [[Cell?]] = []
        rows.append([.title("factorylog summary")])
        let window = day.min().map { ReportText.day($0) + " to " + ReportText.day(day.max() ?? $0) } ?? "no usage yet"
        rows.append([.bold("Days"), .text(window)])
        rows.append([.bold("Time zone"), .text(meta.timeZone)])
        rows.append([.bold("Prices"), .text(meta.prices)])
        rows.append([])
        rows.append([.bold("Total"), .bold("Value")])
        rows.append([.text("Cost (USD)"), .usd(total.cost.picoRounded)])
        rows.append([.text("Requests"), .int(total.requests)])
        rows.append([.text("Tokens"), .int(total.tokens)])
        rows.append([.text("Failed requests"), .int(failed.satSum)])
        rows.append([.text("Unpriced requests"), .int(unpriced.satSum)])
        for (title, key, groups) in [("Cost by team", "Team", byTeam), ("Cost by model", "Model", byModel)] {
            rows.append([])
            rows.append([.title(title)])
            rows.append([.bold(key), .bold("Requests"), .bold("Tokens"), .bold("Cost (USD)"), .bold("Share of cost")])
            let sorted = groups.sorted { $0.value.cost != $1.value.cost ? $0.value.cost > $1.value.cost : $0.key < $1.key }
            for (k, s) in sorted {
                rows.append([.text(k), .int(s.requests), .int(s.tokens), .usd(s.cost.picoRounded), total.cost > 0 ? .ratio(s.cost / total.cost) : nil])
            }
            rows.append([.bold("Total"), .int(total.requests), .int(total.tokens), .usd(total.cost.picoRounded), total.cost > 0 ? .ratio(1) : nil])
        }
        return xml(rows, widths: [36, 16, 16, 16, 14])
    }

    static func xml(_ rows: [[Cell?]], widths: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: XLSXWriter.xmlDecl.utf8)
        out.append(contentsOf: "<worksheet xmlns=\"\(XLSXWriter.mainNS)\" xmlns:r=\"\(XLSXWriter.relNS)\">".utf8)
        out.append(contentsOf: "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>".utf8)
        let lastCol = SheetState.columnLetters(max(0, widths.count - 1))
        out.append(contentsOf: "<dimension ref=\"A1:\(lastCol)\(max(1, rows.count))\"/>".utf8)
        out.append(contentsOf: "<sheetViews><sheetView workbookViewId=\"0\" tabSelected=\"1\"/></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><cols>".utf8)
        for (i, w) in widths.enumerated() {
            out.append(contentsOf: "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(SheetState.excelWidth(characters: w))\" customWidth=\"1\"/>".utf8)
        }
        out.append(contentsOf: "</cols><sheetData>".utf8)
        for (r, row) in rows.enumerated() where !row.isEmpty {
            let rn = r + 1
            out.append(contentsOf: "<row r=\"\(rn)\">".utf8)
            for (c, cell) in row.enumerated() {
                guard let cell else { continue }
                let ref = SheetState.columnLetters(c) + String(rn)
                func text(_ s: String, _ style: Int) {
                    out.append(contentsOf: "<c r=\"\(ref)\"\(style > 0 ? " s=\"\(style)\"" : "") t=\"inlineStr\"><is><t>".utf8)
                    XMLText.append(s, to: &out)
                    out.append(contentsOf: "</t></is></c>".utf8)
                }
                func number(_ v: [UInt8], _ style: Int) {
                    out.append(contentsOf: "<c r=\"\(ref)\" s=\"\(style)\"><v>".utf8)
                    out.append(contentsOf: v)
                    out.append(contentsOf: "</v></c>".utf8)
                }
                switch cell {
                case .text(let s): text(s, 0)
                case .bold(let s): text(s, XLSXWriter.Style.header)
                case .title(let s): text(s, XLSXWriter.Style.title)
                case .int(let v):
                    var b: [UInt8] = []
                    TextFormatting.appendInt(v, to: &b)
                    number(b, XLSXWriter.Style.integer)
                case .usd(let v), .ratio(let v):
                    var b: [UInt8] = []
                    TextFormatting.appendDouble(v.isFinite ? v : 0, to: &b)
                    if case .usd = cell { number(b, XLSXWriter.Style.usdCents) } else { number(b, XLSXWriter.Style.ratio) }
                }
            }
            out.append(contentsOf: "</row>".utf8)
        }
        out.append(contentsOf: "</sheetData>".utf8)
        out.append(contentsOf: XLSXWriter.printSetup.utf8)
        out.append(contentsOf: "</worksheet>".utf8)
        return out
    }
}
