import Analyze
import Foundation
import Testing
@testable import Report

@Suite struct ParquetWriterTests {
    static let created = "factorylog version 0.1.0 (build test)"

    /// One OPTIONAL INT64 column [1, 2, null, 3, 4], uncompressed: the first page's header and
    /// body are checked byte for byte.
    @Test func optionalColumnPageBytes() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "t", columns: [ColumnSpec("v", .int64, nullable: true)])
        let path = dir + "/t.parquet"
        let w = try ParquetWriter(path: path, schema: schema, codec: .none, createdBy: Self.created)
        try w.write(TableBatch(schema: schema, columns: [.int64([1, 2, nil, 3, 4])]))
        try w.close()
        let bytes = readBytes(path)

        // Body: u32 LE level length 6, levels 1,1,0,1,1 as RLE runs
        // (varint(2<<1)=04 01, varint(1<<1)=02 00, 04 01; tech/PARQUET.md §6), then 4 PLAIN int64.
        let body: [UInt8] = [0x06, 0, 0, 0, 0x04, 0x01, 0x02, 0x00, 0x04, 0x01]
            + le64(1) + le64(2) + le64(3) + le64(4)
        #expect(body.count == 42)  // 4 + 6 + 4·8
        // PageHeader {1: DATA_PAGE 0 → 15 00, 2: 42 → zz 84 = 54 → 15 54, 3: 15 54,
        //   5: struct (delta 2 → 2C) {1: 5 values → 15 0A, 2: PLAIN → 15 00, 3: RLE 3 → 15 06,
        //   4: RLE → 15 06, stop 00}, stop 00}
        let header: [UInt8] = [0x15, 0x00, 0x15, 0x54, 0x15, 0x54, 0x2C,
                               0x15, 0x0A, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00]
        #expect(Array(bytes[0..<4]) == Array("PAR1".utf8))
        #expect(Array(bytes[4..<(4 + header.count)]) == header)
        #expect(Array(bytes[(4 + header.count)..<(4 + header.count + body.count)]) == body)
    }

    /// File layout: PAR1 | pages | footer | u32 LE footer length | PAR1, and the footer's first bytes.
    @Test func footerLayout() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "t", columns: [ColumnSpec("name", .string)])
        let path = dir + "/t.parquet"
        let w = try ParquetWriter(path: path, schema: schema, codec: .zstd,
                                  keyValueMetadata: [("factorylog.tz", "UTC")], createdBy: Self.created)
        try w.write(TableBatch(schema: schema, columns: [.string(["b", "a", "é"])]))
        try w.close()
        let bytes = readBytes(path)
        let n = bytes.count
        #expect(Array(bytes[(n - 4)...]) == Array("PAR1".utf8))
        let footerLen = Int(bytes[n - 8]) | Int(bytes[n - 7]) << 8 | Int(bytes[n - 6]) << 16 | Int(bytes[n - 5]) << 24
        let footerStart = n - 8 - footerLen
        #expect(footerStart > 4)
        // FileMetaData: 15 02 (version 1), 19 (schema list), 2C (2 structs), 48 06 "schema"
        // (root name), 15 02 (num_children zz(1) = 2), 00 (end of root)
        let expected: [UInt8] = [0x15, 0x02, 0x19, 0x2C, 0x48, 0x06] + Array("schema".utf8) + [0x15, 0x02, 0x00]
        #expect(Array(bytes[footerStart..<(footerStart + expected.count)]) == expected)
        // The footer holds created_by and the key-value pair verbatim.
        let footer = Array(bytes[footerStart..<(n - 8)])
        #expect(footer.firstRange(of: Array(Self.created.utf8)) != nil)
        #expect(footer.firstRange(of: Array("factorylog.tz".utf8)) != nil)
        // First page body is one zstd frame: magic 28 B5 2F FD right after the page header.
        #expect(bytes[4...].firstRange(of: [0x28, 0xB5, 0x2F, 0xFD]) != nil)
    }

    /// Zero rows: no row group; the file is PAR1 + footer + length + PAR1.
    @Test func zeroRows() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "t", columns: [ColumnSpec("a", .int64), ColumnSpec("b", .date, nullable: true)])
        let path = dir + "/t.parquet"
        let w = try ParquetWriter(path: path, schema: schema, createdBy: Self.created)
        try w.close()
        let bytes = readBytes(path)
        let n = bytes.count
        let footerLen = Int(bytes[n - 8]) | Int(bytes[n - 7]) << 8
        #expect(n == 4 + footerLen + 8)
    }

    /// 300 000 REQUIRED int64 values: pages close at 1 MiB (131 072 values · 8 bytes), so the
    /// chunk has pages of 131 072, 131 072 and 37 856 values.
    @Test func severalPagesPerChunk() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "t", columns: [ColumnSpec("a", .int64)])
        let path = dir + "/t.parquet"
        let w = try ParquetWriter(path: path, schema: schema, codec: .none, createdBy: Self.created,
                                  rowGroupRows: 1_000_000)
        try w.write(TableBatch(schema: schema, columns: [.int64((0..<300_000).map { Int64($0) })]))
        try w.close()
        let bytes = readBytes(path)
        // header of a full page: 15 00, 15 zz(1 048 576) = 2 097 152 → varint 80 80 80 01 (twice),
        // 2C, 15 zz(131 072) = 262 144 → varint 80 80 10
        let full: [UInt8] = [0x15, 0x00, 0x15, 0x80, 0x80, 0x80, 0x01, 0x15, 0x80, 0x80, 0x80, 0x01,
                             0x2C, 0x15, 0x80, 0x80, 0x10, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00]
        #expect(Array(bytes[4..<(4 + full.count)]) == full)
        let second = 4 + full.count + 1_048_576
        #expect(Array(bytes[second..<(second + full.count)]) == full)
        // third page: 37 856 values = 302 848 bytes; zz(302 848) = 605 696 = 0x93E00
        // → varint 80 FC 24
        let third = second + full.count + 1_048_576
        #expect(Array(bytes[third..<(third + 5)]) == [0x15, 0x00, 0x15, 0x80, 0xFC])
        #expect(bytes[third + 5] == 0x24)
    }

    @Test func nullInRequiredColumnThrows() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "t", columns: [ColumnSpec("a", .string)])
        let w = try ParquetWriter(path: dir + "/t.parquet", schema: schema, createdBy: Self.created)
        #expect(throws: ParquetWriterError.self) {
            try w.write(TableBatch(schema: schema, columns: [.string(["x", nil])]))
        }
    }

    @Test func gzipPagesAreGzipMembers() throws {
        // RFC 1952 member: 1F 8B, method 08 (deflate)
        let c = PageCompressor(codec: .gzip)
        let out = try c.compress(Array(repeating: 7, count: 10_000))
        #expect(Array(out.prefix(3)) == [0x1F, 0x8B, 0x08])
        #expect(out.count < 200)
        // zstd frame magic 28 B5 2F FD (RFC 8878 §3.1.1)
        let z = try PageCompressor(codec: .zstd).compress(Array(repeating: 7, count: 10_000))
        #expect(Array(z.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
    }
}
