import Foundation

/// Canonical file paths: absolute, with every symbolic link and `.`/`..` in the folders resolved
/// (the file name itself is kept, so a linked log file keeps its own name).
///
/// The state's ledger, contributions and de-duplication keys are stored under this path, so one
/// file is one file whatever spelling reaches it: `logs/a.jsonl` from `/srv`, `/srv/logs/a.jsonl`
/// from cron, or `/data/logs/a.jsonl` through a linked folder. Each distinct folder is resolved
/// once (an `lstat` per folder, `realpath(3)` only at a link or a `.`/`..`), so a night of 10⁵
/// files in a few hundred folders costs a few hundred look-ups.
final class PathResolver {
    private var resolvedFolders: [Substring: String] = [:]
    private let cwd: String

    init() {
        cwd = FileManager.default.currentDirectoryPath
    }

    /// The canonical spelling of `path` (which need not exist; a folder that cannot be resolved
    /// is kept as spelled, standardized).
    func resolve(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : (cwd == "/" ? "" : cwd) + "/" + path
        guard let slash = full.lastIndex(of: "/") else { return Self.absolute(path) }
        let name = full[full.index(after: slash)...]
        guard !name.isEmpty, name != ".", name != ".." else { return Self.absolute(path) }
        let parent = resolveFolder(full[..<slash])
        return (parent == "/" ? "" : parent) + "/" + name
    }

    /// A folder's symlink-free absolute path: its parent's, resolved once per folder, and its own
    /// name unless it is a symlink, `.` or `..`.
    private func resolveFolder(_ folder: Substring) -> String {
        if folder.isEmpty { return "/" }
        if let r = resolvedFolders[folder] { return r }
        let f = String(folder)
        var resolved: String
        let slash = folder.lastIndex(of: "/")!
        let name = folder[folder.index(after: slash)...]
        var st = stat()
        if name == "." || name == ".." || name.isEmpty || lstat(f, &st) != 0 || (st.st_mode & S_IFMT) == S_IFLNK {
            if let c = realpath(f, nil) {
                resolved = String(cString: c)
                free(c)
            } else {
                resolved = (f as NSString).standardizingPath
            }
        } else {
            let parent = resolveFolder(folder[..<slash])
            resolved = (parent == "/" ? "" : parent) + "/" + name
        }
        resolvedFolders[folder] = resolved
        return resolved
    }

    /// `path` made absolute with its folder's links resolved by one `realpath(3)` (for the few
    /// paths named by options: the state, `--out`).
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // resolve symlinks of the parent (the file itself may not exist yet)
        let parent = (full as NSString).deletingLastPathComponent
        let name = (full as NSString).lastPathComponent
        if name != ".", name != "..", let resolved = realpath(parent, nil) {
            defer { free(resolved) }
            let p = String(cString: resolved)
            return (p == "/" ? "" : p) + "/" + name  // realpath's result is already canonical
        }
        return (full as NSString).standardizingPath
    }
}
