import Glibc

/// An open regular file: the only place in IO that calls `open`, `fstat`, `read` and `close`.
struct _InputFile {
    let fd: Int32
    let path: String
    /// Size on disk when opened (bytes).
    let size: Int64

    /// Opens `path` read-only and checks that it is a regular file.
    ///
    /// `O_NONBLOCK` keeps `open` from hanging on a FIFO (which is then refused as not regular);
    /// it has no effect on reads of regular files.
    /// - Throws: `IngestError` `.notFound`, `.permissionDenied`, `.notRegularFile`, `.unreadable`.
    init(path: String) throws(IngestError) {
        self.path = path
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw IngestError.fromErrno(errno, path: path, operation: "open") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw IngestError.fromErrno(e, path: path, operation: "fstat")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            _ = Glibc.close(fd)
            let what =
                (st.st_mode & S_IFMT) == S_IFDIR
                ? "is a directory; pass it as an input so its files are discovered"
                : "is not a regular file (a FIFO, socket or device); copy the data into a file first"
            throw IngestError(code: .notRegularFile, path: path, message: what)
        }
        self.fd = fd
        self.size = Int64(st.st_size)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    func close() { _ = Glibc.close(fd) }

    /// Reads the first 4 bytes with `pread` (the file offset does not move) and detects the
    /// compression from them.
    func detectCompression() throws(IngestError) -> Compression {
        var magic: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var got = 0
        while got < 4 {
            let r = withUnsafeMutableBytes(of: &magic) { m in
                pread(fd, m.baseAddress! + got, 4 - got, off_t(got))
            }
            if r > 0 {
                got += r
            } else if r == 0 {
                break
            } else if errno != EINTR {
                throw IngestError.fromErrno(errno, path: path, operation: "read")
            }
        }
        return withUnsafeBytes(of: &magic) { Compression.detect(magic: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
    }

    /// Moves the file offset to `offset` (plain files resuming an append).
    func seek(to offset: Int64) throws(IngestError) {
        guard offset > 0 else { return }
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw IngestError.fromErrno(errno, path: path, operation: "lseek")
        }
    }

    /// Reads until `buffer` is full or end of file, retrying `EINTR`.
    /// - Returns: bytes read and, when a `read` failed, its `errno` (the bytes before it are valid).
    func readFully(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, errno: Int32?) {
        guard let base = buffer.baseAddress else { return (0, nil) }
        var n = 0
        while n < buffer.count {
            let r = Glibc.read(fd, base + n, buffer.count - n)
            if r > 0 {
                n += r
            } else if r == 0 {
                break
            } else if errno != EINTR {
                return (n, errno)
            }
        }
        return (n, nil)
    }
}
