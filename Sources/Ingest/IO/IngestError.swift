import Glibc

/// Why an input file could not be opened or read at all.
///
/// A file that throws `IngestError` is `failed` in `ingest_files`; the run goes on with the
/// other files. Damage found *while* reading (a truncated or corrupt compressed stream, an I/O
/// error after some data was read) is not thrown: it is `LineReaderResult.streamError`, the lines
/// read before it are kept, and the file is `partial`.
///
/// ### Shape
/// A stable `code` (a struct over a private enum, so codes can be added without breaking
/// exhaustive `switch`es), the `path` as given, a `message` that says what to do about it, and
/// the `errno` of the failing system call when there was one. `description` is one line:
///
///     logs/a.jsonl.gz: permission denied; grant read access (chmod +r) or run as a user who can read it (errno 13: Permission denied)
public struct IngestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code; `name` is the text written to `ingest_files.error` and logs.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Sendable, Hashable {
            case notFound, permissionDenied, notRegularFile, unreadable, decompressorUnavailable
        }
        let kind: Kind

        /// The path does not exist (ENOENT, ENOTDIR).
        public static let notFound = Code(kind: .notFound)
        /// The file exists but may not be read (EACCES, EPERM).
        public static let permissionDenied = Code(kind: .permissionDenied)
        /// A directory, FIFO, socket or device where a regular file was expected.
        public static let notRegularFile = Code(kind: .notRegularFile)
        /// Any other failure of `open`, `fstat` or the first `read` (EIO, EMFILE, ...).
        public static let unreadable = Code(kind: .unreadable)
        /// zlib or libzstd could not set up a decoder (out of memory).
        public static let decompressorUnavailable = Code(kind: .decompressorUnavailable)

        /// Stable snake-case name, e.g. `io.not_found`.
        public var name: String {
            switch kind {
            case .notFound: "io.not_found"
            case .permissionDenied: "io.permission_denied"
            case .notRegularFile: "io.not_regular_file"
            case .unreadable: "io.unreadable"
            case .decompressorUnavailable: "io.decompressor_unavailable"
            }
        }

        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The path as given to the reader.
    public var path: String
    /// What happened and what to do about it (no path, no errno: see `description`).
    public var message: String
    /// The `errno` of the failing system call, when there was one.
    public var errno: Int32?

    public init(code: Code, path: String, message: String, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.errno = errno
    }

    /// `path: message (errno N: strerror)`.
    public var description: String {
        var s = "\(path): \(message)"
        if let e = errno { s += " (errno \(e): \(String(cString: strerror(e))))" }
        return s
    }

    /// Maps the `errno` of a failed `open`/`stat`/`read` on `path` to an error with a remedy.
    static func fromErrno(_ e: Int32, path: String, operation: String) -> IngestError {
        switch e {
        case ENOENT, ENOTDIR:
            return IngestError(
                code: .notFound, path: path,
                message: "no such file; check the path, or quote a glob pattern so the shell does not expand it",
                errno: e)
        case EACCES, EPERM:
            return IngestError(
                code: .permissionDenied, path: path,
                message: "permission denied; grant read access (chmod +r) or run as a user who can read it",
                errno: e)
        case EISDIR:
            return IngestError(
                code: .notRegularFile, path: path,
                message: "is a directory; pass it as an input so its files are discovered", errno: e)
        default:
            return IngestError(
                code: .unreadable, path: path,
                message: "\(operation) failed; check that the file and its disk are readable", errno: e)
        }
    }
}
