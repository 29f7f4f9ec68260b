/// Timestamp parsing shared by the decoders. All results are UTC milliseconds since the epoch.
///
/// Accepted text forms (RFC 3339 / ISO 8601 subset seen in the formats notes):
/// `2026-04-01T10:00:00Z`, `2026-04-01T10:00:00.123Z`, `2026-04-01T10:00:00.1234567Z` (Azure,
/// 7 digits), `2026-04-01T10:00:00+02:00`, `2026-04-01T10:00:00.123+0000`, and naive
/// `2026-04-01 10:00:00.123456` / `2026-04-01T10:00:00` (taken as UTC: LiteLLM payloads,
/// `formats/GATEWAYS.md` §1). Fractions beyond milliseconds are truncated.
public enum Timestamps {
    /// Parses an ISO-8601 / RFC 3339 date-time string value (the JSON string's raw bytes).
    /// - Returns: UTC epoch ms, or nil when the text is not a date-time.
    public static func parseISO8601(_ v: JSONValue) -> Int64? {
        guard let raw = v.rawStringBytes else { return nil }
        return parseISO8601(raw)
    }

    /// Parses ISO-8601 bytes (no quotes). See the type doc for the forms.
    public static func parseISO8601(_ b: UnsafeRawBufferPointer) -> Int64? {
        let n = b.count
        guard n >= 10 else { return nil }
        @inline(__always) func dig(_ i: Int) -> Int? {
            guard i < n else { return nil }
            let c = b[i]
            return c >= 0x30 && c <= 0x39 ? Int(c - 0x30) : nil
        }
        @inline(__always) func num(_ i: Int, _ len: Int) -> Int? {
            var v = 0
            for k in 0..<len {
                guard let d = dig(i + k) else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0, 4), b[4] == 0x2D, let mo = num(5, 2), b[7] == 0x2D, let d = num(8, 2) else { return nil }
        guard (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, s = 0, ms = 0
        var i = 10
        var offsetSec = 0
        if i < n, b[i] == 0x54 || b[i] == 0x20 || b[i] == 0x74 {
            guard let hh = num(i + 1, 2), i + 3 < n, b[i + 3] == 0x3A, let mm = num(i + 4, 2) else { return nil }
            h = hh
            mi = mm
            i += 6
            if i < n, b[i] == 0x3A {
                guard let ss = num(i + 1, 2) else { return nil }
                s = ss
                i += 3
            }
            if i < n, b[i] == 0x2E || b[i] == 0x2C {
                i += 1
                var digits = 0
                while i < n, let dd = dig(i) {
                    if digits < 3 { ms = ms * 10 + dd }
                    digits += 1
                    i += 1
                }
                if digits == 0 { return nil }
                if digits < 3 { for _ in digits..<3 { ms *= 10 } }
            }
            if i < n {
                let c = b[i]
                if c == 0x5A || c == 0x7A {
                    i += 1
                } else if c == 0x2B || c == 0x2D {
                    guard let oh = num(i + 1, 2) else { return nil }
                    var j = i + 3
                    if j < n, b[j] == 0x3A { j += 1 }
                    let om = num(j, 2) ?? 0
                    if num(j, 2) != nil { j += 2 }
                    offsetSec = (oh * 3600 + om * 60) * (c == 0x2D ? -1 : 1)
                    i = j
                }
            }
            guard i == n else { return nil }
        } else if i != n {
            return nil
        }
        let days = daysFromCivil(y, mo, d)
        let secs = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetSec)
        return secs * 1000 + Int64(ms)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible
    /// low-level date algorithms", `days_from_civil`).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// (year, month, day) of a day number (days since 1970-01-01); inverse of `daysFromCivil`.
    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// An epoch number of unknown unit (s, ms, µs or ns, float or integer, or a string of
    /// digits) → ms, judged by magnitude: < 1e11 seconds, < 1e14 ms, < 1e17 µs, else ns.
    /// - Returns: nil when unreadable or beyond `Int64` ms (`1e30`: no trap). The range is not
    ///   judged here: decoders check `Plausible.isInstantMs`.
    public static func epochToMillis(_ v: JSONValue) -> Int64? {
        if v.kind == .string, let t = parseISO8601(v) { return t }
        guard let d = v.double else { return nil }
        let a = abs(d)
        if a < 1e11 { return Int64((d * 1000).rounded()) }
        if a < 1e14 { return Int64(d.rounded()) }
        if a < 1e17 { return Int64((d / 1000).rounded(.down)) }
        // nanoseconds: use the integer when exact
        if let i = v.int64 { return i / 1_000_000 }
        return Plausible.int64(d / 1e6, rounding: .down)
    }
}
