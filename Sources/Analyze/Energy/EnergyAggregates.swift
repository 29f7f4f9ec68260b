import Ingest

// GPU energy and inference-server tokens per day and 5-minute slot (issue 17), mergeable like
// `Aggregates` but stored apart (its own blob, "FLEN"), so the shared aggregate format is untouched.
//
// Per series (one label set), samples are taken in time order: each interval between two
// consecutive samples of no more than `Energy.gapLimitMs` is attributed to the slot holding its
// start. Within one series slot amounts add up; across series of the same GPU (or the same
// server series read from two files) the larger amount of a slot is kept (merge by max): a GPU
// scraped by two jobs, or an export read under two names, counts once.

/// Constants of the energy computation.
public enum Energy {
    /// The attribution slot: 5 minutes. A day is split into slots from its start in the report
    /// time zone (288 a day; 276 / 300 on DST days).
    public static let slotMs: Int64 = 300_000
    /// An interval between two samples of one series longer than this (5 minutes) is a data gap:
    /// it is counted, never integrated.
    public static let gapLimitMs: Int64 = 300_000
    /// Joules per kWh.
    public static let joulesPerKWh = 3_600_000.0
}

/// A GPU as its series label it: the GPU (host, UUID, index, product) and the pod it was mapped to.
public struct GPUContext: Hashable, Sendable, Comparable {
    public var host: String
    public var uuid: String
    public var gpu: String
    public var gpuModel: String
    public var pod: String
    public var namespace: String

    public init(host: String = "", uuid: String = "", gpu: String = "", gpuModel: String = "", pod: String = "", namespace: String = "") {
        self.host = host
        self.uuid = uuid
        self.gpu = gpu
        self.gpuModel = gpuModel
        self.pod = pod
        self.namespace = namespace
    }

    init(_ s: MetricSeries) {
        self.init(host: s.host, uuid: s.uuid, gpu: s.gpu, gpuModel: s.gpuModel, pod: s.pod, namespace: s.namespace)
    }

    /// The physical GPU: its UUID, else host and index.
    public var identity: String { uuid.isEmpty ? host + "/" + gpu : uuid }

    public static func < (a: Self, b: Self) -> Bool {
        (a.host, a.uuid, a.gpu, a.gpuModel, a.pod, a.namespace) < (b.host, b.uuid, b.gpu, b.gpuModel, b.pod, b.namespace)
    }
}

/// An inference-server token series (vLLM): the model it serves, where it runs, and its other
/// labels (`extra`, e.g. `engine=0`), so distinct engines add up.
public struct ServerContext: Hashable, Sendable, Comparable {
    public var model: String
    public var host: String
    public var pod: String
    public var namespace: String
    public var extra: String

    public init(model: String, host: String = "", pod: String = "", namespace: String = "", extra: String = "") {
        self.model = model
        self.host = host
        self.pod = pod
        self.namespace = namespace
        self.extra = extra
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.model, a.host, a.pod, a.namespace, a.extra) < (b.model, b.host, b.pod, b.namespace, b.extra)
    }
}

/// Sample-quality counts of one series-day (merge by addition).
public struct EnergyQuality: Hashable, Sendable {
    /// Samples used (the first of a series starts it and is counted too).
    public var samples: Int64 = 0
    /// Samples at the instant of the previous one (dropped).
    public var duplicates: Int64 = 0
    /// Samples older than the previous one of their series (dropped).
    public var outOfOrder: Int64 = 0
    /// Intervals longer than `Energy.gapLimitMs` (not integrated) and their total length.
    public var gaps: Int64 = 0
    public var gapMs: Int64 = 0
    /// Counter decreases (driver reload, GPU reset, server restart): the new value is taken as
    /// the amount since the reset.
    public var resets: Int64 = 0

    public init() {}

    public mutating func merge(_ o: EnergyQuality) {
        samples +|= o.samples
        duplicates +|= o.duplicates
        outOfOrder +|= o.outOfOrder
        gaps +|= o.gaps
        gapMs +|= o.gapMs
        resets +|= o.resets
    }
}

/// One GPU context's day: joules per slot of the day, from the energy counter and from power
/// integration (kept apart: the counter is preferred where it covers a slot).
public struct GPUDay: Hashable, Sendable {
    public var counterJ: [UInt16: Double] = [:]
    public var powerJ: [UInt16: Double] = [:]
    public var quality = EnergyQuality()

    public init() {}

    public mutating func merge(_ o: GPUDay) {
        for (s, j) in o.counterJ { counterJ[s] = max(counterJ[s] ?? 0, j) }
        for (s, j) in o.powerJ { powerJ[s] = max(powerJ[s] ?? 0, j) }
        quality.merge(o.quality)
    }

    /// Joules of `slot`: the counter's where it covers the slot, else the power integral.
    public func joules(slot: UInt16) -> Double { counterJ[slot] ?? powerJ[slot] ?? 0 }

    /// Every slot with energy, ascending.
    public var slots: [UInt16] { Set(counterJ.keys).union(powerJ.keys).sorted() }
}

/// One server series' day: prompt and generation tokens per slot.
public struct ServerDay: Hashable, Sendable {
    public var prompt: [UInt16: Double] = [:]
    public var generation: [UInt16: Double] = [:]
    /// Slots the series had samples in (zero increase included): the server was up.
    public var quality = EnergyQuality()

    public init() {}

    public mutating func merge(_ o: ServerDay) {
        for (s, t) in o.prompt { prompt[s] = max(prompt[s] ?? 0, t) }
        for (s, t) in o.generation { generation[s] = max(generation[s] ?? 0, t) }
        quality.merge(o.quality)
    }

    public var promptTotal: Double { prompt.values.reduce(0, +) }
    public var generationTotal: Double { generation.values.reduce(0, +) }

    /// True when tokens rose in `slot`.
    public func active(_ slot: UInt16) -> Bool { (prompt[slot] ?? 0) + (generation[slot] ?? 0) > 0 }
}

public struct GPUDayKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var gpu: GPUContext
    public init(day: Int32, gpu: GPUContext) {
        self.day = day
        self.gpu = gpu
    }
    public static func < (a: Self, b: Self) -> Bool { (a.day, a.gpu) < (b.day, b.gpu) }
}

public struct ServerDayKey: Hashable, Sendable, Comparable {
    public var day: Int32
    public var server: ServerContext
    public init(day: Int32, server: ServerContext) {
        self.day = day
        self.server = server
    }
    public static func < (a: Self, b: Self) -> Bool { (a.day, a.server) < (b.day, b.server) }
}

/// Everything `energy_daily` is built from (merge: commutative and associative).
public struct EnergyAggregates: Hashable, Sendable {
    public var gpus: [GPUDayKey: GPUDay] = [:]
    public var servers: [ServerDayKey: ServerDay] = [:]

    public init() {}

    public var isEmpty: Bool { gpus.isEmpty && servers.isEmpty }

    public mutating func merge(_ o: EnergyAggregates) {
        for (k, v) in o.gpus { gpus[k, default: GPUDay()].merge(v) }
        for (k, v) in o.servers { servers[k, default: ServerDay()].merge(v) }
    }

    public func restricted(to window: ClosedRange<Int32>?) -> EnergyAggregates {
        guard let window else { return self }
        var r = EnergyAggregates()
        r.gpus = gpus.filter { window.contains($0.key.day) }
        r.servers = servers.filter { window.contains($0.key.day) }
        return r
    }

    public func splitByDay() -> [Int32: EnergyAggregates] {
        var parts: [Int32: EnergyAggregates] = [:]
        for (k, v) in gpus { parts[k.day, default: EnergyAggregates()].gpus[k] = v }
        for (k, v) in servers { parts[k.day, default: EnergyAggregates()].servers[k] = v }
        return parts
    }

    // MARK: serialization

    /// Format version of `serialized()`.
    public static let serializationVersion: UInt8 = 1

    /// Layout: "FLEN", version (1 byte) = 1, string table (n, then n × (length, UTF-8)), then GPU
    /// days (n × (day zigzag, 6 string ids, counter slots, power slots, quality)) and server days
    /// (n × (day, 5 string ids, prompt slots, generation slots, quality)); slots are n × (slot,
    /// Double bits fixed64) ascending; quality is 6 zigzag varints.
    public func serialized() -> [UInt8] {
        var strings: [String] = []
        var ids: [String: UInt64] = [:]
        func sid(_ s: String) -> UInt64 {
            if let i = ids[s] { return i }
            let i = UInt64(strings.count)
            strings.append(s)
            ids[s] = i
            return i
        }
        let g = gpus.sorted { $0.key < $1.key }
        let sv = servers.sorted { $0.key < $1.key }
        for (k, _) in g { for s in [k.gpu.host, k.gpu.uuid, k.gpu.gpu, k.gpu.gpuModel, k.gpu.pod, k.gpu.namespace] { _ = sid(s) } }
        for (k, _) in sv { for s in [k.server.model, k.server.host, k.server.pod, k.server.namespace, k.server.extra] { _ = sid(s) } }
        var w = ByteWriter()
        w.bytes.append(contentsOf: Array("FLEN".utf8))
        w.bytes.append(Self.serializationVersion)
        w.uvar(UInt64(strings.count))
        for s in strings {
            let u = Array(s.utf8)
            w.uvar(UInt64(u.count))
            w.bytes.append(contentsOf: u)
        }
        func slots(_ m: [UInt16: Double]) {
            w.uvar(UInt64(m.count))
            for (s, v) in m.sorted(by: { $0.key < $1.key }) {
                w.uvar(UInt64(s))
                w.fixed64(v.bitPattern)
            }
        }
        func quality(_ q: EnergyQuality) {
            for v in [q.samples, q.duplicates, q.outOfOrder, q.gaps, q.gapMs, q.resets] { w.svar(v) }
        }
        w.uvar(UInt64(g.count))
        for (k, v) in g {
            w.svar(Int64(k.day))
            for s in [k.gpu.host, k.gpu.uuid, k.gpu.gpu, k.gpu.gpuModel, k.gpu.pod, k.gpu.namespace] { w.uvar(ids[s]!) }
            slots(v.counterJ)
            slots(v.powerJ)
            quality(v.quality)
        }
        w.uvar(UInt64(sv.count))
        for (k, v) in sv {
            w.svar(Int64(k.day))
            for s in [k.server.model, k.server.host, k.server.pod, k.server.namespace, k.server.extra] { w.uvar(ids[s]!) }
            slots(v.prompt)
            slots(v.generation)
            quality(v.quality)
        }
        return w.bytes
    }

    /// - Throws: `Aggregates.DecodingError` (bad magic, other version, truncated or inconsistent).
    public init(serialized bytes: [UInt8]) throws {
        var r = ByteReader(bytes: bytes)
        guard bytes.count >= 5, Array(bytes[0..<4]) == Array("FLEN".utf8) else { throw Aggregates.DecodingError.badMagic }
        r.pos = 4
        let version = try r.byte()
        guard version == Self.serializationVersion else { throw Aggregates.DecodingError.unsupportedVersion(version) }
        let ns = try r.count()
        var strings: [String] = []
        strings.reserveCapacity(ns)
        for _ in 0..<ns {
            let n = try r.count()
            strings.append(String(decoding: bytes[r.pos..<(r.pos + n)], as: UTF8.self))
            r.pos += n
        }
        func str() throws -> String {
            let i = try r.uvar()
            guard i < UInt64(strings.count) else { throw Aggregates.DecodingError.invalid("energy string id \(i) out of range") }
            return strings[Int(i)]
        }
        func day() throws -> Int32 {
            let d = try r.svar()
            guard let v = Int32(exactly: d) else { throw Aggregates.DecodingError.invalid("energy day \(d) out of range") }
            return v
        }
        func slots() throws -> [UInt16: Double] {
            let n = try r.count()
            var m: [UInt16: Double] = [:]
            for _ in 0..<n {
                let s = try r.uvar()
                guard s < 1024 else { throw Aggregates.DecodingError.invalid("energy slot \(s) out of range") }
                m[UInt16(s)] = Double(bitPattern: try r.fixed64())
            }
            return m
        }
        func quality() throws -> EnergyQuality {
            var q = EnergyQuality()
            q.samples = try r.svar()
            q.duplicates = try r.svar()
            q.outOfOrder = try r.svar()
            q.gaps = try r.svar()
            q.gapMs = try r.svar()
            q.resets = try r.svar()
            return q
        }
        let ng = try r.count()
        for _ in 0..<ng {
            let d = try day()
            let c = GPUContext(host: try str(), uuid: try str(), gpu: try str(), gpuModel: try str(), pod: try str(), namespace: try str())
            var v = GPUDay()
            v.counterJ = try slots()
            v.powerJ = try slots()
            v.quality = try quality()
            gpus[GPUDayKey(day: d, gpu: c)] = v
        }
        let nsv = try r.count()
        for _ in 0..<nsv {
            let d = try day()
            let c = ServerContext(model: try str(), host: try str(), pod: try str(), namespace: try str(), extra: try str())
            var v = ServerDay()
            v.prompt = try slots()
            v.generation = try slots()
            v.quality = try quality()
            servers[ServerDayKey(day: d, server: c)] = v
        }
        guard r.pos == bytes.count else { throw Aggregates.DecodingError.invalid("\(bytes.count - r.pos) trailing bytes") }
    }
}

/// Turns the samples of one file into `EnergyAggregates` (pure; per-series state only, so a
/// month of 15-s scrapes of 64 GPUs streams in memory proportional to the series, not the
/// samples).
///
/// Per series, in sample order: the first sample starts the series; a sample at the previous
/// instant is a duplicate and one before it out of order (both dropped and counted); an interval
/// longer than `Energy.gapLimitMs` is a gap (counted, not integrated). Otherwise the interval
/// (t0, t1] gives:
/// - energy counter (mJ): `(v1 − v0) / 1000` J; a decrease is a counter reset and gives `v1 / 1000`;
/// - power (W): the trapezoid `(p0 + p1) / 2 × (t1 − t0)` J;
/// - token counters: `v1 − v0` tokens (a decrease is a reset: `v1`);
/// attributed to the report-time-zone day and 5-minute slot holding t0.
public struct EnergyAccumulator {
    let calendar: ReportCalendar
    private var states: [SeriesState] = []
    private var contexts: [(gpu: GPUContext?, server: ServerContext?)] = []
    public private(set) var aggregates = EnergyAggregates()
    /// Samples used, and dropped as duplicates or out of order, over the file.
    public private(set) var used: Int64 = 0
    public private(set) var dropped: Int64 = 0
    /// Samples with an impossible instant or value (counted with the malformed records).
    public private(set) var malformed: Int64 = 0
    public private(set) var firstMs: Int64? = nil
    public private(set) var lastMs: Int64? = nil

    struct SeriesState {
        var kind: MetricKind
        var lastMs: Int64 = .min
        var lastValue: Double = 0
        var day: Int32 = .min
        var dayStart: Int64 = 0
        var dayEnd: Int64 = 0
        var slots: [Double] = []
        var quality = EnergyQuality()
    }

    public init(calendar: ReportCalendar) { self.calendar = calendar }

    /// Takes the new series of `batch` and its samples (in order).
    public mutating func add(_ batch: MetricBatch) {
        while contexts.count < batch.series.count {
            let s = batch.series[contexts.count]
            states.append(SeriesState(kind: s.kind))
            if s.kind.isGPU {
                contexts.append((GPUContext(s), nil))
            } else {
                contexts.append((nil, ServerContext(model: s.model, host: s.host, pod: s.pod, namespace: s.namespace, extra: s.extra)))
            }
        }
        for smp in batch.samples { add(smp) }
    }

    @inline(__always)
    mutating func add(_ smp: MetricSample) {
        let i = Int(smp.series)
        var st = states[i]
        defer { states[i] = st }
        let t = smp.ms
        let v = smp.value
        // Defence in depth, as for log events: an instant before 1970 or from 2200 on, or a value no
        // exporter writes (negative, not finite), is a malformed sample, never a day in year 3170.
        guard v.isFinite, v >= 0, t >= 0, t < 7_258_118_400_000 else {
            malformed += 1
            return
        }
        if st.lastMs == .min {
            roll(&st, i, to: t)
            st.quality.samples += 1
            st.lastMs = t
            st.lastValue = v
            seen(t)
            used += 1
            return
        }
        if t == st.lastMs {
            st.quality.duplicates += 1
            dropped += 1
            return
        }
        if t < st.lastMs {
            st.quality.outOfOrder += 1
            dropped += 1
            return
        }
        let t0 = st.lastMs
        roll(&st, i, to: t0)
        st.quality.samples += 1
        used += 1
        seen(t)
        let dt = t - t0
        defer {
            st.lastMs = t
            st.lastValue = v
        }
        if dt > Energy.gapLimitMs {
            st.quality.gaps += 1
            st.quality.gapMs += dt
            return
        }
        var amount: Double
        switch st.kind {
        case .powerWatts:
            amount = (st.lastValue + v) / 2 * Double(dt) / 1000
        case .energyMillijoules, .promptTokens, .generationTokens:
            amount = v - st.lastValue
            if amount < 0 {
                st.quality.resets += 1
                amount = v
            }
            if st.kind == .energyMillijoules { amount /= 1000 }
        }
        let slot = Int((t0 - st.dayStart) / Energy.slotMs)
        if st.slots.isEmpty { st.slots = Array(repeating: -1, count: Int((st.dayEnd - st.dayStart + Energy.slotMs - 1) / Energy.slotMs)) }
        if slot >= 0 && slot < st.slots.count {
            st.slots[slot] = max(st.slots[slot], 0) + amount
        }
    }

    private mutating func seen(_ t: Int64) {
        firstMs = min(firstMs ?? t, t)
        lastMs = max(lastMs ?? t, t)
    }

    /// Moves series `i` to the day holding `t`, flushing the previous day.
    @inline(__always)
    private mutating func roll(_ st: inout SeriesState, _ i: Int, to t: Int64) {
        if st.day != .min && t >= st.dayStart && t < st.dayEnd { return }
        flush(&st, i)
        let day = calendar.day(ofMillis: t)
        st.day = day
        st.dayStart = calendar.startMillis(ofDay: day)
        st.dayEnd = calendar.startMillis(ofDay: day + 1)
    }

    private mutating func flush(_ st: inout SeriesState, _ i: Int) {
        guard st.day != .min else { return }
        var m: [UInt16: Double] = [:]
        for (s, v) in st.slots.enumerated() where v >= 0 { m[UInt16(s)] = v }
        let (g, sv) = contexts[i]
        if let g {
            var d = GPUDay()
            if st.kind == .energyMillijoules { d.counterJ = m } else { d.powerJ = m }
            d.quality = st.quality
            let k = GPUDayKey(day: st.day, gpu: g)
            // Series of one context on one day: counters of the two kinds stay apart; two series
            // of the same kind (scraped twice) merge by max, as across files.
            aggregates.gpus[k, default: GPUDay()].merge(d)
        } else if let sv {
            var d = ServerDay()
            if st.kind == .promptTokens { d.prompt = m } else { d.generation = m }
            d.quality = st.quality
            aggregates.servers[ServerDayKey(day: st.day, server: sv), default: ServerDay()].merge(d)
        }
        st.slots = []
        st.quality = EnergyQuality()
    }

    /// Flushes every series and returns the file's aggregates.
    public mutating func finish() -> EnergyAggregates {
        for i in states.indices {
            var st = states[i]
            flush(&st, i)
            st.day = .min
            states[i] = st
        }
        return aggregates
    }
}
