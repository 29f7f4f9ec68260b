import TableModel

/// Column access by contract name on a `TableBatch`, for the report's sections (which read the
/// tables the writers get, never the aggregates, so every number equals a Parquet cell or a sum
/// of cells).
///
/// A missing column (a synthetic table, or an older table without it) reads as all-nil, so a
/// section shows what it can instead of failing.
struct TableColumns {
    let batch: TableBatch
    var rowCount: Int { batch.rowCount }

    init(_ batch: TableBatch) { self.batch = batch }

    private func values(_ name: String) -> ColumnValues? {
        guard let i = batch.schema.columns.firstIndex(where: { $0.name == name }) else { return nil }
        return batch.columns[i]
    }

    /// STRING cells; nil cells (and a missing column) as "".
    func strings(_ name: String) -> [String] {
        if case .string(let v)? = values(name) { return v.map { $0 ?? "" } }
        return Array(repeating: "", count: rowCount)
    }

    /// INT64 cells; nil as 0.
    func ints(_ name: String) -> [Int64] {
        if case .int64(let v)? = values(name) { return v.map { $0 ?? 0 } }
        return Array(repeating: 0, count: rowCount)
    }

    /// DOUBLE cells, nulls kept.
    func doubles(_ name: String) -> [Double?] {
        if case .double(let v)? = values(name) { return v }
        return Array(repeating: nil, count: rowCount)
    }

    /// DATE cells (days since 1970-01-01); nil as `Int32.min`.
    func days(_ name: String) -> [Int32] {
        if case .date(let v)? = values(name) { return v.map { $0 ?? .min } }
        return Array(repeating: .min, count: rowCount)
    }

    /// TIMESTAMP cells (UTC ms), nulls kept.
    func stamps(_ name: String) -> [Int64?] {
        if case .timestampMillis(let v)? = values(name) { return v }
        return Array(repeating: nil, count: rowCount)
    }
}

extension Double {
    /// Rounded to whole pico-dollars (1e-12): a sum of cost cells, each a whole number of
    /// pico-dollars converted once (CONTRACT.md "Money"), without the binary sum's last-bit noise.
    var picoRounded: Double {
        guard isFinite, magnitude < 9e3 else { return self }
        return (self * 1e12).rounded() / 1e12
    }
}

/// Number and date text for the report (no Foundation formatters: the same bytes on every
/// machine and locale).
enum ReportText {
    /// Shortest round-trip decimal (`data-v` attributes carry the exact value).
    static func exact(_ v: Double) -> String {
        var out: [UInt8] = []
        TextFormatting.appendDouble(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func day(_ d: Int32) -> String {
        var out: [UInt8] = []
        TextFormatting.appendDate(days: Int64(d), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func stamp(_ ms: Int64) -> String {
        var out: [UInt8] = []
        TextFormatting.appendTimestamp(millis: ms, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `1,234,567`.
    static func group(_ n: Int64) -> String {
        let neg = n < 0
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return neg ? "-" + out : out
    }

    /// `v` rounded half away from zero to `places` decimals, with grouped thousands.
    static func fixed(_ v: Double, _ places: Int) -> String {
        guard v.isFinite else { return exact(v) }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (v.magnitude * scale).rounded(.toNearestOrAwayFromZero)
        guard r < 9e15 else { return exact(v) }
        let whole = Int64(r / scale)
        var frac = Int64(r - Double(whole) * scale)
        if frac < 0 { frac = 0 }
        var s = group(whole)
        if places > 0 {
            var f = String(frac)
            while f.count < places { f = "0" + f }
            s += "." + f
        }
        return (v < 0 && r != 0 ? "-" : "") + s
    }

    /// Dollars: 2 decimals from $1, 4 below (a cent would hide small costs).
    static func usd(_ v: Double) -> String {
        (v < 0 ? "-$" : "$") + fixed(v.magnitude, v.magnitude >= 1 || v == 0 ? 2 : 4)
    }

    static func ms(_ v: Double) -> String { fixed(v, v >= 100 ? 0 : 1) + " ms" }

    /// A ratio (0.123) as a percentage, one decimal.
    static func pct(_ ratio: Double) -> String { fixed(ratio * 100, 1) + " %" }

    /// A signed percentage change (already in percent).
    static func change(_ pct: Double) -> String { (pct > 0 ? "+" : "") + fixed(pct, 1) + " %" }

    /// HTML text and attribute escaping.
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // C0 controls other than TAB/LF/CR are not allowed in HTML text.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}
