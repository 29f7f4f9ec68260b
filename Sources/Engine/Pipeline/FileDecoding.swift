import Analyze
import Ingest

/// How to read one file this run.
struct FileTask: Sendable {
    enum Mode: Sendable {
        /// Read from the start; `replace` drops the file's previous contribution first.
        case full(replace: Bool)
        /// Read only what was appended since `previous` (stateless formats only).
        case append(previous: IngestFileRecord)
    }

    var path: String
    /// Position in discovery order.
    var fileIndex: Int
    /// The file's id in the `ClaimIndex`.
    var owner: UInt32
    var size: Int64
    var mtimeNs: Int64
    var fingerprint: UInt64
    var fingerprintLength: Int64
    var mode: Mode

    var replace: Bool {
        if case .full(let r) = mode { return r }
        return false
    }
}

/// What reading one file produced, ready to commit.
struct DecodedFile: Sendable {
    var task: FileTask
    var record: IngestFileRecord
    /// This read's contribution (keyed calls already de-duplicated through the `ClaimIndex`).
    var aggregates: Aggregates
    /// Claims this read counted, for the state.
    var claims: [(DedupKey, ClaimEntry)]
    var claimsMaxInstantMs: Int64
    /// Bytes read from disk by this run (the record's `bytesRead` is the file's total over runs).
    var runBytesRead: Int64
    /// A metric file's contribution (issue 17; empty for logs).
    var energy = EnergyAggregates()

    var failed: Bool { record.status == .failed }
}

/// Reads one file: detection, line decoding, bounds checks, de-duplication through the shared
/// `ClaimIndex`, and the ledger row with its offsets for the next run.
struct FileDecoder: Sendable {
    var plan: RunPlan
    let index: ClaimIndex

    /// Lines decoded between two drains of the event batch.
    static let drainEvery = 4096

    func decode(_ task: FileTask) -> DecodedFile {
        var record = IngestFileRecord(path: task.path)
        record.size = task.size
        record.mtimeNs = task.mtimeNs
        record.fingerprint = task.fingerprint
        record.fingerprintLength = task.fingerprintLength
        var options = LineReaderOptions()
        options.maxLineBytes = plan.maxLineBytes
        var baseline: IngestFileRecord? = nil
        if case .append(let prev) = task.mode {
            baseline = prev
            options.startOffset = prev.byteOffset
            options.skipDecodedBytes = prev.decodedOffset
        }
        var format: LogFormat?
        let source: FileSource
        do {
            source = try FileSource(path: task.path, forced: plan.format, maxLineBytes: plan.maxLineBytes, documents: baseline == nil)
        } catch {
            record.status = .failed
            record.error = error.description
            return failure(task, record, runBytes: 0)
        }
        record.compression = source.compression.rawValue
        format = source.format ?? (baseline.flatMap { LogFormat(rawValue: $0.format) })
        if source.document != nil {
            record.fingerprintLength = 0  // a changed document is read again whole, never as an append
        }
        guard let format else {
            // GPU energy and server metrics (MetricFileDecoding.swift): sniffed only where no log
            // decoder recognized the file, so a night of log files opens each once.
            if plan.format == nil, baseline == nil, let (metric, compression) = try? MetricFormat.detect(path: task.path), let metric {
                return decodeMetrics(task, record, format: metric, compression: compression)
            }
            return readUnrecognized(task, record, options: options)
        }
        record.format = format.rawValue

        var reading = FileReading(
            format: format, path: task.path, owner: task.owner, firstLine: Int(baseline?.lines ?? 0),
            aggregator: EventAggregator(source: format.rawValue, calendar: plan.calendar, coster: plan.coster),
            index: index)
        let result: LineReaderResult
        do {
            func onLine(_ line: UnsafeRawBufferPointer, _ number: Int, _: Int64) -> Bool {
                reading.line(line, number: number)
                return true
            }
            result = try source.read(options: options, onLine)
        } catch {
            record.status = .failed
            record.error = error.description
            return failure(task, record, runBytes: 0)
        }
        reading.finish()
        Self.account(&record, result: result, reading: reading, task: task, baseline: baseline, options: options)
        var aggregates = reading.aggregator.finish()
        // --pseudonymize: names are replaced before anything is stored.
        if let p = plan.pseudonymizer { aggregates = aggregates.pseudonymized(with: p) }
        return DecodedFile(
            task: task, record: record, aggregates: aggregates, claims: reading.keyed.remember,
            claimsMaxInstantMs: reading.keyed.maxInstantMs, runBytesRead: result.bytesRead)
    }

    /// A file no decoder recognizes: read through once anyway, so the counts show what is there
    /// and a damaged compressed stream with no complete line before the damage is named as such.
    private func readUnrecognized(_ task: FileTask, _ r: IngestFileRecord, options: LineReaderOptions) -> DecodedFile {
        var record = r
        let scan = try? LineReader.read(path: task.path, options: options) { _, _, _ in true }
        record.status = .failed
        record.bytesRead = scan?.bytesRead ?? 0
        record.bytesDecoded = scan?.bytesDecoded ?? 0
        record.lines = Int64(scan?.lines ?? 0)
        if let scan, scan.lines == 0, scan.streamError == nil {
            // an empty file (plain or compressed, or only blank lines): nothing to read yet
            record.status = .ok
            record.error = ""
        } else if let damage = scan?.streamError {
            record.error = "damaged \(record.compression) stream with no complete line before the damage: \(damage)"
        } else {
            record.error = "unknown format: no decoder recognizes the first lines; check the file with `factorylog inspect` or force one with --format"
        }
        return failure(task, record, runBytes: scan?.bytesRead ?? 0)
    }


    private func failure(_ task: FileTask, _ record: IngestFileRecord, runBytes: Int64) -> DecodedFile {
        DecodedFile(task: task, record: record, aggregates: Aggregates(), claims: [], claimsMaxInstantMs: 0, runBytesRead: runBytes)
    }

    /// Counts over all runs, offsets for the next run, status and message.
    static func account(
        _ record: inout IngestFileRecord, result: LineReaderResult, reading: FileReading, task: FileTask,
        baseline prev: IngestFileRecord?, options: LineReaderOptions
    ) {
        var malformed = reading.sink.malformed
        record.bytesRead = (prev?.bytesRead ?? 0) + result.bytesRead
        record.bytesDecoded = (prev?.bytesDecoded ?? 0) + result.bytesDecoded
        record.lines = (prev?.lines ?? 0) + Int64(result.lines)
        record.oversizedLines = (prev?.oversizedLines ?? 0) + Int64(result.oversizedLines)
        record.malformedLines = (prev?.malformedLines ?? 0) + Int64(malformed)
        record.events = (prev?.events ?? 0) + Int64(reading.sink.events)
        record.excludedEvents = (prev?.excludedEvents ?? 0) + Int64(reading.sink.excluded)
        record.inferredInstants = (prev?.inferredInstants ?? 0) + Int64(reading.sink.inferred)
        record.duplicateEvents = (prev?.duplicateEvents ?? 0) + Int64(reading.keyed.duplicates)
        record.firstEventMs = [prev?.firstEventMs, reading.sink.firstMs].compactMap { $0 }.min()
        record.lastEventMs = [prev?.lastEventMs, reading.sink.lastMs].compactMap { $0 }.max()
        // Offsets for the next run. A last line without a newline that parsed is consumed. One
        // that did not parse is a line a writer is still busy with: it is neither counted nor
        // consumed, so the next run reads it whole.
        record.byteOffset = result.consumedRawOffset
        record.decodedOffset = result.consumedDecodedOffset
        if result.unterminatedTail {
            if reading.lastLineParsed {
                if result.compression == .none {
                    record.byteOffset = options.startOffset + result.bytesRead
                    record.decodedOffset = record.byteOffset
                } else {
                    record.byteOffset = task.size
                    record.decodedOffset = result.bytesDecoded
                }
            } else if result.streamError == nil {
                malformed -= 1
                record.lines -= 1
                record.malformedLines -= 1
            }
        }
        var problems: [String] = []
        if let e = result.streamError { problems.append(e) }
        if result.oversizedLines > 0 { problems.append("\(result.oversizedLines) line(s) longer than --max-line-bytes skipped") }
        if malformed > 0 { problems.append("\(malformed) malformed line(s) skipped") }
        // The status covers the whole file: counts are cumulative; a stream error is this read's
        // (a compressed file cut short that was completed since is read to its end now, so an
        // earlier "ends inside a member" no longer holds).
        if record.malformedLines > 0 || record.oversizedLines > 0 || result.streamError != nil {
            record.status = .partial
            if problems.isEmpty {
                if record.oversizedLines > 0 { problems.append("\(record.oversizedLines) line(s) longer than --max-line-bytes skipped") }
                if record.malformedLines > 0 { problems.append("\(record.malformedLines) malformed line(s) skipped") }
            }
        } else {
            record.status = .ok
        }
        record.error = problems.joined(separator: "; ")
    }
}

/// The per-line state of reading one file: the decoder, the event sink and the keyed calls.
struct FileReading {
    var decoder: any LogDecoder
    var sink = EventSink()
    var keyed: KeyedCalls
    var aggregator: EventAggregator<PricerCoster>
    var batch = EventBatch()
    var sinceDrain = 0
    var lastLineParsed = true

    init(format: LogFormat, path: String, owner: UInt32, firstLine: Int, aggregator: EventAggregator<PricerCoster>, index: ClaimIndex) {
        decoder = format.makeDecoder(context: DecoderContext(path: path))
        keyed = KeyedCalls(index: index, owner: owner, firstLine: firstLine)
        self.aggregator = aggregator
    }

    mutating func line(_ line: UnsafeRawBufferPointer, number: Int) {
        switch FileSource.decode(line, number: number, decoder: &decoder, into: &batch) {
        case .decoded: lastLineParsed = true
        case .undecodable:
            sink.malformed += 1
            lastLineParsed = true
        case .notJSON:
            sink.malformed += 1
            lastLineParsed = false
        }
        sinceDrain += 1
        if sinceDrain >= FileDecoder.drainEvery {
            drain()
            sinceDrain = 0
        }
    }

    mutating func finish() {
        decoder.finish(into: &batch)
        drain()
        keyed.flush(all: true, into: &aggregator)
    }

    mutating func drain() {
        sink.drain(&batch, keyed: &keyed, aggregator: &aggregator)
        batch.removeAll()
    }
}

/// Bounds checks and counts of decoded events on their way into the aggregator.
struct EventSink {
    var malformed = 0
    var events = 0
    var excluded = 0
    /// Records whose instant was taken from the nearest earlier timestamped record.
    var inferred = 0
    var firstMs: Int64? = nil
    var lastMs: Int64? = nil

    mutating func seen(_ ms: Int64) {
        firstMs = min(firstMs ?? ms, ms)
        lastMs = max(lastMs ?? ms, ms)
    }

    /// True for an instant within `EventBounds.instants` (then seen); otherwise the event is
    /// counted as a malformed line instead.
    mutating func accepts(_ ms: Int64) -> Bool {
        guard EventBounds.instants.contains(ms) else {
            malformed += 1
            events -= 1
            return false
        }
        seen(ms)
        return true
    }

    mutating func drain(_ batch: inout EventBatch, keyed: inout KeyedCalls, aggregator: inout EventAggregator<PricerCoster>) {
        excluded += batch.excluded
        inferred += batch.inferredInstants
        events += batch.eventCount
        for i in batch.llmCalls.indices {
            var call = batch.llmCalls[i]
            call.latencyMs = EventBounds.duration(call.latencyMs)
            call.ttftMs = EventBounds.duration(call.ttftMs)
            // Defence in depth: a call whose numbers no real log carries is a malformed record,
            // never a sum that overflows or a day in the year 3170843.
            guard EventBounds.plausible(call) else {
                malformed += 1
                events -= 1
                continue
            }
            seen(call.instantMs)
            if call.dedup != nil {
                let line = i < batch.llmCallLines.count ? batch.llmCallLines[i] : 0
                keyed.add(call, line: line, into: &aggregator)
            } else {
                aggregator.add(call)
            }
        }
        for var t in batch.toolCalls where accepts(t.instantMs) {
            t.durationMs = EventBounds.duration(t.durationMs)
            if t.dedup != nil {
                keyed.add(t, into: &aggregator)
            } else {
                aggregator.add(t)
            }
        }
        for p in batch.permissions where accepts(p.instantMs) {
            if p.dedup != nil {
                keyed.add(p, into: &aggregator)
            } else {
                aggregator.add(p)
            }
        }
    }
}

/// A keyed event: one that may be a copy of a record of another file.
protocol _KeyedEvent {
    var dedup: DedupClaim? { get }
    var instantMs: Int64 { get }
}

extension LLMCall: _KeyedEvent {}
extension ToolCall: _KeyedEvent {}
extension PermissionDecision: _KeyedEvent {}

/// Keyed events of one kind waiting, in line order, to be offered to the `ClaimIndex`.
///
/// Within the file the same rule as across files applies as records arrive (the higher rank
/// wins, ties keep the earlier line), so repeated lines cost one pending entry.
struct _KeyedQueue<Event: _KeyedEvent> {
    let kind: ClaimEntry.Kind
    var pending: [Event] = []
    var lines: [UInt32] = []
    var slot: [DedupKey: Int] = [:]

    init(kind: ClaimEntry.Kind) { self.kind = kind }

    /// Queues `event` (keyed) from `line`. - Returns: false when an earlier line of the file has
    /// the same key (a duplicate within the file; the better of the two stays queued).
    mutating func add(_ event: Event, line: UInt32) -> Bool {
        let claim = event.dedup!
        if let at = slot[claim.key] {
            if claim.rank > pending[at].dedup!.rank {
                pending[at] = event
                lines[at] = line
            }
            return false
        }
        slot[claim.key] = pending.count
        pending.append(event)
        lines.append(line)
        return true
    }

    /// Offers the queued events (all, or the oldest half) to `index` and calls `body` with each
    /// and whether it counts, in line order. Entries to remember are appended to `remember`.
    /// Offers the pending events (all, or the oldest half) to `index`; `body(event, wins)` for
    /// each. Returns how many lost to another record and the newest instant among the winners.
    mutating func flush(
        all: Bool, index: ClaimIndex, owner: UInt32, remember: inout [(DedupKey, ClaimEntry)],
        _ body: (Event, Bool) -> Void
    ) -> (lost: Int, newestWon: Int64) {
        let n = all ? pending.count : pending.count / 2
        guard n > 0 else { return (0, .min) }
        var offers: [ClaimIndex.Offer] = []
        offers.reserveCapacity(n)
        for i in 0..<n { offers.append(ClaimIndex.Offer(claim: pending[i].dedup!, line: lines[i], kind: kind)) }
        let wins = index.decide(offers, owner: owner, remember: &remember)
        var lost = 0
        var newest = Int64.min
        for i in 0..<n {
            body(pending[i], wins[i])
            if wins[i] { newest = max(newest, pending[i].instantMs) } else { lost += 1 }
        }
        pending.removeFirst(n)
        lines.removeFirst(n)
        slot.removeAll(keepingCapacity: true)
        for (i, e) in pending.enumerated() { slot[e.dedup!.key] = i }
        return (lost, newest)
    }
}

/// Keyed events of one file on their way through de-duplication: llm calls, tool calls and
/// permission decisions, each kind with its own keys (`ClaimEntry.Kind`).
///
/// Pending events are offered to the `ClaimIndex` at the end of the file, or the oldest half of
/// a kind when more than `maxPending` wait (memory stays bounded on a file of millions of
/// requests; a later, better copy of an event already offered then makes the file read itself
/// again, through the index). A tool call another record counts is handed to the aggregator as a
/// duplicate (`EventAggregator.addDuplicate`) for retry detection.
struct KeyedCalls {
    let index: ClaimIndex
    let owner: UInt32
    /// Lines read by earlier runs (an appended tail continues the count).
    let firstLine: Int
    static let maxPending = 65_536

    var calls = _KeyedQueue<LLMCall>(kind: .call)
    var tools = _KeyedQueue<ToolCall>(kind: .toolCall)
    var permissions = _KeyedQueue<PermissionDecision>(kind: .permission)
    var duplicates = 0
    var remember: [(DedupKey, ClaimEntry)] = []
    var maxInstantMs: Int64 = 0

    init(index: ClaimIndex, owner: UInt32, firstLine: Int) {
        self.index = index
        self.owner = owner
        self.firstLine = firstLine
    }

    private func fileLine(_ line: Int) -> UInt32 { UInt32(clamping: firstLine + line) }

    mutating func add(_ call: LLMCall, line: Int, into aggregator: inout EventAggregator<PricerCoster>) {
        if !calls.add(call, line: fileLine(line)) { duplicates += 1 }
        if calls.pending.count > Self.maxPending { flushCalls(all: false, into: &aggregator) }
    }

    mutating func add(_ tool: ToolCall, into aggregator: inout EventAggregator<PricerCoster>) {
        if !tools.add(tool, line: fileLine(tool.line)) { duplicates += 1 }
        if tools.pending.count > Self.maxPending { flushTools(all: false, into: &aggregator) }
    }

    mutating func add(_ p: PermissionDecision, into aggregator: inout EventAggregator<PricerCoster>) {
        if !permissions.add(p, line: fileLine(p.line)) { duplicates += 1 }
        if permissions.pending.count > Self.maxPending { flushPermissions(all: false, into: &aggregator) }
    }

    /// Offers pending events (all, or the oldest half of each kind) and aggregates the winners.
    mutating func flush(all: Bool, into aggregator: inout EventAggregator<PricerCoster>) {
        flushCalls(all: all, into: &aggregator)
        flushTools(all: all, into: &aggregator)
        flushPermissions(all: all, into: &aggregator)
    }

    private mutating func flushCalls(all: Bool, into aggregator: inout EventAggregator<PricerCoster>) {
        count(calls.flush(all: all, index: index, owner: owner, remember: &remember) { c, wins in
            if wins { aggregator.add(c) }
        })
    }

    /// A tool call another record counts still feeds retry detection.
    private mutating func flushTools(all: Bool, into aggregator: inout EventAggregator<PricerCoster>) {
        count(tools.flush(all: all, index: index, owner: owner, remember: &remember) { t, wins in
            if wins { aggregator.add(t) } else { aggregator.addDuplicate(t) }
        })
    }

    private mutating func flushPermissions(all: Bool, into aggregator: inout EventAggregator<PricerCoster>) {
        count(permissions.flush(all: all, index: index, owner: owner, remember: &remember) { p, wins in
            if wins { aggregator.add(p) }
        })
    }

    private mutating func count(_ r: (lost: Int, newestWon: Int64)) {
        duplicates += r.lost
        maxInstantMs = max(maxInstantMs, r.newestWon)
    }
}

/// Bounds no real record exceeds; events outside them are counted as malformed lines.
enum EventBounds {
    /// 1970-01-01 ..< 2200-01-01 UTC, in ms.
    static let instants: Range<Int64> = 0..<7_258_118_400_000
    /// 0 ... 2^40 tokens in any bucket (about 1.1e12: far above any single request).
    static let tokens: ClosedRange<Int64> = 0...(1 << 40)

    /// A duration (ms) kept only when finite and within 0 ... 30 days.
    static func duration(_ ms: Double?) -> Double? {
        guard let ms, ms.isFinite, ms >= 0, ms <= 2_592_000_000 else { return nil }
        return ms
    }

    static func plausible(_ c: LLMCall) -> Bool {
        instants.contains(c.instantMs) && tokens.contains(c.cacheReadTokens) && tokens.contains(c.inputTokens)
            && tokens.contains(c.cacheWrite5mTokens) && tokens.contains(c.cacheWrite1hTokens)
            && tokens.contains(c.outputTokens) && tokens.contains(c.reasoningTokens)
            && (c.loggedCostUSD.map { $0.isFinite && $0 >= 0 && $0 < 1e9 } ?? true)
    }
}

/// How `run` (and `inspect`) opens one file: the format detected from its first lines (or
/// forced), its compression, and whether it is one JSON document read as its records
/// (`JSONDocumentFile`) rather than JSON lines.
public struct FileSource {
    public let path: String
    /// Nil when no decoder recognizes the file.
    public let format: LogFormat?
    public let compression: Compression
    /// Set when the file is one JSON document (a pretty-printed export, an array of records).
    let document: JSONDocumentFile?

    /// - Parameter documents: whether a one-document file is read as its records (not for an
    ///   append, which continues JSON lines).
    /// - Throws: `IngestError` when the file cannot be read.
    public init(path: String, forced: LogFormat?, maxLineBytes: Int, documents: Bool = true) throws(IngestError) {
        self.path = path
        let (f, compression) = try FormatDetector.detect(path: path, forced: forced)
        self.compression = compression
        // One JSON document rather than JSON lines: read as its records within --max-line-bytes.
        if documents, JSONDocumentFile.mayBe(path: path),
            let d = try? JSONDocumentFile(path: path, maxBytes: maxLineBytes), let df = forced ?? d.format
        {
            document = d
            format = df
        } else {
            document = nil
            format = f
        }
    }

    /// True when the file is one JSON document read as its records.
    public var isDocument: Bool { document != nil }

    /// Calls `body(line, number, offset)` for each record line (each record of a document).
    /// - Throws: `IngestError` when the file cannot be opened.
    public func read(options: LineReaderOptions, _ body: (UnsafeRawBufferPointer, Int, Int64) -> Bool) throws(IngestError) -> LineReaderResult {
        if let document { return document.read(body) }
        return try LineReader.read(path: path, options: options, body: body)
    }

    /// What became of one line.
    public enum LineOutcome { case decoded, undecodable, notJSON }

    /// Parses one line and gives it to `decoder` (the same step for `run` and `inspect`).
    @inline(__always)
    public static func decode(_ line: UnsafeRawBufferPointer, number: Int, decoder: inout any LogDecoder, into batch: inout EventBatch) -> LineOutcome {
        switch JSONDocument.parse(line) {
        case .success(let root):
            return decoder.decode(root, line: number, into: &batch) == .undecodable ? .undecodable : .decoded
        case .failure:
            return .notJSON
        }
    }
}
