import Analyze
import Foundation
import Testing
@testable import Report

@Suite struct OutputFolderTests {
    struct Boom: Error {}

    @Test func replacesExistingFolder() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        try OutputFolder.write(to: out) { tmp in
            try "old".write(toFile: tmp + "/a.csv", atomically: false, encoding: .utf8)
        }
        try OutputFolder.write(to: out) { tmp in
            try "new".write(toFile: tmp + "/b.csv", atomically: false, encoding: .utf8)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["b.csv"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])  // no temp or old folder left
    }

    @Test func failureKeepsPreviousOutputs() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        try OutputFolder.write(to: out) { tmp in
            try "old".write(toFile: tmp + "/a.csv", atomically: false, encoding: .utf8)
        }
        #expect(throws: Boom.self) {
            try OutputFolder.write(to: out) { tmp in
                try "partial".write(toFile: tmp + "/a.csv", atomically: false, encoding: .utf8)
                throw Boom()
            }
        }
        #expect(try String(contentsOfFile: out + "/a.csv", encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])
    }

    @Test func refusesToReplaceAFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        try "keep".write(toFile: out, atomically: false, encoding: .utf8)
        #expect(throws: ReportIOError.self) { try OutputFolder.write(to: out) { _ in } }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep")
    }

    /// ReportWriter writes <table>.parquet, <table>.csv and summary.xlsx for every table, and report.html.
    @Test func reportWriterFiles() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s1 = TableSchema(name: "usage_daily", columns: [ColumnSpec("cost_usd", .double)])
        let s2 = TableSchema(name: "empty", columns: [ColumnSpec("n", .int64)])
        try ReportWriter.write([TableBatch(schema: s1, columns: [.double([0.5])]),
                                TableBatch(schema: s2, columns: [.int64([])])],
                               to: dir + "/out", options: ReportOptions(createdBy: "factorylog version 0.1.0 (build t)"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted()
        #expect(files == ["empty.csv", "empty.parquet", "report.html", "summary.xlsx", "usage_daily.csv", "usage_daily.parquet"])
        #expect(String(decoding: readBytes(dir + "/out/usage_daily.csv"), as: UTF8.self) == "cost_usd\r\n0.5\r\n")
    }
}
