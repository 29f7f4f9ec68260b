import Testing
@testable import Report

/// Golden bytes for the Thrift compact protocol (`tech/PARQUET.md §2`,
/// apache/thrift:doc/specs/thrift-compact-protocol.md).
@Suite struct ThriftCompactWriterTests {
    @Test func varint50399() {
        // 50399 = 0b11_0001001_1011111 → groups (low first) 0x5F, 0x09, 0x03
        // → 0x5F|0x80 = DF, 0x09|0x80 = 89, 03
        var w = ThriftCompactWriter()
        w.varint(50399)
        #expect(w.bytes == [0xDF, 0x89, 0x03])
    }

    @Test func varintEdges() {
        var w = ThriftCompactWriter()
        w.varint(0); w.varint(127); w.varint(128)
        // 0 → 00; 127 → 7F; 128 = 1·128 + 0 → 80 01
        #expect(w.bytes == [0x00, 0x7F, 0x80, 0x01])
    }

    @Test func zigzag() {
        // zz(n) = (n << 1) ^ (n >> 63): 0→0, −1→1, 1→2, −2→3, 2→4
        #expect([0, -1, 1, -2, 2].map { ThriftCompactWriter.zigzag(Int64($0)) } == [0, 1, 2, 3, 4])
        #expect(ThriftCompactWriter.zigzag(Int64.max) == UInt64.max - 1)
        #expect(ThriftCompactWriter.zigzag(Int64.min) == UInt64.max)
        #expect(ThriftCompactWriter.zigzag32(-3) == 5)
    }

    @Test func smallStruct() {
        // {1: i32 1, 4: binary "schema", 5: i32 3} + stop
        // 15 02 (delta 1, I32 5; zz(1) = 2), 38 (delta 3, BINARY 8), 06 "schema",
        // 15 06 (delta 1, I32; zz(3) = 6), 00
        var w = ThriftCompactWriter()
        w.i32(1, 1); w.binary(4, "schema"); w.i32(5, 3); w.stop()
        #expect(w.bytes == [0x15, 0x02, 0x38, 0x06] + Array("schema".utf8) + [0x15, 0x06, 0x00])
    }

    @Test func longFieldHeaderForDeltaAbove15() {
        // id 17 after id 0: delta 17 > 15 → type byte 06 (I64) then zz16(17) = 34 = 0x22; value zz(−1) = 01
        var w = ThriftCompactWriter()
        w.i64(17, -1)
        #expect(w.bytes == [0x06, 0x22, 0x01])
    }

    @Test func nestedStructRestoresOuterFieldId() {
        // {1: {2: i32 0}, 3: i32 1}: 1C (delta 1, STRUCT), 25 00 (delta 2, I32, 0), 00 (stop inner),
        // then id 3 relative to outer id 1 → delta 2: 25 02, stop 00
        var w = ThriftCompactWriter()
        w.beginStruct(1); w.i32(2, 0); w.endStruct()
        w.i32(3, 1)
        w.stop()
        #expect(w.bytes == [0x1C, 0x25, 0x00, 0x00, 0x25, 0x02, 0x00])
    }

    @Test func boolFieldsCarryValueInNibble() {
        // {1: true, 2: false} → 11 (delta 1, BOOL_TRUE), 12 (delta 1, BOOL_FALSE), 00
        var w = ThriftCompactWriter()
        w.bool(1, true); w.bool(2, false); w.stop()
        #expect(w.bytes == [0x11, 0x12, 0x00])
    }

    @Test func listHeaders() {
        // 14 elements: (14 << 4) | 5 = E5; 15 elements: F5 then varint 15 = 0F
        var w = ThriftCompactWriter()
        w.listHeader(elementType: .i32, count: 14)
        w.listHeader(elementType: .i32, count: 15)
        #expect(w.bytes == [0xE5, 0xF5, 0x0F])
    }

    @Test func fileMetaDataWorkedBytes() {
        // tech/PARQUET.md §2: `15 02`, `19`, `6C`, `48 06 "schema"`
        var w = ThriftCompactWriter()
        w.i32(1, 1)
        w.listField(2, elementType: .struct, count: 6)
        w.beginListStruct()
        w.binary(4, "schema")
        #expect(w.bytes == [0x15, 0x02, 0x19, 0x6C, 0x48, 0x06, 0x73, 0x63, 0x68, 0x65, 0x6D, 0x61])
    }
}
