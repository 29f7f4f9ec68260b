import Glibc

/// Stage A of the reader: produces the file's *decoded* bytes in chunks, into buffers the caller
/// owns. Plain files are read straight into the chunk; gzip and zstd go through one fixed raw
/// input buffer and `_StreamDecoder`.
///
/// ### End states
/// After `fill` returns with `finished == true`:
/// - `cleanEnd`: end of file reached and every gzip member / zstd frame was complete (trailing
///   bytes after the last gzip member are tolerated and described in `streamNote`).
/// - `streamError`: the stream is damaged (corrupt data, truncated inside a member or frame,
///   or a `read` failed); the bytes produced before are valid.
/// - `limitReached`: `decodeLimit` bytes were produced (used by `LineReader.peekLines`).
///
/// Memory is fixed: one raw buffer (`rawBufferBytes`) plus the decoder's own state (zlib 32 KiB
/// window; zstd up to the frame's window, at most 2^31 bytes with `windowLogMax` 31).
final class _ChunkSource {
    let file: _InputFile
    let compression: Compression
    private let decoder: _StreamDecoder?
    private let raw: UnsafeMutableRawBufferPointer
    private var rawPos = 0
    private var rawEnd = 0
    private var rawEOF = false
    /// A gzip member or zstd frame has started and not ended yet.
    private var unitOpen = false
    /// The last decode call filled the whole output space (the decoder may hold more bytes).
    private var lastFilledOutput = false
    /// gzip: a member ended; the next bytes decide between another member and trailing data.
    private var betweenMembers = false

    /// Stop after this many decoded bytes (`Int64.max`: no limit).
    var decodeLimit: Int64 = .max

    /// Bytes read from disk.
    private(set) var bytesRead: Int64 = 0
    /// Bytes produced after decompression.
    private(set) var bytesDecoded: Int64 = 0
    private(set) var finished = false
    private(set) var cleanEnd = false
    private(set) var limitReached = false
    private(set) var streamError: String? = nil
    private(set) var streamNote: String? = nil

    /// - Parameters:
    ///   - startOffset: plain files only: the raw offset to start reading at.
    ///   - rawBufferBytes: size of the compressed-input buffer (compressed files only).
    /// - Throws: `IngestError` `.unreadable` (seek failed), `.decompressorUnavailable`.
    init(file: _InputFile, compression: Compression, startOffset: Int64, rawBufferBytes: Int) throws(IngestError) {
        self.file = file
        self.compression = compression
        if compression == .none {
            decoder = nil
            raw = UnsafeMutableRawBufferPointer(start: nil, count: 0)
            try file.seek(to: startOffset)
        } else {
            do {
                decoder = try _StreamDecoder(compression)
            } catch {
                throw IngestError(
                    code: .decompressorUnavailable, path: file.path,
                    message:
                        "cannot start the \(compression.rawValue) decoder: \(error.message); free memory or lower --jobs"
                )
            }
            // At least 2 bytes: the gzip magic test between members needs two bytes at once.
            raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(rawBufferBytes, 2), alignment: 16)
        }
    }

    deinit {
        if raw.baseAddress != nil { raw.deallocate() }
    }

    /// Raw bytes the decoder has consumed so far (for messages).
    private var rawConsumed: Int64 { bytesRead - Int64(rawEnd - rawPos) }

    /// Fills `out` with the next decoded bytes.
    ///
    /// Loops until `out` is full or the stream finishes, so a return shorter than `out.count`
    /// means `finished` is true. Returns 0 only when finished.
    /// - Complexity: O(bytes read + bytes produced).
    func fill(_ out: UnsafeMutableRawBufferPointer) -> Int {
        guard !finished else { return 0 }
        let remaining = decodeLimit - bytesDecoded
        let cap = remaining < Int64(out.count) ? Int(remaining) : out.count
        var n = 0
        if cap > 0 {
            let target = UnsafeMutableRawBufferPointer(rebasing: out[0..<cap])
            n = decoder == nil ? fillPlain(target) : fillCompressed(target)
            bytesDecoded += Int64(n)
        }
        if !finished && bytesDecoded >= decodeLimit {
            finished = true
            limitReached = true
        }
        return n
    }

    private func fillPlain(_ out: UnsafeMutableRawBufferPointer) -> Int {
        let (n, err) = file.readFully(into: out)
        bytesRead += Int64(n)
        if let e = err {
            fail("read failed after \(bytesRead) bytes (\(String(cString: strerror(e))))")
        } else if n < out.count {
            finished = true
            cleanEnd = true
        }
        return n
    }

    private func fail(_ message: String) {
        streamError = message
        finished = true
    }

    /// Moves the unconsumed raw bytes to the front and reads more after them.
    private func refillRaw() {
        if rawPos > 0 {
            let left = rawEnd - rawPos
            if left > 0 { memmove(raw.baseAddress!, raw.baseAddress! + rawPos, left) }
            rawPos = 0
            rawEnd = left
        }
        let space = UnsafeMutableRawBufferPointer(rebasing: raw[rawEnd...])
        precondition(!space.isEmpty, "refillRaw with a full raw buffer")
        let (n, err) = file.readFully(into: space)
        rawEnd += n
        bytesRead += Int64(n)
        if let e = err {
            fail(
                "read failed after \(bytesRead) bytes (\(String(cString: strerror(e)))); the complete lines before it were kept"
            )
        } else if n < space.count {
            rawEOF = true
        }
    }

    private var unitName: String { compression == .gzip ? "member" : "frame" }

    private func fillCompressed(_ out: UnsafeMutableRawBufferPointer) -> Int {
        let decoder = decoder!
        var n = 0
        while n < out.count && !finished {
            if rawPos == rawEnd && !rawEOF {
                refillRaw()
                continue
            }
            if betweenMembers {
                let avail = rawEnd - rawPos
                if avail == 0 {  // rawEOF: the last member ended exactly at the end of the file
                    finished = true
                    cleanEnd = true
                    break
                }
                if avail < 2 && !rawEOF {
                    refillRaw()
                    continue
                }
                if avail >= 2 && raw[rawPos] == 0x1F && raw[rawPos + 1] == 0x8B {
                    if let e = decoder.startNextMember() {
                        fail(e.message)
                        break
                    }
                    betweenMembers = false
                    continue
                }
                // Not another member: trailing data, ignored as gzip -d does.
                let at = rawConsumed
                let extra = max(file.size - at, Int64(avail))
                let zero = raw[rawPos] == 0
                streamNote =
                    zero
                    ? "ignored \(extra) bytes of trailing zero padding after the last gzip member (at byte \(at))"
                    : "ignored \(extra) bytes of trailing data after the last gzip member (at byte \(at)), as gzip -d does"
                finished = true
                cleanEnd = true
                break
            }
            if rawPos == rawEnd && !(unitOpen && lastFilledOutput) {
                // End of file and nothing left in the decoder.
                if unitOpen {
                    fail(
                        "truncated \(compression.rawValue) stream: the file ends inside a \(unitName) "
                            + "after \(bytesRead) bytes; the complete lines before it were kept")
                } else {
                    finished = true
                    cleanEnd = true
                }
                break
            }
            let space = out.count - n
            let step = decoder.decode(
                UnsafeRawBufferPointer(rebasing: raw[rawPos..<rawEnd]),
                into: UnsafeMutableRawBufferPointer(rebasing: out[n...]))
            rawPos += step.consumed
            n += step.produced
            lastFilledOutput = step.produced == space
            if let e = step.error {
                fail("\(e.message) at compressed byte \(rawConsumed); the complete lines before it were kept")
                break
            }
            if step.endOfUnit {
                unitOpen = false
                if compression == .gzip { betweenMembers = true }
            } else {
                unitOpen = true
                if step.consumed == 0 && step.produced == 0 && rawPos < rawEnd {
                    // Input and output space available, yet no progress: never spin.
                    fail("the \(compression.rawValue) decoder made no progress at compressed byte \(rawConsumed)")
                    break
                }
            }
        }
        return n
    }
}
