// The libFuzzer entry point for factorylog's input paths (issue 11 item 6).
//
// One binary, several targets, chosen by the environment variable FUZZ_TARGET:
//
// | target        | what one input is                     | what runs                                        |
// |---------------|---------------------------------------|--------------------------------------------------|
// | `scanner`     | one line                              | both validators (with and without tape) agree; every value reached is read (numbers, strings, keys, lookups) |
// | `detect`      | a whole file (any bytes: plain, gzip, zstd) | `FormatDetector.detect`, `JSONDocumentFile`, every line through `LineReader` |
// | `litellm`, `kong`, `bedrock`, `otel`, `claude_code`, `codex`, `envoy`, `azure_apim`, `azure_openai`, `gemini_cli`, `gemini_cli_telemetry` | a file of JSON lines (or one JSON document) | that decoder on every line, then `finish`, as `FileDecoding` drives it; the events through `EventAggregator` (bundled prices), the aggregates serialized and read back, every table built, `impossibleTotals` |
//
// Built only by `make fuzz` / `make fuzz-ci` (see Fuzz/README.md): `FACTORYLOG_FUZZ=1 swift build
// --product FactorylogFuzz -Xswiftc -sanitize=fuzzer,address ...`. A crash is a bug: it must
// become a regression test in Tests/IngestTests/FuzzRegressionTests.swift.
import Analyze
import Glibc
import Ingest

enum Target: String {
    case scanner, detect, litellm, kong, bedrock, otel, claudeCode = "claude_code", codex
    case envoy, azureAPIM = "azure_apim", azureOpenAI = "azure_openai"
    case geminiCLI = "gemini_cli", geminiCLITelemetry = "gemini_cli_telemetry"
    case metrics  // issue 17: FuzzMetrics.swift
}

let target: Target = {
    guard let raw = getenv("FUZZ_TARGET").map({ String(cString: $0) }), let t = Target(rawValue: raw) else {
        let message = "FactorylogFuzz: set FUZZ_TARGET to scanner, detect, litellm, kong, bedrock, otel, claude_code, codex, envoy, azure_apim, azure_openai, gemini_cli, gemini_cli_telemetry or metrics\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }
    return t
}()

nonisolated(unsafe) let tape = JSONTape()

/// Pricing and calendar for the aggregation step (loaded once).
let coster: PricerCoster = {
    guard let table = try? PriceTable.bundled() else { fatalError("the bundled price table does not load") }
    return PricerCoster(pricer: Pricer(table: table, aliases: nil), costSource: .auto)
}()
let calendar: ReportCalendar = {
    guard let c = try? ReportCalendar(timeZone: "Europe/Berlin") else { fatalError("no Europe/Berlin time zone") }
    return c
}()

/// Aggregates `batch` as the pipeline does, then builds every table from the result.
func aggregate(_ format: LogFormat, _ batches: [EventBatch]) {
    var agg = EventAggregator(source: format.rawValue, calendar: calendar, coster: coster)
    for b in batches { agg.add(b) }
    var a = agg.finish()
    let bytes = a.serialized()
    guard let back = try? Aggregates(serialized: bytes), back == a else { fatalError("aggregates do not survive serialization") }
    a.merge(back)
    _ = Tables.all(a, files: [])
    _ = a.impossibleTotals()
    _ = RunSummary(a)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch target {
    case .scanner: fuzzScanner(bytes)
    case .detect: fuzzDetect(bytes)
    case .litellm: fuzzDecoder(.litellm, bytes)
    case .kong: fuzzDecoder(.kong, bytes)
    case .bedrock: fuzzDecoder(.bedrock, bytes)
    case .otel: fuzzDecoder(.otel, bytes)
    case .claudeCode: fuzzDecoder(.claudeCode, bytes)
    case .codex: fuzzDecoder(.codex, bytes)
    case .envoy: fuzzDecoder(.envoy, bytes)
    case .azureAPIM: fuzzDecoder(.azureAPIM, bytes)
    case .azureOpenAI: fuzzDecoder(.azureOpenAI, bytes)
    case .geminiCLI: fuzzDecoder(.geminiCLI, bytes)
    case .geminiCLITelemetry: fuzzDecoder(.geminiCLITelemetry, bytes)
    case .metrics: fuzzMetrics(bytes)
    }
    return 0
}

// MARK: - Scanner

func fuzzScanner(_ bytes: UnsafeRawBufferPointer) {
    let withTape = JSONDocument.parse(bytes, tape: tape)
    let withoutTape = JSONDocument.parseWithoutTape(bytes)
    switch (withTape, withoutTape) {
    case (.success(let a), .success(let b)):
        guard a.start == b.start, a.end == b.end, a.kind == b.kind else { fatalError("scanner: tape and tape-free roots differ") }
        walk(a)
        walk(b)
    case (.failure(let a), .failure(let b)):
        guard a == b else { fatalError("scanner: tape and tape-free errors differ: \(a) vs \(b)") }
    default:
        fatalError("scanner: tape and tape-free validators disagree")
    }
    // the thread tape (`parse(_:)`) on the same bytes
    _ = JSONDocument.parse(bytes)
}

/// Reads every value reachable from `root` (iteratively, at most 100 000 values).
func walk(_ root: JSONValue) {
    var stack = [root]
    var budget = 100_000
    while let v = stack.popLast(), budget > 0 {
        budget -= 1
        _ = v.int64
        _ = v.double
        _ = v.bool
        _ = v.count
        _ = v.isPlainString
        _ = v.rawStringBytes
        _ = v.stringEquals("assistant")
        _ = v.stringHasPrefix("gpt")
        _ = v.stringContains("\\")
        if v.kind == .string, v.end - v.start < 4096 { _ = v.string }
        v.forEachDecodedChunk { _ in }
        _ = v["type"]
        _ = v[path: "message", "usage"]
        _ = v[index: 1]
        v.forEachMember { k, value in
            _ = k.equals("usage")
            if k.end - k.start < 256 { _ = v.member(named: k.string) }
            stack.append(value)
            return true
        }
        v.forEachElement { e in
            stack.append(e)
            return true
        }
    }
}

// MARK: - Detection and reading

/// The fuzz input as a file (in /dev/shm when there is one).
let scratchPath: String = {
    var st = stat()
    let dir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp"
    return "\(dir)/factorylog-fuzz-\(getpid()).log"
}()

func writeScratch(_ bytes: UnsafeRawBufferPointer, path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatalError("cannot write \(path)") }
    if let base = bytes.baseAddress, bytes.count > 0 { _ = write(fd, base, bytes.count) }
    close(fd)
}

func fuzzDetect(_ bytes: UnsafeRawBufferPointer) {
    writeScratch(bytes, path: scratchPath)
    _ = try? FormatDetector.detect(path: scratchPath, forced: nil)
    if JSONDocumentFile.mayBe(path: scratchPath), let doc = try? JSONDocumentFile(path: scratchPath, maxBytes: 1 << 20) {
        _ = doc.read { line, _, _ in
            if case .success(let root) = JSONDocument.parse(line) { walk(root) }
            return true
        }
    }
    var options = LineReaderOptions()
    options.maxLineBytes = 1 << 16
    options.prefetch = false
    _ = try? LineReader.read(path: scratchPath, options: options) { line, _, _ in
        if case .success(let root) = JSONDocument.parse(line) {
            for f in LogFormat.allCases { _ = f.detects(root, context: DecoderContext(path: scratchPath)) }
        }
        return true
    }
}

// MARK: - Decoders

/// Splits `bytes` into lines (LF, CR stripped) and decodes each with `format`'s decoder, the
/// way `FileDecoding` does; a first byte `[` also reads the whole input as one JSON document.
/// The input's last byte picks the path (a Claude Code `subagents/` file, a Codex session).
func fuzzDecoder(_ format: LogFormat, _ bytes: UnsafeRawBufferPointer) {
    let last = bytes.last ?? 0
    let path: String
    switch last & 3 {
    case 0: path = "/home/u/.claude/projects/-srv-app/0b9c-session.jsonl"
    case 1: path = "/home/u/.claude/projects/-srv-app/0b9c/subagents/agent-a1.jsonl"
    case 2: path = "/home/u/.codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-abc.jsonl"
    default: path = "/var/log/gateway/2026-11-20.jsonl"
    }
    let context = DecoderContext(path: path)
    var decoder = format.makeDecoder(context: context)
    var batch = EventBatch()
    var batches: [EventBatch] = []
    var lineNumber = 0
    var start = 0
    let n = bytes.count
    while start <= n {
        var end = start
        while end < n, bytes[end] != 0x0A { end += 1 }
        var stop = end
        if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
        lineNumber += 1
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<stop])
        if case .success(let root) = JSONDocument.parse(line) {
            _ = format.detects(root, context: context)
            _ = decoder.decode(root, line: lineNumber, into: &batch)
        }
        if batch.eventCount > 4096 {
            batches.append(batch)
            batch.removeAll()
        }
        start = end + 1
    }
    decoder.finish(into: &batch)
    batches.append(batch)
    aggregate(format, batches)
    batch = EventBatch()

    // one JSON document: its elements are the records
    if n > 0, bytes[0] == UInt8(ascii: "[") || bytes[0] == UInt8(ascii: "{"),
        case .success(let root) = JSONDocument.parseWithoutTape(bytes)
    {
        var doc = format.makeDecoder(context: context)
        var k = 0
        let records = root.kind == .array ? root : nil
        if let records {
            records.forEachElement { e in
                k += 1
                let line = UnsafeRawBufferPointer(rebasing: bytes[e.start..<e.end])
                if case .success(let r) = JSONDocument.parse(line) { _ = doc.decode(r, line: k, into: &batch) }
                if batch.eventCount > 4096 { batch.removeAll() }
                return true
            }
        }
        doc.finish(into: &batch)
    }
}

// MARK: - Driver

// SwiftPM links an executable target's entry point as `<Target>_main` (and `main` as an alias
// of it), so libFuzzer's own `main` is not used: ours hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FactorylogFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    _ = target  // fail early on a missing FUZZ_TARGET
    return LLVMFuzzerRunDriver(&count, &vector, fuzz)
}
