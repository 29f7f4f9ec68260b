// GPU energy and inference-server metric inputs (issue 17). Metric names, units and labels are
// taken from the exporters' own sources; see docs/formats/energy.md for each fact and its source.

/// The registry of metric formats: one case per decoder, one file per decoder under `Metrics/`.
///
/// Detection (`MetricFormat.detect`) runs on the first decoded bytes of a file before the log
/// formats are tried, and is strict: each format's opening is one no log format has.
public enum MetricFormat: String, CaseIterable, Sendable, Hashable {
    /// A Prometheus HTTP API `query_range` (or `query`) response: `{"status":"success","data":
    /// {"resultType":"matrix","result":[{"metric":{...},"values":[[t,"v"],...]}]}}`, one document
    /// or several in a row (one per line).
    case prometheusQueryRange = "prometheus_query_range"
    /// `nvidia-smi --query-gpu=timestamp,index,uuid,power.draw,... --format=csv -l N` output
    /// (with its header line; `nounits` allowed).
    case nvidiaSmiCSV = "nvidia_smi_csv"
    /// A Prometheus text exposition file whose samples carry timestamps (`name{labels} value ms`),
    /// e.g. scrapes appended to one file.
    case prometheusText = "prometheus_text"

    /// Bytes of a file's decoded start that detection looks at.
    public static let detectBytes = 64 << 10

    /// A fresh decoder for one file.
    public func makeDecoder() -> any MetricDecoder {
        switch self {
        case .prometheusQueryRange: PrometheusQueryRangeDecoder()
        case .nvidiaSmiCSV: NvidiaSmiCSVDecoder()
        case .prometheusText: PrometheusTextDecoder()
        }
    }

    /// True when `prefix` (the first decoded bytes of a file) opens like this format.
    public func detects(_ prefix: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .prometheusQueryRange: PrometheusQueryRangeDecoder.detects(prefix)
        case .nvidiaSmiCSV: NvidiaSmiCSVDecoder.detects(prefix)
        case .prometheusText: PrometheusTextDecoder.detects(prefix)
        }
    }

    /// The first format (declaration order) whose opening `prefix` has, or nil.
    public static func detect(_ prefix: UnsafeRawBufferPointer) -> MetricFormat? {
        allCases.first { $0.detects(prefix) }
    }

    /// Detects the metric format of the file at `path` from its first `detectBytes` decoded bytes.
    /// - Throws: `IngestError` when the file cannot be read.
    public static func detect(path: String) throws(IngestError) -> (MetricFormat?, Compression) {
        let (bytes, compression) = try ChunkReader.prefix(path: path, maxBytes: detectBytes)
        return (bytes.withUnsafeBytes { detect($0) }, compression)
    }
}

/// What a metric series measures. Units are the exporters' (docs/formats/energy.md).
public enum MetricKind: UInt8, Sendable, Hashable, CaseIterable {
    /// `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`: counter, millijoules since boot.
    case energyMillijoules = 1
    /// `DCGM_FI_DEV_POWER_USAGE` (gauge, W) or nvidia-smi `power.draw` (W).
    case powerWatts = 2
    /// `vllm:prompt_tokens_total`: counter, prefill tokens processed.
    case promptTokens = 3
    /// `vllm:generation_tokens_total`: counter, generation tokens processed.
    case generationTokens = 4

    /// True for the two GPU kinds.
    public var isGPU: Bool { self == .energyMillijoules || self == .powerWatts }

    /// The kind a Prometheus metric name (`__name__`) denotes, or nil for any other metric.
    public static func of(metricName n: UnsafeRawBufferPointer) -> MetricKind? {
        if _bytesEqual(n, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION") { return .energyMillijoules }
        if _bytesEqual(n, "DCGM_FI_DEV_POWER_USAGE") { return .powerWatts }
        if _bytesEqual(n, "vllm:prompt_tokens_total") { return .promptTokens }
        if _bytesEqual(n, "vllm:generation_tokens_total") { return .generationTokens }
        return nil
    }
}

/// One time series, identified by its full label set (`extra` holds the labels not named here,
/// sorted, as `k=v` joined by `,`, so two series differing only in e.g. vLLM's `engine` label
/// stay apart).
public struct MetricSeries: Hashable, Sendable {
    public var kind: MetricKind
    /// DCGM `Hostname`; for a token series its `Hostname` label, else `instance` without `:port`.
    public var host: String = ""
    /// DCGM `UUID` (or `uuid`), nvidia-smi `uuid`.
    public var uuid: String = ""
    /// DCGM `gpu`, nvidia-smi `index`.
    public var gpu: String = ""
    /// DCGM `modelName`, nvidia-smi `name`.
    public var gpuModel: String = ""
    /// Kubernetes labels (`pod`, `namespace`, `container`; the exporter's older `pod_name`,
    /// `pod_namespace`, `container_name` too).
    public var pod: String = ""
    public var namespace: String = ""
    public var container: String = ""
    /// vLLM `model_name`.
    public var model: String = ""
    public var extra: String = ""

    public init(kind: MetricKind) { self.kind = kind }
}

/// One sample of a series: UTC epoch ms and the value in the series' unit.
public struct MetricSample: Sendable, Hashable {
    public var series: UInt32
    public var ms: Int64
    public var value: Double

    public init(series: UInt32, ms: Int64, value: Double) {
        self.series = series
        self.ms = ms
        self.value = value
    }
}

/// What metric decoders produce: the series known so far (indices are `MetricSample.series`;
/// series are only appended) and the samples since the last drain.
public struct MetricBatch: Sendable {
    public var series: [MetricSeries] = []
    public var samples: [MetricSample] = []
    /// Records (lines, or samples of a JSON export) that could not be read.
    public var malformed = 0
    /// Records read: lines of a line format, samples of a JSON export.
    public var records = 0
    /// Samples of metrics this tool does not use (counted, not kept).
    public var ignoredSamples = 0
    /// Set when the input's structure itself is broken (e.g. a JSON document cut short).
    public var structureError: String? = nil
    var index: [MetricSeries: UInt32] = [:]

    public init() {}

    /// The id of `s`, registering it when new.
    public mutating func id(of s: MetricSeries) -> UInt32 {
        if let i = index[s] { return i }
        let i = UInt32(series.count)
        series.append(s)
        index[s] = i
        return i
    }
}

/// One decoder per metric format: a per-file value fed the file's decoded bytes chunk by chunk
/// (`ChunkReader`), so a document of any size streams in fixed memory.
public protocol MetricDecoder {
    /// Decodes `chunk` (borrowed), appending series and samples to `batch`.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, into batch: inout MetricBatch)
    /// Flushes what is pending at the end of the file (a last line without a newline).
    mutating func finish(into batch: inout MetricBatch)
}

// MARK: helpers shared by the metric decoders

@inline(__always)
func _bytesEqual(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
    guard b.count == s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for i in 0..<b.count where b[i] != p[i] { return false }
    return true
}

@inline(__always)
func _hasPrefix(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
    guard b.count >= s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for i in 0..<s.utf8CodeUnitCount where b[i] != p[i] { return false }
    return true
}

/// A decimal number (JSON / Prometheus syntax, also `NaN`/`Inf` spelled out: nil) from bytes.
@inline(__always)
func _parseDouble(_ b: UnsafeRawBufferPointer) -> Double? {
    guard let base = b.baseAddress, b.count > 0 else { return nil }
    return _decimalToDouble(base.assumingMemoryBound(to: UInt8.self), 0, b.count)
}

/// A metric decoder that reads its input line by line: `feed` and `finish` frame the chunks
/// into lines (`_MetricLines`) and give each to `line(_:_:)`; an oversized line counts as one
/// malformed record.
protocol _LineMetricDecoder: MetricDecoder {
    var lines: _MetricLines { get set }
    mutating func line(_ line: UnsafeRawBufferPointer, _ batch: inout MetricBatch)
}

extension _LineMetricDecoder {
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into batch: inout MetricBatch) {
        var l = lines  // framed outside `self`, which `line` mutates
        l.feed(chunk) { line in self.line(line, &batch) }
        lines = l
    }

    public mutating func finish(into batch: inout MetricBatch) {
        var l = lines
        l.finish { line in self.line(line, &batch) }
        batch.malformed += l.oversized
        batch.records += l.oversized
        lines = l
    }
}

/// Splits fed chunks into lines (LF, CR stripped) for the line-framed metric formats. A line
/// longer than `maxLine` is dropped and counted (`oversized`), never held whole.
struct _MetricLines {
    var carry: [UInt8] = []
    var dropping = false
    var oversized = 0
    let maxLine: Int

    init(maxLine: Int = 1 << 20) { self.maxLine = maxLine }

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        let n = chunk.count
        var i = 0
        while i < n {
            if chunk[i] == 0x0A {
                if dropping {
                    dropping = false
                } else if carry.count + (i - start) > maxLine {
                    oversized += 1
                    carry.removeAll(keepingCapacity: true)
                } else if carry.isEmpty {
                    emit(UnsafeRawBufferPointer(rebasing: chunk[start..<i]), body)
                } else {
                    carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<i]))
                    carry.withUnsafeBytes { emit($0, body) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            i += 1
        }
        if start < n && !dropping {
            if carry.count + (n - start) > maxLine {
                carry.removeAll(keepingCapacity: false)
                dropping = true
                oversized += 1
            } else {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<n]))
            }
        }
    }

    mutating func finish(_ body: (UnsafeRawBufferPointer) -> Void) {
        if !carry.isEmpty && !dropping { carry.withUnsafeBytes { emit($0, body) } }
        carry.removeAll()
        dropping = false
    }

    private func emit(_ line: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var e = line.count
        if e > 0 && line[e - 1] == 0x0D { e -= 1 }
        // skip blank lines
        var j = 0
        while j < e && (line[j] == 0x20 || line[j] == 0x09) { j += 1 }
        if j == e { return }
        body(UnsafeRawBufferPointer(rebasing: line[0..<e]))
    }
}

/// Fills the GPU / server fields of `s` from one Prometheus label (`name`, `value` as bytes);
/// labels not named here go to `extra` (the caller joins them).
/// Returns false when the label is not one of the known ones.
func _applyLabel(_ s: inout MetricSeries, name: UnsafeRawBufferPointer, value: String) -> Bool {
    if _bytesEqual(name, "Hostname") || _bytesEqual(name, "hostname") {
        s.host = value
    } else if _bytesEqual(name, "UUID") || _bytesEqual(name, "uuid") {
        s.uuid = value
    } else if _bytesEqual(name, "gpu") {
        s.gpu = value
    } else if _bytesEqual(name, "modelName") {
        s.gpuModel = value
    } else if _bytesEqual(name, "pod") || _bytesEqual(name, "pod_name") {
        s.pod = value
    } else if _bytesEqual(name, "namespace") || _bytesEqual(name, "pod_namespace") {
        s.namespace = value
    } else if _bytesEqual(name, "container") || _bytesEqual(name, "container_name") {
        s.container = value
    } else if _bytesEqual(name, "model_name") {
        s.model = value
    } else {
        return false
    }
    return true
}

/// Builds a series from collected labels: `kind` from `__name__`; a token series without a
/// `Hostname` label takes its host from `instance` (`host:port`).
struct _LabelSet {
    var kind: MetricKind? = nil
    var sawName = false
    var series = MetricSeries(kind: .powerWatts)
    var extras: [(String, String)] = []
    var instance = ""

    mutating func reset() {
        kind = nil
        sawName = false
        series = MetricSeries(kind: .powerWatts)
        extras.removeAll(keepingCapacity: true)
        instance = ""
    }

    mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        if _bytesEqual(name, "__name__") {
            sawName = true
            kind = MetricKind.of(metricName: value)
            return
        }
        let v = String(decoding: value, as: UTF8.self)
        if _applyLabel(&series, name: name, value: v) { return }
        let k = String(decoding: name, as: UTF8.self)
        if k == "instance" { instance = v }
        extras.append((k, v))
    }

    /// The series, or nil when the metric is not one this tool reads.
    func build() -> MetricSeries? {
        guard let kind else { return nil }
        var s = series
        s.kind = kind
        if !kind.isGPU && s.host.isEmpty && !instance.isEmpty {
            if let colon = instance.lastIndex(of: ":"), !instance.hasSuffix("]") {
                s.host = String(instance[..<colon])
            } else {
                s.host = instance
            }
        }
        s.extra = extras.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return s
    }
}
