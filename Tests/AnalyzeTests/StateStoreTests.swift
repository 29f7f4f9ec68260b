import Foundation
import GRDB
import Ingest
import Testing

@testable import Analyze

/// A fresh temporary folder per test, removed at the end.
private struct TempDir: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("factorylog-state-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var statePath: String { url.appendingPathComponent("state.sqlite").path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

private func record(_ path: String, lines: Int64 = 0, offset: Int64 = 0) -> IngestFileRecord {
    var r = IngestFileRecord(path: path)
    r.format = "litellm"
    r.lines = lines
    r.byteOffset = offset
    return r
}

private func key(_ n: UInt64) -> DedupKey { DedupKey(hi: n &* 0x9E37_79B9_7F4A_7C15, lo: ~n) }

@Suite("StateStore")
struct StateStoreTests {
    @Test func createReopenKeepsLedgerAndEveryField() throws {
        let dir = try TempDir()
        var r = IngestFileRecord(path: "/logs/a.jsonl.gz")
        r.format = "kong"
        r.compression = "gzip"
        r.size = 1234
        r.mtimeNs = 1_767_225_600_123_456_789
        r.fingerprint = 0xFEDC_BA98_7654_3210  // high bit set: stored as a negative Int64
        r.fingerprintLength = 4096
        r.byteOffset = 1234
        r.decodedOffset = 9876
        r.bytesRead = 1234
        r.bytesDecoded = 9876
        r.lines = 10
        r.events = 8
        r.malformedLines = 1
        r.oversizedLines = 1
        r.duplicateEvents = 2
        r.excludedEvents = 3
        r.inferredInstants = 4
        r.firstEventMs = 1_767_225_600_000
        r.lastEventMs = nil
        r.status = .partial
        r.error = "line 3: malformed JSON"
        do {
            let store = try StateStore(path: dir.statePath, timeZone: "Europe/Paris", rebuild: false)
            #expect(try store.ledger(path: r.path) == nil)
            try store.updateLedger(r)
            store.close()
        }
        let store = try StateStore(path: dir.statePath, timeZone: "Europe/Paris", rebuild: false)
        defer { store.close() }
        #expect(try store.ledger(path: r.path) == r)
        #expect(try store.allLedger() == [r])
        #expect(store.timeZone == "Europe/Paris")
        // The meta table records the schema version and tz.
        let meta = try store.dbQueue.read { db in
            try [String: String](
                Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0["key"], $0["value"]) },
                uniquingKeysWith: { a, _ in a })
        }
        #expect(meta["schema_version"] == "1")
        #expect(meta["tz"] == "Europe/Paris")
        #expect(meta["created"] != nil)
        let mode = try store.dbQueue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func updateLedgerReplacesTheRowAndAllLedgerIsSortedByPath() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.updateLedger(record("/b", lines: 1))
        try store.updateLedger(record("/a", lines: 2))
        var pruned = record("/b", lines: 5)
        pruned.status = .pruned
        try store.updateLedger(pruned)
        let all = try store.allLedger()
        #expect(all.map(\.path) == ["/a", "/b"])
        #expect(all[1].lines == 5)
        #expect(all[1].status == .pruned)
    }

    @Test func timeZoneMismatchIsRefusedAndExplainsRebuild() throws {
        let dir = try TempDir()
        try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false).close()
        do {
            _ = try StateStore(path: dir.statePath, timeZone: "America/New_York", rebuild: false)
            Issue.record("opening with another --tz must throw")
        } catch let error as StateError {
            #expect(error == .timeZoneMismatch(stored: "UTC", requested: "America/New_York"))
            #expect(error.description.contains("--rebuild"))
            #expect(error.description.contains("--tz UTC"))
        }
        // The refused open released the lock and left the state usable with the right tz.
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        store.close()
    }

    @Test func rebuildClearsEverythingAndMayChangeTheTimeZone() throws {
        let dir = try TempDir()
        do {
            let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
            try store.commitFile(
                record("/a"), contribution: [1, 2, 3], minDay: 20_000, maxDay: 20_001,
                dedupKeys: [(key(1), 1_000)], replace: false)
            store.close()
        }
        let store = try StateStore(path: dir.statePath, timeZone: "Asia/Tokyo", rebuild: true)
        defer { store.close() }
        #expect(try store.allLedger().isEmpty)
        #expect(try store.contributions(minDay: nil, maxDay: nil).isEmpty)
        #expect(try store.dedupKeyCount() == 0)
        #expect(store.timeZone == "Asia/Tokyo")
    }

    @Test func rebuildRecoversADamagedFile() throws {
        let dir = try TempDir()
        try Data("this is not a database, just garbage bytes".utf8).write(to: URL(fileURLWithPath: dir.statePath))
        #expect(throws: StateError.self) {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        }
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: true)
        store.close()
    }

    @Test func aForeignSQLiteDatabaseIsNotTakenForAState() throws {
        let dir = try TempDir()
        let other = try DatabaseQueue(path: dir.statePath)
        try other.write { db in try db.execute(sql: "CREATE TABLE invoices (id INTEGER)") }
        try other.close()
        #expect(throws: StateError.notAState(path: dir.statePath)) {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        }
    }

    @Test func aMissingFolderIsCannotOpen() throws {
        let dir = try TempDir()
        let path = dir.url.appendingPathComponent("no/such/folder/state.sqlite").path
        do {
            _ = try StateStore(path: path, timeZone: "UTC", rebuild: false)
            Issue.record("a missing folder must throw")
        } catch let error as StateError {
            guard case .cannotOpen(let p, _) = error else {
                Issue.record("expected cannotOpen, got \(error)")
                return
            }
            #expect(p == path)
        }
    }

    /// `flock` locks belong to the open file description: a second `open` + `flock` of the same
    /// lock file conflicts even within one process (verified here), so no child process is needed.
    @Test func aSecondStoreOnTheSamePathIsLockedUntilTheFirstCloses() throws {
        let dir = try TempDir()
        let first = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        do {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
            Issue.record("a second open must be refused")
        } catch let error as StateError {
            #expect(error == .locked(path: dir.statePath, pid: getpid()))
            #expect(error.description.hasPrefix("another factorylog run is using \(dir.statePath) (pid \(getpid()))"))
        }
        // --rebuild must not delete a state that is in use either.
        #expect(throws: StateError.locked(path: dir.statePath, pid: getpid())) {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: true)
        }
        try first.updateLedger(record("/still-here"))
        first.close()
        let second = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { second.close() }
        #expect(try second.ledger(path: "/still-here") != nil)
    }

    @Test func releasingByDeinitUnlocks() throws {
        let dir = try TempDir()
        do { _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false) }  // dropped, not closed
        let again = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        again.close()
    }

    @Test func appendAddsAContributionAndReplaceRemovesTheOldOnesAndTheirKeys() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        // Night 1: a.log read with keys 1, 2; b.log with key 3.
        try store.commitFile(
            record("/a.log", lines: 2, offset: 100), contribution: [0xA1], minDay: 10, maxDay: 10,
            dedupKeys: [(key(1), 1_000), (key(2), 2_000)], replace: false)
        try store.commitFile(
            record("/b.log", lines: 1, offset: 50), contribution: [0xB1], minDay: 10, maxDay: 10,
            dedupKeys: [(key(3), 3_000)], replace: false)
        // Night 2: a.log grew (append): a second contribution row, one more key.
        try store.commitFile(
            record("/a.log", lines: 3, offset: 150), contribution: [0xA2], minDay: 11, maxDay: 11,
            dedupKeys: [(key(4), 4_000)], replace: false)
        // Ordered by path then insertion: a's two rows, then b's.
        #expect(try store.contributions(minDay: nil, maxDay: nil) == [[0xA1], [0xA2], [0xB1]])
        #expect(try store.ledger(path: "/a.log")?.lines == 3)
        #expect(try store.ledger(path: "/a.log")?.byteOffset == 150)
        #expect(try store.dedupKeyCount() == 4)
        #expect(try store.dayRange(path: "/a.log")! == (10, 11))
        // Night 3: a.log rewritten: both old rows and keys 1, 2, 4 go; key 5 comes.
        try store.commitFile(
            record("/a.log", lines: 1, offset: 40), contribution: [0xA3], minDay: 12, maxDay: 12,
            dedupKeys: [(key(5), 5_000)], replace: true)
        #expect(try store.contributions(minDay: nil, maxDay: nil) == [[0xA3], [0xB1]])
        #expect(try store.knownDedupKeys([key(1), key(2), key(3), key(4), key(5)]) == [key(3), key(5)])
        #expect(try store.dayRange(path: "/a.log")! == (12, 12))
        #expect(try store.ledger(path: "/a.log")?.lines == 1)
        // A rewrite that now yields nothing: no contribution, no day range.
        try store.commitFile(
            record("/a.log"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: [], replace: true)
        #expect(try store.contributions(minDay: nil, maxDay: nil) == [[0xB1]])
        #expect(try store.dayRange(path: "/a.log") == nil)
        #expect(try store.knownDedupKeys([key(5)]).isEmpty)
    }

    @Test func aKeyAlreadyKnownKeepsItsFirstOwner() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.commitFile(
            record("/a"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: [(key(7), 100)], replace: false)
        try store.commitFile(
            record("/b"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: [(key(7), 999)], replace: false)
        // Rewriting /b removes only /b's keys: key 7 still belongs to /a.
        try store.commitFile(
            record("/b"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: [], replace: true)
        #expect(try store.knownDedupKeys([key(7)]) == [key(7)])
        // Its instant is /a's (100), so a cutoff of 101 expires it.
        try store.pruneDedupKeys(olderThanMs: 101)
        #expect(try store.dedupKeyCount() == 0)
    }

    @Test func contributionsAreFilteredByDayWindow() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        // Ranges: /1 covers 100...102, /2 covers 103...103, /3 covers 105...110, /4 none.
        try store.commitFile(record("/1"), contribution: [1], minDay: 100, maxDay: 102, dedupKeys: [], replace: false)
        try store.commitFile(record("/2"), contribution: [2], minDay: 103, maxDay: 103, dedupKeys: [], replace: false)
        try store.commitFile(record("/3"), contribution: [3], minDay: 105, maxDay: 110, dedupKeys: [], replace: false)
        try store.commitFile(record("/4"), contribution: [4], minDay: nil, maxDay: nil, dedupKeys: [], replace: false)
        #expect(try store.contributions(minDay: nil, maxDay: nil) == [[1], [2], [3], [4]])
        #expect(try store.contributions(minDay: 102, maxDay: 103) == [[1], [2]])  // 102 in /1, 103 in /2
        #expect(try store.contributions(minDay: 104, maxDay: 104) == [])  // the gap
        #expect(try store.contributions(minDay: 110, maxDay: 200) == [[3]])  // last day of /3
        #expect(try store.contributions(minDay: nil, maxDay: 100) == [[1]])  // open start
        #expect(try store.contributions(minDay: 103, maxDay: nil) == [[2], [3]])  // open end
        let ranges = try store.dayRanges()
        #expect(ranges.count == 3)
        #expect(ranges["/3"]! == (105, 110))
        #expect(ranges["/4"] == nil)
    }

    @Test func knownDedupKeysWithTenThousandKeys() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        // Stored: the 10 000 keys n = 0, 2, 4, ..., 19 998 (the even numbers below 20 000).
        let stored = stride(from: UInt64(0), to: 20_000, by: 2).map { (key($0), Int64($0)) }
        try store.commitFile(record("/big"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: stored, replace: false)
        #expect(try store.dedupKeyCount() == 10_000)
        // Asked: the 10 000 keys n = 10 000 ..< 20 000; the known ones are its 5 000 even numbers.
        let asked = (UInt64(10_000)..<20_000).map(key)
        let known = try store.knownDedupKeys(asked)
        #expect(known.count == 5_000)
        #expect(known == Set(stride(from: UInt64(10_000), to: 20_000, by: 2).map(key)))
        #expect(try store.knownDedupKeys([]).isEmpty)
    }

    @Test func pruneDedupKeysDeletesKeySetsWhoseNewestInstantIsOlder() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        let day: Int64 = 86_400_000
        // Keys expire per commit (one key set each): /a's newest instant is day 1, /b's day 2,
        // /c's day 9 (its day-1 key stays with it).
        try store.commitFile(
            record("/a"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: [(key(1), 1 * day)], replace: false)
        try store.commitFile(
            record("/b"), contribution: nil, minDay: nil, maxDay: nil, dedupKeys: [(key(2), 2 * day)], replace: false)
        try store.commitFile(
            record("/c"), contribution: nil, minDay: nil, maxDay: nil,
            dedupKeys: [(key(3), 1 * day), (key(8), 8 * day), (key(9), 9 * day)], replace: false)
        #expect(try store.dedupKeyCount() == 5)
        // Now = day 9, --dedup-days 7: cutoff = 9 - 7 = day 2; sets whose newest is strictly older (/a) go.
        let deleted = try store.pruneDedupKeys(olderThanMs: 9 * day - 7 * day)
        #expect(deleted == 1)
        #expect(try store.dedupKeyCount() == 4)
        #expect(try store.knownDedupKeys([key(1), key(2), key(3), key(8), key(9)]) == [key(2), key(3), key(8), key(9)])
    }

    /// A failure inside `commitFile`'s transaction (after the deletes, the ledger upsert, the new
    /// contribution and the keys, before the commit) rolls the whole transaction back.
    @Test func aFailureMidwayRecordsNothing() throws {
        struct Boom: Error {}
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.commitFile(
            record("/a", lines: 2, offset: 100), contribution: [1], minDay: 5, maxDay: 5,
            dedupKeys: [(key(1), 10)], replace: false)
        do {
            try store.commitFile(
                record("/a", lines: 9, offset: 900), contribution: [2], minDay: 6, maxDay: 6,
                dedupKeys: [(key(2), 20)], replace: true,
                midway: { db in
                    // Inside the transaction the old rows are already replaced and the ledger updated...
                    #expect(try Data.fetchAll(db, sql: "SELECT blob FROM contributions") == [Data([2])])
                    #expect(try Int.fetchOne(db, sql: "SELECT lines FROM files WHERE path = '/a'") == 9)
                    #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dedup_keys") == 1)  // key 2 only
                    throw Boom()
                })
            Issue.record("the hook's error must propagate")
        } catch let error as StateError {
            guard case .database = error else {
                Issue.record("expected .database, got \(error)")
                return
            }
        }
        // ...but after the failure everything is as before.
        #expect(try store.ledger(path: "/a")?.lines == 2)
        #expect(try store.ledger(path: "/a")?.byteOffset == 100)
        #expect(try store.contributions(minDay: nil, maxDay: nil) == [[1]])
        #expect(try store.knownDedupKeys([key(1), key(2)]) == [key(1)])
        // And the same after reopening from disk.
        store.close()
        let reopened = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { reopened.close() }
        #expect(try reopened.ledger(path: "/a")?.lines == 2)
        #expect(try reopened.contributions(minDay: nil, maxDay: nil) == [[1]])
    }

    @Test func callsAfterCloseThrowDatabaseError() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        store.close()
        store.close()  // idempotent
        #expect(throws: StateError.self) { _ = try store.allLedger() }
    }

    /// A real `kill -9` inside `commitFile`'s transaction, in a child process (a Swift Testing exit
    /// test), with a tiny page cache so the uncommitted pages spill into the WAL file before the
    /// kill. Reopening must show the first file whole and nothing of the second.
    @Test func killNineInsideATransactionLosesOnlyThatTransaction() async throws {
        let dir = try TempDir()
        let path = dir.statePath
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            let store = try StateStore(path: path, timeZone: "UTC", rebuild: false)
            // 1 000 keys n = 0 ..< 1 000 owned by /first, committed.
            try store.commitFile(
                record("/first", lines: 1_000), contribution: [UInt8](repeating: 1, count: 10_000),
                minDay: 1, maxDay: 1, dedupKeys: (0..<1_000).map { (key(UInt64($0)), 1) }, replace: false)
            try store.dbQueue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = 8") }
            try store.commitFile(
                record("/second", lines: 50_000), contribution: [UInt8](repeating: 2, count: 2_000_000),
                minDay: 2, maxDay: 2, dedupKeys: (1_000..<51_000).map { (key(UInt64($0)), 2) }, replace: false,
                midway: { _ in
                    kill(getpid(), SIGKILL)
                    while true { pause() }
                })
        }
        // The child wrote uncommitted frames into the WAL (its cache held 8 pages).
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize > 100_000, "WAL size \(walSize)")
        // The kernel released the child's lock; the state holds exactly the first file.
        let store = try StateStore(path: path, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        #expect(try store.allLedger().map(\.path) == ["/first"])
        #expect(try store.contributions(minDay: nil, maxDay: nil) == [[UInt8](repeating: 1, count: 10_000)])
        #expect(try store.dedupKeyCount() == 1_000)
        #expect(try store.knownDedupKeys([key(999), key(1_000)]) == [key(999)])
    }
}
