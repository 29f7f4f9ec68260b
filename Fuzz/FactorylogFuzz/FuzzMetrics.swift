// The `metrics` fuzz target (issue 17): one input is a whole metric file. Every metric decoder is
// fed it in chunks whose size the first byte picks (1 … 256 bytes, so token and line boundaries
// fall everywhere), the samples go through `EnergyAccumulator`, the aggregates are serialized and
// read back, and energy_daily is built. Nothing may crash; the same input fed whole and in chunks
// must decode to the same samples.
import Analyze
import Ingest

func fuzzMetrics(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    let step = Int(bytes[0]) + 1
    let body = UnsafeRawBufferPointer(rebasing: bytes[1...])
    _ = MetricFormat.detect(body)
    for format in MetricFormat.allCases {
        var whole = format.makeDecoder()
        var a = MetricBatch()
        whole.feed(body, into: &a)
        whole.finish(into: &a)
        var chunked = format.makeDecoder()
        var b = MetricBatch()
        var i = 0
        while i < body.count {
            let j = min(i + step, body.count)
            chunked.feed(UnsafeRawBufferPointer(rebasing: body[i..<j]), into: &b)
            i = j
        }
        chunked.finish(into: &b)
        guard a.samples == b.samples, a.series == b.series, a.malformed == b.malformed else {
            fatalError("metrics: \(format.rawValue) decodes differently in chunks of \(step)")
        }
        var acc = EnergyAccumulator(calendar: calendar)
        acc.add(b)
        let energy = acc.finish()
        guard let back = try? EnergyAggregates(serialized: energy.serialized()), back == energy else {
            fatalError("metrics: energy aggregates do not survive serialization")
        }
        _ = Tables.energyDaily(
            energy, usage: Aggregates(), placement: [], calendar: calendar, pricing: EnergyPricing(usdPerKWh: 0.1, pue: 1.2),
            listPrice: { _ in (1, 2) })
    }
}
