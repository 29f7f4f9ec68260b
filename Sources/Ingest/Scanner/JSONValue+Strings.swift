import Glibc

extension JSONValue {
    /// True when this is a string whose unescaped bytes equal `s`. Fast path (one `memcmp`) for
    /// enum-like fields (`"type":"assistant"`); falls back to unescaping when the raw string has
    /// a backslash. Invalid UTF-8 is compared as is (not repaired).
    /// - Complexity: O(length).
    public func stringEquals(_ s: StaticString) -> Bool {
        s.withUTF8Buffer { stringEquals(UnsafeRawBufferPointer($0)) }
    }

    /// True when this is a string whose unescaped UTF-8 bytes equal `other`.
    /// - Complexity: O(length).
    public func stringEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard kind == .string else { return false }
        let n = end - start - 2
        let p = base.baseAddress! + start + 1
        if _plain {
            return n == other.count && (n == 0 || memcmp(p, other.baseAddress!, n) == 0)
        }
        // Escapes only shorten: a raw string shorter than `other` cannot match.
        if n < other.count { return false }
        var matched = true
        var k = 0
        _unescape { chunk in
            if !matched { return }
            if k + chunk.count > other.count || memcmp(chunk.baseAddress!, other.baseAddress! + k, chunk.count) != 0 {
                matched = false
            }
            k += chunk.count
        }
        return matched && k == other.count
    }

    /// True when this is a string that starts with `prefix` (raw bytes, no unescaping).
    /// - Complexity: O(prefix length).
    public func stringHasPrefix(_ prefix: StaticString) -> Bool {
        guard kind == .string else { return false }
        let n = prefix.utf8CodeUnitCount
        guard end - start - 2 >= n else { return false }
        return memcmp(base.baseAddress! + start + 1, prefix.utf8Start, n) == 0
    }

    /// True when the string's raw contents contain `needle` (raw bytes, no unescaping).
    /// - Complexity: O(length), `memchr` on the needle's first byte.
    public func stringContains(_ needle: StaticString) -> Bool {
        guard kind == .string else { return false }
        return _contains(start + 1, end - 1, needle)
    }

    /// True when the value's raw bytes (any kind) contain `needle`.
    /// - Complexity: O(length).
    public func rawContains(_ needle: StaticString) -> Bool { _contains(start, end, needle) }

    func _contains(_ s: Int, _ e: Int, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard n > 0, e - s >= n else { return n == 0 }
        let p = base.baseAddress!
        let first = Int32(needle.utf8Start.pointee)
        var i = s
        while i <= e - n {
            guard let hit = memchr(p + i, first, e - n + 1 - i) else { return false }
            let hi = p.distance(to: UnsafeRawPointer(hit))
            if memcmp(p + hi, needle.utf8Start, n) == 0 { return true }
            i = hi + 1
        }
        return false
    }

    /// The string's contents between the quotes, raw (escapes not decoded). Nil for non-strings.
    public var rawStringBytes: UnsafeRawBufferPointer? {
        guard kind == .string else { return nil }
        return UnsafeRawBufferPointer(rebasing: base[(start + 1)..<(end - 1)])
    }

    /// True when the string contains no backslash (its raw bytes are its value).
    /// - Complexity: O(length), `memchr`.
    public var isPlainString: Bool {
        guard kind == .string else { return false }
        return _plain
    }

    /// The decoded string: escapes and `\u` surrogate pairs decoded (`"\ud83d\ude00"` → 😀);
    /// invalid UTF-8 and lone surrogates (`"\ud800"`, `"\udc00x"`) repaired with U+FFFD.
    /// Numbers, booleans and null give their literal text; objects and arrays give nil.
    /// Allocates (strings over 15 UTF-8 bytes): use for dimension values, not per field.
    /// - Complexity: O(length).
    public var string: String? {
        switch kind {
        case .string:
            let n = end - start - 2
            let p = base.baseAddress! + start + 1
            if _plain {
                return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
            }
            // Decoded bytes never outnumber raw ones for validated strings; +4 covers a U+FFFD
            // repair of a dangling backslash. `String(unsafeUninitializedCapacity:)` repairs
            // invalid UTF-8 like `String(decoding:)`.
            return String(unsafeUninitializedCapacity: n + 4) { buf in
                _decodeString(into: UnsafeMutableRawBufferPointer(buf))
            }
        case .number, .bool, .null:
            return String(decoding: rawBytes, as: UTF8.self)
        case .object, .array:
            return nil
        }
    }

    /// Calls `body` with successive chunks whose concatenation is the string's unescaped UTF-8
    /// (raw runs are passed straight from the line; each escape as a 1–4 byte chunk; lone
    /// surrogates as U+FFFD; invalid UTF-8 passed through as is). Does nothing for non-strings.
    /// Allocation-free: use it to hash or copy decoded bytes into an arena.
    /// - Complexity: O(length), `memchr` between escapes.
    public func forEachDecodedChunk(_ body: (UnsafeRawBufferPointer) -> Void) {
        guard kind == .string else { return }
        _unescape(body)
    }

    /// Writes the decoded bytes into `out` (truncating at its size); returns the count written.
    @discardableResult
    func _decodeString(into out: UnsafeMutableRawBufferPointer) -> Int {
        var k = 0
        let cap = out.count
        _unescape { chunk in
            let m = min(chunk.count, cap - k)
            if m > 0 { out.baseAddress!.advanced(by: k).copyMemory(from: chunk.baseAddress!, byteCount: m) }
            k += m
        }
        return k
    }

    /// Calls `sink` with successive chunks of the unescaped UTF-8 bytes of this string.
    /// Surrogates: a high one (`\uD800`–`\uDBFF`) directly followed by a `\u` low one
    /// (`\uDC00`–`\uDFFF`) is one scalar; any other surrogate becomes U+FFFD. Bytes that
    /// validation rejects (bad escapes) also become U+FFFD, so this never traps.
    func _unescape(_ sink: (UnsafeRawBufferPointer) -> Void) {
        let p = base.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = start + 1
        let e = end - 1
        var pendingHigh: UInt32 = 0  // 0: none
        @inline(__always) func emit(_ v: UInt32) {
            var buf: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &buf) { b in
                let n: Int
                if v < 0x80 {
                    b[0] = UInt8(v)
                    n = 1
                } else if v < 0x800 {
                    b[0] = UInt8(0xC0 | (v >> 6))
                    b[1] = UInt8(0x80 | (v & 0x3F))
                    n = 2
                } else if v < 0x10000 {
                    b[0] = UInt8(0xE0 | (v >> 12))
                    b[1] = UInt8(0x80 | ((v >> 6) & 0x3F))
                    b[2] = UInt8(0x80 | (v & 0x3F))
                    n = 3
                } else {
                    b[0] = UInt8(0xF0 | (v >> 18))
                    b[1] = UInt8(0x80 | ((v >> 12) & 0x3F))
                    b[2] = UInt8(0x80 | ((v >> 6) & 0x3F))
                    b[3] = UInt8(0x80 | (v & 0x3F))
                    n = 4
                }
                sink(UnsafeRawBufferPointer(rebasing: b[0..<n]))
            }
        }
        while i < e {
            let b: Int
            if let r = memchr(p + i, 0x5C, e - i) {
                b = UnsafeRawPointer(p).distance(to: UnsafeRawPointer(r))
            } else {
                b = e
            }
            if b > i {
                if pendingHigh != 0 { emit(0xFFFD); pendingHigh = 0 }
                sink(UnsafeRawBufferPointer(start: p + i, count: b - i))
            }
            if b >= e { break }
            guard b + 1 < e else {  // dangling backslash (never after validation)
                if pendingHigh != 0 { emit(0xFFFD); pendingHigh = 0 }
                emit(0xFFFD)
                i = e
                break
            }
            var scalar: UInt32
            var adv = 2
            switch p[b + 1] {
            case 0x22: scalar = 0x22
            case 0x5C: scalar = 0x5C
            case 0x2F: scalar = 0x2F
            case 0x62: scalar = 0x08
            case 0x66: scalar = 0x0C
            case 0x6E: scalar = 0x0A
            case 0x72: scalar = 0x0D
            case 0x74: scalar = 0x09
            case 0x75:
                var v: UInt32 = 0
                var ok = b + 6 <= e
                if ok {
                    for k in 2...5 {
                        let h = _hexValue(p[b + k])
                        if h < 0 { ok = false; break }
                        v = v << 4 | UInt32(h)
                    }
                }
                if !ok {
                    scalar = 0xFFFD
                } else {
                    adv = 6
                    if v >= 0xD800 && v <= 0xDBFF {
                        if pendingHigh != 0 { emit(0xFFFD) }
                        pendingHigh = v
                        i = b + 6
                        continue
                    } else if v >= 0xDC00 && v <= 0xDFFF {
                        if pendingHigh != 0 {
                            scalar = 0x10000 + ((pendingHigh - 0xD800) << 10) + (v - 0xDC00)
                            pendingHigh = 0
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = v
                    }
                }
            default:
                scalar = 0xFFFD
            }
            if pendingHigh != 0 { emit(0xFFFD); pendingHigh = 0 }
            emit(scalar)
            i = b + adv
        }
        if pendingHigh != 0 { emit(0xFFFD) }
    }
}
