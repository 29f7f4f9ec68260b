/// Prometheus text exposition format files whose samples carry timestamps
/// (prometheus.io/docs/instrumenting/exposition_formats/, "Text format details"):
///
///     # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
///     # TYPE DCGM_FI_DEV_POWER_USAGE gauge
///     DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-…",Hostname="gpu-node-1"} 231.5 1764000000000
///
/// One sample per line: `metric_name [{label="value",…}] value [timestamp]`, the timestamp an
/// int64 of milliseconds since the epoch. `#` lines are comments. A sample of a known metric
/// without a timestamp cannot be placed in time and is malformed, as is a line that does not
/// parse; samples of other metrics are ignored. Label values may hold `\\`, `\"` and `\n`.
public struct PrometheusTextDecoder: _LineMetricDecoder {
    var lines = _MetricLines()
    private var ids: [UInt64: UInt32?] = [:]
    private var labels = _LabelSet()
    private var value: [UInt8] = []

    public init() {}

    /// True when the first non-blank line is a `# HELP ` or `# TYPE ` comment, or a sample of one
    /// of the metrics this tool reads followed by a value and a timestamp.
    public static func detects(_ prefix: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        while start < prefix.count, prefix[start] == 0x0A || prefix[start] == 0x0D || prefix[start] == 0x20 { start += 1 }
        let rest = UnsafeRawBufferPointer(rebasing: prefix[start...])
        if _hasPrefix(rest, "# HELP ") || _hasPrefix(rest, "# TYPE ") { return true }
        var end = 0
        while end < rest.count, rest[end] != 0x0A { end += 1 }
        var d = PrometheusTextDecoder()
        var b = MetricBatch()
        d.line(UnsafeRawBufferPointer(rebasing: rest[0..<end]), &b)
        return b.samples.count == 1
    }

    @inline(__always)
    private static func isNameByte(_ c: UInt8, first: Bool) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x3A || (!first && c >= 0x30 && c <= 0x39)
    }

    mutating func line(_ line: UnsafeRawBufferPointer, _ batch: inout MetricBatch) {
        let n = line.count
        var i = 0
        while i < n && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        if i < n && line[i] == UInt8(ascii: "#") { return }
        batch.records += 1
        let nameStart = i
        while i < n && Self.isNameByte(line[i], first: i == nameStart) { i += 1 }
        guard i > nameStart else {
            batch.malformed += 1
            return
        }
        let name = UnsafeRawBufferPointer(rebasing: line[nameStart..<i])
        let seriesEnd: Int
        if i < n && line[i] == UInt8(ascii: "{") {
            guard let close = Self.labelsEnd(line, from: i) else {
                batch.malformed += 1
                return
            }
            seriesEnd = close + 1
        } else {
            seriesEnd = i
        }
        // value and timestamp
        var j = seriesEnd
        func field() -> UnsafeRawBufferPointer? {
            while j < n && (line[j] == 0x20 || line[j] == 0x09) { j += 1 }
            let s = j
            while j < n && line[j] != 0x20 && line[j] != 0x09 { j += 1 }
            return j > s ? UnsafeRawBufferPointer(rebasing: line[s..<j]) : nil
        }
        let vField = field()
        let tField = field()
        var h = ByteHasher(seed: 29)
        h.combine(UnsafeRawBufferPointer(rebasing: line[nameStart..<seriesEnd]))
        let key = h.value
        let id: UInt32?
        if let known = ids[key] {
            id = known
        } else {
            guard let built = buildSeries(line, name: name, labelsFrom: i, labelsEnd: seriesEnd) else {
                batch.malformed += 1
                return
            }
            id = built.map { batch.id(of: $0) }
            ids[key] = id
        }
        guard let id else {
            batch.ignoredSamples += 1
            return
        }
        guard let vField, let v = _parseDouble(vField), let tField, let t = _parseDouble(tField), t.isFinite,
            abs(t) < 1e14, field() == nil
        else {
            batch.malformed += 1
            return
        }
        batch.samples.append(MetricSample(series: id, ms: Int64(t), value: v))
    }

    /// The index of the `}` closing the label set that opens at `open`, or nil.
    static func labelsEnd(_ line: UnsafeRawBufferPointer, from open: Int) -> Int? {
        var i = open + 1
        var inValue = false
        while i < line.count {
            let c = line[i]
            if inValue {
                if c == 0x5C { i += 1 } else if c == 0x22 { inValue = false }
            } else if c == 0x22 {
                inValue = true
            } else if c == UInt8(ascii: "}") {
                return i
            }
            i += 1
        }
        return nil
    }

    /// The series of a sample line (nil inside: a metric this tool does not read); nil outside
    /// when the label set does not parse.
    private mutating func buildSeries(_ line: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, labelsFrom: Int, labelsEnd: Int) -> MetricSeries?? {
        labels.reset()
        labels.sawName = true
        labels.kind = MetricKind.of(metricName: name)
        if labels.kind == nil { return .some(nil) }
        var i = labelsFrom
        guard i < labelsEnd else { return .some(labels.build()) }
        i += 1  // '{'
        let end = labelsEnd - 1  // '}'
        while i < end {
            while i < end && (line[i] == 0x20 || line[i] == 0x2C) { i += 1 }
            if i >= end { break }
            let ks = i
            while i < end && Self.isNameByte(line[i], first: i == ks) { i += 1 }
            let ke = i
            guard ke > ks, i < end, line[i] == UInt8(ascii: "="), i + 1 < end, line[i + 1] == 0x22 else { return nil }
            i += 2
            value.removeAll(keepingCapacity: true)
            while i < end && line[i] != 0x22 {
                if line[i] == 0x5C && i + 1 < end {
                    i += 1
                    value.append(line[i] == UInt8(ascii: "n") ? 0x0A : line[i])
                } else {
                    value.append(line[i])
                }
                i += 1
            }
            guard i < end else { return nil }
            i += 1  // closing quote
            let k = UnsafeRawBufferPointer(rebasing: line[ks..<ke])
            value.withUnsafeBytes { labels.add(name: k, value: $0) }
        }
        return .some(labels.build())
    }
}
