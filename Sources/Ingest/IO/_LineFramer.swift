import Glibc

/// Stage B's first step: cuts decoded chunks into lines (the contract is on `LineReader`).
///
/// ### Layout
///
///     chunk k:   [...line...\n...line...\n..tail]      tail copied into `carry`
///     chunk k+1: [..rest\n...line...\n..tail]          carry + rest delivered, then in place
///
/// Lines that lie wholly inside a chunk are handed out in place (no copy). Only the unfinished
/// tail of a chunk is copied, into `carry`. Each byte is searched for `\n` exactly once: the
/// carry is known to hold no `\n` (it is the "scanned up to here" part), so when the next chunk
/// arrives only the new bytes are searched (`memchr`), never the carry again.
///
/// ### Long lines
/// `carry` grows (doubling) up to `maxLineBytes + 1` bytes (+1 for a CR that may precede the
/// `\n`). A tail that would grow past that switches to *skipping*: the carry is emptied and bytes
/// are dropped until the next `\n`, so an oversized line is never held whole.
final class _LineFramer {
    typealias Body = (UnsafeRawBufferPointer, Int, Int64) -> Bool

    let maxLineBytes: Int
    let skipDecodedBytes: Int64

    private var carry: UnsafeMutableRawPointer? = nil
    private var carryCount = 0
    private var carryCapacity = 0
    /// Inside an oversized line: drop bytes until the next `\n`.
    private var skipping = false

    /// Lines counted (delivered non-blank lines + oversized lines), skipped-by-offset excluded.
    private(set) var lines = 0
    private(set) var oversized = 0
    /// Decoded offset just past the last `\n` seen.
    private(set) var consumedDecodedOffset: Int64
    /// The stream ended with an unterminated non-blank (or oversized) line, which was counted.
    private(set) var unterminatedTail = false
    /// `body` returned false.
    private(set) var stopped = false

    init(maxLineBytes: Int, skipDecodedBytes: Int64, startOffset: Int64) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive, got \(maxLineBytes)")
        self.maxLineBytes = maxLineBytes
        self.skipDecodedBytes = skipDecodedBytes
        self.consumedDecodedOffset = startOffset
    }

    deinit { carry?.deallocate() }

    /// Testing hook: bytes allocated for the carried-over tail (never above `maxLineBytes + 1`).
    var carryCapacityForTesting: Int { carryCapacity }

    /// Whether the bytes are all JSON whitespace other than `\n` (space, tab, CR), or empty.
    @inline(__always)
    private static func isBlank(_ p: UnsafeRawPointer, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b != 0x20 && b != 0x09 && b != 0x0D { return false }
            i += 1
        }
        return true
    }

    /// Handles one line whose bytes (without `\n`) are `p[0..<n]`, ending at decoded offset `end`.
    /// - Returns: false when `body` asked to stop.
    @inline(__always)
    private func deliver(_ p: UnsafeRawPointer, _ count: Int, end: Int64, _ body: Body) -> Bool {
        var n = count
        if n > 0 && p.load(fromByteOffset: n - 1, as: UInt8.self) == 0x0D { n -= 1 }
        if n > maxLineBytes {
            if end > skipDecodedBytes {
                lines += 1
                oversized += 1
            }
            return true
        }
        // Fast path: a JSON line starts with `{`, so the blank check stops at the first byte.
        if n == 0 || Self.isBlank(p, n) { return true }
        if end <= skipDecodedBytes { return true }
        lines += 1
        return body(UnsafeRawBufferPointer(start: p, count: n), lines, end)
    }

    private func appendToCarry(_ p: UnsafeRawPointer, _ n: Int) {
        let need = carryCount + n
        if need > carryCapacity {
            var cap = Swift.max(carryCapacity * 2, 4096)
            while cap < need { cap *= 2 }
            cap = Swift.min(cap, maxLineBytes + 1)
            let fresh = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 16)
            if let old = carry {
                fresh.copyMemory(from: old, byteCount: carryCount)
                old.deallocate()
            }
            carry = fresh
            carryCapacity = cap
        }
        (carry! + carryCount).copyMemory(from: p, byteCount: n)
        carryCount = need
    }

    /// Frames one chunk of decoded bytes that starts at decoded offset `start`.
    ///
    /// Calls `body` for each complete line; keeps the unfinished tail for the next chunk.
    /// Does nothing once stopped.
    /// - Complexity: O(chunk.count) plus O(tail) copied.
    func consume(_ chunk: UnsafeRawBufferPointer, at start: Int64, _ body: Body) {
        guard !stopped, let base = chunk.baseAddress, chunk.count > 0 else { return }
        let n = chunk.count
        var i = 0
        if skipping || carryCount > 0 {
            guard let hit = memchr(base, 0x0A, n) else {
                if !skipping {
                    if carryCount + n > maxLineBytes + 1 {
                        skipping = true
                        carryCount = 0
                    } else {
                        appendToCarry(base, n)
                    }
                }
                return
            }
            let lf = UnsafeRawPointer(hit) - base
            let end = start + Int64(lf) + 1
            consumedDecodedOffset = end
            if skipping {
                skipping = false
                if end > skipDecodedBytes {
                    lines += 1
                    oversized += 1
                }
            } else if carryCount + lf > maxLineBytes + 1 {
                carryCount = 0
                if end > skipDecodedBytes {
                    lines += 1
                    oversized += 1
                }
            } else {
                appendToCarry(base, lf)
                let total = carryCount
                carryCount = 0
                if !deliver(carry!, total, end: end, body) {
                    stopped = true
                    return
                }
            }
            i = lf + 1
        }
        while i < n {
            guard let hit = memchr(base + i, 0x0A, n - i) else { break }
            let lf = UnsafeRawPointer(hit) - base
            let end = start + Int64(lf) + 1
            consumedDecodedOffset = end
            if !deliver(base + i, lf - i, end: end, body) {
                stopped = true
                return
            }
            i = lf + 1
        }
        if i < n {
            if n - i > maxLineBytes + 1 {
                skipping = true
            } else {
                appendToCarry(base + i, n - i)
            }
        }
    }

    /// Ends the stream at decoded offset `end`.
    ///
    /// - Parameter complete: the stream ended cleanly, so the bytes after the last `\n` are the
    ///   last line (delivered when non-blank; counted as oversized when too long). When false
    ///   (damaged stream, decode limit), they are a fragment and are dropped.
    func finish(complete: Bool, at end: Int64, _ body: Body) {
        defer {
            skipping = false
            carryCount = 0
        }
        guard !stopped, complete else { return }
        if skipping {
            if end > skipDecodedBytes {
                lines += 1
                oversized += 1
                unterminatedTail = true
            }
        } else if carryCount > 0 {
            let before = lines
            if !deliver(carry!, carryCount, end: end, body) { stopped = true }
            unterminatedTail = lines > before
        }
    }
}
