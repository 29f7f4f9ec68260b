import Analyze
import Foundation
import GRDB
import Ingest

/// What one file's read adds to the state, committed with its ledger row in one transaction.
public struct FileCommit: Sendable {
    /// The ledger row (keyed by `record.path`).
    public var record: IngestFileRecord
    /// The file was read from the start: its earlier `file_days` parts and claims are dropped.
    public var replace: Bool
    /// This read's contribution per day (serialized `Aggregates`, one day each).
    public var days: [Int32: [UInt8]]
    /// The de-duplication claims this read counted (`ClaimEntry.encode`), or empty.
    public var claims: [UInt8]
    /// Number of entries in `claims`.
    public var claimCount: Int
    /// Newest event instant of the claims (UTC epoch ms), for `--dedup-days` expiry.
    public var claimsMaxInstantMs: Int64
    /// The file must be read again (it lost a key while it was being read); nil leaves the mark
    /// as it is (a failed read changes nothing but the ledger row).
    public var stale: Bool?
    /// This read's GPU energy / server-token contribution per day (serialized
    /// `EnergyAggregates`), stored in `energy_file_days` (issue 17).
    public var energyDays: [Int32: [UInt8]] = [:]

    public init(record: IngestFileRecord, replace: Bool, days: [Int32: [UInt8]] = [:], claims: [UInt8] = [], claimCount: Int = 0, claimsMaxInstantMs: Int64 = 0, stale: Bool? = false) {
        self.record = record
        self.replace = replace
        self.days = days
        self.claims = claims
        self.claimCount = claimCount
        self.claimsMaxInstantMs = claimsMaxInstantMs
        self.stale = stale
    }
}

extension StateStore {
    /// Records several files' reads in ONE transaction (all or nothing, even on `kill -9`). Per
    /// commit, in order:
    ///
    /// 1. `replace`: deletes the file's `file_days` parts (their days become dirty) and claims;
    /// 2. upserts the ledger row;
    /// 3. adds one `file_days` part per day of `days` (the days become dirty);
    /// 4. adds the claims as one `dedup_sets` row;
    /// 5. records or clears the file's stale mark.
    ///
    /// Then marks `staleOwners` (files that lost a key to one of these commits) stale. Dirty days
    /// are merged into `day_aggregates` by `refreshDirtyDays()`.
    /// - Throws: `StateError.database` (the transaction is rolled back: nothing is recorded).
    public func commit(_ commits: [FileCommit], staleOwners: [String] = []) throws {
        try commit(commits, staleOwners: staleOwners, midway: nil)
    }

    /// `commit` with a hook run inside the transaction after everything is written and before the
    /// commit: tests make it throw (or `kill -9` the process) to check that nothing is recorded.
    func commit(_ commits: [FileCommit], staleOwners: [String], midway: ((Database) throws -> Void)?) throws {
        if commits.isEmpty && staleOwners.isEmpty { return }
        try guarded {
            try dbQueue.write { db in
                for c in commits {
                    let path = c.record.path
                    if c.replace {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO dirty_days (day) SELECT DISTINCT day FROM file_days WHERE path = ?",
                            arguments: [path])
                        try db.execute(sql: "DELETE FROM file_days WHERE path = ?", arguments: [path])
                        try db.execute(sql: "DELETE FROM energy_file_days WHERE path = ?", arguments: [path])
                        try db.execute(sql: "DELETE FROM dedup_sets WHERE path = ?", arguments: [path])
                    }
                    try Self.upsert(c.record, db)
                    for (day, blob) in c.days.sorted(by: { $0.key < $1.key }) {
                        try db.execute(
                            sql: "INSERT INTO file_days (path, day, blob) VALUES (?, ?, ?)",
                            arguments: [path, Int64(day), Data(blob)])
                        try db.execute(sql: "INSERT OR IGNORE INTO dirty_days (day) VALUES (?)", arguments: [Int64(day)])
                    }
                    for (day, blob) in c.energyDays.sorted(by: { $0.key < $1.key }) {
                        try db.execute(
                            sql: "INSERT INTO energy_file_days (path, day, blob) VALUES (?, ?, ?)",
                            arguments: [path, Int64(day), Data(blob)])
                    }
                    if c.claimCount > 0 {
                        try db.execute(
                            sql: "INSERT INTO dedup_sets (path, max_instant_ms, key_count, keys, stored_ms) VALUES (?, ?, ?, ?, ?)",
                            arguments: [path, c.claimsMaxInstantMs, c.claimCount, Data(c.claims), Int64(Date().timeIntervalSince1970 * 1000)])
                    }
                    if c.stale == true {
                        try db.execute(sql: "INSERT OR IGNORE INTO stale_files (path) VALUES (?)", arguments: [path])
                    } else if c.stale == false {
                        try db.execute(sql: "DELETE FROM stale_files WHERE path = ?", arguments: [path])
                    }
                }
                for path in staleOwners {
                    try db.execute(sql: "INSERT OR IGNORE INTO stale_files (path) VALUES (?)", arguments: [path])
                }
                try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('content_id', ?)", arguments: [Self.newContentID()])
                try midway?(db)
            }
        }
    }

    /// Merges the `file_days` parts of every dirty day into `day_aggregates` (a day with no part
    /// left is removed) and clears the dirty marks, in one transaction. Returns the days merged.
    /// - Throws: `StateError.database`; `Aggregates.DecodingError` for a damaged blob.
    @discardableResult
    public func refreshDirtyDays() throws -> [Int32] {
        try guarded {
            try dbQueue.write { db in
                let days = try Int64.fetchAll(db, sql: "SELECT day FROM dirty_days ORDER BY day")
                for day in days {
                    var merged = Aggregates()
                    let rows = try Row.fetchCursor(db, sql: "SELECT blob FROM file_days WHERE day = ?", arguments: [day])
                    var any = false
                    while let row = try rows.next() {
                        let data: Data = row[0] ?? Data()
                        merged.merge(try Aggregates(serialized: [UInt8](data)))
                        any = true
                    }
                    if any {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO day_aggregates (day, blob) VALUES (?, ?)",
                            arguments: [day, Data(merged.serialized())])
                    } else {
                        try db.execute(sql: "DELETE FROM day_aggregates WHERE day = ?", arguments: [day])
                    }
                }
                try db.execute(sql: "DELETE FROM dirty_days")
                return days.map { Int32(truncatingIfNeeded: $0) }
            }
        }
    }

    /// Everything the state holds for the days of `window` (inclusive day numbers; nil = all),
    /// merged from `day_aggregates`. Call `refreshDirtyDays()` first.
    public func dayAggregates(window: ClosedRange<Int32>?) throws -> Aggregates {
        try guarded {
            try dbQueue.read { db in
                var merged = Aggregates()
                let rows: RowCursor
                if let window {
                    rows = try Row.fetchCursor(
                        db, sql: "SELECT blob FROM day_aggregates WHERE day BETWEEN ? AND ? ORDER BY day",
                        arguments: [Int64(window.lowerBound), Int64(window.upperBound)])
                } else {
                    rows = try Row.fetchCursor(db, sql: "SELECT blob FROM day_aggregates ORDER BY day")
                }
                // One day decoded at a time, merged and freed: memory holds the merged tables and
                // one day, not every day twice.
                while let row = try rows.next() {
                    let data: Data = row[0] ?? Data()
                    merged.merge(try Aggregates(serialized: [UInt8](data)))
                }
                return merged
            }
        }
    }

    /// Every file's remembered claims (`ClaimEntry.encode` blobs), except those of `excludingPaths`
    /// (files read again from the start because their content changed).
    func claimSets(excludingPaths: Set<String>) throws -> [(path: String, bytes: [UInt8])] {
        try guarded {
            try dbQueue.read { db in
                var sets: [(path: String, bytes: [UInt8])] = []
                let rows = try Row.fetchCursor(db, sql: "SELECT path, keys FROM dedup_sets")
                while let row = try rows.next() {
                    let path: String = row[0]
                    if excludingPaths.contains(path) { continue }
                    let data: Data = row[1]
                    sets.append((path, [UInt8](data)))
                }
                return sets
            }
        }
    }

    /// States written before tool calls and permission decisions were keyed (`ClaimEntry.Kind`
    /// `toolCall`, `permission`) hold no claims for them, so a copy read later would count them
    /// a second time. On the first run of this version on such a state (meta
    /// `tool_claims_pending`, set by the "v2-tool-claims" migration), the agent transcripts
    /// (`claude_code`, `codex`) whose newest event is at or after `cutoffMs` (the `--dedup-days`
    /// horizon; nil: all) are marked stale, so the run reads them again from the start and they
    /// claim their tool keys (their llm claims are unchanged). Older files keep their counts
    /// without tool claims: their keys would have expired by now. One transaction: a run killed
    /// afterwards still finds the marks.
    /// - Returns: the number of files marked (0 when the state needed nothing).
    @discardableResult
    public func markTranscriptsForToolClaims(newestEventAtOrAfterMs cutoffMs: Int64?) throws -> Int {
        try guarded {
            try dbQueue.write { db in
                guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'tool_claims_pending'") != nil
                else { return 0 }
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO stale_files (path)
                        SELECT path FROM files WHERE format IN ('claude_code', 'codex') AND status != 'failed'
                            AND last_event_ms IS NOT NULL AND (? IS NULL OR last_event_ms >= ?)
                        """,
                    arguments: [cutoffMs, cutoffMs])
                let n = db.changesCount
                try db.execute(sql: "DELETE FROM meta WHERE key = 'tool_claims_pending'")
                return n
            }
        }
    }

    /// Files marked stale (to be read again from the start).
    public func staleFiles() throws -> Set<String> {
        try guarded {
            try dbQueue.read { db in Set(try String.fetchAll(db, sql: "SELECT path FROM stale_files")) }
        }
    }

    /// Every ledger row by path.
    public func ledgerByPath() throws -> [String: IngestFileRecord] {
        var d: [String: IngestFileRecord] = [:]
        for r in try allLedger() { d[r.path] = r }
        return d
    }

    /// Per file, the inclusive day range its `file_days` parts cover (for `--since/--until`
    /// pruning). Files without a part are absent.
    public func fileDayRanges() throws -> [String: ClosedRange<Int32>] {
        try guarded {
            try dbQueue.read { db in
                var result: [String: ClosedRange<Int32>] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT path, min(day), max(day) FROM file_days GROUP BY path")
                while let row = try rows.next() {
                    let path: String = row[0]
                    let low: Int64 = row[1]
                    let high: Int64 = row[2]
                    result[path] = Int32(truncatingIfNeeded: low)...Int32(truncatingIfNeeded: high)
                }
                return result
            }
        }
    }

    /// The inclusive day range of one file's `file_days` parts, or nil when it has none.
    public func dayRange(path: String) throws -> ClosedRange<Int32>? {
        try guarded {
            try dbQueue.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT min(day), max(day) FROM file_days WHERE path = ?", arguments: [path]),
                    let low: Int64 = row[0], let high: Int64 = row[1]
                else { return nil }
                return Int32(truncatingIfNeeded: low)...Int32(truncatingIfNeeded: high)
            }
        }
    }

    /// The `file_days` parts (serialized) of one file, by day then read (tests and diagnostics).
    public func fileDays(path: String) throws -> [(day: Int32, blob: [UInt8])] {
        try guarded {
            try dbQueue.read { db in
                try Row.fetchAll(db, sql: "SELECT day, blob FROM file_days WHERE path = ? ORDER BY day, id", arguments: [path]).map {
                    (Int32(truncatingIfNeeded: $0[0] as Int64), [UInt8]($0[1] as Data))
                }
            }
        }
    }

    /// Days waiting for `refreshDirtyDays()` (tests and diagnostics).
    public func dirtyDays() throws -> [Int32] {
        try guarded {
            try dbQueue.read { db in try Int64.fetchAll(db, sql: "SELECT day FROM dirty_days ORDER BY day").map { Int32(truncatingIfNeeded: $0) } }
        }
    }

    /// Increases at every commit: a state whose generation equals the one an output folder was
    /// written from holds nothing new for it.
    public func generation() throws -> Int64 {
        try guarded {
            try dbQueue.read { db in
                Int64(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") ?? "0") ?? 0
            }
        }
    }

    /// Names what the state holds: a random value replaced by every commit (and set when the state
    /// is created), so two states, or two moments of one state, with the same id hold the same
    /// aggregates and an output folder written from that id can be taken over as it is
    /// (`OutputManifest`). Nil for a state opened read-only before it had one.
    public func contentID() throws -> String? {
        try guarded {
            try dbQueue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'content_id'") }
        }
    }

    static func newContentID() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16) + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Schema 1 → 2: contributions (one multi-day blob per read) become per-day `file_days`
    /// parts and `day_aggregates`; remembered 16-byte keys become claims of the `legacy` kind
    /// (they keep their first owner, as schema 1 did); `stale_files`, `dirty_days` and the
    /// `generation` counter are added.
    static func migrateToDays(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE file_days (id INTEGER PRIMARY KEY, path TEXT NOT NULL, day INTEGER NOT NULL, blob BLOB NOT NULL);
                CREATE INDEX file_days_path ON file_days(path);
                CREATE INDEX file_days_day ON file_days(day);
                CREATE TABLE day_aggregates (day INTEGER PRIMARY KEY, blob BLOB NOT NULL);
                CREATE TABLE dirty_days (day INTEGER PRIMARY KEY);
                CREATE TABLE stale_files (path TEXT PRIMARY KEY NOT NULL);
                INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', '0');
                UPDATE meta SET value = '2' WHERE key = 'schema_version';
                """)
        let rows = try Row.fetchAll(db, sql: "SELECT path, min_day, blob FROM contributions ORDER BY id")
        for row in rows {
            let path: String = row[0]
            let minDay: Int64? = row[1]
            let data: Data = row[2]
            var agg = try Aggregates(serialized: [UInt8](data))
            // Schema 1 kept no day for unpriced models: file them under the read's first day.
            let unpricedDay = Int32(truncatingIfNeeded: minDay ?? 0)
            var unpriced: [UnpricedKey: UnpricedStats] = [:]
            for (k, v) in agg.unpriced {
                unpriced[UnpricedKey(source: k.source, model: k.model, day: unpricedDay), default: UnpricedStats()].merge(v)
            }
            agg.unpriced = unpriced
            for (day, part) in agg.splitByDay() {
                try db.execute(
                    sql: "INSERT INTO file_days (path, day, blob) VALUES (?, ?, ?)",
                    arguments: [path, Int64(day), Data(part.serialized())])
                try db.execute(sql: "INSERT OR IGNORE INTO dirty_days (day) VALUES (?)", arguments: [Int64(day)])
            }
        }
        try db.execute(sql: "DROP TABLE contributions")
        let sets = try Row.fetchAll(db, sql: "SELECT id, keys FROM dedup_sets")
        for row in sets {
            let id: Int64 = row[0]
            let data: Data = row[1]
            var keys: [DedupKey] = []
            DedupIndex.decode([UInt8](data), into: &keys)
            let entries = keys.map { ($0, ClaimEntry(rank: .max, owner: 0, line: 0, kind: .legacy)) }
            try db.execute(
                sql: "UPDATE dedup_sets SET keys = ?, key_count = ? WHERE id = ?",
                arguments: [Data(ClaimEntry.encode(entries)), entries.count, id])
        }
    }
}
