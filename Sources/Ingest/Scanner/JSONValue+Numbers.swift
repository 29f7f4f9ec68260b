import Glibc

extension JSONValue {
    /// The value as a 64-bit integer.
    ///
    /// Accepts JSON numbers and numbers sent as strings (`"123"`, as OTLP/JSON sends `intValue`).
    /// A number with a fraction or exponent is accepted when it is integral and in range
    /// (`1e3` → 1000, `12.0` → 12); `12.5` → nil.
    /// - Returns: nil for other kinds, non-integral values and out-of-range values.
    /// - Complexity: O(length of the number).
    public var int64: Int64? {
        switch kind {
        case .number:
            return _parseInt(start, end)
        case .string:
            // only if no escapes: digits in quotes
            return _parseInt(start + 1, end - 1)
        default:
            return nil
        }
    }

    /// The value as a Double: JSON numbers and numbers sent as strings; nil otherwise.
    /// Exact for decimal inputs whose significand fits in 2^53 with |exponent| ≤ 22
    /// (Clinger's fast path); other inputs go through `strtod`.
    public var double: Double? {
        switch kind {
        case .number: return _parseDouble(start, end)
        case .string: return _parseDouble(start + 1, end - 1)
        default: return nil
        }
    }

    /// `true`/`false`; nil for anything else (strings "true"/"false" included).
    public var bool: Bool? {
        guard kind == .bool else { return nil }
        return base[start] == 0x74
    }

    func _parseInt(_ s: Int, _ e: Int) -> Int64? {
        guard s < e else { return nil }
        var i = s
        var neg = false
        if base[i] == 0x2D { neg = true; i += 1 } else if base[i] == 0x2B { i += 1 }
        guard i < e else { return nil }
        var v: Int64 = 0
        let digitsStart = i
        while i < e {
            let c = base[i]
            guard c >= 0x30 && c <= 0x39 else { break }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            if o1 || o2 { return _integralDouble(s, e) }
            v = a
            i += 1
        }
        if i == digitsStart { return nil }
        if i == e { return neg ? -v : v }
        return _integralDouble(s, e)
    }

    func _integralDouble(_ s: Int, _ e: Int) -> Int64? {
        guard let d = _parseDouble(s, e), d.rounded() == d, abs(d) < 9.2e18 else { return nil }
        return Int64(d)
    }

    func _parseDouble(_ s: Int, _ e: Int) -> Double? {
        guard s < e, e - s < 400 else { return nil }
        var i = s
        var neg = false
        if base[i] == 0x2D { neg = true; i += 1 } else if base[i] == 0x2B { i += 1 }
        var mant: UInt64 = 0
        var digits = 0
        var exp10 = 0
        var sawDigit = false
        while i < e, base[i] >= 0x30 && base[i] <= 0x39 {
            if digits < 19 { mant = mant &* 10 &+ UInt64(base[i] - 0x30); if mant != 0 { digits += 1 } } else { exp10 += 1 }
            sawDigit = true
            i += 1
        }
        if i < e, base[i] == 0x2E {
            i += 1
            while i < e, base[i] >= 0x30 && base[i] <= 0x39 {
                if digits < 19 { mant = mant &* 10 &+ UInt64(base[i] - 0x30); if mant != 0 { digits += 1 }; exp10 -= 1 }
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < e, base[i] == 0x65 || base[i] == 0x45 {
            i += 1
            var eneg = false
            if i < e, base[i] == 0x2D { eneg = true; i += 1 } else if i < e, base[i] == 0x2B { i += 1 }
            var ev = 0
            let es = i
            while i < e, base[i] >= 0x30 && base[i] <= 0x39 {
                if ev < 100_000 { ev = ev * 10 + Int(base[i] - 0x30) }
                i += 1
            }
            if i == es { return nil }
            exp10 += eneg ? -ev : ev
        }
        guard i == e else { return nil }
        if mant == 0 { return neg ? -0.0 : 0.0 }
        if mant < (1 << 53) && exp10 >= -22 && exp10 <= 22 && digits <= 19 {
            var d = Double(mant)
            if exp10 < 0 { d /= _pow10[-exp10] } else { d *= _pow10[exp10] }
            return neg ? -d : d
        }
        // slow path: strtod on a NUL-terminated copy
        let n = e - s
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
            for k in 0..<n { buf[k] = CChar(bitPattern: base[s + k]) }
            buf[n] = 0
            var endp: UnsafeMutablePointer<CChar>? = nil
            let d = strtod(buf.baseAddress!, &endp)
            guard let endp, endp - buf.baseAddress! == n else { return nil }
            return d
        }
    }
}

let _pow10: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]
