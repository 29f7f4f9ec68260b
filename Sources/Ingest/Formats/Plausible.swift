/// Bounds on the numbers the decoders read from logs, and conversions that cannot trap.
///
/// Log lines are input: a number may be out of any sensible range (`1e30`, `-9223372036854775808`,
/// `1.5` tokens). Swift traps on integer overflow and on `Int64(Double)` out of range, so every
/// number read from input goes through these checks before it is converted or combined. With
/// the bounds below, sums and differences of a few values cannot overflow `Int64`.
///
/// * Token counts: integers in `0...maxTokens` (2^40). A count outside (negative, fractional,
///   beyond the bound, or a number too large for a `Double`) makes the whole record undecodable
///   (counted as malformed), never silently 0 or clamped.
/// * Instants: UTC epoch ms in `minInstantMs ..< endInstantMs` (1970-01-01 ..< 2200-01-01);
///   outside, the record is undecodable.
/// * Durations (latency, TTFT, tool durations): finite ms in `0...maxDurationMs` (30 days);
///   outside, the optional field is left nil and the record kept.
/// * Sums of many records (Analyze's aggregates) can still pass `Int64.max` however small each
///   value is: they saturate (`+|`, `Analyze/Aggregation/Saturating.swift`) and a saturated
///   total is reported, never a trap (issue 11).
/// * Nesting: a line deeper than `JSONDocument.maxDepth` (1 000) is malformed (`json.too_deep`).
enum Plausible {
    /// Largest token count accepted (2^40 ≈ 1.1e12 tokens).
    static let maxTokens: Int64 = 1 << 40
    /// 1970-01-01T00:00:00Z in epoch ms.
    static let minInstantMs: Int64 = 0
    /// 2200-01-01T00:00:00Z in epoch ms (`Timestamps.daysFromCivil(2200, 1, 1)` × 86 400 000), excluded.
    static let endInstantMs: Int64 = 7_258_118_400_000
    /// 30 days in ms (30 × 86 400 000).
    static let maxDurationMs: Double = 2_592_000_000

    // MARK: - Conversions

    /// `Int64` of `d` rounded by `rule`; nil when `d` is not finite or the rounded value lies
    /// outside `Int64.min...Int64.max` (where `Int64(_:)` would trap).
    @inline(__always)
    static func int64(_ d: Double, rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int64? {
        let r = d.rounded(rule)
        // -2^63 is exactly representable; 2^63 is the first double above Int64.max
        guard r.isFinite, r >= -9_223_372_036_854_775_808.0, r < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(r)
    }

    // MARK: - Tokens

    /// A token count: nil when absent, `null` or not numeric (`""` or a string not starting like
    /// a number: "not given", as before); the count when it is an integer in `0...maxTokens`. Any other number
    /// (negative, fractional, larger, or beyond `Double` range like `1e400`) sets `bad` and
    /// returns nil: the caller rejects the record.
    @inline(__always)
    static func tokens(_ v: JSONValue?, _ bad: inout Bool) -> Int64? {
        guard let v, v.kind == .number || v.kind == .string else { return nil }
        if let i = v.int64 {
            if i >= 0 && i <= maxTokens { return i }
            bad = true
            return nil
        }
        // a number that is not an Int64 (1.5, 1e30, 1e400), or a numeric string out of range
        if v.kind == .number || v.double != nil || looksNumeric(v) { bad = true }
        return nil
    }

    /// A string value starting like a number (`"1e400"`, `"-5x"`): its contents begin with a digit,
    /// `-`, `+` or `.`. Such a string that does not read as a count is an implausible count, not
    /// an absent one.
    @inline(__always)
    static func looksNumeric(_ v: JSONValue) -> Bool {
        guard let raw = v.rawStringBytes, raw.count > 0 else { return false }
        let c = raw[0]
        return (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E
    }

    // MARK: - Instants

    /// True for epoch ms in `minInstantMs ..< endInstantMs`.
    @inline(__always)
    static func isInstantMs(_ ms: Int64) -> Bool { ms >= minInstantMs && ms < endInstantMs }

    /// The instant when plausible, else nil.
    @inline(__always)
    static func instantMs(_ ms: Int64?) -> Int64? {
        guard let ms, isInstantMs(ms) else { return nil }
        return ms
    }

    /// True for epoch µs in the instant range.
    @inline(__always)
    static func isInstantMicros(_ us: Int64) -> Bool { us >= minInstantMs * 1000 && us < endInstantMs * 1000 }

    /// True for epoch ns in the instant range (7.26e18 < Int64.max).
    @inline(__always)
    static func isInstantNanos(_ ns: Int64) -> Bool { ns >= minInstantMs * 1_000_000 && ns < endInstantMs * 1_000_000 }

    // MARK: - Durations

    /// The duration (ms) when finite and within `0...maxDurationMs`, else nil.
    @inline(__always)
    static func durationMs(_ d: Double?) -> Double? {
        guard let d, d.isFinite, d >= 0, d <= maxDurationMs else { return nil }
        return d
    }
}
