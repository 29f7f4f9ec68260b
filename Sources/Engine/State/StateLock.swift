import Analyze
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The exclusive, non-blocking lock that keeps two factorylog runs off one state file.
///
/// Wraps `flock(2)` on `<state>.lock` (`LOCK_EX | LOCK_NB`). A `flock` lock belongs to the open
/// file description, so a second `open` of the same lock file conflicts even inside the same
/// process (two `StateStore`s on one path), and the kernel releases it when the holder exits,
/// `kill -9` included: a crashed run never leaves a stale lock behind. The holder writes its pid
/// into the file for the "locked" message; the file itself is never deleted (deleting it would let
/// a third process lock a new inode while the first still holds the old one).
final class StateLock: Sendable {
    let lockPath: String
    private let fd: Mutex<Int32>

    /// Takes the lock or throws `StateError.locked` (held elsewhere) / `.cannotOpen` (cannot create the file).
    init(statePath: String) throws(StateError) {
        let lockPath = statePath + ".lock"
        self.lockPath = lockPath
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            throw .cannotOpen(path: statePath, reason: "cannot create the lock file \(lockPath): \(Self.errnoText())")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readPid(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK || code == EAGAIN {
                throw .locked(path: statePath, pid: holder)
            }
            throw .cannotOpen(path: statePath, reason: "cannot lock \(lockPath): \(String(cString: strerror(code)))")
        }
        // Record who holds it (best effort: the lock works without it).
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        self.fd = Mutex(descriptor)
    }

    /// Releases the lock (idempotent).
    func release() {
        fd.withLock { descriptor in
            guard descriptor >= 0 else { return }
            _ = flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }

    private static func readPid(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        var value: Int32 = 0
        var digits = 0
        for byte in buffer[0..<count] {
            guard byte >= 0x30, byte <= 0x39 else { break }
            if digits >= 9 { return nil }
            value = value * 10 + Int32(byte - 0x30)
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
