import TableModel

/// Errors from `ParquetWriter` besides I/O (`ReportIOError`) and compression
/// (`PageCompressionError`).
public enum ParquetWriterError: Error, CustomStringConvertible {
    /// The batch's schema differs from the writer's.
    case schemaMismatch(table: String, detail: String)
    /// A null in a column declared non-nullable (REQUIRED).
    case nullInRequiredColumn(table: String, column: String)
    /// `write` or `close` after `close`.
    case closed(path: String)

    public var description: String {
        switch self {
        case .schemaMismatch(let t, let d): "parquet \(t): batch does not match the schema: \(d)"
        case .nullInRequiredColumn(let t, let c): "parquet \(t): null in non-nullable column \(c)"
        case .closed(let p): "parquet \(p): writer already closed"
        }
    }
}

/// Streams one table into a Parquet file.
///
/// Layout (apache/parquet-format README "File format"; `tech/PARQUET.md §1, §11`):
/// `PAR1` | row groups | FileMetaData (Thrift compact) | u32 LE footer length | `PAR1`.
///
/// - Flat schema: a root element named `schema`, then one leaf per column; non-nullable columns
///   are REQUIRED (no definition levels), nullable ones OPTIONAL (definition levels, max level 1,
///   RLE runs of the RLE/bit-packing hybrid, prefixed by their u32 LE byte length as data page v1
///   requires; PF Encodings.md).
/// - Types (`tech/PARQUET.md §5`): `int64` → INT64; `double` → DOUBLE; `string` → BYTE_ARRAY +
///   UTF8/STRING; `date` → INT32 days since 1970-01-01 + DATE; `timestampMillis` → INT64 ms +
///   TIMESTAMP_MILLIS / TIMESTAMP(isAdjustedToUTC = true, MILLIS).
/// - Data page v1, PLAIN values, each page body compressed as one buffer with `codec`; pages hold
///   at most about `maxPageBytes` (1 MiB) of uncompressed body, so a large chunk has several pages.
/// - Row groups of at most `rowGroupRows` rows. A row group is encoded and compressed in memory,
///   then appended to the file, so memory stays bounded by one compressed row group whatever the
///   table size. A zero-row table has no row group.
/// - Column chunk statistics: `null_count` always; `min_value`/`max_value` (ints, dates and
///   timestamps signed, strings by unsigned bytes, doubles without NaN and with `nan_count`, a zero
///   min written as −0.0 and a zero max as +0.0), and `column_orders` = TYPE_ORDER for every
///   column (`tech/PARQUET.md §8`). String min/max longer than 1 KiB are left out (null_count only).
/// - FileMetaData version 1, `key_value_metadata` as given, `created_by` as given (use
///   `factorylog version <v> (build <hash>)`, never a `parquet-mr`/`parquet-cpp` prefix, §9).
///
/// The file is written at `path` directly; use `OutputFolder` for atomic replacement.
///
///     let w = try ParquetWriter(path: "/tmp/t.parquet", schema: schema,
///                               keyValueMetadata: [("factorylog.tz", "UTC")],
///                               createdBy: "factorylog version 0.1.0 (build abc123)")
///     try w.write(batch)
///     try w.close()
public final class ParquetWriter {
    /// Upper bound on one page's uncompressed body (levels + values), in bytes.
    public static let maxPageBytes = 1 << 20

    public let path: String
    public let schema: TableSchema
    public let codec: ParquetCodec
    public let rowGroupRows: Int
    private let keyValueMetadata: [(String, String)]
    private let createdBy: String

    private let sink: FileSink
    private let compressor: PageCompressor
    private var columns: [ColumnChunkBuilder]
    private var rowsInGroup = 0
    private var totalRows: Int64 = 0
    private var rowGroups: [RowGroupMeta] = []
    private var closed = false

    /// Creates the file and writes the leading magic.
    /// - Parameters:
    ///   - rowGroupRows: rows per row group (≥ 1); the last row group may be shorter.
    /// - Throws: `ReportIOError` when the file cannot be created.
    public init(path: String, schema: TableSchema, codec: ParquetCodec = .zstd,
                keyValueMetadata: [(String, String)] = [], createdBy: String,
                rowGroupRows: Int = 65_536) throws {
        self.path = path
        self.schema = schema
        self.codec = codec
        self.rowGroupRows = max(1, rowGroupRows)
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.compressor = PageCompressor(codec: codec)
        self.columns = schema.columns.map { ColumnChunkBuilder(spec: $0) }
        self.sink = try FileSink(path: path)
        try sink.write(Self.magic)
    }

    static let magic: [UInt8] = [0x50, 0x41, 0x52, 0x31]  // "PAR1"

    /// Appends the rows of `batch` (its schema must equal the writer's, column for column).
    /// - Throws: `ParquetWriterError` on a schema mismatch or a null in a REQUIRED column (the
    ///   file is then unusable: discard it), `ReportIOError`, `PageCompressionError`.
    public func write(_ batch: TableBatch) throws {
        guard !closed else { throw ParquetWriterError.closed(path: path) }
        guard batch.schema.columns == schema.columns else {
            throw ParquetWriterError.schemaMismatch(table: schema.name, detail: "columns differ")
        }
        let n = batch.rowCount
        for (i, c) in batch.columns.enumerated() where c.count != n {
            throw ParquetWriterError.schemaMismatch(
                table: schema.name, detail: "column \(schema.columns[i].name) has \(c.count) values, expected \(n)")
        }
        var start = 0
        while start < n {
            let take = min(n - start, rowGroupRows - rowsInGroup)
            for i in columns.indices {
                try columns[i].append(batch.columns[i], range: start..<(start + take),
                                      table: schema.name, compressor: compressor)
            }
            rowsInGroup += take
            start += take
            if rowsInGroup == rowGroupRows { try flushRowGroup() }
        }
    }

    /// Writes the last row group, the footer and the trailing magic, and closes the file.
    /// - Throws: `ReportIOError`, `PageCompressionError`, `ParquetWriterError.closed`.
    public func close() throws {
        guard !closed else { throw ParquetWriterError.closed(path: path) }
        closed = true
        if rowsInGroup > 0 { try flushRowGroup() }
        let footer = encodeFileMetaData()
        try sink.write(footer)
        var len = UInt32(footer.count).littleEndian
        try withUnsafeBytes(of: &len) { try sink.write($0) }
        try sink.write(Self.magic)
        try sink.close()
    }

    private func flushRowGroup() throws {
        var metas: [ColumnChunkMeta] = []
        metas.reserveCapacity(columns.count)
        for i in columns.indices {
            try columns[i].finishPage(compressor: compressor)
            let start = sink.offset
            try sink.write(columns[i].chunkBytes)
            metas.append(columns[i].takeMeta(chunkOffset: start))
        }
        rowGroups.append(RowGroupMeta(columns: metas, numRows: Int64(rowsInGroup)))
        totalRows += Int64(rowsInGroup)
        rowsInGroup = 0
    }

    // MARK: footer

    /// FileMetaData (thrift field ids in `tech/PARQUET.md §4`).
    private func encodeFileMetaData() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.i32(1, 1)  // version
        w.listField(2, elementType: .struct, count: schema.columns.count + 1)
        // root SchemaElement: name + num_children only
        w.beginListStruct()
        w.binary(4, "schema")
        w.i32(5, Int32(schema.columns.count))
        w.endStruct()
        for spec in schema.columns {
            w.beginListStruct()
            w.i32(1, spec.type.physicalType)
            w.i32(3, spec.nullable ? 1 : 0)  // OPTIONAL : REQUIRED
            w.binary(4, spec.name)
            if let converted = spec.type.convertedType { w.i32(6, converted) }
            switch spec.type {
            case .string:
                w.beginStruct(10); w.beginStruct(1); w.endStruct(); w.endStruct()
            case .date:
                w.beginStruct(10); w.beginStruct(6); w.endStruct(); w.endStruct()
            case .timestampMillis:
                w.beginStruct(10)
                w.beginStruct(8)
                w.bool(1, true)  // isAdjustedToUTC
                w.beginStruct(2); w.beginStruct(1); w.endStruct(); w.endStruct()  // unit MILLIS
                w.endStruct()
                w.endStruct()
            case .int64, .double:
                break
            }
            w.endStruct()
        }
        w.i64(3, totalRows)
        w.listField(4, elementType: .struct, count: rowGroups.count)
        for (ordinal, rg) in rowGroups.enumerated() {
            w.beginListStruct()
            w.listField(1, elementType: .struct, count: rg.columns.count)
            for (ci, cm) in rg.columns.enumerated() {
                let spec = schema.columns[ci]
                w.beginListStruct()
                w.i64(2, 0)  // file_offset: deprecated meaning, required; 0 (§4)
                w.beginStruct(3)
                w.i32(1, spec.type.physicalType)
                w.listField(2, elementType: .i32, count: 2)
                w.rawI32(0)  // PLAIN
                w.rawI32(3)  // RLE (levels)
                w.listField(3, elementType: .binary, count: 1)
                w.rawBinary(Array(spec.name.utf8))
                w.i32(4, codec.thriftValue)
                w.i64(5, cm.numValues)
                w.i64(6, cm.totalUncompressed)
                w.i64(7, cm.totalCompressed)
                w.i64(9, cm.dataPageOffset)
                w.beginStruct(12)
                w.i64(3, cm.nullCount)
                if let mx = cm.maxValue, let mn = cm.minValue {
                    w.binary(5, mx)
                    w.binary(6, mn)
                }
                if spec.type == .double { w.i64(9, cm.nanCount) }
                w.endStruct()
                w.endStruct()
                w.endStruct()
            }
            w.i64(2, rg.columns.reduce(0) { $0 + $1.totalUncompressed })
            w.i64(3, rg.numRows)
            w.i64(5, rg.columns.first?.dataPageOffset ?? 0)
            w.i64(6, rg.columns.reduce(0) { $0 + $1.totalCompressed })
            w.i16(7, Int16(truncatingIfNeeded: ordinal))
            w.endStruct()
        }
        if !keyValueMetadata.isEmpty {
            w.listField(5, elementType: .struct, count: keyValueMetadata.count)
            for (k, v) in keyValueMetadata {
                w.beginListStruct()
                w.binary(1, k)
                w.binary(2, v)
                w.endStruct()
            }
        }
        w.binary(6, createdBy)
        w.listField(7, elementType: .struct, count: schema.columns.count)
        for _ in schema.columns {
            w.beginListStruct()
            w.beginStruct(1); w.endStruct()  // TYPE_ORDER
            w.endStruct()
        }
        w.stop()
        return w.bytes
    }
}

extension ColumnType {
    /// thrift `Type`: INT32 1, INT64 2, DOUBLE 5, BYTE_ARRAY 6.
    var physicalType: Int32 {
        switch self {
        case .int64, .timestampMillis: 2
        case .double: 5
        case .string: 6
        case .date: 1
        }
    }

    /// thrift `ConvertedType`: UTF8 0, DATE 6, TIMESTAMP_MILLIS 9.
    var convertedType: Int32? {
        switch self {
        case .string: 0
        case .date: 6
        case .timestampMillis: 9
        case .int64, .double: nil
        }
    }
}

struct ColumnChunkMeta {
    var numValues: Int64
    var totalUncompressed: Int64
    var totalCompressed: Int64
    var dataPageOffset: Int64
    var nullCount: Int64
    var nanCount: Int64
    var minValue: [UInt8]?
    var maxValue: [UInt8]?
}

struct RowGroupMeta {
    var columns: [ColumnChunkMeta]
    var numRows: Int64
}

/// Encodes one column's pages for the current row group and keeps its statistics.
struct ColumnChunkBuilder {
    let spec: ColumnSpec
    /// Compressed pages (header + body) of the current row group.
    private(set) var chunkBytes: [UInt8] = []

    // current page
    private var values: [UInt8] = []
    private var levels: [UInt8] = []
    private var runValue: UInt8 = 0
    private var runLength = 0
    private var pageValues = 0

    // chunk totals
    private var numValues: Int64 = 0
    private var totalUncompressed: Int64 = 0
    private var totalCompressed: Int64 = 0
    private var nullCount: Int64 = 0
    private var nanCount: Int64 = 0
    private var minI64 = Int64.max, maxI64 = Int64.min
    private var minF64 = Double.infinity, maxF64 = -Double.infinity
    private var minBytes: [UInt8]? = nil, maxBytes: [UInt8]? = nil
    private var hasStat = false

    static let maxStatBytes = 1024

    init(spec: ColumnSpec) {
        self.spec = spec
        values.reserveCapacity(ParquetWriter.maxPageBytes + 64)
    }

    // MARK: definition levels (RLE runs, width 1)

    @inline(__always)
    private mutating func level(_ v: UInt8) {
        if runLength > 0 && v != runValue { flushRun() }
        runValue = v
        runLength += 1
    }

    private mutating func flushRun() {
        guard runLength > 0 else { return }
        var n = UInt64(runLength) << 1
        while n >= 0x80 { levels.append(UInt8(truncatingIfNeeded: n) | 0x80); n >>= 7 }
        levels.append(UInt8(n))
        levels.append(runValue)
        runLength = 0
    }

    // MARK: values

    @inline(__always)
    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { values.append(contentsOf: $0) }
    }

    @inline(__always)
    private mutating func null(table: String) throws {
        guard spec.nullable else { throw ParquetWriterError.nullInRequiredColumn(table: table, column: spec.name) }
        level(0)
        nullCount += 1
    }

    @inline(__always)
    private mutating func present() {
        if spec.nullable { level(1) }
    }

    @inline(__always)
    private mutating func endValue(_ compressor: PageCompressor) throws {
        pageValues += 1
        numValues += 1
        if values.count + levels.count >= ParquetWriter.maxPageBytes { try finishPage(compressor: compressor) }
    }

    mutating func append(_ column: ColumnValues, range: Range<Int>, table: String, compressor: PageCompressor) throws {
        switch (spec.type, column) {
        case (.int64, .int64(let a)), (.timestampMillis, .timestampMillis(let a)):
            for i in range {
                if let v = a[i] {
                    present(); appendLE(v)
                    if v < minI64 { minI64 = v }
                    if v > maxI64 { maxI64 = v }
                    hasStat = true
                } else { try null(table: table) }
                try endValue(compressor)
            }
        case (.date, .date(let a)):
            for i in range {
                if let v = a[i] {
                    present(); appendLE(v)
                    let w = Int64(v)
                    if w < minI64 { minI64 = w }
                    if w > maxI64 { maxI64 = w }
                    hasStat = true
                } else { try null(table: table) }
                try endValue(compressor)
            }
        case (.double, .double(let a)):
            for i in range {
                if let v = a[i] {
                    present(); appendLE(v.bitPattern)
                    if v.isNaN { nanCount += 1 } else {
                        if v < minF64 || (v == 0 && minF64 == 0) { minF64 = v == 0 ? -0.0 : v }
                        if v > maxF64 || (v == 0 && maxF64 == 0) { maxF64 = v == 0 ? 0.0 : v }
                        hasStat = true
                    }
                } else { try null(table: table) }
                try endValue(compressor)
            }
        case (.string, .string(let a)):
            for i in range {
                if var s = a[i] {
                    present()
                    s.withUTF8 { u in
                        appendLE(UInt32(u.count))
                        values.append(contentsOf: u)
                        if let mn = minBytes {
                            if u.lexicographicallyPrecedes(mn) { minBytes = Array(u) }
                        } else { minBytes = Array(u) }
                        if let mx = maxBytes {
                            if mx.lexicographicallyPrecedes(u) { maxBytes = Array(u) }
                        } else { maxBytes = Array(u) }
                    }
                    hasStat = true
                } else { try null(table: table) }
                try endValue(compressor)
            }
        default:
            throw ParquetWriterError.schemaMismatch(table: table, detail: "column \(spec.name) holds values of another type")
        }
    }

    // MARK: pages

    /// Closes the current page (if it has values): compresses the body and appends header + body.
    mutating func finishPage(compressor: PageCompressor) throws {
        guard pageValues > 0 else { return }
        var body: [UInt8]
        if spec.nullable {
            flushRun()
            body = []
            body.reserveCapacity(4 + levels.count + values.count)
            withUnsafeBytes(of: UInt32(levels.count).littleEndian) { body.append(contentsOf: $0) }
            body.append(contentsOf: levels)
            body.append(contentsOf: values)
        } else {
            body = values
        }
        let compressed = try compressor.compress(body)
        // PageHeader {1: DATA_PAGE, 2: uncompressed, 3: compressed, 5: DataPageHeader}
        var h = ThriftCompactWriter()
        h.i32(1, 0)
        h.i32(2, Int32(body.count))
        h.i32(3, Int32(compressed.count))
        h.beginStruct(5)
        h.i32(1, Int32(pageValues))
        h.i32(2, 0)  // PLAIN
        h.i32(3, 3)  // RLE
        h.i32(4, 3)  // RLE
        h.endStruct()
        h.stop()
        chunkBytes.append(contentsOf: h.bytes)
        chunkBytes.append(contentsOf: compressed)
        totalUncompressed += Int64(h.bytes.count + body.count)
        totalCompressed += Int64(h.bytes.count + compressed.count)
        values.removeAll(keepingCapacity: true)
        levels.removeAll(keepingCapacity: true)
        pageValues = 0
    }

    /// The chunk's metadata given the file offset of its first page; resets for the next row group.
    mutating func takeMeta(chunkOffset: Int64) -> ColumnChunkMeta {
        var minV: [UInt8]? = nil, maxV: [UInt8]? = nil
        if hasStat {
            switch spec.type {
            case .int64, .timestampMillis:
                minV = Self.le(minI64); maxV = Self.le(maxI64)
            case .date:
                minV = Self.le(Int32(minI64)); maxV = Self.le(Int32(maxI64))
            case .double:
                minV = Self.le(minF64.bitPattern); maxV = Self.le(maxF64.bitPattern)
            case .string:
                if let mn = minBytes, let mx = maxBytes, mn.count <= Self.maxStatBytes, mx.count <= Self.maxStatBytes {
                    minV = mn; maxV = mx
                }
            }
        }
        let meta = ColumnChunkMeta(numValues: numValues, totalUncompressed: totalUncompressed,
                                   totalCompressed: totalCompressed, dataPageOffset: chunkOffset,
                                   nullCount: nullCount, nanCount: nanCount, minValue: minV, maxValue: maxV)
        self = ColumnChunkBuilder(spec: spec)
        return meta
    }

    private static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }
}
