import TableModel
import Foundation

/// Atomic replacement of an output folder.
///
/// `write(to: out) { tmp in … }` runs the body against a fresh folder beside `out` (same parent,
/// named `.<name>.tmp-<pid>-<random>`), then swaps it into place with `rename(2)`:
/// 1. `out` absent → rename temp → `out`;
/// 2. `out` is a folder → rename `out` → `.<name>.old-<pid>-<random>`, rename temp → `out`, delete
///    the old folder (if the second rename fails the old folder is renamed back).
///
/// The folder is replaced **as a whole**: files in the previous `out` that this run does not
/// write are gone afterwards. On any error (thrown by the body or by a rename) the previous
/// `out` is left as it was and the temporary folder is removed. `out` being a regular file is an
/// error (never clobbered). Between the two renames of case 2 there is a short window in which
/// `out` does not exist; readers never see a half-written folder.
public enum OutputFolder {
    /// The files an output folder may hold: what factorylog writes (`<table>.parquet`,
    /// `<table>.csv`, `summary.xlsx`, `report.html`, the manifest). A folder holding anything else (a subfolder,
    /// a state file, logs, notes) is not replaced: it is someone's folder, not ours.
    static func isOutputFile(_ name: String) -> Bool {
        name.hasSuffix(".parquet") || name.hasSuffix(".csv") || name == "summary.xlsx" || name == "report.html"
            || name == ".factorylog-manifest.json"
    }

    /// Checks before a run that `out` can take the summaries: absent, or a folder (or a symlink
    /// to one) holding only output files.
    /// - Throws: `ReportIOError` saying what is in the way.
    public static func check(_ out: String) throws {
        var st = stat()
        guard stat(out, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw ReportIOError(path: out, message: "exists and is not a folder") }
        try checkReplaceable(out)
    }

    /// - Throws: `ReportIOError` naming the first entries of `dir` that are not output files.
    static func checkReplaceable(_ dir: String) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var foreign: [String] = []
        for name in entries.sorted() {
            var st = stat()
            let isFile = lstat(dir + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
            if !isFile || !isOutputFile(name) { foreign.append(name) }
        }
        guard !foreign.isEmpty else { return }
        let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
        throw ReportIOError(
            path: dir,
            message: "holds files factorylog did not write (\(shown)); the output folder is replaced as a whole, "
                + "so give --out an empty or new folder of its own")
    }

    /// - Parameters:
    ///   - out: the output folder path (a symlink to a folder is followed); its parent folders are
    ///     created when missing. An existing folder must hold only output files
    ///     (`isOutputFile`), or nothing is written.
    ///   - body: writes every output file into the temporary folder it is given.
    /// - Throws: whatever `body` throws; `ReportIOError` when a folder cannot be created or renamed.
    public static func write(to out: String, _ body: (_ tempDir: String) throws -> Void) throws {
        let fm = FileManager.default
        var given = out
        var lst = stat()
        if lstat(out, &lst) == 0, (lst.st_mode & S_IFMT) == S_IFLNK, let r = realpath(out, nil) {
            // A symlink to a folder: the folder it names is replaced (the link stays).
            given = String(cString: r)
            free(r)
        }
        let outURL = URL(fileURLWithPath: given).standardizedFileURL
        let parent = outURL.deletingLastPathComponent().path
        let name = outURL.lastPathComponent
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: outURL.path, isDirectory: &isDir), !isDir.boolValue {
            throw ReportIOError(path: outURL.path, message: "exists and is not a folder")
        }
        if isDir.boolValue { try checkReplaceable(outURL.path) }
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw ReportIOError(path: parent, message: "create folder: \(error)")
        }
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let temp = parent + "/." + name + ".tmp-" + tag
        guard mkdir(temp, 0o755) == 0 else { throw ReportIOError(temp, "mkdir") }
        do {
            try body(temp)
        } catch {
            try? fm.removeItem(atPath: temp)
            throw error
        }
        let target = outURL.path
        if rename(temp, target) == 0 { return }
        let code = errno
        guard code == ENOTEMPTY || code == EEXIST else {
            try? fm.removeItem(atPath: temp)
            throw ReportIOError(target, "rename \(temp)", errno: code)
        }
        let aside = parent + "/." + name + ".old-" + tag
        guard rename(target, aside) == 0 else {
            let c = errno
            try? fm.removeItem(atPath: temp)
            throw ReportIOError(target, "rename aside", errno: c)
        }
        guard rename(temp, target) == 0 else {
            let c = errno
            _ = rename(aside, target)
            try? fm.removeItem(atPath: temp)
            throw ReportIOError(target, "rename \(temp)", errno: c)
        }
        try? fm.removeItem(atPath: aside)
    }
}

/// Options for `ReportWriter`.
public struct ReportOptions: Sendable {
    /// Parquet page codec (`--parquet-codec`).
    public var codec: ParquetCodec
    /// Parquet key-value metadata, e.g. `factorylog.version`, `factorylog.prices`,
    /// `factorylog.tz` (CONTRACT.md "Tables").
    public var keyValueMetadata: [(String, String)]
    /// Parquet `created_by`: `factorylog version <v> (build <hash>)` (`tech/PARQUET.md §9`).
    public var createdBy: String
    /// Rows per Parquet row group.
    public var rowGroupRows: Int
    /// Whether to write `summary.xlsx`.
    public var writeXLSX: Bool
    /// Whether to write `<table>.csv`.
    public var writeCSV: Bool
    /// Whether to write `report.html` (`HTMLReport`).
    public var writeHTML: Bool

    public init(codec: ParquetCodec = .zstd, keyValueMetadata: [(String, String)] = [], createdBy: String,
                rowGroupRows: Int = 65_536, writeXLSX: Bool = true, writeCSV: Bool = true, writeHTML: Bool = true) {
        self.codec = codec
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.rowGroupRows = rowGroupRows
        self.writeXLSX = writeXLSX
        self.writeCSV = writeCSV
        self.writeHTML = writeHTML
    }
}

/// Writes tables into one folder: `<table>.parquet`, `<table>.csv` and one sheet per table in
/// `summary.xlsx`, each table streamed batch by batch into all three at once.
///
/// Streaming use, inside `OutputFolder` for atomicity:
///
///     try OutputFolder.write(to: out) { dir in
///         let r = try ReportWriter(directory: dir, options: options)
///         try r.beginTable(schema)
///         for batch in batches { try r.append(batch) }
///         try r.endTable()
///         try r.finish()
///     }
///
/// or all at once: `try ReportWriter.write([batch1, batch2], to: out, options: options)`.
public final class ReportWriter {
    public let directory: String
    public let options: ReportOptions
    /// File name of the workbook inside `directory`.
    public static let workbookName = "summary.xlsx"

    /// The workbook, written on a lane of its own (see `XLSXLane`).
    private let xlsx: XLSXLane?
    private var parquet: ParquetWriter?
    private var csv: CSVWriter?
    private var tableOpen = false
    private var names: Set<String> = []

    /// - Throws: `ReportIOError`.
    public init(directory: String, options: ReportOptions) throws {
        self.directory = directory
        self.options = options
        xlsx = options.writeXLSX ? XLSXLane(try XLSXWriter(path: directory + "/" + Self.workbookName)) : nil
    }

    /// Waits for the workbook's lane, so nothing writes into `directory` after the writer is gone
    /// (`OutputFolder` removes the folder when the body throws).
    deinit { try? xlsx?.wait() }

    /// Opens `<name>.parquet`, `<name>.csv` and a sheet for `schema`.
    /// - Throws: `XLSXWriterError.misuse` when a table is already open or the name repeats,
    ///   `ReportIOError`.
    public func beginTable(_ schema: TableSchema) throws {
        guard !tableOpen else { throw XLSXWriterError.misuse("beginTable while \(schema.name) is open") }
        guard !schema.name.isEmpty, !schema.name.contains("/"), names.insert(schema.name).inserted else {
            throw XLSXWriterError.misuse("bad or repeated table name \(schema.name)")
        }
        tableOpen = true
        let base = directory + "/" + schema.name
        parquet = try ParquetWriter(path: base + ".parquet", schema: schema, codec: options.codec,
                                    keyValueMetadata: options.keyValueMetadata, createdBy: options.createdBy,
                                    rowGroupRows: options.rowGroupRows)
        if options.writeCSV { csv = try CSVWriter(path: base + ".csv", schema: schema) }
        xlsx?.submit { try $0.beginSheet(schema) }
    }

    /// Adds the sheet of `schema` as the previous workbook has it (`XLSXWriter.reuseSheet`);
    /// `finish(base:)` must then name that workbook.
    func reuseSheet(_ schema: TableSchema) {
        xlsx?.submit { try $0.reuseSheet(schema) }
    }

    /// Makes the workbook's first sheet the `Overview` of `usage` (a `usage_daily` batch,
    /// `XLSXOverview`), with the time zone and prices of the options' metadata.
    public func setOverview(usage: TableBatch) {
        let meta = HTMLReportMeta(options.keyValueMetadata)
        xlsx?.submit { $0.setOverview(XLSXOverview.sheet(usage: usage, meta: meta)) }
    }

    /// Keeps the previous workbook's `Overview` sheet (`finish(base:)` must name it).
    func reuseOverview() {
        xlsx?.submit { $0.reuseOverview() }
    }

    /// Appends one batch of the open table to every output.
    public func append(_ batch: TableBatch) throws {
        guard tableOpen, let p = parquet else { throw XLSXWriterError.misuse("append without beginTable") }
        try p.write(batch)
        try csv?.write(batch)
        xlsx?.submit { try $0.append(batch) }
    }

    /// Closes the open table's files.
    public func endTable() throws {
        guard tableOpen, let p = parquet else { throw XLSXWriterError.misuse("endTable without beginTable") }
        tableOpen = false
        parquet = nil
        try p.close()
        try csv?.close()
        csv = nil
        xlsx?.submit { try $0.endSheet() }
    }

    /// Writes `summary.xlsx`. Call once after the last table.
    /// - Parameter base: the previous workbook, needed when `export` took sheets over from it.
    /// - Throws: the first error of the workbook's lane, `ReportIOError`, `XLSXWriterError`.
    public func finish(base: String? = nil) throws {
        if tableOpen { try endTable() }
        xlsx?.submit { try $0.close(base: $0.reusesSheets ? base : nil) }
        try xlsx?.wait()
    }

    /// Writes every table (one batch each, in order) into `out`, atomically (`OutputFolder`).
    public static func write(_ tables: [TableBatch], to out: String, options: ReportOptions) throws {
        try OutputFolder.write(to: out) { dir in
            let w = try ReportWriter(directory: dir, options: options)
            if let usage = tables.first(where: { $0.schema.name == XLSXOverview.usageTable }) { w.setOverview(usage: usage) }
            for t in tables {
                try w.beginTable(t.schema)
                try w.append(t)
                try w.endTable()
            }
            try w.finish()
            if options.writeHTML {
                try writePage(HTMLReport.render(tables, meta: HTMLReportMeta(options.keyValueMetadata)), to: dir + "/" + HTMLReport.fileName)
            }
        }
    }
}

/// The workbook is encoded and compressed (the largest part of an export: XML text and deflate)
/// on a serial queue of its own, beside the Parquet and CSV encoding of the same batches, so an
/// export on two cores takes about the time of its slower half. Work runs in submission order;
/// after the first error the rest is skipped and `wait()` throws that error.
final class XLSXLane: @unchecked Sendable {
    private let writer: XLSXWriter
    private let queue = DispatchQueue(label: "factorylog.report.xlsx")
    /// Only touched on `queue`.
    private var error: Error?

    init(_ writer: XLSXWriter) { self.writer = writer }

    func submit(_ work: @escaping @Sendable (XLSXWriter) throws -> Void) {
        queue.async { [self] in
            guard error == nil else { return }
            do { try work(writer) } catch { self.error = error }
        }
    }

    /// Waits for the work submitted so far. - Throws: its first error.
    func wait() throws {
        try queue.sync { if let error { throw error } }
    }
}
