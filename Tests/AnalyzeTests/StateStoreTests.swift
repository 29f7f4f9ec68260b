import Foundation
import GRDB
import Ingest
import Testing

@testable import Analyze
@testable import Engine

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
        #expect(meta["schema_version"] == "2")
        #expect(meta["generation"] == "0")
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
            try store.commit([commit("/a", days: [20_000: usage(20_000, requests: 1)], keys: [1])])
            store.close()
        }
        let store = try StateStore(path: dir.statePath, timeZone: "Asia/Tokyo", rebuild: true)
        defer { store.close() }
        #expect(try store.allLedger().isEmpty)
        #expect(try store.fileDays(path: "/a").isEmpty)
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

    @Test func appendAddsPartsReplaceRemovesThemAndDayAggregatesFollow() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        // /a.log: 2 requests on day 10 and 3 on day 11; /b.log: 5 on day 11.
        try store.commit([
            commit("/a.log", days: [10: usage(10, requests: 2), 11: usage(11, requests: 3)], keys: [1, 2]),
            commit("/b.log", days: [11: usage(11, requests: 5)], keys: [5]),
        ])
        #expect(try store.dirtyDays() == [10, 11])
        #expect(try store.refreshDirtyDays() == [10, 11])
        #expect(try store.dirtyDays().isEmpty)
        #expect(requests(try store.dayAggregates(window: nil)) == [10: 2, 11: 8])  // 11: 3 + 5
        // An append adds a second part on day 11: 8 + 4 = 12.
        try store.commit([commit("/a.log", days: [11: usage(11, requests: 4)], keys: [3])])
        try store.refreshDirtyDays()
        #expect(requests(try store.dayAggregates(window: nil)) == [10: 2, 11: 12])
        #expect(try store.fileDays(path: "/a.log").map(\.day) == [10, 11, 11])
        #expect(try store.dayRange(path: "/a.log") == 10...11)
        #expect(try store.dedupKeyCount() == 4)
        // A rewrite replaces both reads of /a.log: day 10 empties (removed), day 11 = 5 + 1.
        try store.commit([commit("/a.log", replace: true, days: [12: usage(12, requests: 7), 11: usage(11, requests: 1)], keys: [9])])
        #expect(try store.dirtyDays() == [10, 11, 12])
        try store.refreshDirtyDays()
        #expect(requests(try store.dayAggregates(window: nil)) == [11: 6, 12: 7])
        #expect(requests(try store.dayAggregates(window: 12...20)) == [12: 7])
        #expect(try store.fileDayRanges() == ["/a.log": 11...12, "/b.log": 11...11])
        #expect(try store.dedupKeyCount() == 2)  // /a.log's 3 keys gone, key 9 and /b.log's key 5
    }

    @Test func staleMarksAreSetByTheDisplacerAndClearedByTheReread() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.commit([commit("/a")])
        try store.commit([commit("/b")], staleOwners: ["/a"])
        #expect(try store.staleFiles() == ["/a"])
        try store.commit([commit("/a", replace: true)])
        #expect(try store.staleFiles().isEmpty)
        // A failed read (stale nil) leaves the mark as it is.
        try store.commit([commit("/c", stale: true)])
        try store.commit([commit("/c", stale: nil)])
        #expect(try store.staleFiles() == ["/c"])
        #expect(try store.generation() == 5)
    }

    @Test func claimsRoundTripThroughTheState() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        let entries = [(key(2), ClaimEntry(rank: 7, owner: 0, line: 3, kind: .call)), (key(1), ClaimEntry(rank: -1, owner: 0, line: 9, kind: .mainMessage))]
        try store.commit([FileCommit(record: record("/x"), replace: false, claims: ClaimEntry.encode(entries), claimCount: 2, claimsMaxInstantMs: 5)])
        let sets = try store.claimSets(excludingPaths: [])
        #expect(sets.count == 1 && sets[0].path == "/x")
        var keys: [DedupKey] = []
        var decoded: [ClaimEntry] = []
        ClaimEntry.decode(sets[0].bytes, owner: 4, into: &keys, &decoded)
        // sorted by key on the way in
        #expect(keys == [key(1), key(2)].sorted())
        #expect(Set(decoded.map(\.rank)) == [7, -1] && decoded.allSatisfy { $0.owner == 4 })
        #expect(try store.claimSets(excludingPaths: ["/x"]).isEmpty)
    }

    /// A key set goes once both its newest event and the run that stored it are older than the
    /// cutoff.
    @Test func pruneDedupKeysDeletesKeySetsWhoseNewestInstantAndStoringAreOlder() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        let day: Int64 = 86_400_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try store.commit([commit("/old", keys: [1], maxInstant: 1 * day)])  // events of 1970-01-02
        try store.commit([commit("/ahead", keys: [2, 3], maxInstant: now + 20 * day)])
        // Cutoff 1970-01-03: /old's events are older, but it was stored just now: nothing goes.
        #expect(try store.pruneDedupKeys(olderThanMs: 2 * day) == 0)
        #expect(try store.dedupKeyCount() == 3)
        // Ten days from now: /old (stored now, events of 1970) goes; /ahead's events are newer.
        #expect(try store.pruneDedupKeys(olderThanMs: now + 10 * day) == 1)
        #expect(try store.dedupKeyCount() == 2)
    }

    /// A failure inside `commit`'s transaction records nothing of the batch.
    @Test func aFailureMidwayRecordsNothing() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.commit([commit("/a", days: [1: usage(1, requests: 1)], keys: [1])])
        struct Boom: Error {}
        #expect(throws: StateError.self) {
            try store.commit([commit("/a", replace: true, days: [2: usage(2, requests: 2)], keys: [2]), commit("/b")], staleOwners: ["/a"], midway: { _ in throw Boom() })
        }
        try store.refreshDirtyDays()
        #expect(requests(try store.dayAggregates(window: nil)) == [1: 1])
        #expect(try store.allLedger().map(\.path) == ["/a"])
        #expect(try store.staleFiles().isEmpty)
        #expect(try store.dedupKeyCount() == 1)
    }

    @Test func aSchemaOneStateIsMigratedDayByDay() throws {
        let dir = try TempDir()
        // A schema-1 state by hand: one contribution over days 3 and 4 with an unpriced model,
        // and two remembered 16-byte keys.
        do {
            let queue = try DatabaseQueue(path: dir.statePath)
            try StateStore.makeMigrator().migrate(queue, upTo: "v1")
            var agg = Aggregates()
            agg.usage[UsageKey(day: 3, source: "litellm", provider: "", model: "m", team: "", principal: "")] = stats(requests: 2)
            agg.usage[UsageKey(day: 4, source: "litellm", provider: "", model: "m", team: "", principal: "")] = stats(requests: 5)
            var u = UnpricedStats()
            u.requests = 1
            agg.unpriced[UnpricedKey(source: "litellm", model: "m")] = u
            let v1blob = agg.serialized(layout: 1)  // version 1 layout: no unpriced day
            try queue.write { db in
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('tz', 'UTC')")
                try db.execute(sql: "INSERT INTO files (path) VALUES ('/f')")
                try db.execute(sql: "INSERT INTO contributions (path, min_day, max_day, blob) VALUES ('/f', 3, 4, ?)", arguments: [Data(v1blob)])
                var keys = [UInt8]()
                for k in [key(1), key(2)].sorted() {
                    withUnsafeBytes(of: k.hi.littleEndian) { keys.append(contentsOf: $0) }
                    withUnsafeBytes(of: k.lo.littleEndian) { keys.append(contentsOf: $0) }
                }
                try db.execute(sql: "INSERT INTO dedup_sets (path, max_instant_ms, key_count, keys) VALUES ('/f', 1, 2, ?)", arguments: [Data(keys)])
            }
            try queue.close()
        }
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.refreshDirtyDays()
        let all = try store.dayAggregates(window: nil)
        #expect(requests(all) == [3: 2, 4: 5])
        #expect(all.unpriced.keys.map(\.day) == [3])  // filed under the read's first day
        #expect(try store.dedupKeyCount() == 2)
        let index = ClaimIndex()
        index.load(try store.claimSets(excludingPaths: []))
        // a legacy key keeps its owner whatever the rank of a new copy
        var remember: [(DedupKey, ClaimEntry)] = []
        #expect(index.decide([.init(claim: DedupClaim(key: key(1), rank: 99), line: 1)], owner: index.id(of: "/g"), remember: &remember) == [false])
    }

    @Test func callsAfterCloseThrowDatabaseError() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        store.close()
        store.close()  // idempotent
        #expect(throws: StateError.self) { _ = try store.allLedger() }
    }

    /// A real `kill -9` inside `commit`'s transaction, in a child process (a Swift Testing exit
    /// test), with a tiny page cache so the uncommitted pages spill into the WAL file before the
    /// kill. Reopening must show the first file whole and nothing of the second.
    @Test func killNineInsideATransactionLosesOnlyThatTransaction() async throws {
        let dir = try TempDir()
        let path = dir.statePath
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            let store = try StateStore(path: path, timeZone: "UTC", rebuild: false)
            try store.commit([commit("/first", days: [1: usage(1, requests: 1)], keys: Array(0..<1_000))])
            try store.dbQueue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = 8") }
            try store.commit(
                [commit("/second", days: [2: usage(2, requests: 2)], keys: Array(1_000..<51_000))], staleOwners: ["/first"],
                midway: { _ in
                    kill(getpid(), SIGKILL)
                    while true { pause() }
                })
        }
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize > 100_000, "WAL size \(walSize)")
        let store = try StateStore(path: path, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        #expect(try store.allLedger().map(\.path) == ["/first"])
        try store.refreshDirtyDays()
        #expect(requests(try store.dayAggregates(window: nil)) == [1: 1])
        #expect(try store.dedupKeyCount() == 1_000)
        #expect(try store.staleFiles().isEmpty)
    }
}

private func stats(requests: Int64) -> UsageStats {
    var s = UsageStats()
    s.requests = requests
    return s
}

private func usage(_ day: Int32, requests: Int64) -> [UInt8] {
    var a = Aggregates()
    a.usage[UsageKey(day: day, source: "litellm", provider: "openai", model: "gpt-4o", team: "", principal: "")] = stats(requests: requests)
    return a.serialized()
}

private func requests(_ a: Aggregates) -> [Int32: Int64] {
    var d: [Int32: Int64] = [:]
    for (k, v) in a.usage { d[k.day, default: 0] += v.requests }
    return d
}

private func commit(_ path: String, replace: Bool = false, days: [Int32: [UInt8]] = [:], keys: [UInt64] = [], maxInstant: Int64 = 1, stale: Bool? = false) -> FileCommit {
    let entries = keys.map { (key($0), ClaimEntry(rank: 0, owner: 0, line: UInt32($0 % 1_000_000), kind: .call)) }
    return FileCommit(record: record(path), replace: replace, days: days, claims: ClaimEntry.encode(entries), claimCount: entries.count, claimsMaxInstantMs: maxInstant, stale: stale)
}

/// Issue 11 items 3 and 4: the lock is on the state file itself; a state that is not whole is
/// refused, never replaced.
@Suite("StateStore: lock on the file, states that are not whole")
struct StateStoreRobustnessTests {
    @Test("a symlink, a hard link and a dotted path to a state in use are all refused; no lock file exists")
    func everyPathToTheFileIsLocked() throws {
        let dir = try TempDir()
        let first = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        let symlink = dir.url.appendingPathComponent("link.sqlite").path
        let hardlink = dir.url.appendingPathComponent("hard.sqlite").path
        let dotted = dir.url.path + "/./state.sqlite"
        #expect(symlinkat(dir.statePath, AT_FDCWD, symlink) == 0)
        #expect(link(dir.statePath, hardlink) == 0)
        for path in [symlink, hardlink, dotted] {
            #expect(throws: StateError.locked(path: path, pid: getpid())) {
                _ = try StateStore(path: path, timeZone: "UTC", rebuild: false)
            }
            #expect(throws: StateError.locked(path: path, pid: getpid())) {
                _ = try StateStore(path: path, timeZone: "UTC", rebuild: true)
            }
        }
        // there is no separate lock file that could be deleted to let a second run in
        #expect(!FileManager.default.fileExists(atPath: dir.statePath + ".lock"))
        try first.updateLedger(record("/kept"))
        first.close()
        let again = try StateStore(path: symlink, timeZone: "UTC", rebuild: false)
        defer { again.close() }
        #expect(try again.ledger(path: "/kept") != nil)
    }

    @Test("a 0-byte state is refused with a message naming restore and --rebuild, and left as it is")
    func anEmptyStateIsRefused() throws {
        let dir = try TempDir()
        #expect(FileManager.default.createFile(atPath: dir.statePath, contents: Data()))
        #expect(throws: StateError.emptyState(path: dir.statePath)) {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        }
        #expect(throws: StateError.emptyState(path: dir.statePath)) { _ = try StateStore.recordedTimeZone(path: dir.statePath) }
        let text = StateError.emptyState(path: dir.statePath).description
        #expect(text.contains("is empty (0 bytes)") && text.contains("Restore the state from a backup") && text.contains("--rebuild"))
        #expect(try FileManager.default.attributesOfItem(atPath: dir.statePath)[.size] as? Int == 0)
        // --rebuild on purpose: a new state in the same file
        try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: true).close()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        store.close()
    }

    @Test("a state cut short is damaged, not a new state; the file is left as it is")
    func aTruncatedStateIsRefused() throws {
        let dir = try TempDir()
        do {
            let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
            for i in 0..<40 { try store.commit([commit("/f\(i)", days: [Int32(20_000 + i): usage(Int32(20_000 + i), requests: 1)], keys: [UInt64(i)])]) }
            store.close()
        }
        let size = try FileManager.default.attributesOfItem(atPath: dir.statePath)[.size] as! Int
        #expect(size >= 8192)
        #expect(truncate(dir.statePath, off_t(size / 2)) == 0)
        do {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
            Issue.record("a truncated state must be refused")
        } catch let error as StateError {
            guard case .damaged(let path, let reason) = error else { Issue.record("expected damaged, got \(error)"); return }
            #expect(path == dir.statePath)
            #expect(reason.contains("\(size / 2) bytes long") && reason.contains("cut short"))
            #expect(error.description.contains("Restore it from a backup, or run `factorylog run` with --rebuild"))
        }
        #expect(try FileManager.default.attributesOfItem(atPath: dir.statePath)[.size] as? Int == size / 2)
        // 99 bytes: not even an SQLite header
        #expect(truncate(dir.statePath, 99) == 0)
        #expect(throws: StateError.damaged(path: dir.statePath, reason: "it is only 99 bytes long, cut short")) {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        }
    }

    @Test("an SQLite database without tables is not a factorylog state either")
    func anEmptySQLiteDatabaseIsNotAState() throws {
        let dir = try TempDir()
        let other = try DatabaseQueue(path: dir.statePath)
        try other.write { db in try db.execute(sql: "PRAGMA user_version = 7") }
        try other.close()
        #expect(throws: StateError.notAState(path: dir.statePath)) {
            _ = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        }
    }

    @Test("a new state appears complete: factorylog's application id, the time zone, no temporary file left")
    func aNewStateIsCreatedWhole() throws {
        let dir = try TempDir()
        try StateStore(path: dir.statePath, timeZone: "Europe/Berlin", rebuild: false).close()
        #expect(try StateStore.recordedTimeZone(path: dir.statePath) == "Europe/Berlin")
        let q = try DatabaseQueue(path: dir.statePath)
        #expect(try q.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") } == 0x666C_6F67)
        try q.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(!names.contains { $0.contains(".new-") })
    }
}

/// Issue 11 item 2: sums saturate; a state holding impossible totals loads without a trap.
@Suite("Saturating sums and impossible totals")
struct SaturatingSumTests {
    @Test("+| stops at Int64.max / .min instead of trapping")
    func saturatingAdd() {
        #expect(Int64.max +| 1 == .max)
        #expect(Int64.min +| -1 == .min)
        #expect(Int64(40) +| 2 == 42)
        var x: Int64 = .max - 5
        x +|= 3
        #expect(x == .max - 2)
        x +|= 3
        #expect(x == .max)
        #expect(Int128.max +| 1 == .max)
    }

    @Test("UsageStats.totalTokens of in-bound buckets past Int64.max saturates (it trapped)")
    func totalTokensSaturates() {
        var s = UsageStats()
        // each bucket 2^62: the sum 2^64 does not fit; 2^62 + 2^62 = 2^63 already overflows
        s.inputTokens = 1 << 62
        s.cacheReadTokens = 1 << 62
        s.cacheWriteTokens = 1 << 62
        s.outputTokens = 1 << 62
        #expect(s.totalTokens == .max)
        var merged = UsageStats()
        for _ in 0..<3 { merged.merge(s) }
        #expect(merged.inputTokens == .max)  // 3 × 2^62 > 2^63 − 1
        var small = UsageStats()
        small.inputTokens = 10
        small.outputTokens = 5
        #expect(small.totalTokens == 15)
    }

    @Test("a state whose days hold totals past Int64.max loads, exports and reports them without a trap")
    func impossibleStateLoads() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        let key = UsageKey(day: 20_417, source: "claude_code", provider: "anthropic", model: "claude-opus-4-5", team: "", principal: "shop")
        var a = Aggregates()
        var s = UsageStats()
        s.requests = 1
        s.inputTokens = (1 << 62) + (1 << 61)  // 1.5 × 2^62: two of them pass Int64.max
        a.usage[key] = s
        try store.commit([
            commit("/a", days: [20_417: a.serialized()], keys: [1]), commit("/b", days: [20_417: a.serialized()], keys: [2]),
        ])
        let loaded = try Pipeline.load(store: store, window: nil)
        #expect(loaded.usage[key]?.inputTokens == .max)
        #expect(loaded.usage[key]?.requests == 2)
        let found = loaded.impossibleTotals()
        // input_tokens and total_tokens of the one usage_daily cell (day 20 417 = 2025-11-25)
        #expect(found.count == 2)
        #expect(found.examples == [
            "usage_daily 2025-11-25 claude_code claude-opus-4-5: input_tokens = 9223372036854775807",
            "usage_daily 2025-11-25 claude_code claude-opus-4-5: total_tokens = 9223372036854775807",
        ])
        #expect(found.message!.contains("restore the state from a backup, or remove those inputs and run with --rebuild"))
        let summary = RunSummary(loaded, window: nil)
        #expect(summary.totalTokens == .max)
        #expect(Aggregates().impossibleTotals().message == nil)
    }
}

@Suite("StateStore paths")
struct StateStorePathTests {
    /// A state written before paths were canonical holds `logs/a.jsonl`; the run now reaches the
    /// same file as `/srv/logs/a.jsonl`: its ledger row, day parts and keys move to the canonical
    /// path, so it is not read again as a new file. A pair whose canonical path is already
    /// recorded, or whose spelling is not, changes nothing.
    @Test func earlierSpellingsMoveToTheCanonicalPath() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.statePath, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        try store.updateLedger(record("logs/a.jsonl", lines: 7))
        try store.updateLedger(record("/srv/logs/b.jsonl", lines: 3))
        try store.updateLedger(record("logs/b.jsonl", lines: 1))
        try store.dbQueue.write { db in
            try db.execute(sql: "INSERT INTO file_days (path, day, blob) VALUES ('logs/a.jsonl', 20000, x'00')")
            try db.execute(sql: "INSERT INTO dedup_sets (path, max_instant_ms, key_count, keys) VALUES ('logs/a.jsonl', 1, 0, x'')")
            try db.execute(sql: "INSERT INTO stale_files (path) VALUES ('logs/a.jsonl')")
        }
        func recorded() throws -> Set<String> { Set(try store.allLedger().map(\.path)) }
        let before = try recorded()
        let renamed = try store.adoptEarlierSpellings([
            ("/srv/logs/a.jsonl", "logs/a.jsonl"),
            ("/srv/logs/b.jsonl", "logs/b.jsonl"),  // canonical already recorded: kept apart
            ("/srv/logs/c.jsonl", "logs/c.jsonl"),  // never recorded
        ], isRecorded: before.contains)
        #expect(renamed.count == 1)
        #expect(try store.ledger(path: "/srv/logs/a.jsonl")?.lines == 7)
        #expect(try store.ledger(path: "logs/a.jsonl") == nil)
        #expect(try store.ledger(path: "logs/b.jsonl")?.lines == 1)
        #expect(try store.ledger(path: "/srv/logs/c.jsonl") == nil)
        let moved = try store.dbQueue.read { db in
            try ["file_days", "dedup_sets", "stale_files"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0) WHERE path = '/srv/logs/a.jsonl'") ?? 0
            }
        }
        #expect(moved == [1, 1, 1])
        let after = try recorded()
        #expect(try store.adoptEarlierSpellings([("/srv/logs/a.jsonl", "logs/a.jsonl")], isRecorded: after.contains).count == 0)
    }
}
