/// A typed, column-oriented table: what Analyze builds and Report writes.
///
/// Column types follow `CONTRACT.md` ("Tables"): INT64, DOUBLE, STRING, DATE (days since
/// 1970-01-01) and TIMESTAMP (UTC milliseconds since the epoch). Nulls are `nil`.
public enum ColumnType: String, Sendable, Hashable {
    case int64, double, string, date, timestampMillis
}

/// A column's name, type and nullability (`nullable` = OPTIONAL in Parquet).
public struct ColumnSpec: Sendable, Hashable {
    public var name: String
    public var type: ColumnType
    public var nullable: Bool

    public init(_ name: String, _ type: ColumnType, nullable: Bool = false) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// A table's name (file / sheet name) and its columns in order.
public struct TableSchema: Sendable, Hashable {
    public var name: String
    public var columns: [ColumnSpec]

    public init(name: String, columns: [ColumnSpec]) {
        self.name = name
        self.columns = columns
    }
}

/// The values of one column. `date` values are days since 1970-01-01; `timestampMillis` values
/// are UTC milliseconds.
public enum ColumnValues: Sendable, Hashable {
    case int64([Int64?])
    case double([Double?])
    case string([String?])
    case date([Int32?])
    case timestampMillis([Int64?])

    public var count: Int {
        switch self {
        case .int64(let v): v.count
        case .double(let v): v.count
        case .string(let v): v.count
        case .date(let v): v.count
        case .timestampMillis(let v): v.count
        }
    }

    /// An empty column of `type`.
    public static func empty(_ type: ColumnType) -> ColumnValues {
        switch type {
        case .int64: .int64([])
        case .double: .double([])
        case .string: .string([])
        case .date: .date([])
        case .timestampMillis: .timestampMillis([])
        }
    }
}

/// A batch of rows of one table, stored column by column (`columns[i]` matches
/// `schema.columns[i]`; all columns have `rowCount` values).
public struct TableBatch: Sendable, Hashable {
    public var schema: TableSchema
    public var columns: [ColumnValues]

    public init(schema: TableSchema, columns: [ColumnValues]) {
        precondition(columns.count == schema.columns.count, "table \(schema.name): \(columns.count) columns for a schema of \(schema.columns.count)")
        self.schema = schema
        self.columns = columns
    }

    public var rowCount: Int { columns.first?.count ?? 0 }
}

/// Builds a `TableBatch` row by row.
///
///     var b = TableBuilder(schema)
///     b.append(.date(20_000), .string("litellm"), .int64(3))
///     let batch = b.build()
public struct TableBuilder: Sendable {
    public let schema: TableSchema
    var ints: [[Int64?]]
    var doubles: [[Double?]]
    var strings: [[String?]]
    var dates: [[Int32?]]
    var stamps: [[Int64?]]

    public init(_ schema: TableSchema) {
        self.schema = schema
        let n = schema.columns.count
        ints = Array(repeating: [], count: n)
        doubles = Array(repeating: [], count: n)
        strings = Array(repeating: [], count: n)
        dates = Array(repeating: [], count: n)
        stamps = Array(repeating: [], count: n)
    }

    /// One cell value; `.null` for a null of any type.
    public enum Cell: Sendable {
        case int64(Int64?)
        case double(Double?)
        case string(String?)
        case date(Int32?)
        case timestampMillis(Int64?)
        case null
    }

    /// Appends one row; cells in schema order. Traps when a cell's type does not match its column.
    public mutating func append(_ cells: Cell...) { append(row: cells) }

    public mutating func append(row cells: [Cell]) {
        precondition(cells.count == schema.columns.count, "table \(schema.name): row of \(cells.count) cells")
        for (i, c) in cells.enumerated() {
            let t = schema.columns[i].type
            switch (t, c) {
            case (.int64, .int64(let v)): ints[i].append(v)
            case (.double, .double(let v)): doubles[i].append(v)
            case (.string, .string(let v)): strings[i].append(v)
            case (.date, .date(let v)): dates[i].append(v)
            case (.timestampMillis, .timestampMillis(let v)): stamps[i].append(v)
            case (.int64, .null): ints[i].append(nil)
            case (.double, .null): doubles[i].append(nil)
            case (.string, .null): strings[i].append(nil)
            case (.date, .null): dates[i].append(nil)
            case (.timestampMillis, .null): stamps[i].append(nil)
            default: preconditionFailure("table \(schema.name) column \(schema.columns[i].name): \(c) for \(t)")
            }
        }
    }

    public var rowCount: Int {
        guard let first = schema.columns.first else { return 0 }
        switch first.type {
        case .int64: return ints[0].count
        case .double: return doubles[0].count
        case .string: return strings[0].count
        case .date: return dates[0].count
        case .timestampMillis: return stamps[0].count
        }
    }

    public func build() -> TableBatch {
        let cols: [ColumnValues] = schema.columns.enumerated().map { i, c in
            switch c.type {
            case .int64: .int64(ints[i])
            case .double: .double(doubles[i])
            case .string: .string(strings[i])
            case .date: .date(dates[i])
            case .timestampMillis: .timestampMillis(stamps[i])
            }
        }
        return TableBatch(schema: schema, columns: cols)
    }
}
