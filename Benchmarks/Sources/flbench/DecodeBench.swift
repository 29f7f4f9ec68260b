import Glibc
import Ingest

/// `flbench decode FILE [--repeat N] [--format NAME] [--digest]`: format detection, then
/// `JSONDocument.parse` + the real decoder over every line of FILE (held in memory, one core).
///
/// Prints `mbps` from the best CPU time (getrusage-style process CPU clock, so other work on a
/// shared machine skews it less than wall time), plus the range over the repeats. With
/// `--digest`, also prints an FNV-1a hash of every event's description, so two builds can be
/// checked to produce identical events.
enum DecodeBench {
    static func run(path: String, repeats: Int, forced: String?, digest: Bool) {
        var forcedFormat: LogFormat? = nil
        if let forced {
            guard let f = LogFormat(rawValue: forced) else {
                eprint("flbench: unknown format \(forced)\n")
                exit(64)
            }
            forcedFormat = f
        }
        let format: LogFormat
        do {
            let (f, _) = try FormatDetector.detect(path: path, forced: forcedFormat)
            guard let f else {
                eprint("flbench: no decoder recognizes \(path)\n")
                exit(65)
            }
            format = f
        } catch {
            eprint("flbench: \(error)\n")
            exit(66)
        }
        var data: [UInt8] = []
        var bounds: [(Int, Int)] = []
        do {
            var options = LineReaderOptions()
            options.prefetch = false
            _ = try LineReader.read(path: path, options: options) { line, _, _ in
                let s = data.count
                data.append(contentsOf: line)
                bounds.append((s, data.count))
                return true
            }
        } catch {
            eprint("flbench: \(error)\n")
            exit(66)
        }
        let total = bounds.reduce(0) { $0 + $1.1 - $1.0 }
        let context = DecoderContext(path: path)

        var cpuTimes: [Double] = []
        var events = 0
        var malformed = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for r in 0..<repeats {
            var decoder = format.makeDecoder(context: context)
            var batch = EventBatch()
            events = 0
            malformed = 0
            let wantDigest = digest && r == 0
            let c0 = cpuSeconds()
            data.withUnsafeBytes { all in
                var n = 0
                for (s, e) in bounds {
                    n += 1
                    switch JSONDocument.parse(UnsafeRawBufferPointer(rebasing: all[s..<e])) {
                    case .success(let root):
                        if decoder.decode(root, line: n, into: &batch) == .undecodable { malformed += 1 }
                    case .failure:
                        malformed += 1
                    }
                    if n & 1023 == 0 {
                        events += batch.eventCount
                        if wantDigest { fold(&hash, batch) }
                        batch.removeAll()
                    }
                }
            }
            decoder.finish(into: &batch)
            events += batch.eventCount
            if wantDigest { fold(&hash, batch) }
            batch.removeAll()
            let dt = cpuSeconds() - c0
            // the digest pass formats every event: keep it out of the timings
            if !wantDigest { cpuTimes.append(dt) }
        }
        if cpuTimes.isEmpty { cpuTimes = [.infinity] }
        let best = cpuTimes.min()!, worst = cpuTimes.max()!
        print(
            "mode=decode format=\(format.rawValue) bytes=\(total) lines=\(bounds.count) events=\(events) "
                + "malformed=\(malformed) cpu_seconds=\(fmt(best, 3)) mbps=\(fmt(Double(total) / 1e6 / best)) "
                + "mbps_worst=\(fmt(Double(total) / 1e6 / worst))"
                + (digest ? " digest=\(String(hash, radix: 16))" : ""))
    }

    static func fold(_ h: inout UInt64, _ batch: EventBatch) {
        func add(_ s: String) {
            for b in s.utf8 {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
        }
        for (i, c) in batch.llmCalls.enumerated() {
            add("\(c)")
            if i < batch.llmCallLines.count { add("\(batch.llmCallLines[i])") }
        }
        for t in batch.toolCalls { add("\(t)") }
        for p in batch.permissions { add("\(p)") }
        add("x\(batch.excluded)")
    }
}
