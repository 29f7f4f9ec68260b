import Ingest

/// What decoding one file produced before cross-file de-duplication.
struct DecodedFile: Sendable {
    var record: IngestFileRecord
    var fileIndex: Int
    var aggregator: EventAggregator<PricerCoster>
    /// Keyed calls (each has a `dedup` claim), in line order, already de-duplicated within the
    /// file; cross-file resolution happens once every file is decoded.
    var pending: [LLMCall]
    /// Bytes read from disk by this run (the record's `bytesRead` is the file's total over runs).
    var runBytesRead: Int64
}

/// How to read one file this run.
struct FileTask: Sendable {
    enum Mode: Sendable {
        /// Read from the start; `replace` drops the file's previous contribution first.
        case full(replace: Bool)
        /// Read only what was appended since `previous` (stateless formats only).
        case append(previous: IngestFileRecord)
    }

    var path: String
    var fileIndex: Int
    var size: Int64
    var mtimeNs: Int64
    var fingerprint: UInt64
    var fingerprintLength: Int64
    var mode: Mode
}

/// Decodes one file into a partial aggregate (everything but keyed calls) and pending keyed calls.
struct FileDecoder {
    var plan: RunPlan

    /// Number of lines decoded between two drains of the event batch.
    static let drainEvery = 4096

    func decode(_ task: FileTask, previous: IngestFileRecord?) -> DecodedFile {
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
        do {
            let (f, compression) = try FormatDetector.detect(path: task.path, forced: plan.format)
            record.compression = compression.rawValue
            format = f ?? (baseline.flatMap { LogFormat(rawValue: $0.format) })
        } catch {
            record.status = .failed
            record.error = error.description
            return DecodedFile(record: record, fileIndex: task.fileIndex, aggregator: makeAggregator(source: ""), pending: [], runBytesRead: 0)
        }
        // One JSON document rather than JSON lines (a pretty-printed export, an array of records):
        // read as its records within --max-line-bytes (Ingest's JSONDocumentFile).
        var document: JSONDocumentFile? = nil
        if baseline == nil, JSONDocumentFile.mayBe(path: task.path),
            let d = try? JSONDocumentFile(path: task.path, maxBytes: plan.maxLineBytes), let f = plan.format ?? d.format
        {
            document = d
            format = f
            record.fingerprintLength = 0  // a changed document is read again whole, never as an append
        }
        guard let format else {
            // Read it through once anyway: the counts show what is there, and a damaged
            // compressed stream with no complete line before the damage is named as such.
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
            return DecodedFile(record: record, fileIndex: task.fileIndex, aggregator: makeAggregator(source: ""), pending: [], runBytesRead: scan?.bytesRead ?? 0)
        }
        record.format = format.rawValue
        var decoder = format.makeDecoder(context: DecoderContext(path: task.path))
        var aggregator = makeAggregator(source: format.rawValue)
        var pending: [LLMCall] = []
        // Within-file de-duplication as records arrive (the same rule as across files: the higher
        // rank wins, ties keep the earlier line), so repeated lines never pile up in memory.
        var pendingIndex: [DedupKey: Int] = [:]
        var localDuplicates = 0
        var batch = EventBatch()
        var malformed = 0
        var events = 0
        var excluded = 0
        var inferred = 0
        var firstMs: Int64? = nil
        var lastMs: Int64? = nil
        var sinceDrain = 0
        var lastLineParsed = true

        func drain() {
            excluded += batch.excluded
            inferred += batch.inferredInstants
            events += batch.eventCount
            for var call in batch.llmCalls {
                call.latencyMs = EventBounds.duration(call.latencyMs)
                call.ttftMs = EventBounds.duration(call.ttftMs)
                // Defence in depth: a call whose numbers no real log carries is a malformed record,
                // never a sum that overflows or a day in the year 3170843.
                guard EventBounds.plausible(call) else {
                    malformed += 1
                    events -= 1
                    continue
                }
                firstMs = min(firstMs ?? call.instantMs, call.instantMs)
                lastMs = max(lastMs ?? call.instantMs, call.instantMs)
                if let claim = call.dedup {
                    if let at = pendingIndex[claim.key] {
                        localDuplicates += 1
                        if claim.rank > pending[at].dedup!.rank { pending[at] = call }
                    } else {
                        pendingIndex[claim.key] = pending.count
                        pending.append(call)
                    }
                } else {
                    aggregator.add(call)
                }
            }
            for var t in batch.toolCalls {
                t.durationMs = EventBounds.duration(t.durationMs)
                guard EventBounds.instants.contains(t.instantMs) else {
                    malformed += 1
                    events -= 1
                    continue
                }
                firstMs = min(firstMs ?? t.instantMs, t.instantMs)
                lastMs = max(lastMs ?? t.instantMs, t.instantMs)
                aggregator.add(t)
            }
            for p in batch.permissions {
                guard EventBounds.instants.contains(p.instantMs) else {
                    malformed += 1
                    events -= 1
                    continue
                }
                firstMs = min(firstMs ?? p.instantMs, p.instantMs)
                lastMs = max(lastMs ?? p.instantMs, p.instantMs)
                aggregator.add(p)
            }
            batch.removeAll()
        }

        let result: LineReaderResult
        func onLine(_ line: UnsafeRawBufferPointer, _ number: Int, _: Int64) -> Bool {
                switch JSONDocument.parse(line) {
                case .success(let root):
                    let disposition = decoder.decode(root, line: number, into: &batch)
                    if disposition == .undecodable { malformed += 1 }
                    lastLineParsed = true
                case .failure:
                    malformed += 1
                    lastLineParsed = false
                }
                sinceDrain += 1
                if sinceDrain >= Self.drainEvery {
                    drain()
                    sinceDrain = 0
                }
                return true
        }
        do {
            if let document { result = document.read(onLine) } else {
                result = try LineReader.read(path: task.path, options: options, body: onLine)
            }
        } catch {
            record.status = .failed
            record.error = error.description
            return DecodedFile(record: record, fileIndex: task.fileIndex, aggregator: makeAggregator(source: format.rawValue), pending: [], runBytesRead: 0)
        }
        decoder.finish(into: &batch)
        drain()

        let prev = baseline
        record.bytesRead = (prev?.bytesRead ?? 0) + result.bytesRead
        record.bytesDecoded = (prev?.bytesDecoded ?? 0) + result.bytesDecoded
        record.lines = (prev?.lines ?? 0) + Int64(result.lines)
        record.oversizedLines = (prev?.oversizedLines ?? 0) + Int64(result.oversizedLines)
        record.malformedLines = (prev?.malformedLines ?? 0) + Int64(malformed)
        record.events = (prev?.events ?? 0) + Int64(events)
        record.excludedEvents = (prev?.excludedEvents ?? 0) + Int64(excluded)
        record.inferredInstants = (prev?.inferredInstants ?? 0) + Int64(inferred)
        record.duplicateEvents = (prev?.duplicateEvents ?? 0) + Int64(localDuplicates)
        record.firstEventMs = [prev?.firstEventMs, firstMs].compactMap { $0 }.min()
        record.lastEventMs = [prev?.lastEventMs, lastMs].compactMap { $0 }.max()
        // Offsets for the next run. A last line without a newline that parsed is consumed. One
        // that did not parse is a line a writer is still busy with: it is neither counted nor
        // consumed, so the next run reads it whole.
        record.byteOffset = result.consumedRawOffset
        record.decodedOffset = result.consumedDecodedOffset
        if result.unterminatedTail {
            if lastLineParsed {
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
        if record.malformedLines > 0 || record.oversizedLines > 0 || result.streamError != nil || prev?.status == .partial {
            record.status = .partial
            if problems.isEmpty, let prevError = prev?.error { problems.append(prevError) }
        } else {
            record.status = .ok
        }
        record.error = problems.joined(separator: "; ")
        return DecodedFile(record: record, fileIndex: task.fileIndex, aggregator: aggregator, pending: pending, runBytesRead: result.bytesRead)
    }

    func makeAggregator(source: String) -> EventAggregator<PricerCoster> {
        EventAggregator(source: source, calendar: plan.calendar, coster: plan.coster)
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
        instants.contains(c.instantMs) && tokens.contains(c.inputTokens) && tokens.contains(c.cacheReadTokens)
            && tokens.contains(c.cacheWrite5mTokens) && tokens.contains(c.cacheWrite1hTokens)
            && tokens.contains(c.outputTokens) && tokens.contains(c.reasoningTokens)
            && (c.loggedCostUSD.map { $0.isFinite && $0 >= 0 && $0 < 1e9 } ?? true)
    }
}
