/// Detection order is `LogFormat.allCases` order; the first decoder that claims a line wins.
/// Detects the format of a file from its first decodable lines, and from its path.
///
/// Lines that cannot decide are skipped, never a reason to give up: malformed lines, valid JSON
/// no decoder claims (a transcript's `file-history-snapshot` or `summary` line), and lines
/// longer than `maxBytes` (a Claude Code transcript's first snapshot line can be hundreds of
/// MB, `formats/AGENTS.md` §1.6; it is skipped without being held). When no line decides, the
/// path does: the agents' own folders (`pathHint`).
public enum FormatDetector {
    /// The number of leading lines looked at (oversized lines are not counted).
    public static let maxLines = 64
    /// The longest line looked at (held in memory); longer lines are skipped.
    public static let maxBytes = 16 << 20
    /// Decoded bytes read at most while looking for `maxLines` lines, when the path gives no
    /// hint (skipping oversized lines costs reading them, not holding them). With a hint, only
    /// `maxBytes` are read.
    public static let maxScanBytes = 1 << 30

    /// - Returns: the detected format (nil = unknown) and the compression.
    /// - Throws: `IngestError` when the file cannot be read.
    public static func detect(path: String, forced: LogFormat?) throws(IngestError) -> (LogFormat?, Compression) {
        var found: LogFormat? = forced
        let context = DecoderContext(path: path)
        let hint = pathHint(path)
        let budget = hint == nil ? maxScanBytes : maxBytes
        let compression = try LineReader.peekLines(path: path, maxLines: maxLines, maxBytes: budget, maxLineBytes: maxBytes) { line in
            if found != nil { return false }
            guard case .success(let root) = JSONDocument.parse(line) else { return true }
            for f in LogFormat.allCases where f.detects(root, context: context) {
                found = f
                return false
            }
            return true
        }
        return (found ?? hint, compression)
    }

    /// The format the agents' own folders imply: `.claude/projects/` (also
    /// `.config/claude/projects/`) → `claude_code` (`formats/AGENTS.md` §1.1);
    /// `.codex/sessions/` and `.codex/archived_sessions/` → `codex` (§2.1); a `chats/` folder
    /// under `.gemini/tmp/` → `gemini_cli` (§3.2). Nil elsewhere.
    public static func pathHint(_ path: String) -> LogFormat? {
        func under(_ folder: String) -> Bool { path.hasPrefix(folder) || path.contains("/" + folder) }
        if under(".claude/projects/") || under(".config/claude/projects/") { return .claudeCode }
        if under(".codex/sessions/") || under(".codex/archived_sessions/") { return .codex }
        if under(".gemini/tmp/"), path.contains("/chats/") { return .geminiCLI }
        return nil
    }
}
