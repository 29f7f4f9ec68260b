import Glibc

/// Helpers shared by the two coding-agent decoders (`claude_code`, `codex`).
///
/// Everything here works on the raw bytes of borrowed `JSONValue`s: no `String` is built per
/// field read. Strings are only made for dimension values placed in events (model, principal,
/// session, tool), and those go through `_AgentInterner` so a value repeated on every line is
/// allocated once per file.
enum _AgentText {
    /// An empty byte buffer (for absent optional key fields).
    static var emptyBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    /// An instant from a `timestamp` value: an ISO-8601 string (Claude Code, Codex:
    /// `formats/AGENTS.md` §1.3, §2.3) or an epoch number (some headless Codex lines, §2.3).
    /// - Returns: UTC epoch ms, or nil when absent, unreadable or outside `Plausible`'s instant
    ///   range (1970 ..< 2200).
    static func instant(_ v: JSONValue?) -> Int64? {
        guard let v else { return nil }
        switch v.kind {
        case .string: return Plausible.instantMs(Timestamps.parseISO8601(v))
        case .number: return Plausible.instantMs(Timestamps.epochToMillis(v))
        default: return nil
        }
    }

    /// The contents of a non-empty string value, raw (escapes as written); nil otherwise.
    static func nonEmptyRaw(_ v: JSONValue?) -> UnsafeRawBufferPointer? {
        guard let v, let raw = v.rawStringBytes, raw.count > 0 else { return nil }
        return raw
    }

    /// True when `raw[offset...]` starts with `prefix` (bytes compared as written).
    static func hasPrefix(_ raw: UnsafeRawBufferPointer, at offset: Int = 0, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard offset >= 0, raw.count - offset >= n, n > 0 else { return n == 0 }
        return memcmp(raw.baseAddress! + offset, prefix.utf8Start, n) == 0
    }

    /// The index of the first occurrence of `needle` in `raw[from...]`, or nil.
    static func find(_ raw: UnsafeRawBufferPointer, _ needle: StaticString, from: Int = 0, limit: Int = Int.max) -> Int? {
        let n = needle.utf8CodeUnitCount
        let end = min(raw.count, limit)
        guard n > 0, from >= 0, end - from >= n, let base = raw.baseAddress else { return nil }
        let first = Int32(needle.utf8Start.pointee)
        var i = from
        while i <= end - n {
            guard let hit = memchr(base + i, first, end - n + 1 - i) else { return nil }
            let hi = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + hi, needle.utf8Start, n) == 0 { return hi }
            i = hi + 1
        }
        return nil
    }

    /// The non-negative decimal integer starting at `raw[i]` (an optional `-` allowed), or nil.
    static func integer(_ raw: UnsafeRawBufferPointer, at start: Int) -> Int64? {
        var i = start
        var neg = false
        if i < raw.count, raw[i] == 0x2D { neg = true; i += 1 }
        var v: Int64 = 0
        let d0 = i
        while i < raw.count, raw[i] >= 0x30, raw[i] <= 0x39, i - d0 < 18 {
            v = v * 10 + Int64(raw[i] - 0x30)
            i += 1
        }
        guard i > d0 else { return nil }
        return neg ? -v : v
    }

    /// The unsigned decimal number (`12`, `0.5`, `3.25`) starting at `raw[i]`, or nil.
    /// Digits are accumulated as an integer and scaled once (`0.25` = 25 / 100).
    static func decimal(_ raw: UnsafeRawBufferPointer, at start: Int) -> Double? {
        var i = start
        var mant: Int64 = 0
        var scale: Double = 1
        var digits = 0
        var inFraction = false
        while i < raw.count {
            let c = raw[i]
            if c >= 0x30, c <= 0x39 {
                if digits < 17 {
                    mant = mant * 10 + Int64(c - 0x30)
                    if inFraction { scale *= 10 }
                    digits += 1
                }
            } else if c == 0x2E, !inFraction {
                inFraction = true
            } else {
                break
            }
            i += 1
        }
        return digits > 0 ? Double(mant) / scale : nil
    }

    /// A 64-bit hash of a value's raw bytes as logged (tool-call arguments): byte-identical
    /// arguments give equal hashes. An absent value hashes like empty bytes.
    static func argumentsHash(_ v: JSONValue?) -> UInt64 {
        var h = ByteHasher(seed: 0)
        if let v { h.combine(v.rawBytes) }
        return h.value
    }

    /// A 128-bit key for a tool-call id (raw bytes), for joining requests to results.
    static func idKey(_ raw: UnsafeRawBufferPointer) -> DedupKey { key(nil, raw) }

    /// `DedupKey.of(namespace, a, b, c)` (same bytes, same separators, so equal to
    /// `DedupKey.of(strings:)` of the same fields) without the variadic array.
    /// A nil namespace, `b` or `c` is left out (`c` is the third field of the Codex tool keys).
    static func key(
        _ namespace: StaticString?, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer? = nil,
        _ c: UnsafeRawBufferPointer? = nil
    ) -> DedupKey {
        var h1 = ByteHasher(seed: 1)
        var h2 = ByteHasher(seed: 2)
        func add(_ f: UnsafeRawBufferPointer) {
            h1.combine(f)
            h1.separator()
            h2.combine(f)
            h2.separator()
        }
        if let namespace { add(UnsafeRawBufferPointer(start: namespace.utf8Start, count: namespace.utf8CodeUnitCount)) }
        add(a)
        if let b { add(b) }
        if let c { add(c) }
        return DedupKey(hi: h1.value, lo: h2.value)
    }

    /// The project name of a working directory: its last path component (`/home/dev/shop` →
    /// `shop`; `C:\src\app\` → `app`). `CONTRACT.md`: principal of `claude_code` and `codex`.
    static func lastPathComponent(_ path: String) -> String {
        var s = Substring(path)
        while s.count > 1, let l = s.last, l == "/" || l == "\\" { s = s.dropLast() }
        if let i = s.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            let tail = s[s.index(after: i)...]
            return tail.isEmpty ? String(s) : String(tail)
        }
        return String(s)
    }

    /// MCP tool names as `server/tool` (`formats/AGENTS.md` §1.3, §5: `mcp__<server>__<tool>`);
    /// any other name unchanged.
    static func toolName(_ name: String) -> String {
        guard name.hasPrefix("mcp__") else { return name }
        let rest = Array(name.utf8.dropFirst(5))
        var sep = -1
        var i = 0
        while i + 1 < rest.count {
            if rest[i] == 0x5F, rest[i + 1] == 0x5F { sep = i; break }
            i += 1
        }
        guard sep >= 0 else { return name }
        let server = String(decoding: rest[..<sep], as: UTF8.self)
        let tool = String(decoding: rest[(sep + 2)...], as: UTF8.self)
        guard !server.isEmpty, !tool.isEmpty else { return name }
        return "\(server)/\(tool)"
    }

    /// Decodes the JSON string escapes of `raw` (a string's contents as written) into `buf`
    /// (cleared first; capacity kept between calls). `\uXXXX` escapes are written as UTF-8;
    /// a lone surrogate becomes U+FFFD.
    static func unescape(_ raw: UnsafeRawBufferPointer, into buf: inout [UInt8]) {
        buf.removeAll(keepingCapacity: true)
        let n = raw.count
        var i = 0
        func hex(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: UInt32(c - 0x30)
            case 0x41...0x46: UInt32(c - 0x41 + 10)
            case 0x61...0x66: UInt32(c - 0x61 + 10)
            default: nil
            }
        }
        func u4(_ at: Int) -> UInt32? {
            guard at + 4 <= n else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                guard let h = hex(raw[at + k]) else { return nil }
                v = v << 4 | h
            }
            return v
        }
        func put(_ scalar: UInt32) {
            let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            for u in UTF8.encode(s)! { buf.append(u) }
        }
        while i < n {
            let c = raw[i]
            if c != 0x5C {
                buf.append(c)
                i += 1
                continue
            }
            guard i + 1 < n else { break }
            let e = raw[i + 1]
            i += 2
            switch e {
            case 0x62: buf.append(0x08)
            case 0x66: buf.append(0x0C)
            case 0x6E: buf.append(0x0A)
            case 0x72: buf.append(0x0D)
            case 0x74: buf.append(0x09)
            case 0x75:
                guard let v = u4(i) else { put(0xFFFD); continue }
                i += 4
                if v >= 0xD800, v <= 0xDBFF, i + 6 <= n, raw[i] == 0x5C, raw[i + 1] == 0x75,
                    let lo = u4(i + 2), lo >= 0xDC00, lo <= 0xDFFF
                {
                    i += 6
                    put(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))
                } else {
                    put(v)
                }
            default: buf.append(e)  // \" \\ \/ and anything else: the byte itself
            }
        }
    }
}

/// Caches the `String`s made from raw string values, so a value repeated on every line of a
/// file (model, session id, working directory, tool name) is decoded and allocated once.
///
/// Keys are the raw bytes as written; a hit is verified byte for byte (no false sharing on a
/// hash collision). The table is cleared when it exceeds `limit` entries.
struct _AgentInterner {
    private var table: [UInt64: (key: [UInt8], value: String)] = [:]
    private let limit: Int
    private let transform: @Sendable (String) -> String

    /// - Parameter transform: applied to the decoded string before caching (e.g. the last path
    ///   component of a `cwd`).
    init(limit: Int = 4096, transform: @escaping @Sendable (String) -> String = { $0 }) {
        self.limit = limit
        self.transform = transform
    }

    /// The (transformed) decoded value of the string `v`; "" for nil or a non-string.
    mutating func intern(_ v: JSONValue?) -> String {
        guard let v, let raw = v.rawStringBytes else { return "" }
        if raw.count == 0 { return transform("") }
        var h = ByteHasher(seed: 11)
        h.combine(raw)
        let hv = h.value
        if let hit = table[hv], hit.key.count == raw.count,
            hit.key.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 })
        {
            return hit.value
        }
        let value = transform(v.string ?? "")
        if table.count >= limit { table.removeAll(keepingCapacity: true) }
        table[hv] = (Array(raw), value)
        return value
    }
}

/// A tool request waiting for its result (both agent decoders).
struct _PendingTool {
    /// Order of the request within the file (flush order at the end).
    var seq: Int
    var call: ToolCall
    /// Set when a turn was interrupted while the call had no result: if no result follows, the
    /// call ends `cancelled` at this instant instead of `unknown`.
    var interruptedAtMs: Int64? = nil
    /// The de-duplication key of a permission decision about this request (`DedupClaim.permission`).
    var permissionKey: DedupKey? = nil

    /// The denial of this call (subject = tool, the call's principal and instant), keyed like
    /// the call when the call is keyed.
    func denial(of call: ToolCall, reason: PermissionReason) -> PermissionDecision {
        var d = PermissionDecision(instantMs: call.instantMs, reason: reason)
        d.principal = call.principal
        d.subject = call.tool
        if let k = permissionKey, let c = call.dedup {
            d.dedup = .permission(key: k, isSidechain: c.isSidechain)
            d.line = call.line
        }
        return d
    }
}

extension ToolCall {
    /// Sets the outcome and re-ranks the de-duplication claim for it (`DedupClaim.tool`).
    mutating func _settle(_ o: ToolOutcome) {
        outcome = o
        if let c = dedup { dedup = .tool(key: c.key, isSidechain: c.isSidechain, outcome: o) }
    }
}

extension Dictionary where Key == DedupKey, Value == _PendingTool {
    /// Marks every waiting call requested at or before `ms` as interrupted at `ms`.
    mutating func _markInterrupted(at ms: Int64) {
        for k in Array(keys) where self[k]!.interruptedAtMs == nil && self[k]!.call.instantMs <= ms {
            self[k]!.interruptedAtMs = ms
        }
    }

    /// Appends every waiting call in request order: `cancelled` when interrupted, else `unknown`
    /// (no result seen), and empties the table.
    mutating func _flush(into batch: inout EventBatch) {
        for p in values.sorted(by: { $0.seq < $1.seq }) {
            var c = p.call
            if let end = p.interruptedAtMs {
                c._settle(.cancelled)
                c.endMs = end
                c.durationMs = Double(Swift.max(0, end - c.instantMs))
            } else {
                c._settle(.unknown)
            }
            batch.toolCalls.append(c)
        }
        removeAll()
    }
}
