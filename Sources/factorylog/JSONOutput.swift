import Analyze
import Engine
import Foundation
import Ingest

/// A JSON value for `--json` output, objects in a fixed member order (docs/json.md documents
/// each shape; members are only ever added).
indirect enum JSONOut {
    case object([(String, JSONOut)])
    case array([JSONOut])
    case string(String)
    case int(Int64)
    /// Written as the shortest decimal that reads back as the same double; NaN and ±∞ as null.
    case double(Double)
    case bool(Bool)
    case null

    static func optional(_ v: Double?) -> JSONOut { v.map { .double($0) } ?? .null }
    static func optional(_ v: Int64?) -> JSONOut { v.map { .int($0) } ?? .null }
    static func optional(_ v: String?) -> JSONOut { v.map { .string($0) } ?? .null }

    /// Pretty-printed with two-space indents, one member per line; ends without a newline.
    func rendered() -> String {
        var out = ""
        write(&out, indent: 0)
        return out
    }

    private func write(_ out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in members.enumerated() {
                out += pad
                Self.quote(k, &out)
                out += ": "
                v.write(&out, indent: indent + 1)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            out += end + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, v) in items.enumerated() {
                out += pad
                v.write(&out, indent: indent + 1)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += end + "]"
        case .string(let s): Self.quote(s, &out)
        case .int(let n): out += String(n)
        case .double(let d): out += d.isFinite ? (d == d.rounded() && d.magnitude < 1e15 ? String(Int64(d)) : "\(d)") : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }

    /// RFC 8259 string: `"` and `\` escaped, control characters as `\n`, `\t`, … or `\u00XX`.
    static func quote(_ s: String, _ out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// `factorylog run --json`: the end-of-run summary (docs/json.md, "run").
enum RunJSON {
    static let schema = "factorylog.run/1"

    static func render(outcome: RunOutcome, aggregates: Aggregates, out: String, elapsed: Double) -> JSONOut {
        let s = RunSummary(aggregates)
        var byStatus: [(String, JSONOut)] = [("total", .int(Int64(outcome.files.count)))]
        for st in IngestStatus.allCases {
            byStatus.append((st.rawValue, .int(Int64(outcome.files.filter { $0.status == st }.count))))
        }
        let problems = outcome.files.filter { $0.status == .partial || $0.status == .failed }.map { f -> JSONOut in
            .object([("path", .string(f.path)), ("status", .string(f.status.rawValue)), ("error", .string(f.error))])
        }
        return .object([
            ("schema", .string(schema)),
            ("version", .string(FactorylogVersion.string)),
            ("out", .string(out)),
            ("elapsed_s", .double((elapsed * 1000).rounded() / 1000)),
            ("bytes_read", .int(outcome.bytesRead)),
            ("files", .object(byStatus)),
            ("problems", .array(problems)),
            ("first_day", .optional(s.firstDay.map(ReportCalendar.formatDay))),
            ("last_day", .optional(s.lastDay.map(ReportCalendar.formatDay))),
            ("cost_usd", .double(s.totalCostUSD)),
            ("requests", .int(s.requests)),
            ("total_tokens", .int(s.totalTokens)),
            ("failed_requests", .int(s.failedRequests)),
            ("unpriced_requests", .int(s.unpricedRequests)),
            ("unpriced_models", .int(Int64(s.unpricedModels))),
            ("top_models", .array(s.topModels.map { m in
                .object([("model", .string(m.model)), ("cost_usd", .double(m.costUSD)), ("requests", .int(m.requests)), ("total_tokens", .int(m.totalTokens))])
            })),
            ("slowest_models", .array(s.slowestModels.map { m in
                .object([("source", .string(m.source)), ("provider", .string(m.provider)), ("model", .string(m.model)),
                         ("latency_ms_p95", .double(m.p95Ms)), ("timed_requests", .int(m.timedRequests))])
            })),
            ("least_stable_tools", .array(s.leastStableTools.map { t in
                .object([("source", .string(t.source)), ("tool", .string(t.tool)), ("calls", .int(t.calls)), ("failed", .int(t.failed)),
                         ("retries", .int(t.retries)), ("error_rate", .double(t.errorRate))])
            })),
            ("denials_by_reason", .array(s.denialsByReason.map { .object([("reason", .string($0.reason)), ("denials", .int($0.denials))]) })),
        ])
    }
}

/// `factorylog trend --json`: the cost_weekly rows of the weeks shown (docs/json.md, "trend").
enum TrendJSON {
    static let schema = "factorylog.trend/1"

    static func render(_ aggregates: Aggregates, weeks: Int, timeZone: String) -> JSONOut {
        let batch = Tables.costWeekly(aggregates)
        guard case .string(let weekCol) = batch.columns[0], case .date(let startCol) = batch.columns[1],
            case .string(let modelCol) = batch.columns[2], case .int64(let reqCol) = batch.columns[3],
            case .int64(let tokCol) = batch.columns[4], case .double(let costCol) = batch.columns[5],
            case .double(let perCol) = batch.columns[6], case .double(let prevCol) = batch.columns[7],
            case .double(let changeCol) = batch.columns[8]
        else { return .object([("schema", .string(schema)), ("weeks", .array([])), ("rows", .array([]))]) }
        let shown = Array(Array(Set(weekCol.compactMap { $0 })).sorted().suffix(weeks))
        let keep = Set(shown)
        var rows: [JSONOut] = []
        for i in 0..<batch.rowCount where keep.contains(weekCol[i] ?? "") {
            rows.append(.object([
                ("iso_week", .optional(weekCol[i])),
                ("week_start", .optional(startCol[i].map(ReportCalendar.formatDay))),
                ("model", .optional(modelCol[i])),
                ("requests", .optional(reqCol[i])),
                ("total_tokens", .optional(tokCol[i])),
                ("cost_usd", .optional(costCol[i])),
                ("usd_per_mtok", .optional(perCol[i])),
                ("prev_usd_per_mtok", .optional(prevCol[i])),
                ("change_pct", .optional(changeCol[i])),
            ]))
        }
        return .object([
            ("schema", .string(schema)),
            ("version", .string(FactorylogVersion.string)),
            ("tz", .string(timeZone)),
            ("weeks", .array(shown.map { .string($0) })),
            ("rows", .array(rows)),
        ])
    }
}
