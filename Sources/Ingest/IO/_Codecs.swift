// The only file in Ingest that calls zlib or libzstd. Everything else sees `_StreamDecoder`,
// which turns return codes into `_DecodeStep` values carrying a typed `_CodecError`.
//
// Calling rules (zlib.h 1.2.13, zstd.h 1.5.4; /work/shared/tech/SWIFT-PERF.md §6–7):
// - zlib: `inflateInit2` is a macro, so call `inflateInit2_` with `zlibVersion()` and the struct
//   size. The `z_stream` must not move after init (zlib keeps a back pointer and checks it), so it
//   lives in its own heap allocation. `Z_STREAM_END` ends one gzip member: the caller resets with
//   `startNextMember()` when more input follows. `Z_BUF_ERROR` only means "no progress possible".
// - zstd: one DCtx decodes concatenated frames by itself and skips skippable frames; a return of 0
//   means a frame is complete *and* flushed. `windowLogMax` is raised to 31 so `zstd --long=31`
//   frames decode.
import CZlibSystem
import CZstd

/// A decoder failure: corrupt data or a library error. `message` is for humans.
struct _CodecError: Error, Sendable, Hashable {
    var message: String
}

/// What one call of `_StreamDecoder.decode` did.
struct _DecodeStep {
    /// Input bytes consumed.
    var consumed: Int = 0
    /// Output bytes written.
    var produced: Int = 0
    /// A gzip member or zstd frame ended with this call and all its output is written.
    var endOfUnit: Bool = false
    /// Corrupt data or a library error. `consumed`/`produced` still describe what happened before.
    var error: _CodecError? = nil
}

/// A streaming gzip (every member) or zstd (every frame) decoder over caller-owned buffers.
///
/// Not thread-safe; may move between threads (one user at a time).
final class _StreamDecoder {
    private enum State {
        case gzip(UnsafeMutablePointer<z_stream>)
        case zstd(OpaquePointer)
    }

    private let state: State

    /// - Throws: `_CodecError` when the library cannot allocate its state.
    init(_ compression: Compression) throws(_CodecError) {
        switch compression {
        case .gzip:
            let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            z.initialize(to: z_stream())
            // 15 + 16: gzip wrapper only, 32 KiB window (RFC 1952 members).
            let rc = inflateInit2_(z, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                z.deinitialize(count: 1)
                z.deallocate()
                throw _CodecError(message: "zlib inflateInit2 failed (code \(rc))")
            }
            state = .gzip(z)
        case .zstd:
            guard let d = ZSTD_createDCtx() else {
                throw _CodecError(message: "ZSTD_createDCtx failed (out of memory)")
            }
            let r = ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 31)
            if ZSTD_isError(r) != 0 {
                ZSTD_freeDCtx(d)
                throw _CodecError(message: "zstd windowLogMax: \(String(cString: ZSTD_getErrorName(r)))")
            }
            state = .zstd(d)
        case .none:
            preconditionFailure("_StreamDecoder needs .gzip or .zstd, got .none")
        }
    }

    deinit {
        switch state {
        case .gzip(let z):
            inflateEnd(z)
            z.deinitialize(count: 1)
            z.deallocate()
        case .zstd(let d):
            ZSTD_freeDCtx(d)
        }
    }

    /// Decodes from `input` into `output` once (one `inflate` / `ZSTD_decompressStream` call).
    ///
    /// Call again while input remains **or** the output came back full (`produced ==
    /// output.count`): the library may still hold decoded bytes.
    /// - Complexity: O(consumed + produced).
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> _DecodeStep {
        switch state {
        case .gzip(let z):
            precondition(input.count <= Int(UInt32.max) && output.count <= Int(UInt32.max))
            z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            z.pointee.avail_in = UInt32(input.count)
            z.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_out = UInt32(output.count)
            let rc = inflate(z, Z_NO_FLUSH)
            var step = _DecodeStep()
            step.consumed = input.count - Int(z.pointee.avail_in)
            step.produced = output.count - Int(z.pointee.avail_out)
            z.pointee.next_in = nil
            z.pointee.next_out = nil
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                step.endOfUnit = true
            case Z_DATA_ERROR:
                let detail = z.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                step.error = _CodecError(message: "corrupt gzip data (zlib: \(detail))")
            case Z_NEED_DICT:
                step.error = _CodecError(message: "corrupt gzip data (zlib asks for a preset dictionary)")
            case Z_MEM_ERROR:
                step.error = _CodecError(message: "zlib ran out of memory")
            default:
                step.error = _CodecError(message: "zlib inflate failed (code \(rc))")
            }
            return step
        case .zstd(let d):
            var inb = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var outb = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let r = ZSTD_decompressStream(d, &outb, &inb)
            var step = _DecodeStep()
            step.consumed = inb.pos
            step.produced = outb.pos
            if ZSTD_isError(r) != 0 {
                step.error = _CodecError(message: "corrupt zstd data (zstd: \(String(cString: ZSTD_getErrorName(r))))")
            } else if r == 0 {
                step.endOfUnit = true
            }
            return step
        }
    }

    /// Prepares for the next gzip member after `endOfUnit` (`inflateReset`). No-op for zstd,
    /// which continues into the next frame by itself.
    func startNextMember() -> _CodecError? {
        guard case .gzip(let z) = state else { return nil }
        let rc = inflateReset(z)
        return rc == Z_OK ? nil : _CodecError(message: "zlib inflateReset failed (code \(rc))")
    }
}
