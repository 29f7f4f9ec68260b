/// Sorting table rows by (day, string columns…) without comparing strings row by row.
///
/// A usage table of a year holds tens of thousands of rows but only hundreds of distinct
/// strings (sources, providers, models, teams, principals). `RankedOrder` gives each distinct
/// string its rank in `String` order once, then sorts rows on integer tuples. The order is the
/// one a sort on the `(day, s1, s2, …)` tuples gives (`String.<`, and equal strings have one
/// rank), so outputs do not change; the cost is one dictionary look-up per cell instead of a
/// few string comparisons per row and column at every step of the sort.
struct RankedOrder {
    private var ids: [String: Int32] = [:]
    private var strings: [String] = []
    /// Row-major: `width` values per row, the day first, then string ids (ranks after `order()`).
    private var cells: [Int32] = []
    private let width: Int

    /// - Parameter columns: string columns per row (the day comes on top of these).
    init(columns: Int, capacity: Int) {
        width = columns + 1
        cells.reserveCapacity(capacity * width)
    }

    /// Appends one row's key: its day, then its string columns in sort order.
    mutating func add(day: Int32, _ s: String...) {
        precondition(s.count + 1 == width, "RankedOrder: \(s.count) strings for \(width - 1) columns")
        cells.append(day)
        for v in s { cells.append(id(v)) }
    }

    private mutating func id(_ s: String) -> Int32 {
        if let i = ids[s] { return i }
        let i = Int32(strings.count)
        ids[s] = i
        strings.append(s)
        return i
    }

    /// The row indices in ascending key order (stable: equal keys keep insertion order).
    mutating func order() -> [Int] {
        // id → rank in String order.
        let byString = strings.indices.sorted { strings[$0] < strings[$1] }
        var rank = [Int32](repeating: 0, count: strings.count)
        for (r, id) in byString.enumerated() { rank[id] = Int32(r) }
        let w = width
        let rows = cells.count / w
        for r in 0..<rows {
            for c in 1..<w { cells[r * w + c] = rank[Int(cells[r * w + c])] }
        }
        return cells.withUnsafeBufferPointer { k in
            Array(0..<rows).sorted { x, y in
                let a = x * w, b = y * w
                for c in 0..<w where k[a + c] != k[b + c] { return k[a + c] < k[b + c] }
                return x < y
            }
        }
    }
}
