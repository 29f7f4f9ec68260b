import Glibc

extension JSONValue {
    /// The value as a 64-bit integer, exactly.
    ///
    /// Accepts JSON numbers and numbers sent as strings (`"123"`, as OTLP/JSON sends `intValue`,
    /// `formats/GATEWAYS.md`; escapes inside the string are decoded first). A number with a
    /// fraction or exponent is accepted when its decimal value is an integer in range, decided on
    /// the digits, not through `Double`: `1e3` → 1000, `12.0` → 12, `1.5e1` → 15, `-0` → 0;
    /// `12.5`, `1e-3` and `1.0000000000000000001` → nil. Strings are a little laxer than JSON
    /// numbers: a leading `+`, leading zeros, `"5."` and `".5e1"` are read; spaces are not.
    /// - Returns: nil for other kinds, non-integral values and values outside
    ///   `Int64.min...Int64.max` (both ends included).
    /// - Complexity: O(length of the number).
    public var int64: Int64? {
        switch kind {
        case .number:
            return _decimalToInt64(_bytePointer, start, end)
        case .string:
            return _withStringContents { p, n in _decimalToInt64(p, 0, n) }
        default:
            return nil
        }
    }

    /// The value as a Double: JSON numbers and numbers sent as strings (escapes decoded first;
    /// same laxness as `int64`); nil for other kinds, bad syntax, and magnitudes beyond
    /// `Double.greatestFiniteMagnitude` (`1e400`; never ±infinity). Underflow gives ±0
    /// (`1e-400` → 0). `-0` gives -0.0.
    ///
    /// Correctly rounded: decimal inputs whose significand fits in 2^53 with |exponent| ≤ 22 take
    /// Clinger's exact fast path; all others (long mantissas, big exponents) go through glibc
    /// `strtod` on a stack copy.
    /// - Complexity: O(length of the number).
    public var double: Double? {
        switch kind {
        case .number: return _decimalToDouble(_bytePointer, start, end)
        case .string: return _withStringContents { p, n in _decimalToDouble(p, 0, n) }
        default: return nil
        }
    }

    /// `true`/`false`; nil for anything else (strings "true"/"false" included).
    /// - Complexity: O(1).
    public var bool: Bool? {
        guard kind == .bool else { return nil }
        return base[start] == 0x74
    }

    @inline(__always)
    var _bytePointer: UnsafePointer<UInt8> { base.baseAddress!.assumingMemoryBound(to: UInt8.self) }

    /// Calls `body` with the string's decoded contents: the raw bytes when there is no escape,
    /// otherwise a temporary (stack for short strings) copy with escapes decoded.
    @inline(__always)
    func _withStringContents<R>(_ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        let p = _bytePointer + (start &+ 1)
        let n = end &- start &- 2
        if _plain { return body(p, n) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n &+ 4) { buf in
            let k = _decodeString(into: UnsafeMutableRawBufferPointer(buf))
            return body(UnsafePointer(buf.baseAddress!), k)
        }
    }

    // Kept for source compatibility with early callers inside the module.
    func _parseInt(_ s: Int, _ e: Int) -> Int64? { _decimalToInt64(_bytePointer, s, e) }
    func _parseDouble(_ s: Int, _ e: Int) -> Double? { _decimalToDouble(_bytePointer, s, e) }
}

/// Exact decimal → Int64 for `p[s..<e]` (see `JSONValue.int64`), or nil.
@usableFromInline
func _decimalToInt64(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int64? {
    guard s < e else { return nil }
    var i = s
    var neg = false
    if p[i] == 0x2D { neg = true; i &+= 1 } else if p[i] == 0x2B { i &+= 1 }
    // Fast path: up to 18 plain digits cannot overflow.
    var fast: UInt64 = 0
    let ds = i
    while i < e, i &- ds < 18 {
        let d = p[i] &- 0x30
        if d >= 10 { break }
        fast = fast &* 10 &+ UInt64(d)
        i &+= 1
    }
    if i == e && i > ds { return neg ? -Int64(fast) : Int64(fast) }

    // General path: significant digits without trailing zeros in `acc`, the rest as a power of 10.
    i = ds
    var acc: UInt64 = 0
    var pendingZeros = 0  // zeros after the last non-zero digit
    var fracLen = 0
    var sawDigit = false
    @inline(__always) func add(_ d: UInt8) -> Bool {
        if d == 0 {
            if acc != 0 { pendingZeros &+= 1 }
            return true
        }
        for _ in 0...pendingZeros {
            let (m, o) = acc.multipliedReportingOverflow(by: 10)
            if o { return false }
            acc = m
        }
        pendingZeros = 0
        let (a, o) = acc.addingReportingOverflow(UInt64(d))
        acc = a
        return !o
    }
    while i < e, p[i] &- 0x30 < 10 {
        // More than 2^64 in significant digits: |value| ≥ 2^64 or non-integral; nil either way.
        guard add(p[i] &- 0x30) else { return nil }
        sawDigit = true
        i &+= 1
    }
    if i < e, p[i] == 0x2E {
        i &+= 1
        while i < e, p[i] &- 0x30 < 10 {
            guard add(p[i] &- 0x30) else { return nil }
            fracLen &+= 1
            sawDigit = true
            i &+= 1
        }
    }
    guard sawDigit else { return nil }
    var exp10 = 0
    if i < e, p[i] | 0x20 == 0x65 {
        i &+= 1
        var eneg = false
        if i < e, p[i] == 0x2D { eneg = true; i &+= 1 } else if i < e, p[i] == 0x2B { i &+= 1 }
        let es = i
        while i < e, p[i] &- 0x30 < 10 {
            if exp10 < 1_000_000 { exp10 = exp10 &* 10 &+ Int(p[i] &- 0x30) }
            i &+= 1
        }
        if i == es { return nil }
        if eneg { exp10 = -exp10 }
    }
    guard i == e else { return nil }
    if acc == 0 { return 0 }
    let scale = exp10 &- fracLen &+ pendingZeros
    // `acc` ends in a non-zero digit, so a negative scale leaves a fraction.
    guard scale >= 0, scale <= 19 else { return nil }
    for _ in 0..<scale {
        let (m, o) = acc.multipliedReportingOverflow(by: 10)
        if o { return nil }
        acc = m
    }
    if neg {
        guard acc <= UInt64(1) << 63 else { return nil }
        return Int64(bitPattern: 0 &- acc)
    }
    guard acc <= UInt64(Int64.max) else { return nil }
    return Int64(acc)
}

/// Decimal → Double for `p[s..<e]` (see `JSONValue.double`), or nil.
@usableFromInline
func _decimalToDouble(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
    guard s < e else { return nil }
    var i = s
    var neg = false
    if p[i] == 0x2D { neg = true; i &+= 1 } else if p[i] == 0x2B { i &+= 1 }
    var mant: UInt64 = 0
    var digits = 0  // significant digits kept in `mant` (leading zeros not counted), ≤ 19
    var dropped = false  // non-kept digits exist: `mant` is truncated, only `strtod` is exact
    var exp10 = 0
    var sawDigit = false
    while i < e, p[i] &- 0x30 < 10 {
        if digits < 19 {
            mant = mant &* 10 &+ UInt64(p[i] &- 0x30)
            if mant != 0 { digits &+= 1 }
        } else {
            exp10 &+= 1
            dropped = true
        }
        sawDigit = true
        i &+= 1
    }
    if i < e, p[i] == 0x2E {
        i &+= 1
        while i < e, p[i] &- 0x30 < 10 {
            if digits < 19 {
                mant = mant &* 10 &+ UInt64(p[i] &- 0x30)
                if mant != 0 { digits &+= 1 }
                exp10 &-= 1
            } else {
                dropped = true
            }
            sawDigit = true
            i &+= 1
        }
    }
    guard sawDigit else { return nil }
    if i < e, p[i] | 0x20 == 0x65 {
        i &+= 1
        var eneg = false
        if i < e, p[i] == 0x2D { eneg = true; i &+= 1 } else if i < e, p[i] == 0x2B { i &+= 1 }
        var ev = 0
        let es = i
        while i < e, p[i] &- 0x30 < 10 {
            if ev < 1_000_000 { ev = ev &* 10 &+ Int(p[i] &- 0x30) }
            i &+= 1
        }
        if i == es { return nil }
        exp10 &+= eneg ? -ev : ev
    }
    guard i == e else { return nil }
    if mant == 0 && !dropped { return neg ? -0.0 : 0.0 }
    if !dropped && mant <= (UInt64(1) << 53) && exp10 >= -22 && exp10 <= 22 {
        // Clinger: both operands exact, one correctly rounded operation.
        var d = Double(mant)
        if exp10 < 0 { d /= _pow10[-exp10] } else { d *= _pow10[exp10] }
        return neg ? -d : d
    }
    // Slow path: strtod on a NUL-terminated copy (the syntax was checked above, so strtod
    // sees only [+-]digits[.digits][e[+-]digits]; Swift never calls setlocale, so `.` is the
    // decimal point).
    let n = e &- s
    let d = withUnsafeTemporaryAllocation(of: CChar.self, capacity: n &+ 1) { buf -> Double in
        UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: p + s, byteCount: n)
        buf[n] = 0
        return strtod(buf.baseAddress!, nil)
    }
    return d.isFinite ? d : nil
}

@usableFromInline
let _pow10: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]
