import TableModel
import Foundation

/// A table to export, built only when the previous output folder cannot give it as it is.
public struct PendingTable {
    public var schema: TableSchema
    /// Names everything the table's content depends on (state content, window, time zone, price
    /// snapshot, ...); nil when unknown: the table is then always built and written.
    public var digest: String?
    /// Builds the rows; called at most once, and not at all when the table is taken over.
    public var build: () throws -> TableBatch

    public init(schema: TableSchema, digest: String?, build: @escaping () throws -> TableBatch) {
        self.schema = schema
        self.digest = digest
        self.build = build
    }
}

/// What an export did: tables encoded, tables taken over from the previous folder, and whether
/// the folder was left untouched because every table was unchanged.
public struct ExportResult: Sendable, Equatable {
    public var written: [String] = []
    public var reused: [String] = []
    public var untouched = false
}

/// `.factorylog-manifest.json` in an output folder: for each table, the digest it was written
/// from and the sizes of its files, so that the next export can take unchanged tables over
/// (hard links; the workbook's members copied without recompressing) instead of encoding them
/// again. A folder without a manifest, with a manifest of another layout, or whose files do not
/// have the recorded sizes and modification times is written anew. Users never need the file; deleting it only makes
/// the next export write every table.
struct OutputManifest: Codable, Equatable {
    static let fileName = ".factorylog-manifest.json"
    static let layout = 2

    struct Table: Codable, Equatable {
        var name: String
        var digest: String?
        /// File name → size and modification time.
        var files: [String: Stamp]
    }

    var layout: Int = Self.layout
    /// Digest of the `ReportOptions` (codec, metadata, which formats are written).
    var options: String
    var tables: [Table]
    /// `summary.xlsx`, nil when none was written.
    var workbook: Stamp?
    /// `report.html`, nil when none was written (a manifest of an earlier version has none: the
    /// page is then written, its sections rendered anew).
    var report: Stamp?

    /// A file's size (bytes) and modification time (ns since the epoch): a file changed in place
    /// after the export no longer matches (hard links share both with the file they link).
    struct Stamp: Codable, Equatable {
        var size: Int64
        var mtimeNs: Int64
    }

    static func read(in dir: String) -> OutputManifest? {
        guard let data = FileManager.default.contents(atPath: dir + "/" + fileName),
            let m = try? JSONDecoder().decode(OutputManifest.self, from: data), m.layout == layout
        else { return nil }
        return m
    }

    func write(in dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let path = dir + "/" + Self.fileName
        guard FileManager.default.createFile(atPath: path, contents: try enc.encode(self)) else {
            throw ReportIOError(path: path, message: "cannot write")
        }
    }
}

extension ReportOptions {
    /// Everything of the options that changes the bytes written.
    var digest: String {
        var parts = ["codec=\(codec)", "rows=\(rowGroupRows)", "xlsx=\(writeXLSX)", "csv=\(writeCSV)", "by=\(createdBy)"]
        if writeHTML { parts.append("html=true") }
        // The workbook's layout: 2 = an Overview sheet first, formats, filters and print setup
        // (sheets of an earlier layout are not taken over).
        if writeXLSX { parts.append("xlsxLayout=2") }
        for (k, v) in keyValueMetadata { parts.append("\(k)=\(v)") }
        return parts.joined(separator: "\u{1F}")
    }
}

extension ReportWriter {
    /// Writes `tables` into `out` atomically (`OutputFolder`), taking over from the folder already
    /// at `out` every table whose digest and files are unchanged (see `OutputManifest`), and
    /// leaving `out` untouched when every table is unchanged.
    /// - Throws: `ReportIOError`, `XLSXWriterError`, `ParquetWriterError`, and whatever a
    ///   table's `build` throws; `out` is then left as it was.
    @discardableResult
    public static func export(_ tables: [PendingTable], to out: String, options: ReportOptions) throws -> ExportResult {
        let previous = OutputManifest.read(in: out)
        let optionsDigest = options.digest
        var result = ExportResult()

        func stamp(_ path: String) -> OutputManifest.Stamp? {
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return .init(size: Int64(st.st_size), mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
        }
        func files(of name: String) -> [String] {
            var f = [name + ".parquet"]
            if options.writeCSV { f.append(name + ".csv") }
            return f
        }
        // Which tables the previous folder can give: same options, same table at the same
        // position with the same digest, files of the recorded sizes, and a workbook to copy.
        var reusable = Array(repeating: false, count: tables.count)
        if let previous, previous.options == optionsDigest, previous.tables.count == tables.count,
            zip(previous.tables, tables).allSatisfy({ $0.name == $1.schema.name }),
            !options.writeXLSX || (previous.workbook != nil && stamp(out + "/" + workbookName) == previous.workbook)
        {
            for (i, t) in tables.enumerated() {
                let p = previous.tables[i]
                guard let d = t.digest, p.digest == d else { continue }
                let names = files(of: t.schema.name)
                reusable[i] = Set(p.files.keys) == Set(names) && names.allSatisfy { stamp(out + "/" + $0) == p.files[$0] }
            }
        }
        // The page's sections are taken over from the previous page when the tables they read
        // have the same digests (`HTMLReport`), under the same options.
        let reportPath = out + "/" + HTMLReport.fileName
        var previousPage: String? = nil
        if options.writeHTML, let previous, previous.options == optionsDigest, let r = previous.report, stamp(reportPath) == r {
            previousPage = try? String(contentsOfFile: reportPath, encoding: .utf8)
        }
        let pageUnchanged = !options.writeHTML || previousPage != nil
        if !reusable.isEmpty && reusable.allSatisfy({ $0 }) && pageUnchanged {
            result.reused = tables.map(\.schema.name)
            result.untouched = true
            return result
        }

        try OutputFolder.write(to: out) { dir in
            let w = try ReportWriter(directory: dir, options: options)
            var manifest = OutputManifest(options: optionsDigest, tables: [])
            var forPage: [String: TableBatch] = [:]
            let pageTables = options.writeHTML ? HTMLReport.tableNames : []
            for (i, t) in tables.enumerated() {
                if reusable[i] {
                    for f in files(of: t.schema.name) { try linkOrCopy(out + "/" + f, dir + "/" + f) }
                    w.reuseSheet(t.schema)
                    if t.schema.name == XLSXOverview.usageTable { w.reuseOverview() }
                    result.reused.append(t.schema.name)
                } else {
                    let batch = try t.build()
                    if pageTables.contains(t.schema.name) { forPage[t.schema.name] = batch }
                    if t.schema.name == XLSXOverview.usageTable { w.setOverview(usage: batch) }
                    try w.beginTable(t.schema)
                    try w.append(batch)
                    try w.endTable()
                    result.written.append(t.schema.name)
                }
                var sizes: [String: OutputManifest.Stamp] = [:]
                for f in files(of: t.schema.name) { sizes[f] = stamp(dir + "/" + f) ?? .init(size: -1, mtimeNs: 0) }
                manifest.tables.append(.init(name: t.schema.name, digest: t.digest, files: sizes))
            }
            try w.finish(base: out + "/" + workbookName)
            if options.writeXLSX { manifest.workbook = stamp(dir + "/" + workbookName) }
            if options.writeHTML {
                var digests: [String: String?] = [:]
                var pending: [String: PendingTable] = [:]
                for t in tables {
                    digests[t.schema.name] = t.digest
                    pending[t.schema.name] = t
                }
                let page = try HTMLReport.render(meta: HTMLReportMeta(options.keyValueMetadata), digests: digests, previous: previousPage) { name in
                    // A table taken over is built only when a section reading it changed.
                    if let b = forPage[name] { return b }
                    return try pending[name]?.build()
                }
                try writePage(page, to: dir + "/" + HTMLReport.fileName)
                manifest.report = stamp(dir + "/" + HTMLReport.fileName)
            }
            try manifest.write(in: dir)
        }
        return result
    }

    /// Writes `report.html`.
    /// - Throws: `ReportIOError`.
    static func writePage(_ page: String, to path: String) throws {
        let sink = try FileSink(path: path)
        try sink.append { $0.append(contentsOf: page.utf8) }
        try sink.close()
    }

    /// A hard link to `from` at `to` (outputs are never changed in place, so the two names can
    /// share the file); a copy where links are not possible.
    static func linkOrCopy(_ from: String, _ to: String) throws {
        if link(from, to) == 0 { return }
        do {
            try FileManager.default.copyItem(atPath: from, toPath: to)
        } catch {
            throw ReportIOError(path: to, message: "copy \(from): \(error)")
        }
    }
}

extension TableBatch {
    /// A digest of the batch's schema and every cell (FNV-1a 64 over a typed serialization, the
    /// same in every process), for tables whose inputs have no id of their own (ingest_files).
    public var contentDigest: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        func mix64(_ v: UInt64) { for i in 0..<8 { mix(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        func mixString(_ s: String) {
            mix64(UInt64(s.utf8.count))
            for b in s.utf8 { mix(b) }
        }
        mixString(schema.name)
        for c in schema.columns { mixString(c.name + "/" + c.type.rawValue + (c.nullable ? "?" : "")) }
        for col in columns {
            switch col {
            case .int64(let v), .timestampMillis(let v):
                for x in v { if let x { mix(1); mix64(UInt64(bitPattern: x)) } else { mix(0) } }
            case .double(let v):
                for x in v { if let x { mix(1); mix64(x.bitPattern) } else { mix(0) } }
            case .string(let v):
                for x in v { if let x { mix(1); mixString(x) } else { mix(0) } }
            case .date(let v):
                for x in v { if let x { mix(1); mix64(UInt64(UInt32(bitPattern: x))) } else { mix(0) } }
            }
        }
        return String(h, radix: 16)
    }
}
