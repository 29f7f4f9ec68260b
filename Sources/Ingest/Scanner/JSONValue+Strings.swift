import Glibc

extension JSONValue {
    /// True when this is a string with no escapes whose bytes equal `s`. Fast path for
    /// enum-like fields (`"type":"assistant"`); falls back to unescaping when needed.
    public func stringEquals(_ s: StaticString) -> Bool {
        s.withUTF8Buffer { stringEquals(UnsafeRawBufferPointer($0)) }
    }

    /// True when this is a string whose unescaped UTF-8 bytes equal `other`.
    public func stringEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard kind == .string else { return false }
        let n = end - start - 2
        let p = base.baseAddress! + start + 1
        if memchr(p, 0x5C, n) == nil {
            return n == other.count && (n == 0 || memcmp(p, other.baseAddress!, n) == 0)
        }
        var matched = true
        var k = 0
        _unescape { chunk in
            if !matched { return }
            if k + chunk.count > other.count || (chunk.count > 0 && memcmp(chunk.baseAddress!, other.baseAddress! + k, chunk.count) != 0) {
                matched = false
            }
            k += chunk.count
        }
        return matched && k == other.count
    }

    /// True when this is a string that starts with `prefix` (raw bytes, no unescaping).
    public func stringHasPrefix(_ prefix: StaticString) -> Bool {
        guard kind == .string else { return false }
        let n = prefix.utf8CodeUnitCount
        guard end - start - 2 >= n else { return false }
        return memcmp(base.baseAddress! + start + 1, prefix.utf8Start, n) == 0
    }

    /// True when the string's raw contents contain `needle` (raw bytes, no unescaping).
    public func stringContains(_ needle: StaticString) -> Bool {
        guard kind == .string else { return false }
        return _contains(start + 1, end - 1, needle)
    }

    /// True when the value's raw bytes (any kind) contain `needle`.
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
    public var isPlainString: Bool {
        guard kind == .string else { return false }
        return memchr(base.baseAddress! + start + 1, 0x5C, end - start - 2) == nil
    }

    /// The decoded string (escapes and `\u` surrogate pairs decoded; invalid UTF-8 and lone
    /// surrogates repaired with U+FFFD). Numbers, booleans and null give their literal text;
    /// objects and arrays give nil. Allocates: use for dimension values, not per field.
    public var string: String? {
        switch kind {
        case .string:
            let n = end - start - 2
            let p = base.baseAddress! + start + 1
            if memchr(p, 0x5C, n) == nil {
                return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(n)
            _unescape { bytes.append(contentsOf: $0) }
            return String(decoding: bytes, as: UTF8.self)
        case .number, .bool, .null:
            return String(decoding: rawBytes, as: UTF8.self)
        case .object, .array:
            return nil
        }
    }

    /// Calls `sink` with successive chunks of the unescaped UTF-8 bytes of this string.
    func _unescape(_ sink: (UnsafeRawBufferPointer) -> Void) {
        let p = base.baseAddress!
        var i = start + 1
        let e = end - 1
        var run = i
        var pendingHigh: UInt32? = nil
        func flushRun(_ to: Int) {
            if to > run { sink(UnsafeRawBufferPointer(start: p + run, count: to - run)) }
        }
        func emitScalar(_ v: UInt32) {
            var buf: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            var n = 0
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            withUnsafeMutableBytes(of: &buf) { b in
                for u in UTF8.encode(scalar)! {
                    b[n] = u
                    n += 1
                }
                sink(UnsafeRawBufferPointer(rebasing: b[0..<n]))
            }
        }
        while i < e {
            if base[i] != 0x5C {
                if let h = pendingHigh { emitScalar(0xFFFD); _ = h; pendingHigh = nil }
                i += 1
                continue
            }
            flushRun(i)
            guard i + 1 < e else { break }
            let c = base[i + 1]
            var scalar: UInt32? = nil
            var adv = 2
            switch c {
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
                if i + 5 < e + 1 {
                    for k in 2...5 {
                        let h = _hexValue(i + k < e ? base[i + k] : 0)
                        v = v << 4 | UInt32(max(h, 0))
                    }
                }
                adv = 6
                if v >= 0xD800 && v <= 0xDBFF {
                    if pendingHigh != nil { emitScalar(0xFFFD) }
                    pendingHigh = v
                    i += adv
                    run = i
                    continue
                } else if v >= 0xDC00 && v <= 0xDFFF {
                    if let h = pendingHigh {
                        scalar = 0x10000 + ((h - 0xD800) << 10) + (v - 0xDC00)
                        pendingHigh = nil
                    } else {
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = v
                }
            default:
                scalar = UInt32(c)
            }
            if pendingHigh != nil { emitScalar(0xFFFD); pendingHigh = nil }
            emitScalar(scalar!)
            i += adv
            run = i
        }
        if pendingHigh != nil { emitScalar(0xFFFD) }
        flushRun(min(i, e))
    }
}
