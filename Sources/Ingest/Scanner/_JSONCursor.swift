import Glibc

// Byte-level helpers shared by the validator (`JSONDocument`) and the cursor. All take a raw
// pointer and an exclusive `end` and never read at or past `end`.

/// True for the four JSON whitespace bytes (RFC 8259 §2: space, tab, LF, CR).
/// One compare for the common case (`c > 0x20`), then a 33-bit mask.
@usableFromInline @inline(__always)
func _isJSONWhitespace(_ c: UInt8) -> Bool {
    c <= 0x20 && (UInt64(1) &<< UInt64(c)) & 0x1_0000_2600 != 0
}

@usableFromInline let _swarOnes: UInt64 = 0x0101_0101_0101_0101
@usableFromInline let _swarHighs: UInt64 = 0x8080_8080_8080_8080

/// SWAR: high bit set in each byte of `x` (8 bytes, little-endian) that is `"`, `\` or < 0x20.
/// The lowest flagged byte is always a true hit (borrows only run upward from a true hit), so
/// `trailingZeroBitCount / 8` is the exact index of the first special byte.
@usableFromInline @inline(__always)
func _swarStringSpecial(_ x: UInt64) -> UInt64 {
    let q = x ^ (_swarOnes &* 0x22)
    let b = x ^ (_swarOnes &* 0x5C)
    let t = ((q &- _swarOnes) & ~q) | ((b &- _swarOnes) & ~b) | ((x &- _swarOnes &* 0x20) & ~x)
    return t & _swarHighs
}

/// SWAR: high bit set in each byte of `x` that is `"` (lowest flag exact, as above).
@usableFromInline @inline(__always)
func _swarQuote(_ x: UInt64) -> UInt64 {
    let q = x ^ (_swarOnes &* 0x22)
    return (q &- _swarOnes) & ~q & _swarHighs
}

/// Index of the first byte at or after `from` that is `"`, `\` or a control byte (< 0x20), or
/// `end` when there is none. 16 bytes per step as two 8-byte SWAR words (portable, no SIMD
/// intrinsics needed), then a byte loop for the tail.
@usableFromInline @inline(__always)
func _scanStringSpecial(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
    var i = from
    let raw = UnsafeRawPointer(p)
    while i &+ 16 <= end {
        let m0 = _swarStringSpecial(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
        let m1 = _swarStringSpecial(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)))
        if m0 | m1 != 0 {
            return m0 != 0 ? i &+ (m0.trailingZeroBitCount &>> 3) : i &+ 8 &+ (m1.trailingZeroBitCount &>> 3)
        }
        i &+= 16
    }
    while i < end {
        let c = p[i]
        if c == 0x22 || c == 0x5C || c < 0x20 { return i }
        i &+= 1
    }
    return end
}

/// Index of the first `"` at or after `from`, or -1. The first 16 bytes are checked inline
/// (keys and enum values are short), the rest with glibc's vectorized `memchr`.
@usableFromInline @inline(__always)
func _findQuote(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
    var i = from
    if i &+ 16 <= end {
        let raw = UnsafeRawPointer(p)
        let m0 = _swarQuote(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
        if m0 != 0 { return i &+ (m0.trailingZeroBitCount &>> 3) }
        let m1 = _swarQuote(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)))
        if m1 != 0 { return i &+ 8 &+ (m1.trailingZeroBitCount &>> 3) }
        i &+= 16
    }
    guard i < end, let q = memchr(p + i, 0x22, end &- i) else { return -1 }
    return UnsafeRawPointer(p).distance(to: UnsafeRawPointer(q))
}

/// Internal cursor that finds value boundaries inside bytes already validated by
/// `JSONDocument.parse`, so it skips without re-validating.
///
/// Robustness: every read is guarded by `end`, every loop advances, and nesting is tracked with a
/// counter (no recursion); on bytes that are *not* valid JSON the results are meaningless but
/// the cursor never traps, never reads out of bounds and never loops forever.
@usableFromInline
struct _JSONCursor {
    let base: UnsafeRawBufferPointer
    let p: UnsafePointer<UInt8>
    let end: Int

    /// - Precondition: `base` is non-empty and `end <= base.count`.
    @inline(__always)
    init(base: UnsafeRawBufferPointer, end: Int) {
        self.base = base
        self.p = base.baseAddress!.assumingMemoryBound(to: UInt8.self)
        self.end = end
    }

    @inline(__always)
    func skipWhitespace(_ from: Int) -> Int {
        var i = from
        while i < end, _isJSONWhitespace(p[i]) { i &+= 1 }
        return i
    }

    /// Index just past the closing quote of the string starting at `from` (a `"`), or -1.
    /// Finds the next `"` and counts the backslashes before it: odd means escaped.
    /// - Complexity: O(length); the string's bytes are crossed with SIMD compares / `memchr`.
    @inline(__always)
    func skipString(_ from: Int) -> Int {
        var i = from &+ 1
        while i < end {
            let q = _findQuote(p, i, end)
            if q < 0 { return -1 }
            if p[q &- 1] != 0x5C { return q &+ 1 }
            var j = q &- 1
            while j > from, p[j] == 0x5C { j &-= 1 }
            if (q &- 1 &- j) & 1 == 0 { return q &+ 1 }
            i = q &+ 1
        }
        return -1
    }

    /// The value starting at `i` (no leading whitespace), or nil if none can start there.
    @inline(__always)
    func value(at i: Int) -> JSONValue? {
        guard i < end else { return nil }
        switch p[i] {
        case 0x22:  // "
            let e = skipString(i)
            return e < 0 ? nil : JSONValue(base: base, start: i, end: e, kind: .string)
        case 0x7B:  // {
            let e = skipContainer(i)
            return e < 0 ? nil : JSONValue(base: base, start: i, end: e, kind: .object)
        case 0x5B:  // [
            let e = skipContainer(i)
            return e < 0 ? nil : JSONValue(base: base, start: i, end: e, kind: .array)
        case 0x74:  // t
            return i &+ 4 <= end ? JSONValue(base: base, start: i, end: i &+ 4, kind: .bool) : nil
        case 0x66:  // f
            return i &+ 5 <= end ? JSONValue(base: base, start: i, end: i &+ 5, kind: .bool) : nil
        case 0x6E:  // n
            return i &+ 4 <= end ? JSONValue(base: base, start: i, end: i &+ 4, kind: .null) : nil
        case 0x2D, 0x30...0x39:
            var j = i &+ 1
            while j < end {
                let d = p[j]
                // digits . + - e E
                if (d >= 0x30 && d <= 0x39) || d == 0x2E || d == 0x2D || d == 0x2B || d | 0x20 == 0x65 {
                    j &+= 1
                } else {
                    break
                }
            }
            return JSONValue(base: base, start: i, end: j, kind: .number)
        default:
            return nil
        }
    }

    /// Index just past the bracket closing the container at `from`, or -1. Iterative: a depth
    /// counter, no recursion, so 100 000 levels cost nothing but time.
    /// - Complexity: O(length of the container).
    func skipContainer(_ from: Int) -> Int {
        var depth = 0
        var i = from
        while i < end {
            let c = p[i]
            if c == 0x22 {
                let e = skipString(i)
                if e < 0 { return -1 }
                i = e
                continue
            }
            // `[`/`{` are 0x5B/0x7B and `]`/`}` are 0x5D/0x7D: one OR with 0x20 folds the pairs.
            let f = c | 0x20
            if f == 0x7B {
                depth &+= 1
            } else if f == 0x7D {
                depth &-= 1
                if depth == 0 { return i &+ 1 }
            }
            i &+= 1
        }
        return -1
    }
}
