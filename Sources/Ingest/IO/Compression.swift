import Glibc

/// How an input file is compressed, as detected from its first bytes (never from its name).
///
/// `rawValue` is what `ingest_files.compression` holds (`CONTRACT.md`).
///
/// | value | first bytes | source |
/// |---|---|---|
/// | `gzip` | `1f 8b` | RFC 1952 §2.3.1 (ID1, ID2) |
/// | `zstd` | `28 b5 2f fd` (frame) or `5? 2a 4d 18` (skippable frame, magic `0x184D2A50`–`0x184D2A5F`) | RFC 8878 §3.1.1, §3.1.2 |
/// | `none` | anything else, including an empty file | |
///
/// A file named `x.jsonl.gz` that is plain text is `none`; a gzip file named `x.log` is `gzip`.
public enum Compression: String, Sendable, Hashable, CaseIterable {
    case none
    case gzip
    case zstd

    /// Detects the compression from the first bytes of a file.
    ///
    /// - Parameter magic: the file's first bytes; 4 are enough, fewer are fine (a file shorter
    ///   than a magic number is `none`).
    /// - Returns: the detected compression.
    /// - Complexity: O(1).
    public static func detect(magic: UnsafeRawBufferPointer) -> Compression {
        if magic.count >= 2, magic[0] == 0x1F, magic[1] == 0x8B { return .gzip }
        if magic.count >= 4 {
            let (b0, b1, b2, b3) = (magic[0], magic[1], magic[2], magic[3])
            if b0 == 0x28, b1 == 0xB5, b2 == 0x2F, b3 == 0xFD { return .zstd }
            if b0 & 0xF0 == 0x50, b1 == 0x2A, b2 == 0x4D, b3 == 0x18 { return .zstd }
        }
        return .none
    }

    /// Detects the compression of the file at `path` by reading its first 4 bytes.
    ///
    /// - Throws: `IngestError` (`.notFound`, `.permissionDenied`, `.notRegularFile`,
    ///   `.unreadable`) when the file cannot be opened or read.
    /// - Complexity: O(1): one `open`, one `read` of 4 bytes.
    public static func detect(path: String) throws(IngestError) -> Compression {
        let file = try _InputFile(path: path)
        defer { file.close() }
        return try file.detectCompression()
    }
}
