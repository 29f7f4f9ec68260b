import TableModel

/// Streams one table into a CSV file for spreadsheets and scripts.
///
/// Format (RFC 4180 §2; `tech/XLSX-CSV.md §5, §6`):
/// - UTF-8 without BOM; a header row of the column names; every record ends with **CRLF**
///   (RFC 4180's line break; Python's `csv`, DuckDB, pandas and spreadsheets all accept it);
/// - a field containing `,`, `"`, CR or LF is enclosed in double quotes with inner `"` doubled;
/// - nulls are empty fields;
/// - text cells (STRING columns, and header names) starting with `=`, `+`, `-`, `@`, TAB or CR get a
///   leading `'` before quoting (formula-injection guard, CWE-1236 / OWASP ASVS 5.0 §1.2.10);
///   numeric, date and timestamp cells are never altered, so `-5` in an INT64 column stays `-5`;
/// - INT64 as decimal digits; DOUBLE as the shortest round-trip decimal with `.` and no exponent
///   (`0.058062`, `0.00001`), so CSV sums equal Parquet sums; DATE as `YYYY-MM-DD`; TIMESTAMP as
///   UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
///     let csv = try CSVWriter(path: "/tmp/t.csv", schema: schema)
///     try csv.write(batch)
///     try csv.close()
public final class CSVWriter {
    public let path: String
    public let schema: TableSchema
    private let sink: FileSink
    private var closed = false

    /// The record terminator (RFC 4180 §2.1).
    public static let lineEnd: [UInt8] = [0x0D, 0x0A]

    /// Creates the file and writes the header row.
    /// - Throws: `ReportIOError`.
    public init(path: String, schema: TableSchema) throws {
        self.path = path
        self.schema = schema
        sink = try FileSink(path: path)
        try sink.append { out in
            for (i, c) in schema.columns.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendText(c.name, to: &out)
            }
            out.append(contentsOf: Self.lineEnd)
        }
    }

    /// Appends the rows of `batch`.
    /// - Throws: `ParquetWriterError.schemaMismatch` when the batch's columns differ from the
    ///   schema's, `ReportIOError`.
    public func write(_ batch: TableBatch) throws {
        guard !closed else { throw ReportIOError(path: path, message: "write after close") }
        guard batch.schema.columns == schema.columns else {
            throw ParquetWriterError.schemaMismatch(table: schema.name, detail: "CSV columns differ")
        }
        let n = batch.rowCount
        let columns = batch.columns
        var row = 0
        while row < n {
            let end = min(n, row + 4096)
            try sink.append { out in
                for r in row..<end {
                    for (i, col) in columns.enumerated() {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        Self.appendCell(col, r, to: &out)
                    }
                    out.append(contentsOf: Self.lineEnd)
                }
            }
            row = end
        }
    }

    /// Flushes and closes the file.
    /// - Throws: `ReportIOError`.
    public func close() throws {
        guard !closed else { return }
        closed = true
        try sink.close()
    }

    @inline(__always)
    static func appendCell(_ col: ColumnValues, _ r: Int, to out: inout [UInt8]) {
        switch col {
        case .int64(let a): if let v = a[r] { TextFormatting.appendInt(v, to: &out) }
        case .double(let a): if let v = a[r] { TextFormatting.appendDouble(v, to: &out) }
        case .string(let a): if let v = a[r] { appendText(v, to: &out) }
        case .date(let a): if let v = a[r] { TextFormatting.appendDate(days: Int64(v), to: &out) }
        case .timestampMillis(let a): if let v = a[r] { TextFormatting.appendTimestamp(millis: v, to: &out) }
        }
    }

    /// True when a spreadsheet would evaluate a cell starting with `first` (`=`, `+`, `-`, `@`,
    /// TAB, CR; `tech/XLSX-CSV.md §5`).
    @inline(__always)
    static func isFormulaTrigger(_ first: UInt8) -> Bool {
        first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
    }

    /// A text field: `'` guard for formula triggers, then RFC 4180 quoting when needed.
    static func appendText(_ text: String, to out: inout [UInt8]) {
        var s = text
        s.withUTF8 { u in
            let guardQuote = u.first.map(isFormulaTrigger) ?? false
            var needsQuotes = false
            for b in u where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0D || b == 0x0A {
                needsQuotes = true
                break
            }
            if needsQuotes { out.append(UInt8(ascii: "\"")) }
            if guardQuote { out.append(UInt8(ascii: "'")) }
            if needsQuotes {
                for b in u {
                    out.append(b)
                    if b == UInt8(ascii: "\"") { out.append(b) }
                }
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: u)
            }
        }
    }
}
