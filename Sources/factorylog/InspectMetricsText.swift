import Analyze
import Ingest

/// `factorylog inspect` of a metric file (issue 17): the detected format, then its first samples
/// with their series' labels.
enum InspectMetricsText {
    /// Nil when the file is not a metric file.
    static func render(path: String, limit: Int) -> InspectText.Rendered? {
        guard let (found, compression) = try? MetricFormat.detect(path: path), let format = found else { return nil }
        var lines = ["file:        \(path)", "compression: \(compression.rawValue)", "format:      \(format.rawValue) (detected)"]
        var decoder = format.makeDecoder()
        var batch = MetricBatch()
        var shown = 0
        func show() {
            for s in batch.samples where shown < limit {
                shown += 1
                let series = batch.series[Int(s.series)]
                var labels: [String] = []
                for (k, v) in [("host", series.host), ("uuid", series.uuid), ("gpu", series.gpu), ("gpu_model", series.gpuModel),
                               ("namespace", series.namespace), ("pod", series.pod), ("model", series.model)] where !v.isEmpty {
                    labels.append("\(k)=\(v)")
                }
                lines.append("sample     \(InspectText.iso(s.ms)) \(name(series.kind)) \(labels.joined(separator: " ")) value=\(s.value)")
            }
            batch.samples.removeAll(keepingCapacity: true)
        }
        let result = try? ChunkReader.read(path: path, chunkBytes: 1 << 16) { chunk in
            decoder.feed(chunk, into: &batch)
            show()
            return shown < limit
        }
        if shown < limit {
            decoder.finish(into: &batch)
            show()
        }
        if let e = result?.streamError { lines.append("stream:      \(e)") }
        lines.append("records read: \(batch.records) (malformed: \(batch.malformed), other metrics: \(batch.ignoredSamples)); series: \(batch.series.count); samples shown: \(shown)")
        return InspectText.Rendered(text: lines.joined(separator: "\n"), recognized: true)
    }

    static func name(_ k: MetricKind) -> String {
        switch k {
        case .energyMillijoules: "energy_mJ"
        case .powerWatts: "power_W"
        case .promptTokens: "prompt_tokens"
        case .generationTokens: "generation_tokens"
        }
    }
}
