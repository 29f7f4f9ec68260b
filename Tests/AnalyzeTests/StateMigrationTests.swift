import Foundation
import GRDB
import Ingest
import Testing

@testable import Analyze
@testable import Engine

/// Issue 10 item 6: a state written before `ingest_files.inferred_instants` existed (schema
/// "v1" only) gains the column through the "v2-inferred-instants" migration, its rows at 0.
@Suite("State migration v2-inferred-instants")
struct StateMigrationTests {
    @Test("a v1 state opens, its rows read inferred_instants 0, new rows keep theirs")
    func v1StateMigrates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("factorylog-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.sqlite").path
        // a state as a v1 factorylog wrote it: only the "v1" migration
        do {
            let q = try DatabaseQueue(path: path)
            try StateStore.makeMigrator().migrate(q, upTo: "v1")
            try q.write { db in
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('tz', 'UTC')")
                try db.execute(sql: "INSERT INTO files (path, format, lines) VALUES ('/logs/old.jsonl', 'kong', 7)")
                #expect(try !db.columns(in: "files").contains { $0.name == "inferred_instants" })
            }
            try q.close()
        }
        let store = try StateStore(path: path, timeZone: "UTC", rebuild: false)
        defer { store.close() }
        let old = try #require(try store.ledger(path: "/logs/old.jsonl"))
        #expect(old.lines == 7 && old.inferredInstants == 0)
        var r = IngestFileRecord(path: "/logs/new.jsonl")
        r.format = "claude_code"
        r.inferredInstants = 5
        try store.updateLedger(r)
        #expect(try store.ledger(path: "/logs/new.jsonl")?.inferredInstants == 5)
    }
}
