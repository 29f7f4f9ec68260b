import Analyze
import GRDB

/// How a state holds principals: in clear, or as keyed pseudonyms (`--pseudonymize KEYFILE`).
public enum PrincipalMode: Sendable, Equatable, CustomStringConvertible {
    case clear
    /// Pseudonymized with the key named `keyID` (`Pseudonymizer.keyID`).
    case pseudonymized(keyID: String)

    /// As recorded in the state's `meta.principals`: `clear` or `hmac-sha256:<key id>`.
    var recorded: String {
        switch self {
        case .clear: "clear"
        case .pseudonymized(let id): "hmac-sha256:" + id
        }
    }

    init?(recorded: String) {
        if recorded == "clear" {
            self = .clear
        } else if recorded.hasPrefix("hmac-sha256:") {
            self = .pseudonymized(keyID: String(recorded.dropFirst("hmac-sha256:".count)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .clear: "in clear (built without --pseudonymize)"
        case .pseudonymized(let id): "pseudonymized with the key \(id)"
        }
    }
}

extension StateStore {
    /// Records `mode` in `meta.principals` when nothing is recorded, or checks it against the
    /// record. A state without a record that already has files was built in clear (before
    /// `--pseudonymize` existed).
    /// - Throws: `StateError.principalsMismatch`.
    static func checkPrincipals(_ mode: PrincipalMode, _ db: Database, path: String) throws {
        let stored = try storedPrincipals(db)
        if let stored {
            if stored != mode { throw StateError.principalsMismatch(path: path, stored: stored.description, requested: mode.description, storedIsClear: stored == .clear) }
            if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'principals'") != nil { return }
        }
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('principals', ?)", arguments: [mode.recorded])
    }

    /// The recorded mode; `.clear` for a state with files and no record; nil for a state with
    /// neither (nothing stored yet).
    static func storedPrincipals(_ db: Database) throws -> PrincipalMode? {
        if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'principals'") {
            return PrincipalMode(recorded: text) ?? .clear
        }
        let files = try Int.fetchOne(db, sql: "SELECT count(*) FROM files") ?? 0
        return files > 0 ? .clear : nil
    }

    /// How this state holds principals (nil: it holds nothing yet).
    /// - Throws: `StateError.database`.
    public func principalMode() throws -> PrincipalMode? {
        try guarded { try dbQueue.read { db in try Self.storedPrincipals(db) } }
    }
}
