import Foundation
import Testing

@testable import Ingest

/// Feeds `text` to a fresh decoder of `format` in chunks of `chunk` bytes.
private func decode(_ format: MetricFormat, _ text: String, chunk: Int = 1 << 20) -> MetricBatch {
    var d = format.makeDecoder()
    var b = MetricBatch()
    let bytes = Array(text.utf8)
    var i = 0
    while i < bytes.count {
        let j = min(i + chunk, bytes.count)
        bytes[i..<j].withUnsafeBytes { d.feed($0, into: &b) }
        i = j
    }
    d.finish(into: &b)
    return b
}

private func detect(_ text: String) -> MetricFormat? {
    Array(text.utf8).withUnsafeBytes { MetricFormat.detect($0) }
}

@Suite("Metric decoders: Prometheus query_range, nvidia-smi CSV, Prometheus text (issue 17)")
struct MetricDecoderTests {
    static let queryRange = """
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION","gpu":"0","UUID":"GPU-a","modelName":"NVIDIA H100 80GB HBM3","Hostname":"node-1","pod":"vllm-0","namespace":"inference","container":"vllm","job":"dcgm"},
           "values":[[1764000000,"1000000"],[1764000015.5,"2500000"],[1764000030,"oops"]]},
          {"metric":{"__name__":"up","job":"dcgm"},"values":[[1764000000,"1"]]},
          {"values":[[1764000000,"7"]],"metric":{"__name__":"vllm:prompt_tokens_total","model_name":"m\\"x","engine":"0","instance":"10.0.0.7:8000"}}
        ]}}
        """

    @Test("query_range: series labels, sample times in ms, an unknown metric ignored, a bad value malformed, metric after values")
    func queryRange() {
        for chunk in [1, 7, 4096] {
            let b = decode(.prometheusQueryRange, Self.queryRange, chunk: chunk)
            #expect(b.structureError == nil)
            #expect(b.series.count == 2)
            let g = b.series[0]
            #expect(g.kind == .energyMillijoules)
            #expect(g.uuid == "GPU-a" && g.gpu == "0" && g.host == "node-1" && g.pod == "vllm-0" && g.namespace == "inference")
            #expect(g.gpuModel == "NVIDIA H100 80GB HBM3" && g.container == "vllm" && g.extra == "job=dcgm")
            let s = b.series[1]
            // `\"` unescaped; the host is `instance` without its port
            #expect(s.kind == .promptTokens && s.model == "m\"x" && s.host == "10.0.0.7" && s.extra == "engine=0,instance=10.0.0.7:8000")
            // 1764000015.5 s → 1764000015500 ms
            #expect(b.samples == [
                MetricSample(series: 0, ms: 1_764_000_000_000, value: 1_000_000),
                MetricSample(series: 0, ms: 1_764_000_015_500, value: 2_500_000),
                MetricSample(series: 1, ms: 1_764_000_000_000, value: 7),
            ])
            #expect(b.malformed == 1)  // "oops"
            #expect(b.ignoredSamples == 1)  // up
            #expect(b.records == 5)
        }
    }

    @Test("query_range: a document cut short is a structure error; detection needs status first and resultType")
    func queryRangeCutAndDetect() {
        let cut = String(Self.queryRange.prefix(300))
        #expect(decode(.prometheusQueryRange, cut).structureError != nil)
        #expect(detect(Self.queryRange) == .prometheusQueryRange)
        #expect(detect("  {\n \"status\" : \"success\", \"data\": {\"resultType\":\"vector\",\"result\":[]}}") == .prometheusQueryRange)
        #expect(detect(#"{"request_id":"x","status":"success","resultType":"matrix"}"#) == nil)
        #expect(detect(#"{"status":"success","model":"gpt-4o"}"#) == nil)
    }

    static let smi = """
        timestamp, index, uuid, name, power.draw [W]
        2026/11/24 10:00:00.000, 0, GPU-a, NVIDIA L40S, 250.00 W
        2026/11/24 10:00:05.250, 0, GPU-a, NVIDIA L40S, 251.50 W
        2026/11/24 10:00:05.250, 1, GPU-b, NVIDIA L40S, [N/A]
        garbage
        """

    @Test("nvidia-smi CSV: header with units, W values, [N/A] and garbage malformed, one series per GPU")
    func nvidiaSmi() {
        for chunk in [1, 5, 4096] {
            let b = decode(.nvidiaSmiCSV, Self.smi, chunk: chunk)
            #expect(b.series.count == 1)
            #expect(b.series[0].uuid == "GPU-a" && b.series[0].gpu == "0" && b.series[0].gpuModel == "NVIDIA L40S" && b.series[0].kind == .powerWatts)
            // 2026-11-24 is day 20 781 since 1970-01-01: 20 781 × 86 400 000 + 10 h = 1 795 514 400 000 ms
            #expect(b.samples == [
                MetricSample(series: 0, ms: 1_795_514_400_000, value: 250),
                MetricSample(series: 0, ms: 1_795_514_405_250, value: 251.5),
            ])
            #expect(b.malformed == 2)
            #expect(b.records == 5)
        }
        #expect(detect(Self.smi) == .nvidiaSmiCSV)
        // nounits, power.draw.instant, other column order
        let b = decode(.nvidiaSmiCSV, "index, power.draw.instant, timestamp\n3, 99.5, 2026/11/24 10:00:00.000\n")
        #expect(b.samples == [MetricSample(series: 0, ms: 1_795_514_400_000, value: 99.5)])
        #expect(b.series[0].gpu == "3" && b.series[0].uuid == "")
        #expect(detect("index, uuid\n0, GPU-a\n") == nil)
    }

    @Test("Prometheus text: labels and ms timestamps; no timestamp is malformed; other metrics ignored")
    func prometheusText() {
        let text = """
            # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
            # TYPE DCGM_FI_DEV_POWER_USAGE gauge
            DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="node-1"} 231.5 1764000000000
            DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="node-1"} 232 1764000015000
            DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="node-1"} 232
            DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a"} 61 1764000000000
            vllm:generation_tokens_total{model_name="llama",pod="p-0",namespace="ns"} 42 1764000000000
            """
        for chunk in [1, 9, 4096] {
            let b = decode(.prometheusText, text, chunk: chunk)
            #expect(b.series.count == 2)
            #expect(b.series[0].kind == .powerWatts && b.series[0].host == "node-1" && b.series[0].uuid == "GPU-a")
            #expect(b.series[1].kind == .generationTokens && b.series[1].model == "llama" && b.series[1].pod == "p-0")
            #expect(b.samples == [
                MetricSample(series: 0, ms: 1_764_000_000_000, value: 231.5),
                MetricSample(series: 0, ms: 1_764_000_015_000, value: 232),
                MetricSample(series: 1, ms: 1_764_000_000_000, value: 42),
            ])
            #expect(b.malformed == 1)
            #expect(b.ignoredSamples == 1)
        }
        #expect(detect(text) == .prometheusText)
        #expect(detect(#"{"model":"x"}"#) == nil)
    }
}
