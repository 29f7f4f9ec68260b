import Foundation
import GRDB

extension StateStore {
    /// Moves what the state holds under an earlier spelling of a file's path to its canonical
    /// path (`PathResolver`): states written before paths were canonical recorded each file as
    /// the run was given it (`logs/a.jsonl`), so the same file reached by another spelling would
    /// have been read again as a new file and its records without a de-duplication key counted
    /// twice.
    ///
    /// For each `(canonical, given)` pair with `given` in the ledger and `canonical` not
    /// (`isRecorded`: whether the ledger, as the caller loaded it, holds a path), the ledger row,
    /// its day parts (energy parts too), de-duplication keys and stale mark are renamed, all in
    /// one transaction (none when no pair applies).
    /// - Returns: the pairs renamed.
    /// - Throws: `StateError.database` (rolled back: nothing renamed).
    @discardableResult
    public func adoptEarlierSpellings(
        _ pairs: [(canonical: String, given: String)], isRecorded: (String) -> Bool
    ) throws -> [(canonical: String, given: String)] {
        let candidates = pairs.filter { isRecorded($0.given) && !isRecorded($0.canonical) }
        if candidates.isEmpty { return [] }
        return try guarded {
            try dbQueue.write { db in
                for (canonical, given) in candidates {
                    for table in ["files", "file_days", "energy_file_days", "dedup_sets", "stale_files"] {
                        try db.execute(sql: "UPDATE \(table) SET path = ? WHERE path = ?", arguments: [canonical, given])
                    }
                }
                try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                return candidates
            }
        }
    }
}
