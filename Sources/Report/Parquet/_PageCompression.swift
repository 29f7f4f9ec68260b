import CZlibSystem
import CZstd

/// Compression codecs for Parquet pages (thrift `CompressionCodec`, `tech/PARQUET.md §3, §7`).
public enum ParquetCodec: String, Sendable, CaseIterable {
    /// One standard zstd frame per page (RFC 8878), level 3. Thrift value ZSTD 6.
    case zstd
    /// One complete RFC 1952 gzip member per page (zlib `deflateInit2` with windowBits 15 + 16).
    /// Thrift value GZIP 2.
    case gzip
    /// Bodies stored as they are. Thrift value UNCOMPRESSED 0.
    case none

    /// The thrift `CompressionCodec` enum value.
    var thriftValue: Int32 {
        switch self {
        case .none: 0
        case .gzip: 2
        case .zstd: 6
        }
    }
}

/// Errors from the page compressors.
public struct PageCompressionError: Error, CustomStringConvertible {
    public var description: String
}

/// Compresses page bodies with one codec. The only place in `Report` that touches the zlib and
/// zstd C APIs. Not thread-safe (keeps a zstd context).
final class PageCompressor {
    let codec: ParquetCodec
    private var zstdContext: OpaquePointer?

    init(codec: ParquetCodec) {
        self.codec = codec
        if codec == .zstd { zstdContext = ZSTD_createCCtx() }
    }

    deinit {
        if let ctx = zstdContext { ZSTD_freeCCtx(ctx) }
    }

    /// Returns the compressed form of `input` (the input itself for `.none`).
    /// - Throws: `PageCompressionError` when the library reports an error.
    func compress(_ input: [UInt8]) throws -> [UInt8] {
        switch codec {
        case .none: return input
        case .zstd: return try compressZstd(input)
        case .gzip: return try compressGzip(input)
        }
    }

    private func compressZstd(_ input: [UInt8]) throws -> [UInt8] {
        guard let ctx = zstdContext else { throw PageCompressionError(description: "zstd: no context") }
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in
                ZSTD_compressCCtx(ctx, dst.baseAddress, bound, src.baseAddress, src.count, 3)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw PageCompressionError(description: "zstd: \(String(cString: ZSTD_getErrorName(written)))")
        }
        out.removeSubrange(written...)
        return out
    }

    private func compressGzip(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // deflateInit2 is a C macro: call deflateInit2_ with the version and struct size.
        // windowBits 15 + 16 selects the gzip wrapper (zlib.h, deflateInit2).
        var rc = deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw PageCompressionError(description: "gzip: deflateInit2 failed (\(rc))") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var out = [UInt8](repeating: 0, count: bound)
        var produced = 0
        rc = input.withUnsafeBytes { src -> Int32 in
            out.withUnsafeMutableBytes { dst -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(dst.count)
                let r = deflate(&stream, Z_FINISH)
                produced = dst.count - Int(stream.avail_out)
                return r
            }
        }
        guard rc == Z_STREAM_END else { throw PageCompressionError(description: "gzip: deflate did not finish (\(rc))") }
        out.removeSubrange(produced...)
        return out
    }
}
