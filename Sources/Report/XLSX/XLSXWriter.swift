import TableModel
import Foundation
import ZIPFoundation

/// Errors from `XLSXWriter` besides I/O (`ReportIOError`).
public enum XLSXWriterError: Error, CustomStringConvertible {
    /// `append`/`endSheet` without `beginSheet`, `beginSheet` inside a sheet, or use after close.
    case misuse(String)
    /// ZIPFoundation failed to build the archive.
    case archive(String)

    public var description: String {
        switch self {
        case .misuse(let s): "xlsx: \(s)"
        case .archive(let s): "xlsx: \(s)"
        }
    }
}

/// Streams tables into one `.xlsx` workbook (SpreadsheetML Transitional, ZIP via ZIPFoundation).
///
/// Package (ECMA-376 Part 1 §12.2; `tech/XLSX-CSV.md §1–§4`): `[Content_Types].xml`,
/// `_rels/.rels`, `xl/workbook.xml`, `xl/_rels/workbook.xml.rels`, `xl/styles.xml`,
/// `xl/worksheets/sheetN.xml`; members dated 1980-01-31 00:00 (as XlsxWriter does) and deflated.
///
/// One sheet per table, named after the table (characters `[]:*?/\` replaced by `_`, at most 31
/// characters, made unique ignoring case), after an optional first `Overview` sheet
/// (`setOverview`, `XLSXOverview`). Row 1 holds the column names in bold, is frozen, carries an
/// autofilter over the rows and is printed on every page (`_xlnm.Print_Titles`); sheets print
/// landscape, fit to the page width. Cells are typed:
/// - STRING → inline string (`t="inlineStr"`): never a formula, so `=HYPERLINK(…)` and `0042`
///   stay text; no `'` is added (`§5`). XML-escaped; characters illegal in XML 1.0 (C0 controls
///   other than TAB/LF/CR, U+FFFE, U+FFFF) are dropped; CR is written as `&#13;` so parsers keep
///   it; a literal `_xHHHH_` is protected as `_x005F_xHHHH_` (Excel's escape, `§2`); longer than
///   32,767 UTF-16 units → truncated to that limit.
/// - INT64 → number with format `#,##0` (builtin 3). Excel holds IEEE doubles: values above 2⁵³
///   lose precision there (Parquet/CSV keep them exact).
/// - DOUBLE → number; the format follows the column name (`Style.forDouble`): `*_usd`
///   `$#,##0.000000`, `*usd_per_mtok` `$#,##0.000`, `*_pct` a signed percentage, `*_rate` `0.0%`,
///   `*_ms*` `#,##0.0`, else general.
///   Written as the shortest round-trip decimal, so sums match the Parquet file.
/// - DATE → serial number (days since 1899-12-30, 1900 date system) with format `yyyy-mm-dd`;
///   TIMESTAMP → serial with the time of day as the fraction, in **UTC**, format
///   `yyyy-mm-dd hh:mm:ss.000`. Days before 1900-03-01 (serial < 61, where Excel's phantom
///   1900-02-29 breaks the formula) or after 9999-12-31 are written as ISO text instead.
/// - null → no cell.
///
/// A sheet holds at most 1,048,576 rows (`§1`): a table with more than 1,048,575 data rows keeps
/// the first 1,048,574 and ends with a text row saying how many rows were left out (the Parquet
/// and CSV files hold them all).
///
/// Each sheet's rows are streamed to a temporary file beside `path` (folder
/// `<path>.parts-<pid>-<random>`), so memory stays bounded; `close()` assembles the archive and
/// removes the temporary files.
///
///     let x = try XLSXWriter(path: "/tmp/summary.xlsx")
///     try x.beginSheet(schema); try x.append(batch); try x.endSheet()
///     try x.close()
public final class XLSXWriter {
    public let path: String
    /// Data rows a sheet can hold below its header row (1,048,576 − 1).
    public static let maxDataRows = 1_048_575
    /// Longest string cell, in UTF-16 code units (XlsxWriter `xls_strmax`).
    public static let maxStringLength = 32_767

    private let partsDir: String
    private var sheets: [FinishedSheet] = []
    private var current: SheetState?
    private var closed = false
    private var usedNames: Set<String> = []
    /// The `Overview` sheet (`XLSXOverview`), written before the table sheets when set.
    private var overview: FinishedSheet?

    /// Name of the first sheet when `setOverview` or `reuseOverview` is used.
    public static let overviewName = "Overview"

    private struct FinishedSheet {
        var name: String
        var head: [UInt8]
        var bodyPath: String
        var bodyLength: Int64
        var tail: [UInt8]
        /// Taken over from the `base` workbook given to `close(base:)` instead of written.
        var reused = false
    }

    /// Prepares a workbook at `path` (written by `close()`).
    /// - Throws: `ReportIOError` when the temporary folder cannot be created.
    public init(path: String) throws {
        self.path = path
        partsDir = path + ".parts-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: partsDir, withIntermediateDirectories: false)
        } catch {
            throw ReportIOError(path: partsDir, message: "create folder: \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: partsDir) }

    /// Starts a sheet for `schema`; follow with `append` calls and `endSheet()`.
    /// - Throws: `XLSXWriterError.misuse` inside another sheet, `ReportIOError`.
    public func beginSheet(_ schema: TableSchema) throws {
        guard !closed, current == nil else { throw XLSXWriterError.misuse("beginSheet while a sheet is open or after close") }
        let bodyPath = partsDir + "/sheet\(sheets.count + 1).body"
        current = SheetState(schema: schema, sink: try FileSink(path: bodyPath))
    }

    /// Appends the rows of `batch` to the open sheet.
    /// - Throws: `XLSXWriterError.misuse` without an open sheet,
    ///   `ParquetWriterError.schemaMismatch`, `ReportIOError`.
    public func append(_ batch: TableBatch) throws {
        guard let s = current else { throw XLSXWriterError.misuse("append without beginSheet") }
        guard batch.schema.columns == s.schema.columns else {
            throw ParquetWriterError.schemaMismatch(table: s.schema.name, detail: "XLSX columns differ")
        }
        try s.append(batch)
    }

    /// Finishes the open sheet.
    /// - Throws: `XLSXWriterError.misuse`, `ReportIOError`.
    public func endSheet() throws {
        guard let s = current else { throw XLSXWriterError.misuse("endSheet without beginSheet") }
        current = nil
        let name = uniqueSheetName(s.schema.name)
        let (head, tail) = try s.finish()
        sheets.append(FinishedSheet(name: name, head: head, bodyPath: s.sink.path,
                                    bodyLength: s.sink.offset, tail: tail))
    }

    /// Adds the sheet of `schema` without its rows: `close(base:)` takes the member over, as it
    /// is, from the workbook it is given (the sheet at the same position, which must have been
    /// written for the same table).
    /// - Throws: `XLSXWriterError.misuse` inside another sheet or after close.
    public func reuseSheet(_ schema: TableSchema) throws {
        guard !closed, current == nil else { throw XLSXWriterError.misuse("reuseSheet while a sheet is open or after close") }
        sheets.append(FinishedSheet(name: uniqueSheetName(schema.name), head: [], bodyPath: "", bodyLength: 0, tail: [], reused: true))
    }

    /// Makes `xml` (a whole worksheet part, `XLSXOverview.sheet`) the workbook's first sheet,
    /// named `Overview`.
    public func setOverview(_ xml: [UInt8]) {
        usedNames.insert(Self.overviewName.lowercased())
        overview = FinishedSheet(name: Self.overviewName, head: xml, bodyPath: "", bodyLength: 0, tail: [])
    }

    /// Keeps the first sheet, `Overview`, as the `base` workbook of `close(base:)` has it.
    public func reuseOverview() {
        usedNames.insert(Self.overviewName.lowercased())
        overview = FinishedSheet(name: Self.overviewName, head: [], bodyPath: "", bodyLength: 0, tail: [], reused: true)
    }

    /// Every sheet in workbook order: the overview (if any), then one per table.
    private var allSheets: [FinishedSheet] { (overview.map { [$0] } ?? []) + sheets }

    /// True when any sheet so far was added with `reuseSheet`.
    public var reusesSheets: Bool { allSheets.contains { $0.reused } }

    /// Writes one whole sheet from `batches` (all of `schema`).
    public func addSheet(_ schema: TableSchema, _ batches: [TableBatch]) throws {
        try beginSheet(schema)
        for b in batches { try append(b) }
        try endSheet()
    }

    /// Builds the `.xlsx` archive at `path` and removes the temporary files.
    /// - Throws: `XLSXWriterError`, `ReportIOError`.
    ///
    /// - Parameter base: a workbook written before with the same sheets in the same order
    ///   (required when a sheet was added with `reuseSheet`): it is copied, and only the members
    ///   of the sheets written anew are replaced (ZIPFoundation's update mode copies the other
    ///   members' compressed bytes as they are).
    public func close(base: String? = nil) throws {
        guard !closed else { return }
        if current != nil { try endSheet() }
        if reusesSheets {
            guard let base else { throw XLSXWriterError.misuse("close without a base workbook for reused sheets") }
            closed = true
            defer { try? FileManager.default.removeItem(atPath: partsDir) }
            try closeOnBase(base)
            return
        }
        if allSheets.isEmpty {
            // A workbook needs at least one sheet (ECMA-376 Part 1 §18.2.20 `sheets`).
            try beginSheet(TableSchema(name: "empty", columns: []))
            try endSheet()
        }
        closed = true
        defer { try? FileManager.default.removeItem(atPath: partsDir) }
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.removeItem(at: url)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .create)
        } catch {
            throw XLSXWriterError.archive("cannot create \(path): \(error)")
        }
        let date = Self.memberDate
        func add(_ name: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                 modificationDate: date, compressionMethod: .deflate) { pos, size in
                data.subdata(in: Int(pos)..<min(data.count, Int(pos) + size))
            }
        }
        do {
            try add("[Content_Types].xml", contentTypes())
            try add("_rels/.rels", Self.rootRels)
            try add("xl/workbook.xml", workbook())
            try add("xl/_rels/workbook.xml.rels", workbookRels())
            try add("xl/styles.xml", Self.styles)
            for (i, sheet) in allSheets.enumerated() {
                try addSheetEntry(archive, "xl/worksheets/sheet\(i + 1).xml", sheet, date)
            }
        } catch let e as ReportIOError {
            throw e
        } catch {
            throw XLSXWriterError.archive("writing \(path): \(error)")
        }
    }

    private func closeOnBase(_ base: String) throws {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.removeItem(at: url)
        do {
            try FileManager.default.copyItem(atPath: base, toPath: path)
        } catch {
            throw ReportIOError(path: path, message: "copy \(base): \(error)")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .update)
        } catch {
            throw XLSXWriterError.archive("cannot open \(base): \(error)")
        }
        let date = Self.memberDate
        do {
            for (i, sheet) in allSheets.enumerated() where !sheet.reused {
                let member = "xl/worksheets/sheet\(i + 1).xml"
                if let old = archive[member] { try archive.remove(old) }
                try addSheetEntry(archive, member, sheet, date)
            }
        } catch let e as ReportIOError {
            throw e
        } catch {
            throw XLSXWriterError.archive("writing \(path): \(error)")
        }
    }

    private func addSheetEntry(_ archive: Archive, _ name: String, _ sheet: FinishedSheet, _ date: Date) throws {
        // A sheet written whole in `head` (the overview) has no body file.
        let body = sheet.bodyPath.isEmpty ? nil : fopen(sheet.bodyPath, "rb")
        guard sheet.bodyPath.isEmpty || body != nil else { throw ReportIOError(sheet.bodyPath, "open") }
        defer { if let body { fclose(body) } }
        let head = sheet.head, tail = sheet.tail
        let headLen = Int64(head.count), bodyLen = sheet.bodyLength
        let total = headLen + bodyLen + Int64(tail.count)
        let path = sheet.bodyPath
        try archive.addEntry(with: name, type: .file, uncompressedSize: total, modificationDate: date,
                             compressionMethod: .deflate, bufferSize: 1 << 20) { position, size in
            // The member is head ‖ body file ‖ tail; serve [position, position + size).
            var out = Data()
            var pos = position
            let end = min(total, position + Int64(size))
            if pos < headLen {
                let e = min(end, headLen)
                out.append(contentsOf: head[Int(pos)..<Int(e)])
                pos = e
            }
            if pos < end && pos < headLen + bodyLen, let body {
                let e = min(end, headLen + bodyLen)
                let n = Int(e - pos)
                var chunk = [UInt8](repeating: 0, count: n)
                fseeko(body, off_t(pos - headLen), SEEK_SET)
                let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, n, body) }
                guard got == n else { throw ReportIOError(path, "read") }
                out.append(contentsOf: chunk)
                pos = e
            }
            if pos < end {
                let s = Int(pos - headLen - bodyLen), e = Int(end - headLen - bodyLen)
                out.append(contentsOf: tail[s..<e])
            }
            return out
        }
    }

    /// 1980-01-31 00:00 local time, the member date XlsxWriter uses (workbook.py), for
    /// byte-stable archives.
    static var memberDate: Date {
        Calendar.current.date(from: DateComponents(year: 1980, month: 1, day: 31)) ?? Date(timeIntervalSince1970: 318_124_800)
    }

    private func uniqueSheetName(_ tableName: String) -> String {
        var base = String(tableName.map { "[]:*?/\\".contains($0) ? "_" : $0 })
        while base.hasPrefix("'") { base.removeFirst() }
        while base.hasSuffix("'") { base.removeLast() }
        if base.isEmpty { base = "Sheet" }
        if base.utf16.count > 31 { base = Self.prefix(base, utf16: 31) }
        var name = base
        var k = 2
        while usedNames.contains(name.lowercased()) {
            let suffix = "~\(k)"
            name = Self.prefix(base, utf16: 31 - suffix.utf16.count) + suffix
            k += 1
        }
        usedNames.insert(name.lowercased())
        return name
    }

    static func prefix(_ s: String, utf16 limit: Int) -> String {
        var out = ""
        var n = 0
        for ch in s {
            let w = ch.utf16.count
            if n + w > limit { break }
            out.append(ch)
            n += w
        }
        return out
    }

    // MARK: package parts

    static let mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let pkgRelNS = "http://schemas.openxmlformats.org/package/2006/relationships"
    static let xmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    private func contentTypes() -> String {
        var s = Self.xmlDecl
        s += "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        s += "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        s += "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        s += "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        for i in allSheets.indices {
            s += "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        s += "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        s += "</Types>"
        return s
    }

    static let rootRels = xmlDecl
        + "<Relationships xmlns=\"\(pkgRelNS)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(relNS)/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>"

    private func workbook() -> String {
        var s = Self.xmlDecl
        s += "<workbook xmlns=\"\(Self.mainNS)\" xmlns:r=\"\(Self.relNS)\">"
        s += "<bookViews><workbookView xWindow=\"240\" yWindow=\"15\" windowWidth=\"16095\" windowHeight=\"9660\"/></bookViews>"
        s += "<sheets>"
        for (i, sh) in allSheets.enumerated() {
            s += "<sheet name=\"\(Self.attributeEscaped(sh.name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        s += "</sheets>"
        // Each table sheet prints its header row on every page (`_xlnm.Print_Titles`, ECMA-376
        // Part 1 §18.2.6); whole rows, so the name does not depend on the sheet's length.
        let titled = allSheets.enumerated().filter { overview == nil || $0.offset > 0 }
        if !titled.isEmpty {
            s += "<definedNames>"
            for (i, sh) in titled {
                let quoted = "'" + sh.name.replacingOccurrences(of: "'", with: "''") + "'"
                s += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(i)\">\(Self.attributeEscaped(quoted))!$1:$1</definedName>"
            }
            s += "</definedNames>"
        }
        s += "</workbook>"
        return s
    }

    private func workbookRels() -> String {
        var s = Self.xmlDecl
        s += "<Relationships xmlns=\"\(Self.pkgRelNS)\">"
        for i in allSheets.indices {
            s += "<Relationship Id=\"rId\(i + 1)\" Type=\"\(Self.relNS)/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }
        s += "<Relationship Id=\"rId\(allSheets.count + 1)\" Type=\"\(Self.relNS)/styles\" Target=\"styles.xml\"/>"
        s += "</Relationships>"
        return s
    }

    /// Cell style indexes into `cellXfs` of `styles`.
    enum Style {
        static let header = 1, date = 2, dateTime = 3, usd = 4, integer = 5
        static let usdPerMtok = 6, percentNumber = 7, ratio = 8, milliseconds = 9, usdCents = 10, title = 11

        /// The number style of a DOUBLE column, from its contract name: `*_usd` dollars with six
        /// decimals, `*usd_per_mtok` dollars with three, `*_pct` a signed percentage already in
        /// percent, `*_rate` a 0–1 ratio shown as a percentage, `*_ms*` milliseconds with one
        /// decimal; nil (general) otherwise.
        static func forDouble(_ name: String) -> Int? {
            if name.hasSuffix("_usd") { return usd }
            if name.hasSuffix("usd_per_mtok") { return usdPerMtok }
            if name.hasSuffix("_pct") { return percentNumber }
            if name.hasSuffix("_rate") { return ratio }
            if name.hasSuffix("_ms") || name.contains("_ms_") { return milliseconds }
            return nil
        }
    }

    /// Fonts (regular, bold), the two mandatory fills, one empty border, and cellXfs:
    /// 0 default, 1 bold header, 2 `yyyy-mm-dd`, 3 `yyyy-mm-dd hh:mm:ss.000`, 4 `$#,##0.000000`,
    /// 5 `#,##0` (builtin 3), 6 `$#,##0.000`, 7 `+0.0" %";-0.0" %";0.0" %"` (a number already in
    /// percent), 8 `0.0%` (a ratio), 9 `#,##0.0`, 10 `$#,##0.00` (overview totals), 11 bold 13 pt
    /// (overview title). Custom numFmt ids start at 164 (`tech/XLSX-CSV.md §3`).
    static let styles = xmlDecl
        + "<styleSheet xmlns=\"\(mainNS)\">"
        + "<numFmts count=\"8\">"
        + "<numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/>"
        + "<numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd hh:mm:ss.000\"/>"
        + "<numFmt numFmtId=\"166\" formatCode=\"$#,##0.000000\"/>"
        + "<numFmt numFmtId=\"167\" formatCode=\"$#,##0.000\"/>"
        + "<numFmt numFmtId=\"168\" formatCode=\"+0.0&quot; %&quot;;-0.0&quot; %&quot;;0.0&quot; %&quot;\"/>"
        + "<numFmt numFmtId=\"169\" formatCode=\"0.0%\"/>"
        + "<numFmt numFmtId=\"170\" formatCode=\"#,##0.0\"/>"
        + "<numFmt numFmtId=\"171\" formatCode=\"$#,##0.00\"/>"
        + "</numFmts>"
        + "<fonts count=\"3\">"
        + "<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "<font><b/><sz val=\"13\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "</fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"12\">"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        + "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"166\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"3\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"167\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"168\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"169\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"170\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"171\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"2\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        + "</cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" defaultPivotStyle=\"PivotStyleLight16\"/>"
        + "</styleSheet>"

    /// Page margins and landscape, fit-to-width printing with the sheet name and page number in
    /// the footer; the header row repeats on each page through the workbook's `Print_Titles`.
    static let printSetup = "<printOptions gridLines=\"0\"/>"
        + "<pageMargins left=\"0.4\" right=\"0.4\" top=\"0.5\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>"
        + "<pageSetup orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>"
        + "<headerFooter><oddFooter>&amp;C&amp;A, page &amp;P of &amp;N</oddFooter></headerFooter>"

    static func attributeEscaped(_ s: String) -> String {
        var out: [UInt8] = []
        XMLText.append(s, to: &out, attribute: true)
        return String(decoding: out, as: UTF8.self)
    }
}

/// XML text escaping for SpreadsheetML (`tech/XLSX-CSV.md §2`).
enum XMLText {
    /// Appends `s` escaped: `&`, `<`, `>` (and `"`, LF in attributes); CR as `&#13;`; C0 controls
    /// other than TAB/LF/CR and U+FFFE/U+FFFF dropped; `_xHHHH_` protected as `_x005F_xHHHH_`.
    static func append(_ s: String, to out: inout [UInt8], attribute: Bool = false) {
        var str = s
        str.withUTF8 { u in
            var i = 0
            let n = u.count
            while i < n {
                let b = u[i]
                switch b {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\"") where attribute: out.append(contentsOf: "&quot;".utf8)
                case 0x0A where attribute: out.append(contentsOf: "&#xA;".utf8)
                case 0x0D: out.append(contentsOf: "&#13;".utf8)
                case 0x09, 0x0A: out.append(b)
                case 0x00..<0x20: break  // illegal in XML 1.0: dropped
                case 0xEF where i + 2 < n && u[i + 1] == 0xBF && (u[i + 2] == 0xBE || u[i + 2] == 0xBF):
                    i += 2  // U+FFFE / U+FFFF: dropped
                case UInt8(ascii: "_") where isEscapeLike(u, i):
                    out.append(contentsOf: "_x005F_".utf8)  // the `_` itself, escaped
                default: out.append(b)
                }
                i += 1
            }
        }
    }

    /// True when `u[i...]` starts with `_xHHHH_` (H a hex digit).
    @inline(__always)
    static func isEscapeLike(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard i + 6 < u.count, u[i + 1] == UInt8(ascii: "x"), u[i + 6] == UInt8(ascii: "_") else { return false }
        for k in 2...5 {
            let c = u[i + k]
            let hex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
            if !hex { return false }
        }
        return true
    }
}

/// One sheet being streamed: the body (`<row>` elements after the header) goes to `sink`.
final class SheetState {
    let schema: TableSchema
    let sink: FileSink
    private var dataRows = 0
    private var omittedRows = 0
    private let letters: [[UInt8]]
    private var widths: [Int]
    private var intMax: [Int64]
    private var intMin: [Int64]
    private var doubleMagnitude: [Double]
    /// Each DOUBLE column's number style (`XLSXWriter.Style.forDouble`).
    private let doubleStyle: [Int?]

    init(schema: TableSchema, sink: FileSink) {
        self.schema = schema
        self.sink = sink
        letters = (0..<schema.columns.count).map { Array(SheetState.columnLetters($0).utf8) }
        // + 2 for the autofilter's drop-down button in the header cell
        widths = schema.columns.map { $0.name.count + 4 }
        intMax = Array(repeating: 0, count: schema.columns.count)
        intMin = Array(repeating: 0, count: schema.columns.count)
        doubleMagnitude = Array(repeating: 0, count: schema.columns.count)
        doubleStyle = schema.columns.map { XLSXWriter.Style.forDouble($0.name) }
    }

    /// `A`…`Z`, `AA`…: the letters of the 0-based column `index`.
    static func columnLetters(_ index: Int) -> String {
        var n = index + 1
        var s: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            s.insert(Character(UnicodeScalar(UInt8(65 + r))), at: 0)
            n = (n - 1) / 26
        }
        return String(s)
    }

    /// Keeps one row free for the "rows left out" note when a table is too long.
    private var rowBudget: Int { XLSXWriter.maxDataRows - 1 }

    func append(_ batch: TableBatch) throws {
        let n = batch.rowCount
        let cols = batch.columns
        var r = 0
        while r < n {
            let end = min(n, r + 2048)
            try sink.append { out in
                for row in r..<end {
                    if self.dataRows >= self.rowBudget { self.omittedRows += 1; continue }
                    self.dataRows += 1
                    let sheetRow = UInt64(self.dataRows + 1)
                    out.append(contentsOf: "<row r=\"".utf8)
                    TextFormatting.appendUInt(sheetRow, to: &out)
                    out.append(contentsOf: "\">".utf8)
                    for (ci, col) in cols.enumerated() {
                        self.appendCell(col, row, ci, sheetRow, &out)
                    }
                    out.append(contentsOf: "</row>".utf8)
                }
            }
            r = end
        }
    }

    @inline(__always)
    private func cellStart(_ ci: Int, _ row: UInt64, _ out: inout [UInt8]) {
        out.append(contentsOf: "<c r=\"".utf8)
        out.append(contentsOf: letters[ci])
        TextFormatting.appendUInt(row, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    private func appendNumber(_ ci: Int, _ row: UInt64, style: Int?, _ out: inout [UInt8], _ value: (inout [UInt8]) -> Void) {
        cellStart(ci, row, &out)
        if let s = style {
            out.append(contentsOf: " s=\"".utf8)
            TextFormatting.appendUInt(UInt64(s), to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: "><v>".utf8)
        value(&out)
        out.append(contentsOf: "</v></c>".utf8)
    }

    private func appendInlineString(_ ci: Int, _ row: UInt64, _ text: String, style: Int?, _ out: inout [UInt8]) {
        cellStart(ci, row, &out)
        if let s = style {
            out.append(contentsOf: " s=\"".utf8)
            TextFormatting.appendUInt(UInt64(s), to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: " t=\"inlineStr\"><is><t".utf8)
        if Self.hasOuterWhitespace(text) {
            out.append(contentsOf: " xml:space=\"preserve\"".utf8)
        }
        out.append(UInt8(ascii: ">"))
        if text.utf8.count > XLSXWriter.maxStringLength && text.utf16.count > XLSXWriter.maxStringLength {
            XMLText.append(XLSXWriter.prefix(text, utf16: XLSXWriter.maxStringLength), to: &out)
        } else {
            XMLText.append(text, to: &out)
        }
        out.append(contentsOf: "</t></is></c>".utf8)
    }

    /// True when `text` starts or ends with white space (Unicode `White_Space`); ASCII ends are
    /// decided from their byte.
    @inline(__always)
    static func hasOuterWhitespace(_ text: String) -> Bool {
        guard let f = text.utf8.first, let l = text.utf8.last else { return false }
        if f < 0x80 && l < 0x80 {
            func ws(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
            return ws(f) || ws(l)
        }
        guard let fs = text.unicodeScalars.first, let ls = text.unicodeScalars.last else { return false }
        return fs.properties.isWhitespace || ls.properties.isWhitespace
    }

    /// Excel serial day of a day count since 1970-01-01, or nil outside 1900-03-01…9999-12-31.
    @inline(__always)
    static func serial(days: Int64) -> Int64? {
        let s = days + 25_569
        return (61...2_958_465).contains(s) ? s : nil
    }

    private func appendCell(_ col: ColumnValues, _ r: Int, _ ci: Int, _ row: UInt64, _ out: inout [UInt8]) {
        switch col {
        case .int64(let a):
            guard let v = a[r] else { return }
            if v > intMax[ci] { intMax[ci] = v }
            if v < intMin[ci] { intMin[ci] = v }
            appendNumber(ci, row, style: XLSXWriter.Style.integer, &out) { TextFormatting.appendInt(v, to: &$0) }
        case .double(let a):
            guard let v = a[r] else { return }
            if v.isNaN || v.isInfinite {
                // Excel has no NaN/∞ numbers: keep the information as text.
                var t: [UInt8] = []
                TextFormatting.appendDouble(v, to: &t)
                appendInlineString(ci, row, String(decoding: t, as: UTF8.self), style: nil, &out)
                return
            }
            if v.magnitude > doubleMagnitude[ci] { doubleMagnitude[ci] = v.magnitude }
            appendNumber(ci, row, style: doubleStyle[ci], &out) { TextFormatting.appendDouble(v, to: &$0) }
        case .string(let a):
            guard let v = a[r] else { return }
            let n = v.utf8.count
            if n + 2 > widths[ci] && widths[ci] < 60 { widths[ci] = max(widths[ci], min(60, v.count + 2)) }
            appendInlineString(ci, row, v, style: nil, &out)
        case .date(let a):
            guard let v = a[r] else { return }
            if let s = Self.serial(days: Int64(v)) {
                appendNumber(ci, row, style: XLSXWriter.Style.date, &out) { TextFormatting.appendInt(s, to: &$0) }
            } else {
                var t: [UInt8] = []
                TextFormatting.appendDate(days: Int64(v), to: &t)
                appendInlineString(ci, row, String(decoding: t, as: UTF8.self), style: nil, &out)
            }
        case .timestampMillis(let a):
            guard let v = a[r] else { return }
            let days = v >= 0 ? v / 86_400_000 : (v - 86_399_999) / 86_400_000
            if Self.serial(days: days) != nil {
                let serial = Double(v) / 86_400_000 + 25_569
                appendNumber(ci, row, style: XLSXWriter.Style.dateTime, &out) { TextFormatting.appendDouble(serial, to: &$0) }
            } else {
                var t: [UInt8] = []
                TextFormatting.appendTimestamp(millis: v, to: &t)
                appendInlineString(ci, row, String(decoding: t, as: UTF8.self), style: nil, &out)
            }
        }
    }

    /// Closes the body file and returns the sheet XML before and after the body.
    func finish() throws -> (head: [UInt8], tail: [UInt8]) {
        var noteRow: [UInt8] = []
        if omittedRows > 0 {
            dataRows += 1
            let row = UInt64(dataRows + 1)
            noteRow.append(contentsOf: "<row r=\"".utf8)
            TextFormatting.appendUInt(row, to: &noteRow)
            noteRow.append(contentsOf: "\">".utf8)
            appendInlineString(0, row, "\(omittedRows) more rows not shown (sheet row limit); see \(schema.name).parquet or \(schema.name).csv", style: nil, &noteRow)
            noteRow.append(contentsOf: "</row>".utf8)
        }
        try sink.close()

        let ncol = schema.columns.count
        var h: [UInt8] = []
        h.append(contentsOf: XLSXWriter.xmlDecl.utf8)
        h.append(contentsOf: "<worksheet xmlns=\"\(XLSXWriter.mainNS)\" xmlns:r=\"\(XLSXWriter.relNS)\">".utf8)
        // Printing: fit to the page width (`fitToPage` with `pageSetup fitToWidth=1 fitToHeight=0`).
        h.append(contentsOf: "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>".utf8)
        let lastCol = ncol > 0 ? String(decoding: letters[ncol - 1], as: UTF8.self) : "A"
        let lastColName = lastCol
        h.append(contentsOf: "<dimension ref=\"A1:\(lastCol)\(dataRows + 1)\"/>".utf8)
        h.append(contentsOf: "<sheetViews><sheetView workbookViewId=\"0\">".utf8)
        h.append(contentsOf: "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>".utf8)
        h.append(contentsOf: "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>".utf8)
        h.append(contentsOf: "</sheetView></sheetViews>".utf8)
        h.append(contentsOf: "<sheetFormatPr defaultRowHeight=\"15\"/>".utf8)
        if ncol > 0 {
            h.append(contentsOf: "<cols>".utf8)
            for (i, c) in schema.columns.enumerated() {
                let w = Self.excelWidth(characters: contentWidth(i, c))
                h.append(contentsOf: "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(w)\" customWidth=\"1\"/>".utf8)
            }
            h.append(contentsOf: "</cols>".utf8)
        }
        h.append(contentsOf: "<sheetData>".utf8)
        h.append(contentsOf: "<row r=\"1\">".utf8)
        for (i, c) in schema.columns.enumerated() {
            appendInlineString(i, 1, c.name, style: XLSXWriter.Style.header, &h)
        }
        h.append(contentsOf: "</row>".utf8)

        var t = noteRow
        t.append(contentsOf: "</sheetData>".utf8)
        if ncol > 0 {
            // A filter on the header row over every data row (ECMA-376 Part 1 §18.3.1.2).
            t.append(contentsOf: "<autoFilter ref=\"A1:\(lastColName)\(dataRows + 1)\"/>".utf8)
        }
        t.append(contentsOf: XLSXWriter.printSetup.utf8)
        t.append(contentsOf: "</worksheet>".utf8)
        return (h, t)
    }

    /// Display width in characters of column `i`'s widest cell (header in bold counts +2).
    private func contentWidth(_ i: Int, _ c: ColumnSpec) -> Int {
        var w = widths[i]
        switch c.type {
        case .int64:
            let digits = max(String(intMax[i]).count, String(intMin[i]).count)
            w = max(w, digits + digits / 3 + 2)
        case .double:
            let intDigits = doubleMagnitude[i] >= 1 ? Int(log10(doubleMagnitude[i])) + 1 : 1
            w = max(w, c.name.hasSuffix("_usd") ? intDigits + intDigits / 3 + 10 : min(16, intDigits + intDigits / 3 + 10))
        case .date: w = max(w, 12)
        case .timestampMillis: w = max(w, 25)
        case .string: break
        }
        return min(max(w, 8), 62)
    }

    /// XlsxWriter's width conversion (worksheet.py `_write_col_info`): pixels = round(7w) + 5,
    /// width = floor(pixels · 256 / 7) / 256. 30 → 30.7109375.
    static func excelWidth(characters w: Int) -> Double {
        let pixels = 7 * w + 5
        return Double(pixels * 256 / 7) / 256
    }
}
