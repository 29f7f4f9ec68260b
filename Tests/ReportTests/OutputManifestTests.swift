import Analyze
import Foundation
import Testing
import ZIPFoundation
@testable import Report

/// `ReportWriter.export`: unchanged tables are taken over from the previous folder, changed ones
/// written again, and a folder whose every table is unchanged is left as it is.
@Suite struct OutputManifestTests {
    static let a = TableSchema(name: "usage_daily", columns: [ColumnSpec("requests", .int64)])
    static let b = TableSchema(name: "ingest_files", columns: [ColumnSpec("status", .string)])
    static let options = ReportOptions(createdBy: "factorylog version 0.1.0 (build t)")

    /// Builds counted by name, so a test can tell which tables were encoded.
    final class Builds: @unchecked Sendable { var names: [String] = [] }

    func tables(_ builds: Builds, digestA: String?, requests: Int64, status: String) -> [PendingTable] {
        [
            PendingTable(schema: Self.a, digest: digestA) {
                builds.names.append("usage_daily")
                return TableBatch(schema: Self.a, columns: [.int64([requests])])
            },
            PendingTable(schema: Self.b, digest: "status=" + status) {
                builds.names.append("ingest_files")
                return TableBatch(schema: Self.b, columns: [.string([status])])
            },
        ]
    }

    func inode(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    /// The text of one workbook member.
    func member(_ xlsx: String, _ name: String) throws -> String {
        let archive = try Archive(url: URL(fileURLWithPath: xlsx), accessMode: .read)
        guard let e = archive[name] else { return "" }
        var data = Data()
        _ = try archive.extract(e) { data.append($0) }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func unchangedTablesAreTakenOverAndChangedOnesWritten() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let builds = Builds()
        let first = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: Self.options)
        #expect(first == ExportResult(written: ["usage_daily", "ingest_files"], reused: [], untouched: false))
        let usageInode = inode(out + "/usage_daily.parquet")

        // Same state, the files' statuses changed (a nightly run that read nothing new).
        builds.names = []
        let second = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "skipped"), to: out, options: Self.options)
        #expect(second == ExportResult(written: ["ingest_files"], reused: ["usage_daily"], untouched: false))
        #expect(builds.names == ["ingest_files"])  // usage_daily was never built
        #expect(inode(out + "/usage_daily.parquet") == usageInode)  // the same file, linked
        #expect(String(decoding: readBytes(out + "/ingest_files.csv"), as: UTF8.self) == "status\r\nskipped\r\n")
        // The workbook: sheet 1 is the Overview of usage_daily (7 requests), sheet 2 usage_daily,
        // both copied as they were; sheet 3 (ingest_files) replaced (skipped).
        let x = out + "/summary.xlsx"
        #expect(try member(x, "xl/workbook.xml").contains("<sheet name=\"Overview\" sheetId=\"1\""))
        #expect(try member(x, "xl/worksheets/sheet1.xml").contains("Requests</t></is></c><c r=\"B8\" s=\"5\"><v>7</v>"))
        #expect(try member(x, "xl/worksheets/sheet2.xml").contains("<v>7</v>"))
        #expect(try member(x, "xl/worksheets/sheet3.xml").contains("skipped"))
        #expect(try !member(x, "xl/worksheets/sheet3.xml").contains(">ok<"))
        #expect(try member(x, "xl/workbook.xml").contains("name=\"ingest_files\""))

        // Nothing changed at all: the folder is not touched.
        builds.names = []
        let third = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "skipped"), to: out, options: Self.options)
        #expect(third.untouched && third.written.isEmpty)
        #expect(builds.names.isEmpty)

        // New state content: usage_daily is written again.
        builds.names = []
        let fourth = try ReportWriter.export(tables(builds, digestA: "state=2", requests: 9, status: "skipped"), to: out, options: Self.options)
        #expect(fourth == ExportResult(written: ["usage_daily"], reused: ["ingest_files"], untouched: false))
        #expect(String(decoding: readBytes(out + "/usage_daily.csv"), as: UTF8.self) == "requests\r\n9\r\n")
        #expect(try member(x, "xl/worksheets/sheet1.xml").contains("Requests</t></is></c><c r=\"B8\" s=\"5\"><v>9</v>"))
        #expect(try member(x, "xl/worksheets/sheet2.xml").contains("<v>9</v>"))
        #expect(try member(x, "xl/worksheets/sheet3.xml").contains("skipped"))
    }

    @Test func missingFilesOtherOptionsAndUnknownDigestsAreWrittenAgain() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let builds = Builds()
        try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: Self.options)

        // A user deleted one CSV: its table is written again, the other taken over.
        try FileManager.default.removeItem(atPath: out + "/usage_daily.csv")
        let r1 = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: Self.options)
        #expect(r1.written == ["usage_daily"] && r1.reused == ["ingest_files"])
        #expect(FileManager.default.fileExists(atPath: out + "/usage_daily.csv"))

        // Another Parquet codec changes every file's bytes: everything is written.
        var gzip = Self.options
        gzip.codec = .gzip
        let r2 = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: gzip)
        #expect(r2.written == ["usage_daily", "ingest_files"])

        // No digest: always written.
        let r3 = try ReportWriter.export(tables(builds, digestA: nil, requests: 7, status: "ok"), to: out, options: gzip)
        #expect(r3.written == ["usage_daily"] && r3.reused == ["ingest_files"])

        // A replaced workbook (other size than the manifest says): nothing is taken over.
        try Data("not a workbook".utf8).write(to: URL(fileURLWithPath: out + "/summary.xlsx"))
        let r4 = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: gzip)
        #expect(r4.written == ["usage_daily", "ingest_files"])
        #expect(try member(out + "/summary.xlsx", "xl/worksheets/sheet1.xml").contains("<v>7</v>"))
    }
}

extension OutputManifestTests {
    @Test func aFileEditedInPlaceIsWrittenAgain() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let builds = Builds()
        try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: Self.options)
        // Same size, other bytes and a later modification time: "requests\r\n8\r\n" for "…7…".
        let csv = out + "/usage_daily.csv"
        var times = [timespec(tv_sec: 2_000_000_000, tv_nsec: 0), timespec(tv_sec: 2_000_000_000, tv_nsec: 0)]
        try Data("requests\r\n8\r\n".utf8).write(to: URL(fileURLWithPath: csv))
        #expect(utimensat(AT_FDCWD, csv, &times, 0) == 0)
        let r = try ReportWriter.export(tables(builds, digestA: "state=1", requests: 7, status: "ok"), to: out, options: Self.options)
        #expect(r.written == ["usage_daily"] && r.reused == ["ingest_files"])
        #expect(String(decoding: readBytes(csv), as: UTF8.self) == "requests\r\n7\r\n")
    }
}
