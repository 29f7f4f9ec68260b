import Analyze
import Foundation
import GRDB

extension StateStore {
    /// The `--tz` recorded in the state at `path`, read without taking the run lock; nil when the
    /// file does not exist or holds no time zone.
    /// - Throws: `StateError.cannotOpen` when the file exists but is not readable as SQLite.
    public static func recordedTimeZone(path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try StateFile.check(path: path)
        do {
            var config = Configuration()
            config.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                guard try db.tableExists("meta") else { return nil }
                return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'tz'")
            }
        } catch {
            throw StateStore.openError(path: path, error)
        }
    }
}
