#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB

/// What the state file on disk must look like before it is opened (issue 11 item 4), and how a
/// new one comes into being.
///
/// A state file that exists is opened only when it looks like a whole factorylog state: not
/// empty, an SQLite header, at least as long as its header says (when no write-ahead log could
/// still hold the missing pages), and (checked by `StateStore.prepare`) factorylog's
/// `application_id`. Anything else is refused with `StateError.emptyState`, `.damaged` or
/// `.notAState`, whose messages say to restore the file or to pass `--rebuild` on purpose:
/// never silently taken as a new state, because the history only the state holds (earlier
/// nights' days, the files read, the de-duplication keys) would be gone without a word.
///
/// A new state is therefore never created in place: it is built under a temporary name beside
/// the target, complete (schema, time zone), and then linked to the target name (`link(2)`,
/// which never replaces an existing file). A run killed while creating it leaves no empty state
/// behind, only a `<state>.new-<pid>` file that the next creation removes.
enum StateFile {
    /// The 16 bytes every SQLite database starts with.
    static let sqliteMagic: [UInt8] = Array("SQLite format 3\u{0}".utf8)

    /// Checks the existing file at `path` (through `descriptor` when given, e.g. the locked one).
    /// - Throws: `.emptyState` for a 0-byte file, `.damaged` for one without an SQLite header or
    ///   shorter than its header says, `.cannotOpen` when it cannot be read.
    static func check(path: String, descriptor given: Int32? = nil) throws(StateError) {
        let descriptor = given ?? open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { if given == nil { close(descriptor) } }
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let size = Int64(st.st_size)
        if size == 0 { throw .emptyState(path: path) }
        var header = [UInt8](repeating: 0, count: 100)
        let n = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 100, 0) }
        guard n == 100, Array(header[0..<16]) == sqliteMagic else {
            throw .damaged(path: path, reason: n == 100 ? "it is not an SQLite database" : "it is only \(size) bytes long, cut short")
        }
        func be32(_ at: Int) -> UInt32 {
            UInt32(header[at]) << 24 | UInt32(header[at + 1]) << 16 | UInt32(header[at + 2]) << 8 | UInt32(header[at + 3])
        }
        let rawPageSize = Int64(header[16]) << 8 | Int64(header[17])
        let pageSize: Int64 = rawPageSize == 1 ? 65_536 : rawPageSize
        guard pageSize >= 512, pageSize <= 65_536, pageSize & (pageSize - 1) == 0 else {
            throw .damaged(path: path, reason: "its header gives an impossible page size (\(rawPageSize))")
        }
        // The in-header size is valid when the change counter equals the version-valid-for
        // number (SQLite file format §1.3.7). A write-ahead log may still hold pages a
        // checkpoint had not written when its process died: then SQLite completes the file.
        let pages = Int64(be32(28))
        if pages > 0, be32(24) == be32(92), size < pages * pageSize, !hasWriteAheadLog(path) {
            throw .damaged(
                path: path,
                reason: "it is \(size) bytes long but its header says \(pages) pages of \(pageSize) bytes (\(pages * pageSize) bytes): it was cut short")
        }
        // Another program's database (its application id, header offset 68, is not ours) is
        // refused before SQLite opens it: opening would switch it to WAL mode and change it. A
        // write-ahead log may still hold a newer first page, so then SQLite's own check decides.
        if Int32(bitPattern: be32(68)) != StateStore.applicationID, !hasWriteAheadLog(path) {
            throw .notAState(path: path)
        }
    }

    /// True when `<path>-wal` exists and is not empty.
    static func hasWriteAheadLog(_ path: String) -> Bool {
        var st = stat()
        return stat(resolved(path) + "-wal", &st) == 0 && st.st_size > 0
    }

    /// The path with symlinks resolved (SQLite names `-wal` and `-shm` after the real file).
    static func resolved(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
    }

    /// True when something exists at `path` (a dangling symlink counts: it is not replaced).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Creates a complete new state at `path` (which does not exist): built as
    /// `<path>.new-<pid>` with `prepare`, then linked to `path`. Another process creating the
    /// same state at the same moment is fine: the first link wins and both then open it.
    static func create(path: String, configuration: Configuration, timeZone: String) throws {
        let temporary = "\(path).new-\(getpid())"
        removeDatabase(temporary)
        do {
            let queue = try DatabaseQueue(path: temporary, configuration: configuration)
            do {
                try StateStore.prepare(queue, path: path, timeZone: timeZone, isNew: true)
                try queue.close()
            } catch {
                try? queue.close()
                throw error
            }
        } catch {
            removeDatabase(temporary)
            if let error = error as? StateError { throw error }
            throw StateError.cannotOpen(path: path, reason: StateStore.reason(error))
        }
        defer { removeDatabase(temporary) }
        if link(temporary, path) == 0 || errno == EEXIST { return }
        // a file system without hard links: rename, unless the state appeared meanwhile
        let code = errno
        if exists(path) { return }
        if rename(temporary, path) != 0 {
            throw StateError.cannotOpen(
                path: path, reason: "cannot create it: \(String(cString: strerror(code))) / \(String(cString: strerror(errno)))")
        }
    }

    /// Deletes a database file and its companions; missing files are fine.
    static func removeDatabase(_ path: String) {
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] { _ = unlink(file) }
    }

    /// Empties the locked state for `--rebuild`, keeping its inode (and so the lock, which a
    /// new file would not carry), and removes its write-ahead log and shared-memory files.
    static func erase(path: String, descriptor: Int32) throws(StateError) {
        if ftruncate(descriptor, 0) != 0 {
            throw .cannotOpen(path: path, reason: "cannot empty it for --rebuild: \(String(cString: strerror(errno)))")
        }
        let real = resolved(path)
        for file in [real + "-wal", real + "-shm", real + "-journal"] {
            if unlink(file) != 0 && errno != ENOENT {
                throw .cannotOpen(path: path, reason: "cannot delete \(file) for --rebuild: \(String(cString: strerror(errno)))")
            }
        }
    }
}
