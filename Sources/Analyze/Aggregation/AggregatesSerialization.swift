import Ingest

/// Compact, versioned binary form of `Aggregates`, for the state database.
///
/// Layout (version 4; read for old states: version 3 has no windows section, version 2 also no
/// end user and no tags section, version 1 also no unpriced day), all integers LEB128 varints
/// unless noted, signed ones zigzag-encoded:
///
///     "FLAG" magic (4 bytes), version (1 byte) = 4
///     string table: n, then n × (byte length, UTF-8 bytes)        (sorted, each string once)
///     usage:       n, then n × (day, 6 string ids (source, provider, model, team, principal,
///                  end user; 5 before version 3), requests, failed, denied, rate_limited,
///                  input, cache_read, cache_write, output, reasoning, unpriced,
///                  cost pico as 16 bytes: low then high 64-bit half, little-endian)
///     latency:     n, then n × (day, 3 string ids, histogram latency, histogram ttft)
///     tools:       n, then n × (day, 3 string ids, calls, succeeded, failed, denied, cancelled,
///                  unknown, retries, histogram duration)
///     permissions: n, then n × (day, 4 string ids (reason spelled as in the contract), denials)
///     unpriced:    n, then n × (2 string ids, day (version ≥ 2), requests, total_tokens,
///                  first_seen, last_seen)
///     tags:        (version ≥ 3) n, then n × (day, 2 string ids (source, tag), the usage values
///                  as above)
///     windows:     (version ≥ 4) n, then n × (day, provider id, model id, window number,
///                  requests, failed, rate_limited, denied, histogram latency,
///                  kinds: m, then m × (kind id, count) sorted by kind,
///                  who: m, then m × (source id, team id, principal id, requests, failed) sorted)
///     histogram:   count, max, min non-zero + 1 (0 = none), bucket count, then per non-empty
///                  bucket ascending (value − previous value, count)
///
/// Entries are written in key order, so equal aggregates serialize to equal bytes. Histograms
/// keep only non-empty buckets (`SWIFT-PERF.md`: a dense `Histogram` JSON is ~47 KB).
extension Aggregates {
    /// Format version written by `serialized()`.
    ///
    /// The one place the version is set. 3 added the end user and the tags section (issue 14 part
    /// A), 4 the windows section (incidents, part B). Versions 1 to 3 are still read.
    public static let serializationVersion: UInt8 = 4

    /// Errors of `init(serialized:)`.
    public enum DecodingError: Error, Equatable, CustomStringConvertible {
        case badMagic
        case unsupportedVersion(UInt8)
        case truncated
        case invalid(String)

        public var description: String {
            switch self {
            case .badMagic: "aggregate state: not a factorylog aggregate blob"
            case .unsupportedVersion(let v): "aggregate state: unsupported version \(v) (this build reads versions 1 to \(Aggregates.serializationVersion)); rebuild the state with --rebuild"
            case .truncated: "aggregate state: truncated blob"
            case .invalid(let why): "aggregate state: \(why)"
            }
        }
    }

    static let magic: [UInt8] = [0x46, 0x4C, 0x41, 0x47]  // "FLAG"

    /// The binary form (see the extension's doc for the layout).
    public func serialized() -> [UInt8] { serialized(layout: Self.serializationVersion) }

    /// The binary form in the layout of an earlier `version` (1 ... `serializationVersion`), for
    /// tests of reading old states: what that layout cannot hold (end users before 3, tags
    /// before 3, unpriced days before 2) is left out.
    func serialized(layout version: UInt8) -> [UInt8] {
        let endUsers = version >= 3
        // One insert per string (an array literal per key allocated on every file's commit).
        var strings = Set<String>()
        for k in usage.keys {
            strings.insert(k.source); strings.insert(k.provider); strings.insert(k.model)
            strings.insert(k.team); strings.insert(k.principal)
            if endUsers { strings.insert(k.endUser) }
        }
        if endUsers {
            for k in tags.keys { strings.insert(k.source); strings.insert(k.tag) }
        }
        for k in latency.keys { strings.insert(k.source); strings.insert(k.provider); strings.insert(k.model) }
        for k in tools.keys { strings.insert(k.source); strings.insert(k.principal); strings.insert(k.tool) }
        for k in permissions.keys {
            strings.insert(k.source); strings.insert(k.principal); strings.insert(k.subject); strings.insert(k.reason.rawValue)
        }
        for k in unpriced.keys { strings.insert(k.source); strings.insert(k.model) }
        if version >= 4 {
            for (k, v) in windows {
                strings.insert(k.provider)
                strings.insert(k.model)
                for kind in v.errorKinds.keys { strings.insert(kind) }
                for w in v.who { strings.insert(w.who.source); strings.insert(w.who.team); strings.insert(w.who.principal) }
            }
        }
        let table = strings.sorted()
        var ids = [String: UInt64](minimumCapacity: table.count)
        for (i, s) in table.enumerated() { ids[s] = UInt64(i) }

        var w = ByteWriter()
        w.bytes.append(contentsOf: Self.magic)
        w.bytes.append(version)
        w.uvar(UInt64(table.count))
        for s in table {
            w.uvar(UInt64(s.utf8.count))
            w.bytes.append(contentsOf: s.utf8)
        }
        func sid(_ s: String) -> UInt64 { ids[s]! }

        w.uvar(UInt64(usage.count))
        func usageValues(_ v: UsageStats) {
            for x in [v.requests, v.failed, v.denied, v.rateLimited, v.inputTokens, v.cacheReadTokens,
                      v.cacheWriteTokens, v.outputTokens, v.reasoningTokens, v.unpriced] { w.svar(x) }
            w.int128(v.costPico)
        }
        for (k, v) in Self.ordered(usage, columns: 6, { o, k in o.add(day: k.day, k.source, k.provider, k.model, k.team, k.principal, k.endUser) }) {
            w.svar(Int64(k.day))
            for s in [k.source, k.provider, k.model, k.team, k.principal] { w.uvar(sid(s)) }
            if endUsers { w.uvar(sid(k.endUser)) }
            usageValues(v)
        }
        w.uvar(UInt64(latency.count))
        for (k, v) in Self.ordered(latency, columns: 3, { o, k in o.add(day: k.day, k.source, k.provider, k.model) }) {
            w.svar(Int64(k.day))
            for s in [k.source, k.provider, k.model] { w.uvar(sid(s)) }
            w.histogram(v.latency)
            w.histogram(v.ttft)
        }
        w.uvar(UInt64(tools.count))
        for (k, v) in Self.ordered(tools, columns: 3, { o, k in o.add(day: k.day, k.source, k.principal, k.tool) }) {
            w.svar(Int64(k.day))
            for s in [k.source, k.principal, k.tool] { w.uvar(sid(s)) }
            for x in [v.calls, v.succeeded, v.failed, v.denied, v.cancelled, v.unknown, v.retries] { w.svar(x) }
            w.histogram(v.duration)
        }
        w.uvar(UInt64(permissions.count))
        for (k, v) in Self.ordered(permissions, columns: 4, { o, k in o.add(day: k.day, k.source, k.principal, k.subject, k.reason.rawValue) }) {
            w.svar(Int64(k.day))
            for s in [k.source, k.principal, k.subject, k.reason.rawValue] { w.uvar(sid(s)) }
            w.svar(v)
        }
        w.uvar(UInt64(unpriced.count))
        for (k, v) in unpriced.sorted(by: { $0.key < $1.key }) {
            w.uvar(sid(k.source))
            w.uvar(sid(k.model))
            if version >= 2 { w.svar(Int64(k.day)) }
            w.svar(v.requests)
            w.svar(v.totalTokens)
            w.svar(v.firstSeenMs)
            w.svar(v.lastSeenMs)
        }
        guard version >= 3 else { return w.bytes }
        w.uvar(UInt64(tags.count))
        for (k, v) in Self.ordered(tags, columns: 2, { o, k in o.add(day: k.day, k.source, k.tag) }) {
            w.svar(Int64(k.day))
            w.uvar(sid(k.source))
            w.uvar(sid(k.tag))
            usageValues(v)
        }
        guard version >= 4 else { return w.bytes }
        w.uvar(UInt64(windows.count))
        for (k, v) in windows.sorted(by: { $0.key < $1.key }) {
            w.svar(Int64(k.day))
            w.uvar(sid(k.provider))
            w.uvar(sid(k.model))
            w.svar(k.window)
            for x in [v.requests, v.failed, v.rateLimited, v.denied] { w.svar(x) }
            w.histogram(v.latency)
            w.uvar(UInt64(v.errorKinds.count))
            for (kind, n) in v.errorKinds.sorted(by: { $0.key < $1.key }) {
                w.uvar(sid(kind))
                w.svar(n)
            }
            w.uvar(UInt64(v.who.count))
            for c in v.who {
                for s in [c.who.source, c.who.team, c.who.principal] { w.uvar(sid(s)) }
                w.svar(c.requests)
                w.svar(c.failed)
            }
        }
        return w.bytes
    }

    /// The entries of `map` in key order (the keys' `<`: day, then their strings), sorted on
    /// string ranks (`RankedOrder`) rather than by comparing strings.
    static func ordered<K, V>(_ map: [K: V], columns: Int, _ add: (inout RankedOrder, K) -> Void) -> [(key: K, value: V)] {
        let entries = Array(map)
        var order = RankedOrder(columns: columns, capacity: entries.count)
        for e in entries { add(&order, e.key) }
        return order.order().map { entries[$0] }
    }

    /// Decodes `serialized()` output.
    /// - Throws: `Aggregates.DecodingError` (bad magic, other version, truncated or inconsistent data).
    public init(serialized bytes: [UInt8]) throws {
        var r = ByteReader(bytes: bytes)
        guard bytes.count >= 5, Array(bytes[0..<4]) == Self.magic else { throw DecodingError.badMagic }
        r.pos = 4
        let version = try r.byte()
        guard version >= 1 && version <= Self.serializationVersion else { throw DecodingError.unsupportedVersion(version) }
        let nStrings = try r.count()
        var table: [String] = []
        table.reserveCapacity(nStrings)
        for _ in 0..<nStrings {
            let len = try r.count()
            guard r.pos + len <= bytes.count else { throw DecodingError.truncated }
            guard let s = String(validating: bytes[r.pos..<(r.pos + len)], as: UTF8.self) else {
                throw DecodingError.invalid("string is not UTF-8")
            }
            table.append(s)
            r.pos += len
        }
        func str() throws -> String {
            let i = try r.uvar()
            guard i < UInt64(table.count) else { throw DecodingError.invalid("string id \(i) out of range") }
            return table[Int(i)]
        }
        func day() throws -> Int32 {
            let d = try r.svar()
            guard let v = Int32(exactly: d) else { throw DecodingError.invalid("day \(d) out of range") }
            return v
        }
        func usageValues() throws -> UsageStats {
            var v = UsageStats()
            v.requests = try r.svar()
            v.failed = try r.svar()
            v.denied = try r.svar()
            v.rateLimited = try r.svar()
            v.inputTokens = try r.svar()
            v.cacheReadTokens = try r.svar()
            v.cacheWriteTokens = try r.svar()
            v.outputTokens = try r.svar()
            v.reasoningTokens = try r.svar()
            v.unpriced = try r.svar()
            v.costPico = try r.int128()
            return v
        }
        self.init()
        for _ in 0..<(try r.count()) {
            let k = UsageKey(
                day: try day(), source: try str(), provider: try str(), model: try str(), team: try str(), principal: try str(),
                endUser: version >= 3 ? try str() : "")
            usage[k] = try usageValues()
        }
        for _ in 0..<(try r.count()) {
            let k = LatencyKey(day: try day(), source: try str(), provider: try str(), model: try str())
            var v = LatencyStats()
            v.latency = try r.histogram()
            v.ttft = try r.histogram()
            latency[k] = v
        }
        for _ in 0..<(try r.count()) {
            let k = ToolKey(day: try day(), source: try str(), principal: try str(), tool: try str())
            var v = ToolStats()
            v.calls = try r.svar()
            v.succeeded = try r.svar()
            v.failed = try r.svar()
            v.denied = try r.svar()
            v.cancelled = try r.svar()
            v.unknown = try r.svar()
            v.retries = try r.svar()
            v.duration = try r.histogram()
            tools[k] = v
        }
        for _ in 0..<(try r.count()) {
            let d = try day(), source = try str(), principal = try str(), subject = try str(), reasonName = try str()
            guard let reason = PermissionReason(rawValue: reasonName) else {
                throw DecodingError.invalid("unknown permission reason '\(reasonName)'")
            }
            permissions[PermissionKey(day: d, source: source, principal: principal, subject: subject, reason: reason)] = try r.svar()
        }
        for _ in 0..<(try r.count()) {
            let source = try str(), model = try str()
            let k = UnpricedKey(source: source, model: model, day: version >= 2 ? try day() : 0)
            var v = UnpricedStats()
            v.requests = try r.svar()
            v.totalTokens = try r.svar()
            v.firstSeenMs = try r.svar()
            v.lastSeenMs = try r.svar()
            unpriced[k] = v
        }
        if version >= 3 {
            for _ in 0..<(try r.count()) {
                let k = TagKey(day: try day(), source: try str(), tag: try str())
                tags[k] = try usageValues()
            }
        }
        if version >= 4 {
            for _ in 0..<(try r.count()) {
                let k = WindowKey(day: try day(), provider: try str(), model: try str(), window: try r.svar())
                var v = WindowStats()
                v.requests = try r.svar()
                v.failed = try r.svar()
                v.rateLimited = try r.svar()
                v.denied = try r.svar()
                v.latency = try r.histogram()
                for _ in 0..<(try r.count()) {
                    let kind = try str()
                    v.errorKinds[kind] = try r.svar()
                }
                let n = try r.count()
                v.who.reserveCapacity(n)
                for _ in 0..<n {
                    let who = Who(source: try str(), team: try str(), principal: try str())
                    if let last = v.who.last, !(last.who < who) { throw DecodingError.invalid("window senders out of order") }
                    v.who.append(WhoCount(who: who, requests: try r.svar(), failed: try r.svar()))
                }
                windows[k] = v
            }
        }
        guard r.pos == bytes.count else { throw DecodingError.invalid("\(bytes.count - r.pos) trailing bytes") }
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func uvar(_ v0: UInt64) {
        var v = v0
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func svar(_ v: Int64) { uvar(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func fixed64(_ v: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    mutating func int128(_ v: Int128) {
        let u = UInt128(bitPattern: v)
        fixed64(UInt64(truncatingIfNeeded: u))
        fixed64(UInt64(truncatingIfNeeded: u >> 64))
    }

    mutating func histogram(_ h: DurationHistogram) {
        uvar(h.count)
        uvar(h.maxValue)
        uvar(h.minNonZeroValue == .max ? 0 : h.minNonZeroValue &+ 1)
        let b = h.sortedBuckets
        uvar(UInt64(b.count))
        var prev: UInt64 = 0
        for (v, c) in b {
            uvar(v - prev)
            uvar(c)
            prev = v
        }
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var pos = 0

    mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw Aggregates.DecodingError.truncated }
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func uvar() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw Aggregates.DecodingError.invalid("varint too long") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    mutating func svar() throws -> Int64 {
        let u = try uvar()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// A count that must be plausible for the remaining bytes (each element takes ≥ 1 byte).
    mutating func count() throws -> Int {
        let n = try uvar()
        guard n <= UInt64(bytes.count - pos) else { throw Aggregates.DecodingError.truncated }
        return Int(n)
    }

    mutating func fixed64() throws -> UInt64 {
        guard pos + 8 <= bytes.count else { throw Aggregates.DecodingError.truncated }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
        pos += 8
        return v
    }

    mutating func int128() throws -> Int128 {
        let lo = try fixed64()
        let hi = try fixed64()
        return Int128(bitPattern: UInt128(hi) << 64 | UInt128(lo))
    }

    mutating func histogram() throws -> DurationHistogram {
        let count = try uvar()
        let maxValue = try uvar()
        let minPlus = try uvar()
        let n = try self.count()
        var buckets = [UInt64: UInt64](minimumCapacity: n)
        var prev: UInt64 = 0
        var total: UInt64 = 0
        for i in 0..<n {
            let (v, o) = prev.addingReportingOverflow(try uvar())
            guard !o, i == 0 || v > prev else { throw Aggregates.DecodingError.invalid("histogram buckets out of order") }
            guard DurationHistogram.lowestEquivalent(v) == v else { throw Aggregates.DecodingError.invalid("histogram bucket \(v) is not a bucket start") }
            let c = try uvar()
            buckets[v] = c
            total &+= c
            prev = v
        }
        guard total == count else { throw Aggregates.DecodingError.invalid("histogram count \(count) ≠ bucket sum \(total)") }
        return DurationHistogram(buckets: buckets, count: count, maxValue: maxValue, minNonZeroValue: minPlus == 0 ? .max : minPlus - 1)
    }
}
