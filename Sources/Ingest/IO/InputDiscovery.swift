import Glibc

/// The regular files found from a run's inputs, and the inputs that could not be used.
public struct DiscoveredInputs: Sendable {
    /// Regular files, each once, sorted by path (byte order, `/` before any other byte, so a
    /// directory's files stay together). Paths are as given or found: relative inputs give
    /// relative paths (`projects/-home-dev/x.jsonl`), never made absolute or canonical.
    public var files: [String] = []
    /// Inputs, or entries found under them, that could not be used: a missing path, a pattern
    /// that matched nothing, an unreadable directory, a dangling symbolic link, a FIFO or device
    /// named directly. Sorted by path.
    public var problems: [(path: String, message: String)] = []

    public init() {}
}

/// Expands run inputs (files, directories, glob patterns) into a deterministic list of files.
///
/// ### Rules
/// - A **file** is taken as named, hidden or not (symbolic links are followed).
/// - A **directory** is walked recursively. Entries whose name starts with `.` are skipped
///   (editor swap files, `.git`, `.DS_Store`). Symbolic links are followed; a directory already
///   visited (same device and inode) is not entered again, so link loops are harmless.
///   FIFOs, sockets and devices found by the walk are ignored.
/// - A **glob pattern** (an input that contains `*`, `?` or `[` and does not exist as a literal
///   path) is matched component by component with `fnmatch(3)`: `*`, `?`, `[abc]`, `[!abc]`,
///   `[a-z]`, and `\` to escape. A `**` component matches zero or more directories. As in the
///   shell, a name starting with `.` matches only a pattern component that starts with `.`, and
///   `**` does not enter hidden directories. A matched directory is walked as above.
/// - The **same file** reached twice (same device and inode: named twice, through a link, or by
///   overlapping inputs) is listed once, under the path that sorts first.
///
/// Nothing here opens a file for reading: readability is found out when the file is read.
///
/// ### Why not glob(3)
/// glibc's `glob` has no `**` and reports errors per call rather than per path.
public enum InputDiscovery {
    /// Expands `inputs` into regular files and problems.
    ///
    /// - Parameter inputs: paths and patterns as given on the command line.
    /// - Returns: the files (sorted, each once) and the problems (sorted by path). Never throws:
    ///   every failure is a problem item, and the other inputs are unaffected.
    /// - Complexity: O(entries visited × log) for the walk and the final sort.
    public static func discover(_ inputs: [String]) -> DiscoveredInputs {
        var w = _Walker()
        for input in inputs { w.add(input) }
        return w.result()
    }
}

/// Device and inode: the identity of a file or directory.
private struct _FileID: Hashable {
    var dev: UInt64
    var ino: UInt64
    init(_ st: stat) {
        dev = UInt64(st.st_dev)
        ino = UInt64(st.st_ino)
    }
}

private struct _Walker {
    var found: [(path: String, id: _FileID)] = []
    var problems: [(path: String, message: String)] = []
    /// Directories already walked.
    var walked: Set<_FileID> = []

    mutating func add(_ input: String) {
        if input.isEmpty {
            problems.append((input, "empty input path; remove the empty argument"))
            return
        }
        var st = stat()
        if stat(input, &st) == 0 {
            addExisting(input, st, named: true)
            return
        }
        let e = errno
        if Self.hasGlobMeta(input) {
            let before = found.count + problems.count
            expandGlob(input)
            if found.count + problems.count == before {
                problems.append(
                    (input, "the pattern matched no files; check it, and quote it so the shell does not expand it"))
            }
            return
        }
        var lst = stat()
        if e == ENOENT && lstat(input, &lst) == 0 {
            problems.append((input, "dangling symbolic link; its target does not exist"))
        } else {
            problems.append((input, IngestError.fromErrno(e, path: input, operation: "stat").message))
        }
    }

    /// `path` exists with status `st` (links followed).
    mutating func addExisting(_ path: String, _ st: stat, named: Bool) {
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            found.append((path, _FileID(st)))
        case S_IFDIR:
            walk(path, st)
        default:
            if named {
                problems.append(
                    (path, "not a regular file (a FIFO, socket or device); copy the data into a file first"))
            }
        }
    }

    static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    /// The entry names of `dir` (`.` and `..` excluded), sorted, or nil when it can't be read.
    mutating func list(_ dir: String) -> [String]? {
        guard let d = opendir(dir) else {
            problems.append((dir, IngestError.fromErrno(errno, path: dir, operation: "opendir").message))
            return nil
        }
        defer { closedir(d) }
        var names: [String] = []
        while let ent = readdir(d) {
            let name: String? = withUnsafeBytes(of: &ent.pointee.d_name) { raw in
                String(validatingCString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard let name else {
                problems.append((dir, "an entry's name is not valid UTF-8 and was skipped; rename it"))
                continue
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        names.sort { _pathPrecedes($0, $1) }
        return names
    }

    mutating func walk(_ dir: String, _ st: stat) {
        guard walked.insert(_FileID(st)).inserted else { return }
        guard let names = list(dir) else { return }
        for name in names where !name.hasPrefix(".") {
            let path = Self.join(dir, name)
            var cst = stat()
            if stat(path, &cst) == 0 {
                addExisting(path, cst, named: false)
            } else {
                let e = errno
                var lst = stat()
                if e == ENOENT && lstat(path, &lst) == 0 {
                    problems.append((path, "dangling symbolic link; its target does not exist"))
                } else {
                    problems.append((path, IngestError.fromErrno(e, path: path, operation: "stat").message))
                }
            }
        }
    }

    static func hasGlobMeta(_ s: some StringProtocol) -> Bool {
        s.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    mutating func expandGlob(_ pattern: String) {
        let absolute = pattern.hasPrefix("/")
        let components = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var visited: Set<[UInt64]> = []
        var matches: [String] = []
        matchGlob(prefix: absolute ? "/" : "", components, 0, &visited, &matches)
        for m in matches {
            var st = stat()
            if stat(m, &st) == 0 { addExisting(m, st, named: true) }
        }
    }

    /// Matches `components[i...]` under the directory `prefix` ("" = the current directory).
    mutating func matchGlob(
        prefix: String, _ components: [String], _ i: Int, _ visited: inout Set<[UInt64]>, _ out: inout [String]
    ) {
        if i == components.count {
            out.append(prefix.isEmpty ? "." : prefix)  // "" only for a bare `**`: the working directory
            return
        }
        let comp = components[i]
        let dir = prefix.isEmpty ? "." : prefix
        func child(_ name: String) -> String { prefix.isEmpty ? name : Self.join(prefix, name) }

        if comp == "**" {
            var st = stat()
            guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return }
            let id = _FileID(st)
            guard visited.insert([id.dev, id.ino, UInt64(i)]).inserted else { return }
            // Zero directories.
            matchGlob(prefix: prefix, components, i + 1, &visited, &out)
            // One more directory, then `**` again.
            guard let names = list(dir) else { return }
            for name in names where !name.hasPrefix(".") {
                var cst = stat()
                if stat(child(name), &cst) == 0, cst.st_mode & S_IFMT == S_IFDIR {
                    matchGlob(prefix: child(name), components, i, &visited, &out)
                }
            }
            return
        }
        if !Self.hasGlobMeta(comp) {
            let unescaped = comp.replacingBackslashEscapes()
            let path = child(unescaped)
            var st = stat()
            if i + 1 == components.count {
                if lstat(path, &st) == 0 { out.append(path) }
            } else if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                matchGlob(prefix: path, components, i + 1, &visited, &out)
            }
            return
        }
        var st = stat()
        guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, let names = list(dir) else { return }
        for name in names where fnmatch(comp, name, FNM_PERIOD) == 0 {
            let path = child(name)
            if i + 1 == components.count {
                out.append(path)
            } else {
                var cst = stat()
                if stat(path, &cst) == 0, cst.st_mode & S_IFMT == S_IFDIR {
                    matchGlob(prefix: path, components, i + 1, &visited, &out)
                }
            }
        }
    }

    func result() -> DiscoveredInputs {
        var out = DiscoveredInputs()
        let sorted = found.sorted { _pathPrecedes($0.path, $1.path) }
        var seen: Set<_FileID> = []
        var lastPath: String? = nil
        for f in sorted where f.path != lastPath {
            lastPath = f.path
            if seen.insert(f.id).inserted { out.files.append(f.path) }
        }
        var lastProblem: (String, String)? = nil
        for p in problems.sorted(by: { _pathPrecedes($0.path, $1.path) }) {
            if let l = lastProblem, l.0 == p.path, l.1 == p.message { continue }
            lastProblem = (p.path, p.message)
            out.problems.append(p)
        }
        return out
    }
}

extension String {
    /// The pattern component with `\x` escapes resolved to `x` (a literal component of a glob).
    fileprivate func replacingBackslashEscapes() -> String {
        guard utf8.contains(UInt8(ascii: "\\")) else { return self }
        var out = ""
        var escaped = false
        for ch in self {
            if !escaped && ch == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(ch)
        }
        return out
    }
}

/// Byte-order comparison of two paths in which `/` sorts before every other byte, so that
/// `a/b` < `a-b` and a directory's files stay together.
extension InputDiscovery {
    /// The order discovery lists files in: byte order, with `/` before every other byte.
    public static func pathPrecedes(_ a: String, _ b: String) -> Bool { _pathPrecedes(a, b) }
}

func _pathPrecedes(_ a: String, _ b: String) -> Bool {
    var ia = a.utf8.makeIterator()
    var ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let x?, let y?):
            if x == y { continue }
            let kx: UInt16 = x == UInt8(ascii: "/") ? 0 : UInt16(x) + 1
            let ky: UInt16 = y == UInt8(ascii: "/") ? 0 : UInt16(y) + 1
            return kx < ky
        }
    }
}
