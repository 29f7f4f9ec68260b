import GRDB
import Ingest

extension StateStore {
    /// Which of `keys` the state remembers from files other than `excludingPaths` (a file being
    /// re-read whole must not find its own previous keys).
    /// - Complexity: one indexed lookup per distinct key.
    public func knownDedupKeys(_ keys: [DedupKey], excludingPaths: Set<String>) throws -> Set<DedupKey> {
        if excludingPaths.isEmpty { return try knownDedupKeys(keys) }
        if keys.isEmpty { return [] }
        return try guarded {
            try dbQueue.read { db in
                let lookup = try db.cachedStatement(sql: "SELECT path FROM dedup_keys WHERE hi = ? AND lo = ?")
                var known = Set<DedupKey>()
                var seen = Set<DedupKey>(minimumCapacity: keys.count)
                for key in keys where seen.insert(key).inserted {
                    let owner = try String.fetchOne(lookup, arguments: [Int64(bitPattern: key.hi), Int64(bitPattern: key.lo)])
                    if let owner, !excludingPaths.contains(owner) { known.insert(key) }
                }
                return known
            }
        }
    }
}
