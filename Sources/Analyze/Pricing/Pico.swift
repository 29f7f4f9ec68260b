/// Exact money arithmetic in pico-dollars (1 pico-dollar = 1e-12 USD).
///
/// `CONTRACT.md` "Money": each per-token price is converted **once** to integer pico-dollars,
/// rounded half-even; costs are summed as `Int128` and converted to a `Double` of USD only for
/// output. All but a handful of LiteLLM prices are whole pico-dollars (`3e-06` USD = 3 000 000 pico);
/// the exceptions (e.g. `3.59375e-08` = 35 937.5 pico) are rounded half-even (→ 35 938).
///
/// ### Why decimal text, not `x * 1e12`
/// A price such as `3e-07` has no exact binary value; multiplying the nearest `Double` by 1e12 and
/// rounding happens to land on the right integer for whole-pico prices, but a half-pico price
/// (`2.5e-12`) is never exactly `.5` in binary and would round by the representation error instead of
/// half-even. So prices are converted from their **decimal text**: the JSON text itself when a
/// price is given as a string, otherwise the shortest decimal text that reads back as the same
/// `Double` (Swift's `description`). That is the same text LiteLLM's file carries: it is written by
/// Python's `json.dumps`, whose `repr` is also the shortest round-trip text, and any decimal with at
/// most 15 significant digits is the unique shortest text of its `Double`.
public enum Pico {
    /// Pico-dollars per US dollar.
    public static let perUSD: Int128 = 1_000_000_000_000

    /// Converts decimal text of a USD amount to pico-dollars, rounded half-even.
    ///
    /// Accepts JSON number syntax, leniently: optional sign, digits with an optional fraction
    /// (`3`, `0.000003`, `.5`, `3.`), an optional exponent (`3e-06`, `1.5E+1`); surrounding ASCII
    /// spaces are ignored (LiteLLM tolerates prices written as strings, `get_cost_per_unit` in
    /// `litellm/litellm_core_utils/llm_cost_calc/utils.py`).
    /// - Returns: the amount in pico-dollars, or `nil` when the text is not a number or the amount
    ///   does not fit in `Int128` (about 1.7e26 USD).
    public static func fromDecimalText<S: StringProtocol>(_ text: S) -> Int128? {
        fromDecimalText(text, decimals: 12)
    }

    /// Atto-dollars (1e-18 USD) per pico-dollar: the unit prices are held in (`ListedPrices`).
    public static let attoPerPico: Int128 = 1_000_000

    /// Converts decimal text of a USD amount to atto-dollars (1e-18 USD), rounded half-even: the
    /// unit per-token prices are held in, so a price such as `3.59375e-08` (35 937.5 pico) is exact.
    public static func attoFromDecimalText<S: StringProtocol>(_ text: S) -> Int128? {
        fromDecimalText(text, decimals: 18)
    }

    /// `a / b` rounded half-even (b > 0).
    public static func divRoundHalfEven(_ a: Int128, _ b: Int128) -> Int128 {
        precondition(b > 0, "divisor must be positive: \(b)")
        var q = a / b
        var r = a % b
        if r < 0 { q -= 1; r += b }
        let twice = r * 2
        if twice > b || (twice == b && q % 2 != 0) { q += 1 }
        return q
    }

    /// Converts decimal text to an integer count of 10^-`decimals` USD, rounded half-even.
    static func fromDecimalText<S: StringProtocol>(_ text: S, decimals: Int) -> Int128? {
        var bytes = Array(text.utf8)[...]
        while let f = bytes.first, f == 0x20 || f == 0x09 { bytes = bytes.dropFirst() }
        while let l = bytes.last, l == 0x20 || l == 0x09 { bytes = bytes.dropLast() }
        var negative = false
        if let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        // Mantissa digits D and the power of ten they are scaled by: value = D × 10^scale.
        var digits: [UInt8] = []
        var scale = 0
        var sawPoint = false
        var sawDigit = false
        while let b = bytes.first {
            if b >= 0x30 && b <= 0x39 {
                sawDigit = true
                if !(digits.isEmpty && b == 0x30) { digits.append(b - 0x30) }  // drop leading zeros
                if sawPoint { scale -= 1 }
            } else if b == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            bytes = bytes.dropFirst()
        }
        guard sawDigit else { return nil }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var expNegative = false
            if let s = bytes.first, s == UInt8(ascii: "-") || s == UInt8(ascii: "+") {
                expNegative = s == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { return nil }
            var exponent = 0
            for b in bytes {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                exponent = min(exponent * 10 + Int(b - 0x30), 100_000)  // saturate: far beyond any Int128
            }
            bytes = bytes[bytes.endIndex...]
            scale += expNegative ? -exponent : exponent
        }
        guard bytes.isEmpty else { return nil }
        if digits.isEmpty { return 0 }
        // units = D × 10^(scale + decimals), rounded half-even.
        let shift = scale + decimals
        var kept = digits.count + min(shift, 0)  // digits left of the pico point
        var roundUp = false
        if shift < 0 {
            if kept < 0 {
                kept = 0  // the amount is below 0.1 pico: the first dropped digit is an implicit 0
            } else {
                let first = kept < digits.count ? digits[kept] : 0
                if first > 5 {
                    roundUp = true
                } else if first == 5 {
                    let restNonZero = digits[(kept + 1)...].contains { $0 != 0 }
                    let lastKeptOdd = kept > 0 && digits[kept - 1] % 2 == 1
                    roundUp = restNonZero || lastKeptOdd
                }
            }
        }
        var value: Int128 = 0
        for i in 0..<kept {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int128(digits[i]))
            guard !o1, !o2 else { return nil }
            value = a
        }
        if shift > 0 {
            for _ in 0..<shift {
                let (m, o) = value.multipliedReportingOverflow(by: 10)
                guard !o else { return nil }
                value = m
            }
        }
        if roundUp {
            let (a, o) = value.addingReportingOverflow(1)
            guard !o else { return nil }
            value = a
        }
        return negative ? -value : value
    }

    /// Converts a USD amount held as a `Double` (e.g. a logged `response_cost`) to pico-dollars,
    /// rounded half-even on its shortest decimal text.
    ///
    /// Fast path without allocation: for |x·1e12| < 2^49 (about 563 USD) the product `x * 1e12`
    /// is within 2^-52 relative error (two roundings) of d·1e12, where d is the decimal value
    /// of x's shortest text, i.e. within 0.125 pico. So whenever the product's fraction is more than
    /// 0.25 away from one half, rounding it gives the same integer as rounding d·1e12 half-even.
    /// Otherwise (near-half fractions, large amounts) the exact decimal path is taken.
    /// - Returns: `nil` for NaN, infinities and amounts beyond `Int128`.
    public static func fromUSD(_ usd: Double) -> Int128? {
        guard usd.isFinite else { return nil }
        let p = usd * 1e12
        if abs(p) < 0x1p49 {
            let fraction = abs(p - p.rounded(.towardZero))
            if abs(fraction - 0.5) > 0.25 {
                return Int128(Int64(p.rounded(.toNearestOrEven)))
            }
        }
        return fromDecimalText(usd.description)
    }

    /// Converts pico-dollars to USD, correctly rounded to the nearest `Double`.
    ///
    /// Below 2^53 pico (about 9 007 USD) both the amount and 1e12 are exact `Double`s and IEEE
    /// division rounds the quotient correctly; larger amounts go through decimal text
    /// (`"<whole>.<12 digits>"`), which `Double(String)` also rounds correctly. Either way sums of
    /// many costs stay far inside the contract's 1e-9 USD agreement.
    public static func usd(fromPico pico: Int128) -> Double {
        if pico.magnitude < (1 << 53) {
            return Double(Int64(pico)) / 1e12
        }
        let magnitude = pico.magnitude
        let whole = magnitude / UInt128(perUSD)
        let fraction = String(magnitude % UInt128(perUSD))
        let text = (pico < 0 ? "-" : "") + String(whole) + "."
            + String(repeating: "0", count: 12 - fraction.count) + fraction
        return Double(text) ?? Double(pico) / 1e12
    }
}
