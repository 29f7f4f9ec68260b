import Foundation
import Ingest
import Testing

@testable import Analyze

/// 2026-11-24T10:00:00Z in ms (day 20 781 × 86 400 000 + 36 000 000).
private let t0: Int64 = 1_795_514_400_000
private let day: Int32 = 20_781
private let utc = try! ReportCalendar(timeZone: "UTC")

private func gpuSeries(_ kind: MetricKind, uuid: String = "GPU-a", host: String = "node-1", pod: String = "", ns: String = "") -> MetricSeries {
    var s = MetricSeries(kind: kind)
    s.uuid = uuid
    s.host = host
    s.gpu = "0"
    s.pod = pod
    s.namespace = ns
    return s
}

/// Accumulates `samples` ([(series, seconds after t0, value)]) of `series`.
private func accumulate(_ series: [MetricSeries], _ samples: [(Int, Int64, Double)]) -> EnergyAggregates {
    var b = MetricBatch()
    for s in series { _ = b.id(of: s) }
    for (i, sec, v) in samples { b.samples.append(MetricSample(series: UInt32(i), ms: t0 + sec * 1000, value: v)) }
    var acc = EnergyAccumulator(calendar: utc)
    acc.add(b)
    return acc.finish()
}

private func gpuDay(_ a: EnergyAggregates) -> GPUDay { a.gpus.values.first! }

@Suite("Energy: counter deltas, power integration, resets, gaps, attribution (issue 17)")
struct EnergyTests {
    @Test("counter deltas: 1 000 000 → 2 500 000 → 4 000 000 mJ is 1 500 + 1 500 = 3 000 J")
    func counterDeltas() {
        let a = accumulate([gpuSeries(.energyMillijoules)], [(0, 0, 1_000_000), (0, 15, 2_500_000), (0, 30, 4_000_000)])
        let d = gpuDay(a)
        // both intervals start in slot 120 (10:00 = 600 min / 5)
        #expect(d.counterJ == [120: 3000])
        #expect(d.powerJ.isEmpty)
        #expect(d.quality.samples == 3 && d.quality.resets == 0)
    }

    @Test("power integration (trapezoid): 100 W, 200 W, 200 W at 0, 10, 20 s is 150×10 + 200×10 = 3 500 J")
    func powerIntegration() {
        let a = accumulate([gpuSeries(.powerWatts)], [(0, 0, 100), (0, 10, 200), (0, 20, 200)])
        #expect(gpuDay(a).powerJ == [120: 3500])
    }

    @Test("counter reset: 10 000 000 → 12 000 000 → 500 000 → 1 500 000 mJ is 2 000 + 500 + 1 000 = 3 500 J, 1 reset")
    func counterReset() {
        let a = accumulate([gpuSeries(.energyMillijoules)], [(0, 0, 10_000_000), (0, 15, 12_000_000), (0, 30, 500_000), (0, 45, 1_500_000)])
        let d = gpuDay(a)
        #expect(d.counterJ == [120: 3500])
        #expect(d.quality.resets == 1)
    }

    @Test("gap: 100 W at 0, 60, 460, 520 s: the 400 s interval (> 300 s) is a gap; 100×60 + 100×60 = 12 000 J")
    func gap() {
        let a = accumulate([gpuSeries(.powerWatts)], [(0, 0, 100), (0, 60, 100), (0, 460, 100), (0, 520, 100)])
        let d = gpuDay(a)
        // 0→60 s in slot 120 (6 000 J); 460→520 s starts at 10:07:40, slot 121 (6 000 J)
        #expect(d.powerJ == [120: 6000, 121: 6000])
        #expect(d.quality.gaps == 1 && d.quality.gapMs == 400_000)
        #expect(d.powerJ.values.reduce(0, +) == 12_000)
    }

    @Test("duplicates and out-of-order samples are dropped and counted: 0, 15, 15, 10, 30 s")
    func duplicatesAndOrder() {
        let a = accumulate([gpuSeries(.powerWatts)], [(0, 0, 100), (0, 15, 100), (0, 15, 999), (0, 10, 999), (0, 30, 100)])
        let d = gpuDay(a)
        // 100 W × 30 s = 3 000 J: the duplicate and the late sample change nothing
        #expect(d.powerJ == [120: 3000])
        #expect(d.quality.duplicates == 1 && d.quality.outOfOrder == 1 && d.quality.samples == 3)
    }

    @Test("an interval belongs to the day and slot of its start: 23:59:50 → 00:00:05 goes to the earlier day's last slot")
    func daySplit() {
        let midnight = Int64(day + 1) * 86_400_000
        var b = MetricBatch()
        _ = b.id(of: gpuSeries(.powerWatts))
        b.samples = [MetricSample(series: 0, ms: midnight - 10_000, value: 100), MetricSample(series: 0, ms: midnight + 5_000, value: 100)]
        var acc = EnergyAccumulator(calendar: utc)
        acc.add(b)
        let a = acc.finish()
        // 100 W × 15 s = 1 500 J in slot 287 (23:55) of day 20 781
        #expect(a.gpus.count == 1)
        #expect(a.gpus.keys.first!.day == day)
        #expect(gpuDay(a).powerJ == [287: 1500])
    }

    @Test("merge keeps the larger amount of a slot (a series read twice counts once); serialization round-trips")
    func mergeAndSerialize() throws {
        let a = accumulate([gpuSeries(.powerWatts)], [(0, 0, 100), (0, 10, 100)])
        var m = a
        m.merge(a)
        #expect(gpuDay(m).powerJ == [120: 1000])
        let both = accumulate(
            [gpuSeries(.powerWatts), gpuSeries(.energyMillijoules), MetricSeries(kind: .promptTokens)],
            [(0, 0, 100), (0, 10, 100), (1, 0, 5), (1, 10, 10_005), (2, 0, 1), (2, 10, 3)])
        let back = try EnergyAggregates(serialized: both.serialized())
        #expect(back == both)
        #expect(throws: Aggregates.DecodingError.self) { try EnergyAggregates(serialized: Array(both.serialized().dropLast())) }
    }

    /// GPU-a (pod ns/p-0) 400 W for 10 min from 10:00; a vLLM series in the same pod whose tokens
    /// rise only in the first 5 minutes; GPU-b (no pod, host node-2) 50 W for 10 min.
    func scenario() -> EnergyAggregates {
        var server = MetricSeries(kind: .generationTokens)
        server.model = "llama"
        server.pod = "p-0"
        server.namespace = "ns"
        server.host = "10.0.0.7"
        var samples: [(Int, Int64, Double)] = []
        for i in 0...40 {
            let s = Int64(i) * 15
            samples.append((0, s, 400))
            samples.append((1, s, 50))
            samples.append((2, s, s < 300 ? Double(i) * 100 : 2000))  // +100 a step until 10:05
        }
        return accumulate(
            [gpuSeries(.powerWatts, uuid: "GPU-a", pod: "p-0", ns: "ns"), gpuSeries(.powerWatts, uuid: "GPU-b", host: "node-2"), server],
            samples)
    }

    @Test("attribution by pod, idle and unassigned energy: 400 W × 600 s = 240 000 J, of which 120 000 J active; 50 W × 600 s to (unassigned)")
    func attribution() {
        let rows = Tables.energyRows(scenario(), placement: [], calendar: utc, gatewayTokens: [:])
        #expect(rows.count == 2)
        let llama = rows.first { $0.model == "llama" }!
        #expect(llama.host == "node-1" && llama.gpus == ["GPU-a"])
        #expect(llama.joules == 240_000)
        // slot 10:00 active (tokens rose), slot 10:05 idle: 400 W × 300 s = 120 000 J each
        #expect(llama.activityKnown && llama.activeJoules == 120_000)
        // 20 steps of +100 tokens before 10:05 = 2 000
        #expect(llama.tokens == 2000 && llama.tokenSource == "server")
        let idle = rows.first { $0.model == Tables.unassignedModel }!
        #expect(idle.host == "node-2" && idle.joules == 30_000 && idle.tokens == 0)
        #expect(!idle.activityKnown)
    }

    @Test("placement by GPU UUID, gateway tokens shared by energy, and the table's cost columns")
    func placementAndTable() throws {
        let rules = try PlacementRule.parse("""
            # comment
            host,gpu_uuid,model,start,end
            node-2,GPU-b,qwen,2026-11-24T00:00:00Z,2026-11-25T00:00:00Z
            """)
        #expect(rules == [PlacementRule(host: "node-2", gpuUUID: "GPU-b", model: "qwen", startMs: Int64(day) * 86_400_000, endMs: Int64(day + 1) * 86_400_000)])
        #expect(throws: PlacementRule.ParseError.self) { try PlacementRule.parse("host,model\nx,y\n") }
        let rows = Tables.energyRows(scenario(), placement: rules, calendar: utc, gatewayTokens: [day: ["qwen": (4000, 1000)]])
        let qwen = rows.first { $0.model == "qwen" }!
        // 50 W × 600 s = 30 000 J; 5 000 gateway tokens; no server series: activity unknown
        #expect(qwen.joules == 30_000 && qwen.tokens == 5000 && qwen.tokenSource == "gateway" && !qwen.activityKnown)
        #expect(!rows.contains { $0.model == Tables.unassignedModel })

        let usage = Aggregates()
        let table = Tables.energyDaily(
            scenario(), usage: usage, placement: rules, calendar: utc, pricing: EnergyPricing(usdPerKWh: 0.12, pue: 1.5),
            listPrice: { $0 == "llama" ? (input: 100_000_000_000, output: 300_000_000_000) : nil })
        #expect(table.schema.columns.map(\.name).prefix(11) == [
            "day", "host", "model", "gpus", "energy_kwh", "energy_kwh_active", "tokens", "tokens_per_kwh",
            "energy_cost_usd", "energy_cost_per_mtok_usd", "api_price_per_mtok_usd",
        ])
        guard case .double(let kwh) = table.columns[4], case .double(let cost) = table.columns[8],
            case .double(let perMtok) = table.columns[9], case .double(let api) = table.columns[10],
            case .string(let models) = table.columns[2], case .double(let tpk) = table.columns[7]
        else { Issue.record("column types"); return }
        let i = models.firstIndex(of: "llama")!
        // 240 000 J / 3 600 000 = 0.0666… kWh; × 1.5 PUE × $0.12 = $0.012
        #expect(abs(kwh[i]! - 240_000.0 / 3_600_000) < 1e-12)
        #expect(abs(cost[i]! - 0.012) < 1e-12)
        // $0.012 / 2 000 tokens × 1e6 = $6 per Mtok; 2 000 / 0.0666… = 30 000 tokens per kWh
        #expect(abs(perMtok[i]! - 6) < 1e-9)
        #expect(abs(tpk[i]! - 30_000) < 1e-6)
        // only generation tokens: 300 000 000 000 atto-$ a token = $0.30 per Mtok
        #expect(abs(api[i]! - 0.30) < 1e-12)
        let q = models.firstIndex(of: "qwen")!
        #expect(api[q] == nil)
    }
}

@Suite("Energy: impossible samples")
struct EnergyBoundsTests {
    @Test("a sample before 1970, from 2200 on, negative or not finite is malformed, not integrated")
    func impossible() {
        var b = MetricBatch()
        _ = b.id(of: MetricSeries(kind: .powerWatts))
        b.samples = [
            MetricSample(series: 0, ms: -1, value: 100), MetricSample(series: 0, ms: 7_258_118_400_000, value: 100),
            MetricSample(series: 0, ms: 1000, value: -5), MetricSample(series: 0, ms: 2000, value: .infinity),
            MetricSample(series: 0, ms: 3000, value: 10), MetricSample(series: 0, ms: 4000, value: 10),
        ]
        var acc = EnergyAccumulator(calendar: try! ReportCalendar(timeZone: "UTC"))
        acc.add(b)
        let a = acc.finish()
        #expect(acc.malformed == 4 && acc.used == 2)
        // 10 W × 1 s = 10 J in slot 0 of day 0
        #expect(a.gpus.values.first!.powerJ == [0: 10])
    }
}
