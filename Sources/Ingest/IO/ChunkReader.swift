/// What `ChunkReader.read` saw of a file.
public struct ChunkReaderResult: Sendable, Hashable {
    public var compression: Compression = .none
    /// Bytes read from disk.
    public var bytesRead: Int64 = 0
    /// Bytes after decompression.
    public var bytesDecoded: Int64 = 0
    /// Set when the compressed stream is damaged or cut short (the bytes before were given).
    public var streamError: String? = nil

    public init() {}
}

/// Hands out a file's decoded bytes in chunks, for formats that are not line framed or whose
/// lines may be longer than any line limit: a Prometheus `query_range` export is one JSON document,
/// often a single line of hundreds of MB (issue 17). Same decompression as `LineReader` (plain,
/// every gzip member, every zstd frame; compression from the first bytes), memory fixed at one
/// chunk.
public enum ChunkReader {
    /// Calls `body` with each chunk of decoded bytes (borrowed: valid only during the call) until
    /// the stream ends or `body` returns false.
    ///
    /// - Parameters:
    ///   - chunkBytes: the chunk size (default 1 MiB).
    ///   - decodeLimit: stop after this many decoded bytes (detection reads a prefix).
    /// - Throws: `IngestError` when the file cannot be opened or its decoder cannot start; damage
    ///   found later is `streamError`.
    /// - Complexity: O(file size) time, O(`chunkBytes`) memory.
    @discardableResult
    public static func read(
        path: String, chunkBytes: Int = 1 << 20, decodeLimit: Int64 = .max,
        _ body: (UnsafeRawBufferPointer) -> Bool
    ) throws(IngestError) -> ChunkReaderResult {
        let file = try _InputFile(path: path)
        defer { file.close() }
        let compression = try file.detectCompression()
        let source = try _ChunkSource(file: file, compression: compression, startOffset: 0, rawBufferBytes: 256 << 10)
        source.decodeLimit = decodeLimit
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkBytes, 16), alignment: 64)
        defer { buffer.deallocate() }
        while !source.finished {
            let n = source.fill(buffer)
            if n > 0 && !body(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) { break }
        }
        var r = ChunkReaderResult()
        r.compression = compression
        r.bytesRead = source.bytesRead
        r.bytesDecoded = source.bytesDecoded
        r.streamError = source.streamError
        return r
    }

    /// The first `maxBytes` decoded bytes of a file (fewer when it is shorter), and its compression.
    /// - Throws: `IngestError` as `read`.
    public static func prefix(path: String, maxBytes: Int) throws(IngestError) -> ([UInt8], Compression) {
        var out: [UInt8] = []
        out.reserveCapacity(min(maxBytes, 1 << 16))
        let r = try read(path: path, chunkBytes: min(maxBytes, 1 << 16), decodeLimit: Int64(maxBytes)) { chunk in
            out.append(contentsOf: chunk)
            return out.count < maxBytes
        }
        return (out, r.compression)
    }
}
