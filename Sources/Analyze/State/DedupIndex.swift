import Ingest

/// The de-duplication keys the state remembers, as one sorted array searched in memory.
///
/// ### Why not one SQLite row per key
/// A night of gateway logs carries hundreds of thousands of request ids. As indexed rows they
/// cost a B-tree insert each (measured: about a third of a whole run's time); as one sorted blob
/// per committed file they cost a `memcpy`, and looking them up is a binary search.
///
/// Layout of a blob: keys sorted ascending, 16 bytes each: `hi` then `lo`, little-endian.
public struct DedupIndex: Sendable {
    /// Sorted ascending, duplicates allowed.
    let keys: [DedupKey]

    public init(keys: [DedupKey]) { self.keys = keys.sorted() }

    /// Concatenates and sorts encoded key sets.
    init(blobs: [[UInt8]]) {
        var all: [DedupKey] = []
        all.reserveCapacity(blobs.reduce(0) { $0 + $1.count / 16 })
        for b in blobs { Self.decode(b, into: &all) }
        all.sort()
        self.keys = all
    }

    public var count: Int { keys.count }

    /// - Complexity: O(log n).
    public func contains(_ key: DedupKey) -> Bool {
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == key
    }

    static func encode(_ sorted: [DedupKey]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(sorted.count * 16)
        for k in sorted {
            withUnsafeBytes(of: k.hi.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: k.lo.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], into out: inout [DedupKey]) {
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i + 16 <= raw.count {
                let hi = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let lo = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                out.append(DedupKey(hi: hi, lo: lo))
                i += 16
            }
        }
    }
}
