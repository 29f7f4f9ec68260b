import Foundation
import GRDB

extension StateStore {
    /// Moves what the state holds under an earlier spelling of a file's path to its canonical
    /// path (`PathResolver`): states written before paths were canonical recorded each file as
    /// the run was given it (`logs/a.jsonl`), so the same file reached by another spelling would
    /// have been read again as a new file and its records without a de-duplication key counted
    /// twice.
    ///
    /// For each `(canonical, given)` pair with `given` in the ledger and `canonical` not, the
    /// ledger row, its day parts, de-duplication keys and stale mark are renamed, all in one
    /// transaction (none when no pair applies). Costs one read of the recorded paths when any
    /// spelling differs from its canonical path.
    /// - Returns: the number of files renamed.
    /// - Throws: `StateError.database` (rolled back: nothing renamed).
    @discardableResult
    public func adoptEarlierSpellings(_ pairs: [(canonical: String, given: String)]) throws -> Int {
        if pairs.isEmpty { return 0 }
        return try guarded {
            // One read of the recorded paths; a state written from this version on holds canonical
            // paths only, so nothing matches and nothing is written.
            let recorded = try dbQueue.read { db in try String.fetchSet(db, sql: "SELECT path FROM files") }
            let candidates = pairs.filter { recorded.contains($0.given) && !recorded.contains($0.canonical) }
            if candidates.isEmpty { return 0 }
            return try dbQueue.write { db in
                var renamed = 0
                for (canonical, given) in candidates {
                    let taken = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM files WHERE path = ?)", arguments: [canonical]) ?? false
                    if taken { continue }
                    for table in ["files", "file_days", "dedup_sets", "stale_files"] {
                        try db.execute(sql: "UPDATE \(table) SET path = ? WHERE path = ?", arguments: [canonical, given])
                    }
                    renamed += 1
                }
                if renamed > 0 {
                    try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                }
                return renamed
            }
        }
    }
}
