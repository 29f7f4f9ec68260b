import Analyze
import Foundation
import GRDB
import Ingest

// The C SQLite API GRDB is built on (a system-library module of the GRDB package), used for the
// two loops over up to ~100k dedup keys, where GRDB's per-call `StatementArguments` cost 2-3x.
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// The persistent state of nightly incremental runs (`--state FILE`, issue 6 items 1, 2 and 5):
/// an SQLite database, through GRDB, holding
///
/// * `meta(key, value)`: `schema_version`, `tz` (the `--tz` the state was built with),
///   `created` (ISO-8601 UTC), `generation`, and `tool_claims_pending` until the first run after
///   the "v2-tool-claims" migration (`markTranscriptsForToolClaims`);
/// * `files`: the ingest ledger, one row per input path, every field of `IngestFileRecord`;
/// * `file_days`: what each file contributed to each day (days since 1970-01-01 in the report
///   time zone), one serialized `Aggregates` blob per (file, day, read): the first read, then one
///   per append; kept so that a rewritten or re-read file's part can be taken out of its days;
/// * `day_aggregates`: per day, the merge of that day's `file_days` blobs, maintained at each
///   commit (`dirty_days` lists the days still to merge), so exporting costs the days, not the
///   files;
/// * `dedup_sets`: the de-duplication claims that must hold across files and nights, one blob per
///   commit (`ClaimEntry`: key, rank, line; `CONTRACT.md`, "Keys are remembered across files and
///   nightly runs"), with the file that owns them and the event instant (UTC epoch ms) used to
///   expire them after `--dedup-days`;
/// * `stale_files`: files that counted a key a better record (read later) now owns: they are
///   read again before anything else.
///
/// ### Crash safety
/// The database runs in WAL mode with `synchronous = NORMAL`. Each `commitFile` / `updateLedger`
/// is one SQLite transaction: a process killed at any point (`kill -9`) leaves either the whole
/// file's ledger row, contributions and keys, or none of them. (`NORMAL` in WAL mode can lose the
/// last commits on a power cut or OS crash, never on a process crash, and never corrupts: a lost
/// commit just means the file is read again next run.)
///
/// ### Exclusive use
/// `init` takes a non-blocking `flock` on the state database file itself and keeps it until
/// `close()` (or deinit): a second run on the same state, through any path (a symlink, a hard
/// link), is refused with `StateError.locked` instead of waiting or corrupting it. See
/// `StateLock`.
///
/// ### A state that is not whole
/// An existing file that is empty, cut short, not SQLite or not factorylog's is refused
/// (`.emptyState`, `.damaged`, `.notAState`), never replaced; `--rebuild` empties it on purpose.
/// A new state is created complete under another name and then linked into place. See
/// `StateFile`.
///
/// ### Integers
/// `UInt64` values (dedup key halves, fingerprints) are stored as the `Int64` with the same bit
/// pattern, because SQLite integers are signed 64-bit.
///
/// All methods are synchronous and serialized on one connection (GRDB `DatabaseQueue`); the store
/// is `Sendable` and may be shared between tasks (it is `@unchecked` only because of the lock that
/// guards `close()` against calls in flight; the database itself is GRDB's `Sendable` queue).
/// Errors from SQLite are thrown as `StateError.database`, after the transaction in progress has
/// been rolled back.
public final class StateStore: @unchecked Sendable {
    /// The state file path as given.
    public let path: String
    /// The report time zone (`--tz`, IANA name) recorded in the state.
    public let timeZone: String

    let dbQueue: DatabaseQueue
    private let lock: StateLock
    /// Guards `isClosed`; held for the duration of every call so `close()` waits for calls in flight
    /// (GRDB crashes on a closed connection instead of throwing).
    private let gate = NSLock()
    private var isClosed = false

    /// The value of `PRAGMA application_id` marking a factorylog state ("flog").
    static let applicationID: Int32 = 0x666C_6F67
    /// Current schema version, recorded in `meta.schema_version`.
    public static let schemaVersion = 2

    /// Opens (creating if needed) the state at `path`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file (`--state`). Its folder must exist. `<path>-wal` and
    ///     `<path>-shm` are created beside it (and `<path>.new-<pid>` while a new state is made).
    ///   - timeZone: the report time zone (`--tz`). Recorded when the state is created; must match
    ///     afterwards, because stored aggregates are bucketed by day in that zone.
    ///   - rebuild: `--rebuild`: empty the state file (whatever it contains, even if damaged,
    ///     empty or built with another `--tz`) and start a new state in it. The lock is taken
    ///     first, so a running process's state is never erased under it.
    /// - Throws: `StateError.locked` when another run (or another open `StateStore`) holds the
    ///   state; `.timeZoneMismatch(stored:requested:)` when the state was built with another
    ///   `--tz` (the message explains `--rebuild`); `.notAState` / `.newerSchema` for a database
    ///   that is not ours / too new; `.emptyState` / `.damaged` for a file that is empty / cut
    ///   short or not SQLite (unless `rebuild`); `.cannotOpen` when the file cannot be opened or
    ///   created.
    ///   - principals: how the run stores principals (`run`: `--pseudonymize` or not). Recorded
    ///     when the state has none recorded yet (a state with files and no record holds clear
    ///     names); must match afterwards. Nil (report, trend, tests) checks nothing.
    /// - Throws (also): `.principalsMismatch` when `principals` differs from the recorded mode.
    public init(path: String, timeZone: String, rebuild: Bool, principals: PrincipalMode? = nil) throws {
        self.path = path
        self.timeZone = timeZone
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(5)  // only outside readers (e.g. the sqlite3 shell) can be busy
        config.label = "factorylog.state"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 64 MiB page cache (default 2 MiB): 100k+ dedup keys and their indexes fit.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        // a created state is complete (application id, schema, time zone): opened like any other
        var isNew = false
        if !StateFile.exists(path) {
            try StateFile.create(path: path, configuration: config, timeZone: timeZone)
        }
        let lock = try StateLock(statePath: path)
        self.lock = lock
        do {
            if rebuild {
                try StateFile.erase(path: path, descriptor: lock.descriptor)
                isNew = true
            } else {
                try StateFile.check(path: path, descriptor: lock.descriptor)
            }
            let queue: DatabaseQueue
            do {
                queue = try DatabaseQueue(path: path, configuration: config)
            } catch {
                throw Self.openError(path: path, error)
            }
            self.dbQueue = queue
            do {
                try Self.prepare(queue, path: path, timeZone: timeZone, isNew: isNew, principals: principals)
            } catch {
                try? queue.close()
                throw error
            }
        } catch let error as StateError {
            lock.release()
            throw error
        } catch {
            lock.release()
            throw Self.openError(path: path, error)
        }
    }

    /// An SQLite error met while opening: `.damaged` for a corrupt or non-database file
    /// (`SQLITE_CORRUPT`, `SQLITE_NOTADB`), else `.cannotOpen`.
    static func openError(path: String, _ error: Error) -> StateError {
        if let error = error as? StateError { return error }
        if let error = error as? DatabaseError,
            error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
        {
            return .damaged(path: path, reason: reason(error))
        }
        return .cannotOpen(path: path, reason: reason(error))
    }

    deinit { close() }

    /// Closes the database and releases the lock. Idempotent; later calls on the store throw
    /// `StateError.database`.
    public func close() {
        gate.lock()
        defer { gate.unlock() }
        guard !isClosed else { return }
        isClosed = true
        try? dbQueue.close()
        lock.release()
    }

    // MARK: - Ledger

    /// The ledger row of `path`, or nil when the file was never recorded.
    public func ledger(path: String) throws -> IngestFileRecord? {
        try guarded {
            try dbQueue.read { db in
                try Row.fetchOne(db, sql: "SELECT \(Self.ledgerColumns) FROM files WHERE path = ?", arguments: [path])
                    .map(Self.record(from:))
            }
        }
    }

    /// Every ledger row, ordered by path (byte order).
    public func allLedger() throws -> [IngestFileRecord] {
        try guarded {
            try dbQueue.read { db in
                try Row.fetchAll(db, sql: "SELECT \(Self.ledgerColumns) FROM files ORDER BY path").map(Self.record(from:))
            }
        }
    }

    /// Records a ledger row only (pruned / failed / skipped bookkeeping), replacing the previous
    /// row of the same path. Contributions and dedup keys are untouched. One transaction.
    public func updateLedger(_ record: IngestFileRecord) throws {
        try guarded {
            try dbQueue.write { db in try Self.upsert(record, db) }
        }
    }

    // Commits, day aggregates and claims: StateStore+Days.swift.

    /// Deletes the key sets whose newest event instant and whose storing are both older than
    /// `cutoffMs` (UTC epoch ms; the caller computes it from `--dedup-days`, default 7): a key is
    /// remembered `--dedup-days` after the run that stored it, and as long as its events are
    /// that recent. Returns how many keys were deleted.
    @discardableResult
    public func pruneDedupKeys(olderThanMs cutoffMs: Int64) throws -> Int {
        try guarded {
            try dbQueue.write { db in
                let n = try Int.fetchOne(
                    db, sql: "SELECT coalesce(sum(key_count), 0) FROM dedup_sets WHERE max(max_instant_ms, stored_ms) < ?", arguments: [cutoffMs]) ?? 0
                try db.execute(sql: "DELETE FROM dedup_sets WHERE max(max_instant_ms, stored_ms) < ?", arguments: [cutoffMs])
                return n
            }
        }
    }

    /// The number of dedup keys stored (diagnostics and tests).
    public func dedupKeyCount() throws -> Int {
        try guarded { try dbQueue.read { db in try Int.fetchOne(db, sql: "SELECT coalesce(sum(key_count), 0) FROM dedup_sets") ?? 0 } }
    }

    // MARK: - Internals

    /// Runs `body` unless the store is closed, turning any non-`StateError` into `StateError.database`.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        gate.lock()
        defer { gate.unlock() }
        if isClosed { throw StateError.database(path: path, reason: "the state is closed") }
        do {
            return try body()
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError.database(path: path, reason: Self.reason(error))
        }
    }

    /// Steps a raw statement once: true for a row, false when done; throws SQLite's error otherwise.
    static func step(_ statement: SQLiteStatement, _ db: Database) throws -> Bool {
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error.resultCode)")"
        }
        return String(describing: error)
    }

    /// Checks the database is ours and current, migrates it, and records or checks the time zone.
    ///
    /// `isNew`: the database was just created empty (a new state, or `--rebuild`); otherwise it
    /// must already carry factorylog's `application_id` (an empty SQLite database someone made is
    /// not a state either).
    static func prepare(_ queue: DatabaseQueue, path: String, timeZone: String, isNew: Bool, principals: PrincipalMode? = nil) throws {
        let migrator = makeMigrator()
        try queue.read { db in
            let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            if appID != applicationID {
                if !isNew { throw StateError.notAState(path: path) }
                let tables = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0
                if appID != 0 || tables > 0 { throw StateError.notAState(path: path) }
            }
            if try migrator.hasBeenSuperseded(db) { throw StateError.newerSchema(path: path) }
        }
        try migrator.migrate(queue)
        try queue.write { db in
            if let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'tz'") {
                if stored != timeZone { throw StateError.timeZoneMismatch(stored: stored, requested: timeZone) }
            } else {
                let created = ISO8601DateFormatter().string(from: Date())
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('tz', ?), ('created', ?)",
                    arguments: [timeZone, created])
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO meta (key, value) VALUES ('content_id', ?)", arguments: [newContentID()])
            if let principals { try checkPrincipals(principals, db, path: path) }
        }
    }

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    INSERT INTO meta (key, value) VALUES ('schema_version', '1');
                    CREATE TABLE files (
                        path TEXT PRIMARY KEY NOT NULL,
                        format TEXT NOT NULL DEFAULT '',
                        compression TEXT NOT NULL DEFAULT 'none',
                        size INTEGER NOT NULL DEFAULT 0,
                        mtime_ns INTEGER NOT NULL DEFAULT 0,
                        fingerprint INTEGER NOT NULL DEFAULT 0,
                        fingerprint_length INTEGER NOT NULL DEFAULT 0,
                        byte_offset INTEGER NOT NULL DEFAULT 0,
                        decoded_offset INTEGER NOT NULL DEFAULT 0,
                        bytes_read INTEGER NOT NULL DEFAULT 0,
                        bytes_decoded INTEGER NOT NULL DEFAULT 0,
                        lines INTEGER NOT NULL DEFAULT 0,
                        events INTEGER NOT NULL DEFAULT 0,
                        malformed_lines INTEGER NOT NULL DEFAULT 0,
                        oversized_lines INTEGER NOT NULL DEFAULT 0,
                        duplicate_events INTEGER NOT NULL DEFAULT 0,
                        excluded_events INTEGER NOT NULL DEFAULT 0,
                        first_event_ms INTEGER,
                        last_event_ms INTEGER,
                        status TEXT NOT NULL DEFAULT 'ok',
                        error TEXT NOT NULL DEFAULT ''
                    );
                    CREATE TABLE contributions (
                        id INTEGER PRIMARY KEY,
                        path TEXT NOT NULL REFERENCES files(path),
                        min_day INTEGER,
                        max_day INTEGER,
                        blob BLOB NOT NULL
                    );
                    CREATE INDEX contributions_path ON contributions(path);
                    CREATE TABLE dedup_sets (
                        id INTEGER PRIMARY KEY,
                        path TEXT NOT NULL,
                        max_instant_ms INTEGER NOT NULL,
                        key_count INTEGER NOT NULL,
                        keys BLOB NOT NULL
                    );
                    CREATE INDEX dedup_sets_path ON dedup_sets(path);
                    """)
        }
        migrator.registerMigration("v2-streaming") { db in try Self.migrateToDays(db) }
        migrator.registerMigration("v2-inferred-instants") { db in
            try db.execute(sql: "ALTER TABLE files ADD COLUMN inferred_instants INTEGER NOT NULL DEFAULT 0")
        }
        // Tool calls and permission decisions get claims from this version on: the next run reads
        // the recent agent transcripts again (`markTranscriptsForToolClaims`).
        migrator.registerMigration("v2-tool-claims") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('tool_claims_pending', '1')")
        }
        // Keys are kept --dedup-days after they were stored, not only after their newest event:
        // an archive of old logs read again under another name or compression still counts once.
        migrator.registerMigration("v2-keys-stored-at") { db in
            try db.execute(sql: "ALTER TABLE dedup_sets ADD COLUMN stored_ms INTEGER NOT NULL DEFAULT 0")
        }
        // GPU energy and server tokens (issue 17): per (file, day) blobs of their own
        // (`EnergyAggregates`, "FLEN"), beside the shared aggregate blobs, which stay as they were.
        migrator.registerMigration("v2-energy") { db in
            try db.execute(
                sql: """
                    CREATE TABLE energy_file_days (id INTEGER PRIMARY KEY, path TEXT NOT NULL, day INTEGER NOT NULL, blob BLOB NOT NULL);
                    CREATE INDEX energy_file_days_path ON energy_file_days(path);
                    CREATE INDEX energy_file_days_day ON energy_file_days(day);
                    """)
        }
        return migrator
    }

    static func upsert(_ r: IngestFileRecord, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO files (path, format, compression, size, mtime_ns, fingerprint, fingerprint_length,
                    byte_offset, decoded_offset, bytes_read, bytes_decoded, lines, events, malformed_lines,
                    oversized_lines, duplicate_events, excluded_events, first_event_ms, last_event_ms, status, error,
                    inferred_instants)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET
                    format = excluded.format, compression = excluded.compression, size = excluded.size,
                    mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint,
                    fingerprint_length = excluded.fingerprint_length, byte_offset = excluded.byte_offset,
                    decoded_offset = excluded.decoded_offset, bytes_read = excluded.bytes_read,
                    bytes_decoded = excluded.bytes_decoded, lines = excluded.lines, events = excluded.events,
                    malformed_lines = excluded.malformed_lines, oversized_lines = excluded.oversized_lines,
                    duplicate_events = excluded.duplicate_events, excluded_events = excluded.excluded_events,
                    first_event_ms = excluded.first_event_ms, last_event_ms = excluded.last_event_ms,
                    status = excluded.status, error = excluded.error, inferred_instants = excluded.inferred_instants
                """,
            arguments: [
                r.path, r.format, r.compression, r.size, r.mtimeNs, Int64(bitPattern: r.fingerprint),
                r.fingerprintLength, r.byteOffset, r.decodedOffset, r.bytesRead, r.bytesDecoded, r.lines,
                r.events, r.malformedLines, r.oversizedLines, r.duplicateEvents, r.excludedEvents,
                r.firstEventMs, r.lastEventMs, r.status.rawValue, r.error, r.inferredInstants,
            ])
    }

    /// The `files` columns `record(from:)` reads, in its order (positional access: a night of
    /// 10⁵ files reads the ledger without a column-name look-up per cell).
    static let ledgerColumns = """
        path, format, compression, size, mtime_ns, fingerprint, fingerprint_length, byte_offset, \
        decoded_offset, bytes_read, bytes_decoded, lines, events, malformed_lines, oversized_lines, \
        duplicate_events, excluded_events, first_event_ms, last_event_ms, status, error, inferred_instants
        """

    /// A ledger row selected with `ledgerColumns`.
    static func record(from row: Row) -> IngestFileRecord {
        var r = IngestFileRecord(path: row[0])
        r.format = row[1]
        r.compression = row[2]
        r.size = row[3]
        r.mtimeNs = row[4]
        r.fingerprint = UInt64(bitPattern: row[5] as Int64)
        r.fingerprintLength = row[6]
        r.byteOffset = row[7]
        r.decodedOffset = row[8]
        r.bytesRead = row[9]
        r.bytesDecoded = row[10]
        r.lines = row[11]
        r.events = row[12]
        r.malformedLines = row[13]
        r.oversizedLines = row[14]
        r.duplicateEvents = row[15]
        r.excludedEvents = row[16]
        r.firstEventMs = row[17]
        r.lastEventMs = row[18]
        let status: String = row[19]
        // An unknown status can only come from a newer factorylog, which `prepare` refuses.
        r.status = IngestStatus(rawValue: status) ?? .failed
        r.error = row[20]
        r.inferredInstants = row[21]
        return r
    }
}
