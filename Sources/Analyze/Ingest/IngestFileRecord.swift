import Ingest

/// Status of one input file in `ingest_files` (`CONTRACT.md`).
public enum IngestStatus: String, Sendable, Hashable, CaseIterable {
    /// Read completely, every line decoded.
    case ok
    /// At least one malformed or oversized line, or a damaged compressed stream whose readable part was kept.
    case partial
    /// Unreadable, or `unknown format`.
    case failed
    /// Unchanged since the last run (not read again).
    case skipped
    /// Outside `--since`/`--until` (not opened).
    case pruned
}

/// What the state ledger and the `ingest_files` table know about one input file.
///
/// Counts are the file's totals as the state records them (after an append, the whole file's
/// lines, not only the new tail).
public struct IngestFileRecord: Sendable, Hashable {
    /// The path as given or found.
    public var path: String
    /// Detected decoder id (`LogFormat.rawValue`), or empty.
    public var format: String = ""
    /// `none`, `gzip` or `zstd`.
    public var compression: String = "none"
    /// Size on disk and modification time (ns since the epoch) when last read.
    public var size: Int64 = 0
    public var mtimeNs: Int64 = 0
    /// Hash of the file's first `fingerprintLength` bytes on disk (detects a rewrite vs an append).
    public var fingerprint: UInt64 = 0
    public var fingerprintLength: Int64 = 0
    /// Bytes of the file on disk consumed through the last complete line (plain files), or the
    /// whole compressed size (compressed files). The next run starts here for an append.
    public var byteOffset: Int64 = 0
    /// Decompressed bytes consumed through the last complete line.
    public var decodedOffset: Int64 = 0
    /// Bytes read from disk / after decompression (cumulative over runs).
    public var bytesRead: Int64 = 0
    public var bytesDecoded: Int64 = 0
    public var lines: Int64 = 0
    public var events: Int64 = 0
    public var malformedLines: Int64 = 0
    public var oversizedLines: Int64 = 0
    public var duplicateEvents: Int64 = 0
    public var excludedEvents: Int64 = 0
    /// Usage records whose instant was inferred from the preceding record of their session.
    public var inferredInstants: Int64 = 0
    /// UTC epoch ms of the first / last event; nil when no event.
    public var firstEventMs: Int64? = nil
    public var lastEventMs: Int64? = nil
    public var status: IngestStatus = .ok
    /// Empty when ok; otherwise what went wrong, with the remedy where there is one.
    public var error: String = ""

    public init(path: String) { self.path = path }
}
