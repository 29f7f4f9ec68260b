import Glibc

/// Helpers shared by the gateway decoders (`litellm`, `kong`, `bedrock`, `otel`).
///
/// Everything here reads borrowed `JSONValue`s and allocates nothing, except `string(_:)`, which
/// makes the `String` of a dimension value that goes into an event.
enum GatewaySupport {
    /// Decodes every element of the array `records` with `decodeRecord` (a line holding several
    /// records: Kong's batched HTTP log, Azure's `{"records": [...]}` blob): `.undecodable` when a
    /// record was (an implausible number, say; the line counts as malformed while the other
    /// records still count), else `.decoded` when one was, else `.ignored`.
    @inline(__always)
    static func decodeEach(_ records: JSONValue, _ decodeRecord: (JSONValue) -> LineDisposition) -> LineDisposition {
        var any = false, bad = false
        records.forEachElement { e in
            switch decodeRecord(e) {
            case .decoded: any = true
            case .undecodable: bad = true
            case .ignored: break
            }
            return true
        }
        return bad ? .undecodable : (any ? .decoded : .ignored)
    }

    /// Azure Monitor resource logs: one record, or a `{"records": [...]}` envelope of them
    /// (`formats/GATEWAYS.md`, "Cross-cutting checklist"); true when the record, or the
    /// envelope's first record, passes `detectsRecord`.
    static func detectsAzureRecords(_ root: JSONValue, _ detectsRecord: (JSONValue) -> Bool) -> Bool {
        guard root.kind == .object else { return false }
        if let records = root["records"], records.kind == .array {
            guard let first = records[index: 0] else { return false }
            return detectsRecord(first)
        }
        return detectsRecord(root)
    }

    /// Decodes an Azure resource-log line: each record of a `{"records": [...]}` envelope
    /// (`decodeEach`), else the line as one record.
    @inline(__always)
    static func decodeAzureRecords(_ root: JSONValue, _ decodeRecord: (JSONValue) -> LineDisposition) -> LineDisposition {
        guard root.kind == .object else { return .undecodable }
        if let records = root["records"], records.kind == .array { return decodeEach(records, decodeRecord) }
        return decodeRecord(root)
    }

    // MARK: - Values

    /// The value unless it is JSON `null` (or absent).
    @inline(__always)
    static func present(_ v: JSONValue?) -> JSONValue? {
        guard let v, v.kind != .null else { return nil }
        return v
    }

    /// True for a string value with at least one byte.
    @inline(__always)
    static func isNonEmptyString(_ v: JSONValue?) -> Bool {
        guard let v, v.kind == .string else { return false }
        return v.end - v.start > 2
    }

    /// The decoded string of a non-empty string value; nil for anything else (null, "", numbers).
    /// Allocates only the first time given bytes are seen on this thread (`_StringCache`): a
    /// model or team repeated on every line is decoded once.
    static func string(_ v: JSONValue?) -> String? {
        guard isNonEmptyString(v) else { return nil }
        return _StringCache.current.string(v!)
    }

    /// An integer from a JSON number or a numeric string (`"10"`, OTLP `intValue`); nil for null,
    /// `""` and non-numeric values.
    @inline(__always)
    static func int(_ v: JSONValue?) -> Int64? {
        guard let v, v.kind == .number || v.kind == .string else { return nil }
        return v.int64
    }

    /// A double from a JSON number or a numeric string; nil otherwise.
    @inline(__always)
    static func double(_ v: JSONValue?) -> Double? {
        guard let v, v.kind == .number || v.kind == .string else { return nil }
        return v.double
    }

    /// The first of the values that is a non-empty string.
    static func firstNonEmpty(_ vs: JSONValue?...) -> JSONValue? {
        for v in vs where isNonEmptyString(v) { return v }
        return nil
    }

    // Fixed-arity forms: the variadic one allocates its array on every call.
    @inline(__always)
    static func firstNonEmpty(_ a: JSONValue?, _ b: JSONValue?) -> JSONValue? {
        isNonEmptyString(a) ? a : isNonEmptyString(b) ? b : nil
    }

    @inline(__always)
    static func firstNonEmpty(_ a: JSONValue?, _ b: JSONValue?, _ c: JSONValue?) -> JSONValue? {
        isNonEmptyString(a) ? a : isNonEmptyString(b) ? b : isNonEmptyString(c) ? c : nil
    }

    @inline(__always)
    static func firstNonEmpty(_ a: JSONValue?, _ b: JSONValue?, _ c: JSONValue?, _ d: JSONValue?) -> JSONValue? {
        isNonEmptyString(a) ? a : isNonEmptyString(b) ? b : isNonEmptyString(c) ? c : isNonEmptyString(d) ? d : nil
    }

    // MARK: - Pricing context

    /// The served service tier, inference geography and speed of a usage object or response
    /// (`service_tier`, `inference_geo`, `speed`), as LiteLLM reads them for pricing
    /// (`_served_service_tier` in `litellm/cost_calculator.py`; `get_provider_specific_geo_multiplier`
    /// and `get_provider_specific_speed_multiplier` in `llm_cost_calc/utils.py`). Members that are
    /// absent leave the call as it is. Allocates only for an unusual geography name.
    static func readPricingContext(_ u: JSONValue?, into call: inout LLMCall) {
        guard let u, u.kind == .object else { return }
        // One pass over the members (a response object can be large).
        u.forEachMember { k, v in
            guard v.kind == .string else { return true }
            let k = Key(k)
            if k("service_tier") {
                call.serviceTier = serviceTier(v)
            } else if k("inference_geo") {
                if v.stringEquals("us") { call.inferenceGeo = "us" }
                else if v.stringEquals("global") { call.inferenceGeo = "global" }
                else { call.inferenceGeo = string(v)?.lowercased() ?? "" }
            } else if k("speed") {
                call.fastMode = v.stringEquals("fast")
            }
            return true
        }
    }

    /// `ServiceTier(reported:)` of a string value, without allocating for the usual names.
    static func serviceTier(_ v: JSONValue) -> ServiceTier {
        if v.stringEquals("standard") || v.stringEquals("default") || v.stringEquals("auto") { return .standard }
        if v.stringEquals("priority") { return .priority }
        if v.stringEquals("flex") { return .flex }
        return ServiceTier(reported: string(v) ?? "")
    }

    // MARK: - Keys

    /// A member key compared against several names: the escape check (`memchr`) is done once,
    /// then each comparison is a length check and a `memcmp` (keys with escapes fall back to
    /// `JSONKey.equals`, which unescapes).
    struct Key {
        let key: JSONKey
        let plain: Bool
        let p: UnsafeRawPointer
        let n: Int

        @inline(__always)
        init(_ k: JSONKey) {
            key = k
            n = k.end - k.start - 2
            p = k.base.baseAddress! + k.start + 1
            plain = memchr(p, 0x5C, n) == nil
        }

        /// Length of the unescaped key in bytes (decodes only a key with escapes).
        @inline(__always) var length: Int { plain ? n : key.string.utf8.count }

        @inline(__always)
        func callAsFunction(_ s: StaticString) -> Bool {
            if plain {
                return n == s.utf8CodeUnitCount && (n == 0 || memcmp(p, s.utf8Start, n) == 0)
            }
            return key.equals(s)
        }
    }

    /// A string value compared against several names (OTLP attribute keys): the escape check is
    /// done once, then each comparison is a length check and a `memcmp`.
    struct Str {
        let value: JSONValue
        let plain: Bool
        let p: UnsafeRawPointer
        let n: Int

        @inline(__always)
        init(_ v: JSONValue) {
            value = v
            n = v.kind == .string ? v.end - v.start - 2 : 0
            p = v.base.baseAddress! + v.start + 1
            plain = v.kind == .string && memchr(p, 0x5C, n) == nil
        }

        @inline(__always)
        func callAsFunction(_ s: StaticString) -> Bool {
            if plain {
                return n == s.utf8CodeUnitCount && (n == 0 || memcmp(p, s.utf8Start, n) == 0)
            }
            return value.stringEquals(s)
        }

        @inline(__always)
        func hasPrefix(_ s: StaticString) -> Bool {
            let m = s.utf8CodeUnitCount
            return plain ? n >= m && memcmp(p, s.utf8Start, m) == 0 : value.stringHasPrefix(s)
        }
    }

    // MARK: - Tokens

    /// Uncached input from a prompt count that may include cache reads and cache writes.
    ///
    /// `CONTRACT.md` ("Normalized events"): OpenAI-style prompt counts include cached reads;
    /// LiteLLM's include cache writes too when `prompt ≥ reads + writes` (newer versions), otherwise
    /// the writes are beside it (BerriAI/litellm#15056). A prompt smaller than the reads is taken as
    /// already disjoint (Anthropic-shaped).
    ///
    ///     prompt ≥ reads + writes  →  prompt − reads − writes
    ///     prompt ≥ reads           →  prompt − reads          (writes beside)
    ///     otherwise                →  prompt                  (already disjoint)
    @inline(__always)
    static func uncachedInput(prompt: Int64, reads: Int64, writes: Int64) -> Int64 {
        if prompt >= reads + writes { return prompt - reads - writes }
        if prompt >= reads { return prompt - reads }
        return prompt
    }

    // MARK: - Time

    /// An instant as UTC epoch **microseconds**.
    ///
    /// Numbers (or numeric strings) are judged by magnitude like `Timestamps.epochToMillis`:
    /// < 1e11 seconds (float seconds keep their fraction: LiteLLM `startTime` 1781604060.9),
    /// < 1e14 ms, < 1e17 µs, else ns. Strings are ISO-8601 / naive date-times
    /// (`Timestamps.parseISO8601`), with fraction digits 4–6 kept as microseconds
    /// (`"2025-01-24 09:20:46.847371"` → …46.847371 s). Source: `formats/GATEWAYS.md` §1 quirk 3.
    /// - Returns: nil for null, empty or unparseable values, and numbers beyond `Int64` µs (no
    ///   trap; the instant range is checked by the caller, `Plausible.isInstantMicros`).
    static func epochMicros(_ v: JSONValue?) -> Int64? {
        guard let v else { return nil }
        switch v.kind {
        case .number:
            return numberMicros(v)
        case .string:
            if let ms = Timestamps.parseISO8601(v) {
                return ms * 1000 + subMillisecondMicros(v.rawStringBytes!)
            }
            return numberMicros(v)
        default:
            return nil
        }
    }

    private static func numberMicros(_ v: JSONValue) -> Int64? {
        guard let d = v.double else { return nil }
        let a = abs(d)
        if a < 1e11 { return Plausible.int64(d * 1e6) }
        if a < 1e14 { return Plausible.int64(d * 1e3) }
        if a < 1e17 { return Plausible.int64(d) }
        if let i = v.int64 { return i / 1000 }
        return Plausible.int64(d / 1e3, rounding: .down)
    }

    /// Digits 4–6 of the fraction of `YYYY-MM-DD?HH:MM:SS.ffffff…` as microseconds (0 when absent).
    private static func subMillisecondMicros(_ b: UnsafeRawBufferPointer) -> Int64 {
        guard b.count > 23, b[19] == UInt8(ascii: ".") || b[19] == UInt8(ascii: ",") else { return 0 }
        @inline(__always) func isDigit(_ k: Int) -> Bool { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 }
        // 20, 21, 22 are the millisecond digits; fewer than three means no microseconds
        guard isDigit(20), isDigit(21), isDigit(22) else { return 0 }
        var us: Int64 = 0
        var digits = true
        for k in 23..<26 {
            if digits, k < b.count, b[k] >= 0x30, b[k] <= 0x39 {
                us = us * 10 + Int64(b[k] - 0x30)
            } else {
                digits = false
                us *= 10
            }
        }
        return us
    }

    // MARK: - HTTP status

    /// Outcome and permission reason of an HTTP status (`CONTRACT.md`, permission reasons):
    /// 429 → `rate_limited` (not a denial); 401 → `denied`/`unauthenticated`; 403 → `denied`/`forbidden`;
    /// other 4xx/5xx → `error`; else `ok`.
    static func outcome(httpStatus s: Int) -> (LLMOutcome, PermissionReason?) {
        switch s {
        case 429: return (.rateLimited, nil)
        case 401: return (.denied, .unauthenticated)
        case 403: return (.denied, .forbidden)
        case 400...599: return (.error, nil)
        default: return (.ok, nil)
        }
    }

    // MARK: - Keys and hashes

    /// `DedupKey.of(namespace, id)` over the id's raw bytes (for a string: its contents between
    /// the quotes). Equals `DedupKey.of(strings: [namespace, id])` for an id without escapes.
    static func dedupKey(_ namespace: StaticString, _ id: JSONValue) -> DedupKey {
        let raw = id.rawStringBytes ?? id.rawBytes
        return namespace.withUTF8Buffer { ns in DedupKey.of(UnsafeRawBufferPointer(ns), raw) }
    }

    /// A 64-bit hash of a value's raw bytes (tool arguments, for retry detection).
    static func hash(_ v: JSONValue?) -> UInt64 {
        guard let v, v.kind != .null else { return 0 }
        var h = ByteHasher(seed: 3)
        h.combine(v.rawStringBytes ?? v.rawBytes)
        return h.value
    }

    // MARK: - JSON inside strings

    /// Appends the unescaped UTF-8 bytes of a JSON string value to `buf` (after emptying it), so
    /// that a JSON document sent as a string (LiteLLM SpendLogs `metadata`, `formats/GATEWAYS.md`
    /// §1b quirk 1) can be parsed with `JSONDocument.parse` without Foundation.
    /// Invalid `\u` escapes and lone surrogates become U+FFFD.
    static func unescape(_ v: JSONValue, into buf: inout [UInt8]) {
        buf.removeAll(keepingCapacity: true)
        guard let raw = v.rawStringBytes, raw.count > 0 else { return }
        let n = raw.count
        // the unescaped text is never longer than the escaped one (`\uXXXX` → ≤ 3 bytes,
        // a surrogate pair of 12 bytes → 4 bytes), so one buffer of n bytes suffices
        buf.append(contentsOf: repeatElement(0, count: n))
        let written = buf.withUnsafeMutableBufferPointer { out -> Int in
            var o = 0
            var i = 0
            var pendingHigh: UInt32? = nil
            func emit(_ scalar: UInt32) {
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                for u in UTF8.encode(s)! {
                    out[o] = u
                    o += 1
                }
            }
            func hex4(_ at: Int) -> UInt32? {
                guard at + 4 <= n else { return nil }
                var v: UInt32 = 0
                for k in 0..<4 {
                    let c = raw[at + k]
                    let d: UInt32
                    switch c {
                    case 0x30...0x39: d = UInt32(c - 0x30)
                    case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                    case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                    default: return nil
                    }
                    v = v << 4 | d
                }
                return v
            }
            while i < n {
                let c = raw[i]
                if c != 0x5C {
                    if pendingHigh != nil { emit(0xFFFD); pendingHigh = nil }
                    out[o] = c
                    o += 1
                    i += 1
                    continue
                }
                guard i + 1 < n else { break }
                let e = raw[i + 1]
                if e == UInt8(ascii: "u") {
                    // parse has rejected bad escapes; a bad one here is dropped, so the output
                    // can never outgrow the buffer
                    guard let u = hex4(i + 2) else {
                        i = min(i + 6, n)
                        continue
                    }
                    i += 6
                    if u >= 0xD800 && u <= 0xDBFF {
                        if pendingHigh != nil { emit(0xFFFD) }
                        pendingHigh = u
                    } else if u >= 0xDC00 && u <= 0xDFFF {
                        if let h = pendingHigh {
                            emit(0x10000 + ((h - 0xD800) << 10) + (u - 0xDC00))
                            pendingHigh = nil
                        } else {
                            emit(0xFFFD)
                        }
                    } else {
                        if pendingHigh != nil { emit(0xFFFD); pendingHigh = nil }
                        emit(u)
                    }
                    continue
                }
                if pendingHigh != nil { emit(0xFFFD); pendingHigh = nil }
                switch e {
                case UInt8(ascii: "n"): out[o] = 0x0A
                case UInt8(ascii: "t"): out[o] = 0x09
                case UInt8(ascii: "r"): out[o] = 0x0D
                case UInt8(ascii: "b"): out[o] = 0x08
                case UInt8(ascii: "f"): out[o] = 0x0C
                default: out[o] = e  // \" \\ \/
                }
                o += 1
                i += 2
            }
            if pendingHigh != nil { emit(0xFFFD) }
            return o
        }
        buf.removeLast(n - written)
    }
}
