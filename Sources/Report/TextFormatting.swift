/// Text forms of cell values shared by the CSV and XLSX writers. All functions append UTF-8
/// bytes to a buffer (no per-cell `String` for integers, dates and timestamps).
enum TextFormatting {
    /// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
    /// (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    @inline(__always)
    static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            appendUInt(v.magnitude, to: &out)
        } else {
            appendUInt(UInt64(v), to: &out)
        }
    }

    @inline(__always)
    static func appendUInt(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 { out.append(UInt8(v) + 48); return }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 digits
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 { buf[n] = UInt8(x % 10) + 48; x /= 10; n += 1 }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }

    @inline(__always)
    static func appendPadded(_ v: Int, width: Int, to out: inout [UInt8]) {
        var digits = 1, p = 10
        while v >= p && digits < 18 { digits += 1; p *= 10 }
        for _ in digits..<max(width, digits) { out.append(48) }
        appendUInt(UInt64(v), to: &out)
    }

    /// `YYYY-MM-DD` (ISO 8601 calendar date; years outside 0…9999 get a sign / more digits).
    static func appendDate(days: Int64, to out: inout [UInt8]) {
        let (y, m, d) = civil(fromDays: days)
        if y < 0 { out.append(UInt8(ascii: "-")) }
        appendPadded(Int(y.magnitude), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &out)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for UTC milliseconds since the epoch (floor division, so
    /// instants before 1970 are right too).
    static func appendTimestamp(millis: Int64, to out: inout [UInt8]) {
        let msPerDay: Int64 = 86_400_000
        var days = millis / msPerDay
        var rem = millis % msPerDay
        if rem < 0 { rem += msPerDay; days -= 1 }
        appendDate(days: days, to: &out)
        out.append(UInt8(ascii: "T"))
        let secs = Int(rem / 1000)
        appendPadded(secs / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secs / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secs % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendPadded(Int(rem % 1000), width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// The shortest text that parses back to exactly `v` (Swift's `description`, which is
    /// round-trip exact), rewritten without exponent notation: `1e-05` → `0.00001`,
    /// `1.5e+16` → `15000000000000000`, `0.058062` stays `0.058062`. NaN and infinities become
    /// `NaN`, `Infinity`, `-Infinity`.
    static func appendDouble(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v < 0 ? "-Infinity" : "Infinity").utf8); return }
        let s = v.description
        guard let eIndex = s.utf8.firstIndex(of: UInt8(ascii: "e")) else {
            out.append(contentsOf: s.utf8)
            return
        }
        // mantissa: [-]d[.ddd]; exponent: [+-]dd
        let mantissa = s.utf8[s.utf8.startIndex..<eIndex]
        let exponent = Int(s[s.index(after: eIndex)...]) ?? 0  // Int("+16") and Int("-05") both parse
        var negative = false
        var digits: [UInt8] = []
        var intDigits = 0
        var seenDot = false
        for c in mantissa {
            if c == UInt8(ascii: "-") { negative = true } else if c == UInt8(ascii: ".") { seenDot = true } else {
                digits.append(c)
                if !seenDot { intDigits += 1 }
            }
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0"), digits.count > intDigits { digits.removeLast() }
        let point = intDigits + exponent  // position of the decimal point within `digits`
        if negative { out.append(UInt8(ascii: "-")) }
        if point <= 0 {
            out.append(contentsOf: "0.".utf8)
            for _ in 0..<(-point) { out.append(48) }
            out.append(contentsOf: digits)
        } else if point >= digits.count {
            out.append(contentsOf: digits)
            for _ in 0..<(point - digits.count) { out.append(48) }
            out.append(contentsOf: ".0".utf8)
        } else {
            out.append(contentsOf: digits[0..<point])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[point...])
        }
    }
}
