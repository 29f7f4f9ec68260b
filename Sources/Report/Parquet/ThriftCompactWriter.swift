/// A minimal encoder for the Thrift **compact protocol**, enough for Parquet's footer and page
/// headers (structs, i8/i16/i32/i64, bool, double, binary, lists).
///
/// Format facts (apache/thrift:doc/specs/thrift-compact-protocol.md, restated in
/// `tech/PARQUET.md §2`):
/// - varint = unsigned LEB128, low 7-bit group first (50399 → `DF 89 03`);
/// - i16/i32/i64 = zigzag then varint (0→0, −1→1, 1→2, −2→3);
/// - field header = one byte `(delta << 4) | type` when 1 ≤ delta ≤ 15, otherwise the type byte
///   followed by the field id as a zigzag varint; delta is relative to the previous field id of
///   the *same* struct (0 at the start of each struct, restored after a nested struct);
/// - bool fields carry their value in the type nibble (1 = true, 2 = false);
/// - list header = `(size << 4) | elemType` for size < 15, else `0xF0 | elemType` + varint size;
/// - a struct ends with a stop byte `00`.
///
/// Usage (writes a struct `{1: i32 1, 4: "schema"}` followed by its stop byte):
///
///     var w = ThriftCompactWriter()
///     w.i32(1, 1); w.binary(4, "schema"); w.stop()
struct ThriftCompactWriter {
    /// Compact-protocol type nibbles (`tech/PARQUET.md §2`).
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, i8 = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
        case binary = 8, list = 9, set = 10, map = 11, `struct` = 12
    }

    /// The encoded bytes so far.
    private(set) var bytes: [UInt8] = []
    /// Last field id written in the struct being written.
    private var lastFieldId: Int16 = 0
    /// Saved `lastFieldId`s of the enclosing structs.
    private var stack: [Int16] = []

    init() {}

    // MARK: primitives

    /// Unsigned LEB128.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zigzag mapping for 64-bit values: (n << 1) ^ (n >> 63).
    static func zigzag(_ n: Int64) -> UInt64 {
        UInt64(bitPattern: (n << 1) ^ (n >> 63))
    }

    /// Zigzag mapping for 32-bit values: (n << 1) ^ (n >> 31).
    static func zigzag32(_ n: Int32) -> UInt32 {
        UInt32(bitPattern: (n << 1) ^ (n >> 31))
    }

    private mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = Int(id) - Int(lastFieldId)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta << 4) | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(UInt64(Self.zigzag32(Int32(id))))
        }
        lastFieldId = id
    }

    // MARK: fields

    mutating func bool(_ id: Int16, _ value: Bool) {
        fieldHeader(id, value ? .boolTrue : .boolFalse)
    }

    mutating func i8(_ id: Int16, _ value: Int8) {
        fieldHeader(id, .i8)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func i16(_ id: Int16, _ value: Int16) {
        fieldHeader(id, .i16)
        varint(UInt64(Self.zigzag32(Int32(value))))
    }

    mutating func i32(_ id: Int16, _ value: Int32) {
        fieldHeader(id, .i32)
        varint(UInt64(Self.zigzag32(value)))
    }

    mutating func i64(_ id: Int16, _ value: Int64) {
        fieldHeader(id, .i64)
        varint(Self.zigzag(value))
    }

    mutating func double(_ id: Int16, _ value: Double) {
        fieldHeader(id, .double)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func binary(_ id: Int16, _ value: some Collection<UInt8>) {
        fieldHeader(id, .binary)
        rawBinary(value)
    }

    mutating func binary(_ id: Int16, _ value: String) {
        binary(id, Array(value.utf8))
    }

    /// A binary/string value without a field header (list element).
    mutating func rawBinary(_ value: some Collection<UInt8>) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A zigzag i32 value without a field header (list element, e.g. an enum).
    mutating func rawI32(_ value: Int32) {
        varint(UInt64(Self.zigzag32(value)))
    }

    // MARK: structs and lists

    /// Starts a struct-typed field; end it with `endStruct()`.
    mutating func beginStruct(_ id: Int16) {
        fieldHeader(id, .struct)
        stack.append(lastFieldId)
        lastFieldId = 0
    }

    /// Starts a struct that is a list element (no field header); end it with `endStruct()`.
    mutating func beginListStruct() {
        stack.append(lastFieldId)
        lastFieldId = 0
    }

    /// Writes the stop byte of the current nested struct and restores the outer struct's last id.
    mutating func endStruct() {
        bytes.append(0)
        lastFieldId = stack.removeLast()
    }

    /// Writes the stop byte of the outermost struct.
    mutating func stop() {
        bytes.append(0)
    }

    /// A list-typed field header: elements follow without field headers.
    mutating func listField(_ id: Int16, elementType: FieldType, count: Int) {
        fieldHeader(id, .list)
        listHeader(elementType: elementType, count: count)
    }

    mutating func listHeader(elementType: FieldType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count << 4) | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            varint(UInt64(count))
        }
    }
}
