import Glibc
import Ingest

/// Pulls about ten fields out of a line the way a decoder would, through the public
/// `JSONDocument` / `JSONValue` API only, and folds them into a checksum (so nothing is optimized
/// away).
///
/// `singlePass` walks each object's members once and matches keys as they come (what a decoder
/// should do); otherwise every field is a separate subscript lookup from the object's start
/// (`root["timestamp"]` re-walks the members before it, big strings included).
struct Extractor {
    var checksum: Int64 = 0
    var found = 0
    var malformed = 0
    let singlePass: Bool

    init(singlePass: Bool) { self.singlePass = singlePass }

    @inline(__always)
    mutating func take(_ v: JSONValue?) {
        guard let v else { return }
        found += 1
        switch v.kind {
        case .number: checksum &+= v.int64 ?? Int64(v.double ?? 0)
        case .string: checksum &+= Int64(v.rawStringBytes?.count ?? 0)
        default: checksum &+= Int64(v.end - v.start)
        }
    }

    mutating func line(_ bytes: UnsafeRawBufferPointer) {
        switch JSONDocument.parse(bytes) {
        case .failure:
            malformed += 1
        case .success(let root):
            var first: JSONKey? = nil
            root.forEachMember { k, _ in
                first = k
                return false
            }
            guard let k = first else { return }
            if k.equals("parentUuid") {
                singlePass ? claude1(root) : claude(root)
            } else if k.equals("id") {
                singlePass ? litellm1(root) : litellm(root)
            } else {
                singlePass ? kong1(root) : kong(root)
            }
        }
    }

    // MARK: subscript lookups

    mutating func claude(_ r: JSONValue) {
        take(r["type"])
        take(r["timestamp"])
        take(r["sessionId"])
        take(r["requestId"])
        take(r["isSidechain"])
        if let m = r["message"] {
            take(m["model"])
            take(m["id"])
            if let u = m["usage"] {
                take(u["input_tokens"])
                take(u["output_tokens"])
                take(u["cache_read_input_tokens"])
                take(u["cache_creation_input_tokens"])
            }
        }
    }

    mutating func litellm(_ r: JSONValue) {
        take(r["id"])
        take(r["model"])
        take(r["custom_llm_provider"])
        take(r["startTime"])
        take(r["endTime"])
        take(r["response_cost"])
        take(r[path: "metadata", "user_api_key_team_alias"])
        take(r[path: "metadata", "user_api_key_alias"])
        take(r[path: "response", "usage", "prompt_tokens"])
        take(r[path: "response", "usage", "completion_tokens"])
    }

    mutating func kong(_ r: JSONValue) {
        take(r["started_at"])
        take(r["workspace_name"])
        take(r[path: "consumer", "username"])
        take(r[path: "response", "status"])
        take(r[path: "latencies", "request"])
        if let p = r[path: "ai", "proxy"] {
            take(p[path: "meta", "provider_name"])
            take(p[path: "meta", "response_model"])
            if let u = p["usage"] {
                take(u["prompt_tokens"])
                take(u["completion_tokens"])
                take(u["time_to_first_token"])
            }
        }
    }

    // MARK: single pass

    mutating func claude1(_ r: JSONValue) {
        r.forEachMember { k, v in
            if k.equals("type") || k.equals("timestamp") || k.equals("sessionId") || k.equals("requestId")
                || k.equals("isSidechain")
            {
                take(v)
            } else if k.equals("message") {
                v.forEachMember { k2, v2 in
                    if k2.equals("model") || k2.equals("id") {
                        take(v2)
                    } else if k2.equals("usage") {
                        v2.forEachMember { k3, v3 in
                            if k3.equals("input_tokens") || k3.equals("output_tokens")
                                || k3.equals("cache_read_input_tokens")
                                || k3.equals("cache_creation_input_tokens")
                            {
                                take(v3)
                            }
                            return true
                        }
                    }
                    return true
                }
            }
            return true
        }
    }

    mutating func litellm1(_ r: JSONValue) {
        r.forEachMember { k, v in
            if k.equals("id") || k.equals("model") || k.equals("custom_llm_provider") || k.equals("startTime")
                || k.equals("endTime") || k.equals("response_cost")
            {
                take(v)
            } else if k.equals("metadata") {
                v.forEachMember { k2, v2 in
                    if k2.equals("user_api_key_team_alias") || k2.equals("user_api_key_alias") { take(v2) }
                    return true
                }
            } else if k.equals("response") {
                if let u = v["usage"] {
                    take(u["prompt_tokens"])
                    take(u["completion_tokens"])
                }
            }
            return true
        }
    }

    mutating func kong1(_ r: JSONValue) {
        r.forEachMember { k, v in
            if k.equals("started_at") || k.equals("workspace_name") {
                take(v)
            } else if k.equals("consumer") {
                take(v["username"])
            } else if k.equals("response") {
                take(v["status"])
            } else if k.equals("latencies") {
                take(v["request"])
            } else if k.equals("ai") {
                if let p = v["proxy"] {
                    p.forEachMember { k2, v2 in
                        if k2.equals("meta") {
                            take(v2["provider_name"])
                            take(v2["response_model"])
                        } else if k2.equals("usage") {
                            take(v2["prompt_tokens"])
                            take(v2["completion_tokens"])
                            take(v2["time_to_first_token"])
                        }
                        return true
                    }
                }
            }
            return true
        }
    }
}

enum FrameBench {
    static func run(path: String, chunk: Int, prefetch: Bool, scan: Bool, repeats: Int) {
        var options = LineReaderOptions()
        options.chunkBytes = chunk
        options.prefetch = prefetch
        var best = Double.infinity
        var bestCPU = 0.0
        var result = LineReaderResult()
        var ex = Extractor(singlePass: true)
        var sink = 0
        for _ in 0..<repeats {
            ex = Extractor(singlePass: true)
            let t0 = now()
            let c0 = cpuSeconds()
            do {
                result = try LineReader.read(path: path, options: options) { line, _, _ in
                    if scan { ex.line(line) } else { sink &+= line.count }
                    return true
                }
            } catch {
                eprint("flbench: \(error)\n")
                exit(66)
            }
            let dt = now() - t0
            if dt < best {
                best = dt
                bestCPU = cpuSeconds() - c0
            }
        }
        if let e = result.streamError { eprint("flbench: warning: \(e)\n") }
        let mbps = Double(result.bytesDecoded) / 1e6 / best
        print(
            "mode=\(scan ? "frame+scan" : "frame") compression=\(result.compression.rawValue) prefetch=\(prefetch) "
                + "decoded_bytes=\(result.bytesDecoded) disk_bytes=\(result.bytesRead) lines=\(result.lines) "
                + "seconds=\(fmt(best, 3)) cpu_seconds=\(fmt(bestCPU, 3)) mbps=\(fmt(mbps)) "
                + "fields=\(ex.found) malformed=\(ex.malformed) sink=\((Int64(sink) &+ ex.checksum) & 1)")
    }
}

enum ScanBench {
    static func run(path: String, repeats: Int) {
        // Load the decoded lines into one buffer first: this measures the scanner alone.
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
        // Validation alone (JSONDocument.parse), then parse + lookups two ways. Timed in CPU
        // seconds of this (single-threaded) loop, so other work on the machine skews it less.
        var best0 = Double.infinity
        var ok = 0
        for _ in 0..<repeats {
            ok = 0
            let t0 = cpuSeconds()
            data.withUnsafeBytes { all in
                for (s, e) in bounds {
                    if case .success = JSONDocument.parse(UnsafeRawBufferPointer(rebasing: all[s..<e])) { ok += 1 }
                }
            }
            best0 = min(best0, cpuSeconds() - t0)
        }
        print(
            "mode=scan lookups=none bytes=\(total) lines=\(bounds.count) seconds=\(fmt(best0, 3)) "
                + "mbps=\(fmt(Double(total) / 1e6 / best0)) lines_per_s=\(Int(Double(bounds.count) / best0)) valid=\(ok)"
        )
        for singlePass in [true, false] {
            var best = Double.infinity
            var ex = Extractor(singlePass: singlePass)
            for _ in 0..<repeats {
                ex = Extractor(singlePass: singlePass)
                let t0 = cpuSeconds()
                data.withUnsafeBytes { all in
                    for (s, e) in bounds {
                        ex.line(UnsafeRawBufferPointer(rebasing: all[s..<e]))
                    }
                }
                best = min(best, cpuSeconds() - t0)
            }
            let mbps = Double(total) / 1e6 / best
            print(
                "mode=scan lookups=\(singlePass ? "single-pass" : "subscripts") bytes=\(total) lines=\(bounds.count) "
                    + "seconds=\(fmt(best, 3)) mbps=\(fmt(mbps)) lines_per_s=\(Int(Double(bounds.count) / best)) "
                    + "fields_per_line=\(fmt(Double(ex.found) / Double(max(bounds.count, 1)), 2)) malformed=\(ex.malformed) checksum=\(ex.checksum & 0xFFFF)"
            )
        }
    }
}
