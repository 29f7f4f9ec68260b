// flbench: throughput benchmarks of factorylog's ingest path (no dependencies beyond Ingest).
//
//   flbench gen OUTDIR [--mb N] [--seed S]      realistic JSON lines (1–3 KB) -> OUTDIR/corpus-<N>mb.jsonl
//   flbench frame FILE [--chunk BYTES] [--no-prefetch] [--scan] [--repeat N]
//                                              decompress + frame; MB/s of decoded bytes
//   flbench scan FILE [--repeat N]              JSONDocument.parse + ~10 field lookups per line,
//                                              one core, file held in memory; MB/s
//   flbench decode FILE [--repeat N] [--format NAME] [--digest]
//                                              detection + parse + the real decoder, one core,
//                                              file held in memory; MB/s of CPU time
//
// Results go to stdout as `key=value` pairs on one line, which bench.sh turns into a table.
import Glibc

func usage() -> Never {
    eprint(
        """
        usage: flbench gen OUTDIR [--mb N] [--seed S]
               flbench frame FILE [--chunk BYTES] [--no-prefetch] [--scan] [--repeat N]
               flbench scan FILE [--repeat N]
               flbench decode FILE [--repeat N] [--format NAME] [--digest]

        """)
    exit(64)
}

/// Minimal hand-written argument handling: positional arguments plus `--flag [value]`.
struct Args {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init(_ argv: ArraySlice<String>, valued: Set<String>) {
        var it = argv.makeIterator()
        while let a = it.next() {
            if a.hasPrefix("--") {
                let name = String(a.dropFirst(2))
                if valued.contains(name) {
                    guard let v = it.next() else {
                        eprint("flbench: --\(name) needs a value\n")
                        exit(64)
                    }
                    options[name] = v
                } else {
                    flags.insert(name)
                }
            } else {
                positional.append(a)
            }
        }
    }

    func int(_ name: String, default d: Int) -> Int {
        guard let s = options[name] else { return d }
        guard let v = Int(s), v > 0 else {
            eprint("flbench: --\(name) must be a positive integer, got \(s)\n")
            exit(64)
        }
        return v
    }
}

let argv = CommandLine.arguments
guard argv.count >= 3 else { usage() }
switch argv[1] {
case "gen":
    let a = Args(argv.dropFirst(2), valued: ["mb", "seed"])
    guard a.positional.count == 1 else { usage() }
    Generator.run(
        outDir: a.positional[0], megabytes: a.int("mb", default: 500), seed: UInt64(a.int("seed", default: 42)))
case "frame":
    let a = Args(argv.dropFirst(2), valued: ["chunk", "repeat"])
    guard a.positional.count == 1 else { usage() }
    FrameBench.run(
        path: a.positional[0], chunk: a.int("chunk", default: 1 << 20), prefetch: !a.flags.contains("no-prefetch"),
        scan: a.flags.contains("scan"), repeats: a.int("repeat", default: 1))
case "scan":
    let a = Args(argv.dropFirst(2), valued: ["repeat"])
    guard a.positional.count == 1 else { usage() }
    ScanBench.run(path: a.positional[0], repeats: a.int("repeat", default: 1))
case "decode":
    let a = Args(argv.dropFirst(2), valued: ["repeat", "format"])
    guard a.positional.count == 1 else { usage() }
    DecodeBench.run(
        path: a.positional[0], repeats: a.int("repeat", default: 3), forced: a.options["format"],
        digest: a.flags.contains("digest"))
default:
    usage()
}
