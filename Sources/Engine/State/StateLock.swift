import Analyze
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The exclusive, non-blocking lock that keeps two factorylog runs off one state, taken on the
/// state database file itself.
///
/// Wraps `flock(2)` (`LOCK_EX | LOCK_NB`) on a descriptor of the SQLite file, opened through
/// the path as given. A lock belongs to the *file* (the inode), not to a name: a symlink to the
/// state, a hard link, a relative or `..` path all reach the same inode and conflict, and there
/// is no separate lock file that could be deleted or replaced (issue 11: a deleted
/// `<state>.lock` once let a second run in, which then counted every shared file twice). A
/// `flock` lock belongs to the open file description, so a second `StateLock` on the same file
/// conflicts even inside the same process, and the kernel releases it when the holder exits,
/// `kill -9` included: a crashed run never leaves a stale lock.
///
/// `flock` locks are independent of the POSIX (`fcntl`) locks SQLite takes on the same file
/// (Linux, macOS), so they do not disturb SQLite's own locking. After the lock is taken, the
/// path is checked to still name the locked inode (a file renamed over the state in between
/// would otherwise be unlocked); on a mismatch the lock is taken again on the new file.
///
/// The holder's pid, for the "locked" message, is read from `/proc/locks` (Linux) when
/// available; the lock works without it.
final class StateLock: Sendable {
    let statePath: String
    private let fd: Mutex<Int32>
    /// Device and inode of the locked file.
    let device: UInt64
    let inode: UInt64

    /// Takes the lock on the existing state file at `statePath`.
    /// - Throws: `StateError.locked` (held elsewhere) / `.cannotOpen` (cannot open the file).
    init(statePath: String) throws(StateError) {
        self.statePath = statePath
        var attempts = 0
        while true {
            attempts += 1
            let descriptor = open(statePath, O_RDWR | O_CLOEXEC)
            if descriptor < 0 {
                throw .cannotOpen(path: statePath, reason: Self.errnoText())
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                var st = stat()
                let holder = fstat(descriptor, &st) == 0 ? Self.lockHolder(inode: UInt64(st.st_ino)) : nil
                close(descriptor)
                if code == EWOULDBLOCK || code == EAGAIN {
                    throw .locked(path: statePath, pid: holder)
                }
                throw .cannotOpen(path: statePath, reason: "cannot lock it: \(String(cString: strerror(code)))")
            }
            var held = stat()
            var named = stat()
            guard fstat(descriptor, &held) == 0 else {
                let reason = Self.errnoText()
                close(descriptor)
                throw .cannotOpen(path: statePath, reason: reason)
            }
            // the path may have been pointed at another file between open and flock
            if stat(statePath, &named) != 0 || named.st_dev != held.st_dev || named.st_ino != held.st_ino {
                close(descriptor)
                if attempts < 5 { continue }
                throw .cannotOpen(path: statePath, reason: "the file keeps being replaced while factorylog opens it")
            }
            self.device = UInt64(held.st_dev)
            self.inode = UInt64(held.st_ino)
            self.fd = Mutex(descriptor)
            return
        }
    }

    /// The locked descriptor (for `fstat` and `ftruncate` while the lock is held); -1 once released.
    var descriptor: Int32 { fd.withLock { $0 } }

    /// Releases the lock (idempotent).
    ///
    /// Call it only after the SQLite connection to the file is closed: closing any descriptor of
    /// a file drops the POSIX locks the process holds on it, SQLite's included.
    func release() {
        fd.withLock { descriptor in
            guard descriptor >= 0 else { return }
            _ = flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }

    /// The pid holding a `flock` lock on `inode`, from `/proc/locks` (lines such as
    /// `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF`); nil when unknown.
    static func lockHolder(inode: UInt64) -> Int32? {
        guard let file = fopen("/proc/locks", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        let suffix = ":\(inode)"
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", fields[3] == "WRITE" else { continue }
            if fields[5].hasSuffix(suffix), let pid = Int32(fields[4]) { return pid }
        }
        return nil
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
