import Glibc

/// Options of `LineReader.read`. Every field has its default written next to it.
public struct LineReaderOptions: Sendable {
    /// Longest line handed to the body, in bytes, without the `\n` and a stripped CR
    /// (`--max-line-bytes`). Default 64 MiB. A longer line is skipped and counted in
    /// `LineReaderResult.oversizedLines`; reading goes on at the next line, and at most
    /// `maxLineBytes + 1` bytes of it are ever held. Must be ≥ 1.
    public var maxLineBytes: Int = 64 << 20
    /// Size of one decoded chunk, in bytes. Default 1 MiB. Memory per reader is about
    /// 4 × `chunkBytes` with `prefetch`, 1 × without, plus the longest line kept (≤
    /// `maxLineBytes`). Small values (even 1) are valid and only slower: tests use them to put
    /// chunk edges everywhere. Must be ≥ 1.
    public var chunkBytes: Int = 1 << 20
    /// Plain files: the raw byte offset to start at (`lseek`), e.g. the `consumedRawOffset` of
    /// the previous run on a file that grew. Decoded offsets then start here too. Compressed
    /// files: ignored (a compressed stream can only be decoded from its start; use
    /// `skipDecodedBytes`). Default 0.
    public var startOffset: Int64 = 0
    /// Lines that **end** (offset just past their `\n`) at or before this decoded offset are not
    /// passed to the body and are not counted in `lines` or `oversizedLines`. For compressed
    /// files that grew: pass the previous run's `consumedDecodedOffset`. Default 0.
    public var skipDecodedBytes: Int64 = 0
    /// Decompress (or read) the next chunk on a background thread while the body works on the
    /// current one, so one large file keeps two cores busy. Default true. Used only for files of
    /// at least `prefetchMinFileBytes` on disk; results are identical either way.
    public var prefetch: Bool = true
    /// Smallest on-disk size, in bytes, for which `prefetch` starts a thread. Default 2 MiB
    /// (below it, starting a thread costs more than it saves).
    public var prefetchMinFileBytes: Int64 = 2 << 20

    /// Testing hook: size of the compressed-input buffer (default 256 KiB). Tiny values put
    /// gzip member and zstd frame edges at every position of the raw buffer.
    var rawBufferBytes: Int = 256 << 10
    /// Stop after this many decoded bytes; the bytes after the last `\n` before it are dropped.
    var decodeLimit: Int64 = .max

    public init() {}
}

/// What one `LineReader.read` call did. Byte counts are of this run only.
public struct LineReaderResult: Sendable, Hashable {
    /// The file's compression, from its magic bytes.
    public var compression: Compression = .none
    /// Bytes read from disk (plain files: from `startOffset`).
    public var bytesRead: Int64 = 0
    /// Bytes after decompression produced by this run (including bytes skipped by
    /// `skipDecodedBytes`; plain files: equal to `bytesRead`).
    public var bytesDecoded: Int64 = 0
    /// Lines counted: non-blank lines delivered to the body plus oversized lines. Lines skipped
    /// by `skipDecodedBytes`, blank lines and lines after an early stop are not counted.
    public var lines: Int = 0
    /// Lines longer than `maxLineBytes` (skipped, counted in `lines` too).
    public var oversizedLines: Int = 0
    /// Why the stream is damaged, when it is: a corrupt or truncated gzip/zstd stream, or a
    /// `read` that failed after some data. The lines decoded before the damage were delivered;
    /// the file is `partial`. Nil when the whole file was read.
    public var streamError: String? = nil
    /// Something tolerated but worth reporting, e.g. trailing zero padding or garbage after the
    /// last gzip member (ignored as `gzip -d` does). Does not make the file partial.
    public var streamNote: String? = nil
    /// Plain files: the raw offset just past the last `\n` read (delivered, blank, oversized or
    /// skipped line alike); the next run on an appended file starts here. Compressed files: the
    /// file's size when the stream ended cleanly and was read to its end, else 0 (a compressed
    /// file can only be resumed from its start, with `skipDecodedBytes`).
    public var consumedRawOffset: Int64 = 0
    /// The decoded offset just past the last `\n` read (plain files: equal to
    /// `consumedRawOffset`). An unterminated last line is **not** included, so the next run
    /// reads it again, whole.
    public var consumedDecodedOffset: Int64 = 0
    /// The stream ended cleanly with a last line that has no `\n`; that line was delivered (or
    /// counted as oversized) but is not included in the consumed offsets.
    public var unterminatedTail: Bool = false
    /// The body returned false; the rest of the file was not read.
    public var stoppedEarly: Bool = false

    public init() {}
}

/// Reads a file's lines, decompressing gzip or zstd by magic bytes, with fixed memory.
///
/// ### Framing contract
/// - **Only LF (`0x0A`) ends a line.** One CR (`0x0D`) directly before the LF is stripped
///   (CRLF files). A lone CR is not a break and is kept (classic Mac line ends are not
///   supported: no log writer we read emits them, and splitting on CR would cut a JSON line that
///   carries a raw CR). VT, FF, NEL (`0x85`), U+2028 and U+2029 are not breaks either: JSON
///   allows U+2028/U+2029 raw inside strings, while a raw LF can never be inside a JSON string,
///   which is what makes LF framing exact for JSON lines. NUL bytes are ordinary bytes.
/// - The last line needs no LF: it is a line when the stream ended cleanly
///   (`unterminatedTail`). After a damaged stream the bytes after the last LF are a fragment
///   and are dropped.
/// - Empty lines and lines of only spaces, tabs and CRs are skipped and not counted.
/// - A line longer than `maxLineBytes` (after stripping the CR) is skipped and counted as
///   oversized; reading continues after its LF, and it is never held whole in memory.
///
/// ### Offsets
/// Decoded offsets count bytes of the decompressed stream (plain files: of the file) from its
/// start, the LF included. A line's end offset is the offset just past its LF (or the end of
/// the stream for an unterminated last line).
///
/// ### Threads
/// `read` blocks the calling thread and calls `body` on it. With `prefetch`, one extra POSIX
/// thread reads and decompresses ahead into a ring of three recycled chunk buffers.
public enum LineReader {
    /// Reads every line of the file at `path`.
    ///
    /// - Parameters:
    ///   - path: a regular file; plain, gzip (every member) or zstd (every frame).
    ///   - options: limits, resume offsets and buffering; see `LineReaderOptions`.
    ///   - body: called for each non-blank line with the line's bytes (without LF and stripped
    ///     CR), its number (1-based within this run, counting the lines counted in
    ///     `LineReaderResult.lines`, so oversized lines take a number too) and the decoded offset
    ///     just past its end. The bytes are **borrowed**: valid only during the call, never
    ///     escape them. Return false to stop reading.
    /// - Returns: counts, offsets and the stream's end state.
    /// - Throws: `IngestError` when the file cannot be opened or its first bytes read
    ///   (`.notFound`, `.permissionDenied`, `.notRegularFile`, `.unreadable`), or a decoder
    ///   cannot start (`.decompressorUnavailable`). Damage found later is `streamError`.
    /// - Complexity: O(file size) time; O(`chunkBytes` + longest kept line) memory.
    public static func read(
        path: String, options: LineReaderOptions = LineReaderOptions(),
        body: (UnsafeRawBufferPointer, Int, Int64) -> Bool
    ) throws(IngestError) -> LineReaderResult {
        precondition(options.chunkBytes > 0, "chunkBytes must be positive, got \(options.chunkBytes)")
        precondition(options.maxLineBytes > 0, "maxLineBytes must be positive, got \(options.maxLineBytes)")
        let file = try _InputFile(path: path)
        defer { file.close() }
        let compression = try file.detectCompression()
        let plain = compression == .none
        let start = plain ? max(options.startOffset, 0) : 0
        let source = try _ChunkSource(
            file: file, compression: compression, startOffset: start, rawBufferBytes: options.rawBufferBytes)
        source.decodeLimit = options.decodeLimit
        let framer = _LineFramer(
            maxLineBytes: options.maxLineBytes, skipDecodedBytes: options.skipDecodedBytes, startOffset: start)

        var offset = start
        var prefetched = false
        if options.prefetch && file.size >= options.prefetchMinFileBytes {
            let prefetcher = _Prefetcher(source: source, chunkBytes: options.chunkBytes)
            if prefetcher.start() {
                prefetched = true
                while true {
                    let (item, bytes) = prefetcher.next()
                    framer.consume(bytes, at: offset, body)
                    offset += Int64(item.count)
                    prefetcher.recycle(item)
                    if item.last { break }
                    if framer.stopped {
                        prefetcher.cancel()
                        break
                    }
                }
                prefetcher.join()
            }
        }
        if !prefetched {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: options.chunkBytes, alignment: 64)
            defer { buffer.deallocate() }
            while !source.finished && !framer.stopped {
                let n = source.fill(buffer)
                framer.consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), at: offset, body)
                offset += Int64(n)
            }
        }
        let complete = source.finished && source.cleanEnd && !source.limitReached
        framer.finish(complete: complete, at: offset, body)

        var r = LineReaderResult()
        r.compression = compression
        r.bytesRead = source.bytesRead
        r.bytesDecoded = source.bytesDecoded
        r.lines = framer.lines
        r.oversizedLines = framer.oversized
        r.streamError = source.streamError
        r.streamNote = source.streamNote
        r.consumedDecodedOffset = framer.consumedDecodedOffset
        r.consumedRawOffset =
            plain
            ? framer.consumedDecodedOffset
            : (complete && !framer.stopped ? source.bytesRead : 0)
        r.unterminatedTail = framer.unterminatedTail
        r.stoppedEarly = framer.stopped
        return r
    }

    /// Hands out the first complete lines of a file, for format detection.
    ///
    /// Decodes at most `maxBytes` bytes and calls `body` for each non-blank line that ends within
    /// them (or ends the file within them), in order, until `body` returns false or `maxLines`
    /// lines were given. A line cut by the `maxBytes` limit is not given. Damage in the stream is
    /// not reported here (`read` reports it).
    ///
    /// - Parameters:
    ///   - maxLines: most lines to hand out.
    ///   - maxBytes: most decoded bytes to look at.
    ///   - maxLineBytes: longest line given (default: `maxBytes`); a longer line is skipped
    ///     without being held (only its bytes up to the limit are ever buffered), and the next
    ///     lines are still given.
    ///   - body: the line's bytes, borrowed (valid only during the call). Return false to stop.
    /// - Returns: the file's compression.
    /// - Throws: `IngestError` as `read`.
    /// - Complexity: O(`maxBytes`) time, O(`maxLineBytes`) memory.
    @discardableResult
    public static func peekLines(
        path: String, maxLines: Int, maxBytes: Int, maxLineBytes: Int? = nil, body: (UnsafeRawBufferPointer) -> Bool
    ) throws(IngestError) -> Compression {
        var options = LineReaderOptions()
        options.prefetch = false
        options.maxLineBytes = max(min(maxLineBytes ?? maxBytes, maxBytes), 1)
        options.chunkBytes = min(max(maxBytes, 1), 1 << 16)
        options.decodeLimit = Int64(max(maxBytes, 0))
        if maxLines <= 0 || maxBytes <= 0 { options.decodeLimit = 0 }
        var given = 0
        let r = try read(path: path, options: options) { line, _, _ in
            given += 1
            return body(line) && given < maxLines
        }
        return r.compression
    }
}
