/// Prometheus HTTP API range-query responses (`GET /api/v1/query_range`; also Thanos, Mimir,
/// VictoriaMetrics), streamed byte by byte so a month-long export of any size is read in fixed
/// memory (no document tree).
///
/// Shape (prometheus.io/docs/prometheus/latest/querying/api/, "Range queries", "Range vectors"):
///
///     {"status":"success","data":{"resultType":"matrix","result":[
///        {"metric":{"__name__":"DCGM_FI_DEV_POWER_USAGE","Hostname":"gpu-node-1",...},
///         "values":[[1764000000,"231.5"],[1764000015,"232.0"]]}]}}
///
/// Sample times are Unix seconds (a JSON number, fractions allowed), values are strings (the
/// float as Prometheus formats it). Instant-query responses (`resultType` `vector`, `"value":
/// [t,"v"]`) are read too. Several responses may follow each other (JSON lines of responses).
/// A series whose `__name__` is not one of `MetricKind`'s is skipped (`ignoredSamples`); a
/// sample that is not `[number, "number"]` is malformed. A response with `status` other than
/// `success` contributes nothing.
public struct PrometheusQueryRangeDecoder: MetricDecoder {
    // tokenizer
    private enum Lex { case value, afterValue, key, colon, string, escape, number, literal }
    private var lex = Lex.value
    private var stack: [UInt8] = []  // '{' or '['
    private var token: [UInt8] = []
    private var tokenIsKey = false
    private var tokenTooLong = false
    private var unicodeLeft = 0
    static let maxToken = 1 << 16
    static let maxDepth = 32

    // document state
    private var lastKey: [UInt8] = []
    /// The key under which each open container sits, by depth (the root's is empty).
    private var keyPath: [Role] = []
    private enum Role { case root, data, result, element, metric, values, value, sample, other }
    private var labels = _LabelSet()
    private var labelName: [UInt8] = []
    private var seriesID: UInt32? = nil
    private var seriesKnown = false
    private var metricDone = false
    private var pending: [(Int64, Double)] = []
    private var sampleTime: Double? = nil
    private var sampleValue: Double? = nil
    private var sampleFields = 0
    private var sampleBad = false
    private var statusOK = true
    private var broken = false

    public init() {}

    /// True when `prefix` opens a Prometheus API response: a top-level object whose first key is
    /// `status` and which has a `resultType` key (whitespace anywhere).
    public static func detects(_ prefix: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        func skipWS() { while i < prefix.count, prefix[i] == 0x20 || prefix[i] == 0x0A || prefix[i] == 0x0D || prefix[i] == 0x09 { i += 1 } }
        skipWS()
        guard i < prefix.count, prefix[i] == UInt8(ascii: "{") else { return false }
        i += 1
        skipWS()
        guard _hasPrefix(UnsafeRawBufferPointer(rebasing: prefix[i...]), "\"status\"") else { return false }
        return _contains(prefix, "\"resultType\"")
    }

    static func _contains(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard b.count >= n else { return false }
        let p = s.utf8Start
        var i = 0
        while i + n <= b.count {
            if b[i] == p[0] {
                var j = 1
                while j < n && b[i + j] == p[j] { j += 1 }
                if j == n { return true }
            }
            i += 1
        }
        return false
    }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into batch: inout MetricBatch) {
        if broken { return }
        var i = 0
        let n = chunk.count
        while i < n {
            let c = chunk[i]
            switch lex {
            case .string:
                if c == 0x22 {
                    lex = .afterValue
                    endString(&batch)
                } else if c == 0x5C {
                    lex = .escape
                } else {
                    push(c)
                }
            case .escape:
                // Label values rarely hold escapes; keep the escaped byte (\" → ", \\ → \, \n → n).
                if unicodeLeft > 0 {
                    unicodeLeft -= 1
                    if unicodeLeft == 0 { lex = .string }
                } else if c == UInt8(ascii: "u") {
                    push(UInt8(ascii: "?"))
                    unicodeLeft = 4
                } else {
                    push(c == UInt8(ascii: "n") ? 0x0A : c == UInt8(ascii: "t") ? 0x09 : c)
                    lex = .string
                }
            case .number, .literal:
                if c == 0x2C || c == 0x7D || c == 0x5D || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                    endScalar(&batch)
                    lex = .afterValue
                    continue  // the delimiter is handled in afterValue
                }
                push(c)
            case .value, .afterValue, .key, .colon:
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                    i += 1
                    continue
                }
                structural(c, &batch)
                if broken { return }
            }
            i += 1
        }
    }

    public mutating func finish(into batch: inout MetricBatch) {
        if lex == .number || lex == .literal {
            endScalar(&batch)
            lex = .afterValue
        }
        if !broken && (!stack.isEmpty || lex == .string || lex == .escape) {
            batch.structureError = "the JSON document ends inside a value (cut short?)"
        }
    }

    @inline(__always)
    private mutating func push(_ c: UInt8) {
        if token.count < Self.maxToken { token.append(c) } else { tokenTooLong = true }
    }

    private mutating func fail(_ message: String, _ batch: inout MetricBatch) {
        broken = true
        batch.structureError = message
    }

    private var role: Role { keyPath.last ?? .root }

    private mutating func structural(_ c: UInt8, _ batch: inout MetricBatch) {
        switch lex {
        case .key:
            if c == 0x22 {
                beginToken(key: true)
                lex = .string
            } else if c == 0x7D {
                close(0x7B, &batch)
            } else {
                fail("a JSON object key was expected", &batch)
            }
        case .colon:
            if c == 0x3A { lex = .value } else { fail("':' was expected after a JSON key", &batch) }
        case .afterValue:
            if c == 0x2C {
                lex = stack.last == 0x7B ? .key : .value
            } else if c == 0x7D {
                close(0x7B, &batch)
            } else if c == 0x5D {
                close(0x5B, &batch)
            } else if stack.isEmpty && c == 0x7B {
                // the next response of a JSON-lines file
                lex = .value
                structural(c, &batch)
            } else {
                fail("',' or the end of a container was expected", &batch)
            }
        case .value:
            if c == 0x7B || c == 0x5B {
                open(c, &batch)
            } else if c == 0x22 {
                beginToken(key: false)
                lex = .string
            } else if c == 0x5D && stack.last == 0x5B {
                close(0x5B, &batch)  // empty array
            } else if c == 0x2D || (c >= 0x30 && c <= 0x39) {
                beginToken(key: false)
                push(c)
                lex = .number
            } else if c == UInt8(ascii: "t") || c == UInt8(ascii: "f") || c == UInt8(ascii: "n") {
                beginToken(key: false)
                push(c)
                lex = .literal
            } else {
                fail("a JSON value was expected", &batch)
            }
        default: break
        }
    }

    private mutating func beginToken(key: Bool) {
        token.removeAll(keepingCapacity: true)
        tokenIsKey = key
        tokenTooLong = false
    }

    /// The role of a container opened under the current key at the current depth.
    private func childRole() -> Role {
        let parent = role
        let k = lastKey
        func key(_ s: StaticString) -> Bool { k.withUnsafeBytes { _bytesEqual($0, s) } }
        let inObject = stack.last == 0x7B
        switch parent {
        case .root where stack.isEmpty: return .root
        case .root where inObject: return key("data") ? .data : .other
        case .data where inObject: return key("result") ? .result : .other
        case .result where !inObject: return .element
        case .element where inObject:
            if key("metric") { return .metric }
            if key("values") { return .values }
            if key("value") { return .sample }
            return .other
        case .values where !inObject: return .sample
        default: return .other
        }
    }

    private mutating func open(_ c: UInt8, _ batch: inout MetricBatch) {
        guard stack.count < Self.maxDepth else { return fail("JSON nested too deeply for a Prometheus response", &batch) }
        let r = stack.isEmpty ? Role.root : childRole()
        if r == .root { statusOK = true }
        stack.append(c)
        keyPath.append(r)
        switch r {
        case .element:
            labels.reset()
            seriesID = nil
            seriesKnown = false
            metricDone = false
            pending.removeAll(keepingCapacity: true)
        case .sample:
            sampleTime = nil
            sampleValue = nil
            sampleFields = 0
            sampleBad = false
        case .values:
            resolveSeries(&batch)
        default: break
        }
        lex = c == 0x7B ? .key : .value
    }

    private mutating func close(_ opener: UInt8, _ batch: inout MetricBatch) {
        guard stack.last == opener else { return fail("mismatched JSON brackets", &batch) }
        let r = keyPath.removeLast()
        stack.removeLast()
        switch r {
        case .metric:
            metricDone = true
            resolveSeries(&batch)
        case .sample:
            endSample(&batch)
        case .element:
            resolveSeries(&batch)
            flushPending(&batch)
        default: break
        }
        lex = .afterValue
    }

    private mutating func resolveSeries(_ batch: inout MetricBatch) {
        guard !seriesKnown, metricDone else { return }
        seriesKnown = true
        if statusOK, let s = labels.build() { seriesID = batch.id(of: s) }
    }

    private mutating func endString(_ batch: inout MetricBatch) {
        if tokenIsKey {
            lastKey = token
            lex = .colon
            if role == .metric { labelName = token }
            return
        }
        switch role {
        case .root:
            if lastKey.withUnsafeBytes({ _bytesEqual($0, "status") }) {
                statusOK = token.withUnsafeBytes { _bytesEqual($0, "success") }
            }
        case .metric:
            if tokenTooLong { labels.kind = nil } else {
                labelName.withUnsafeBytes { n in token.withUnsafeBytes { v in labels.add(name: n, value: v) } }
            }
        case .sample:
            sampleField(&batch)
        default: break
        }
    }

    private mutating func endScalar(_ batch: inout MetricBatch) {
        if role == .sample { sampleField(&batch) }
    }

    private mutating func sampleField(_ batch: inout MetricBatch) {
        let v = token.withUnsafeBytes { _parseDouble($0) }
        if sampleFields == 0 { sampleTime = v } else if sampleFields == 1 { sampleValue = v }
        if v == nil || sampleFields > 1 { sampleBad = true }
        sampleFields += 1
    }

    private mutating func endSample(_ batch: inout MetricBatch) {
        batch.records += 1
        guard !sampleBad, sampleFields == 2, let t = sampleTime, let v = sampleValue, t.isFinite, v.isFinite,
            t > -1e11, t < 1e11
        else {
            batch.malformed += 1
            return
        }
        let ms = Int64((t * 1000).rounded())
        if seriesKnown {
            if let id = seriesID {
                batch.samples.append(MetricSample(series: id, ms: ms, value: v))
            } else {
                batch.ignoredSamples += 1
            }
        } else {
            pending.append((ms, v))  // "values" before "metric": kept until the element ends
        }
    }

    private mutating func flushPending(_ batch: inout MetricBatch) {
        guard !pending.isEmpty else { return }
        if let id = seriesID {
            for (ms, v) in pending { batch.samples.append(MetricSample(series: id, ms: ms, value: v)) }
        } else {
            batch.ignoredSamples += pending.count
        }
        pending.removeAll(keepingCapacity: true)
    }
}
