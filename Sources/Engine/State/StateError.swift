import Analyze
import Foundation

/// Why the state file (`--state FILE`, issue 6) could not be opened or updated.
///
/// Every case's `description` is a full sentence meant for the operator: what went wrong and
/// what to do about it. Cases carry the state path so the CLI can print them as they stand.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Another process (or another `StateStore` in this process) holds the exclusive lock on
    /// the state file. `pid` is the holder's process id (from `/proc/locks`), when known.
    case locked(path: String, pid: Int32?)
    /// The state was created with `--tz stored`; this run asked for `--tz requested`.
    case timeZoneMismatch(stored: String, requested: String)
    /// The file exists and is an SQLite database, but not a factorylog state.
    case notAState(path: String)
    /// The state was written by a newer factorylog (it has schema migrations this build does not know).
    case newerSchema(path: String)
    /// The state file exists but is empty (0 bytes): not a state, and never taken as a new one.
    case emptyState(path: String)
    /// The state file is cut short, not an SQLite database, or SQLite finds it corrupt.
    case damaged(path: String, reason: String)
    /// The state could not be opened or created (missing folder, permissions...).
    case cannotOpen(path: String, reason: String)
    /// An SQLite error while reading or writing an open state (disk full, I/O error...).
    /// The transaction in progress was rolled back: nothing of it was recorded.
    case database(path: String, reason: String)
    /// The state holds principals one way (in clear, or pseudonymized with one key) and the run
    /// asks for another (`--pseudonymize`): adding it would mix clear names and pseudonyms, or
    /// pseudonyms of two keys.
    case principalsMismatch(path: String, stored: String, requested: String, storedIsClear: Bool)

    public var description: String {
        switch self {
        case let .locked(path, pid):
            let who = pid.map { "pid \($0)" } ?? "pid unknown"
            return "another factorylog run is using \(path) (\(who)); wait for it to finish, "
                + "or use another --state file. The lock is on the state file itself and is released when that process exits."
        case let .timeZoneMismatch(stored, requested):
            return "the state was built with --tz \(stored) but this run asks for --tz \(requested); "
                + "day buckets cannot be mixed. Run with --tz \(stored), or run `factorylog run` with --rebuild to discard the "
                + "state and re-read every input with --tz \(requested)."
        case let .notAState(path):
            return "\(path) is an SQLite database but not a factorylog state; choose another --state file, "
                + "restore the state from a backup, or run `factorylog run` with --rebuild to erase it and start a new state there."
        case let .emptyState(path):
            return "the state \(path) exists but is empty (0 bytes), so the history only the state held (the files "
                + "already read, earlier days, de-duplication keys) is not in it; factorylog does not start over "
                + "silently. Restore the state from a backup, or run `factorylog run` with --rebuild to start a new state there on "
                + "purpose (every input is then read again)."
        case let .damaged(path, reason):
            return "the state \(path) is damaged: \(reason). Restore it from a backup, or run `factorylog run` with --rebuild to discard "
                + "it and start a new state there (every input is then read again)."
        case let .newerSchema(path):
            return "\(path) was written by a newer factorylog; upgrade factorylog, "
                + "or run `factorylog run` with --rebuild to discard the state and start again."
        case let .cannotOpen(path, reason):
            return "cannot open the state \(path): \(reason). Check that its folder exists and is writable "
                + "(and, for a symlink, that its target's folder does)."
        case let .principalsMismatch(path, stored, requested, storedIsClear):
            let fix = storedIsClear
                ? "Run without --pseudonymize, or run `factorylog run --rebuild --pseudonymize KEYFILE` to erase it and start a pseudonymized state (every input is then read again)."
                : "Pass --pseudonymize with the key file the state was built with, or run `factorylog run` with --rebuild to erase it and start again (every input is then read again)."
            return "the state \(path) holds principals \(stored), but this run asks for principals \(requested); "
                + "one state never mixes clear names and pseudonyms (or pseudonyms of two keys). " + fix
        case let .database(path, reason):
            return "the state \(path) could not be updated: \(reason). Nothing of the current file was recorded; "
                + "the next run reads it again."
        }
    }

    public var errorDescription: String? { description }
}
