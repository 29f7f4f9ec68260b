import Analyze
import ArgumentParser
import Report

/// Test tool (not part of the shipped `factorylog`; built by `swift build --build-tests`):
/// `.build/debug/write-test-tables --out DIR --rows N --codec C` writes deterministic synthetic tables through the real output
/// writers (Parquet, CSV, XLSX, atomic folder), so `Tests/acceptance/test_writers.py` can read
/// them back with pyarrow, DuckDB and openpyxl and compare with values it recomputes.
///
/// Tables (row index `i` = 0 ..< rows; the Python test repeats these formulas exactly):
/// - `all_types`:
///   - `id` INT64 = i
///   - `signed` INT64? = nil if i % 7 == 3, else (i·7919) % 20001 − 10000
///   - `tokens` INT64 = (i·104729) % 1_000_000_007
///   - `cost_usd` DOUBLE = Double((i·7919 + 58062) % 100003) / 1e6 (row 0: 0.058062)
///   - `ratio` DOUBLE? = nil if i % 5 == 0; 1e-7·i if i % 97 == 1; 1e17 + i if i % 89 == 2;
///     else Double((i·31) % 2001 − 1000) / 7
///   - `all_null` DOUBLE? = always nil
///   - `label` STRING? = nil if i % 11 == 0; "row-<i>" if i % 3 == 0; else
///     `specials[(i / 3) % count]` (integer division)
///   - `code` STRING = i % 10000 as 4 digits (`0042` at i = 42)
///   - `day` DATE? = nil if i % 13 == 5, else (i·37) % 40000 − 15000 days since 1970-01-01
///   - `ts` TIMESTAMP? = nil if i % 17 == 4, else 1_775_037_600_000 + (i·1_234_567) % 9e9 − 4.5e9 ms
/// - `empty_table`: the same columns, zero rows.
@main
struct WriteTestTables: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-test-tables",
        abstract: "Write deterministic synthetic tables with every column type (for output tests)."
    )

    @Option(name: .long, help: "Output folder (replaced atomically).")
    var out: String

    @Option(name: .long, help: "Rows of the all_types table.")
    var rows: Int = 1000

    @Option(name: .long, help: "Parquet page codec: zstd, gzip or none.")
    var codec: String = "zstd"

    @Option(name: .customLong("row-group-rows"), help: "Rows per Parquet row group.")
    var rowGroupRows: Int = 65_536

    @Flag(name: .customLong("skip-xlsx"), help: "Do not write summary.xlsx.")
    var skipXLSX = false

    /// Special strings cycled through the `label` column.
    static let specials: [String] = [
        "", "plain", "0042", "=HYPERLINK(\"http://example.invalid\",\"x\")", "Ünïcode-app",
        "日本語テキスト", "emoji 🚀", "comma, \"quote\"", "line\nbreak", "cr\r\nlf", "-5", "+1",
        "@x", "\ttab", " leading space", "_x0041_", "ctrl\u{01}char", "<tag>&amp;",
    ]

    static let schema = TableSchema(name: "all_types", columns: [
        ColumnSpec("id", .int64),
        ColumnSpec("signed", .int64, nullable: true),
        ColumnSpec("tokens", .int64),
        ColumnSpec("cost_usd", .double),
        ColumnSpec("ratio", .double, nullable: true),
        ColumnSpec("all_null", .double, nullable: true),
        ColumnSpec("label", .string, nullable: true),
        ColumnSpec("code", .string),
        ColumnSpec("day", .date, nullable: true),
        ColumnSpec("ts", .timestampMillis, nullable: true),
    ])

    mutating func validate() throws {
        guard ParquetCodec(rawValue: codec) != nil else {
            throw ValidationError("--codec must be zstd, gzip or none")
        }
        guard rows >= 0, rowGroupRows >= 1 else { throw ValidationError("--rows must be ≥ 0 and --row-group-rows ≥ 1") }
    }

    func run() throws {
        let options = ReportOptions(
            codec: ParquetCodec(rawValue: codec) ?? .zstd,
            keyValueMetadata: [("factorylog.version", "0.1.0"), ("factorylog.prices", "test-tables"), ("factorylog.tz", "UTC")],
            createdBy: "factorylog version 0.1.0 (build test-tables)",
            rowGroupRows: rowGroupRows,
            writeXLSX: !skipXLSX
        )
        let total = rows
        try OutputFolder.write(to: out) { dir in
            let w = try ReportWriter(directory: dir, options: options)
            try w.beginTable(Self.schema)
            var start = 0
            while start < total {
                let end = min(total, start + 50_000)
                try w.append(Self.batch(start..<end))
                start = end
            }
            try w.endTable()
            var empty = Self.schema
            empty.name = "empty_table"
            try w.beginTable(empty)
            try w.endTable()
            try w.finish()
        }
    }

    static func batch(_ range: Range<Int>) -> TableBatch {
        let n = range.count
        var id = [Int64?](), signed = [Int64?](), tokens = [Int64?](), cost = [Double?](), ratio = [Double?]()
        var label = [String?](), code = [String?](), day = [Int32?](), ts = [Int64?]()
        id.reserveCapacity(n); signed.reserveCapacity(n); tokens.reserveCapacity(n); cost.reserveCapacity(n)
        ratio.reserveCapacity(n); label.reserveCapacity(n); code.reserveCapacity(n); day.reserveCapacity(n)
        ts.reserveCapacity(n)
        for i in range {
            id.append(Int64(i))
            signed.append(i % 7 == 3 ? nil : Int64((i * 7919) % 20001 - 10000))
            tokens.append(Int64((i * 104_729) % 1_000_000_007))
            cost.append(Double((i * 7919 + 58062) % 100_003) / 1e6)
            if i % 5 == 0 {
                ratio.append(nil)
            } else if i % 97 == 1 {
                ratio.append(1e-7 * Double(i))
            } else if i % 89 == 2 {
                ratio.append(1e17 + Double(i))
            } else {
                ratio.append(Double((i * 31) % 2001 - 1000) / 7.0)
            }
            if i % 11 == 0 {
                label.append(nil)
            } else if i % 3 == 0 {
                label.append("row-\(i)")
            } else {
                label.append(specials[(i / 3) % specials.count])
            }
            let c = i % 10_000
            code.append(c < 10 ? "000\(c)" : c < 100 ? "00\(c)" : c < 1000 ? "0\(c)" : "\(c)")
            day.append(i % 13 == 5 ? nil : Int32((i * 37) % 40_000 - 15_000))
            ts.append(i % 17 == 4 ? nil : 1_775_037_600_000 + Int64((i * 1_234_567) % 9_000_000_000) - 4_500_000_000)
        }
        return TableBatch(schema: schema, columns: [
            .int64(id), .int64(signed), .int64(tokens), .double(cost), .double(ratio),
            .double([Double?](repeating: nil, count: n)), .string(label), .string(code), .date(day),
            .timestampMillis(ts),
        ])
    }
}
