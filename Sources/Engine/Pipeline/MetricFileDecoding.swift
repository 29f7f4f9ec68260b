import Analyze
import Ingest

/// Reading one metric file (GPU energy, server tokens: issue 17): the decoder is fed the file's
/// decoded bytes chunk by chunk and its samples go through `EnergyAccumulator` every
/// `drainSamples`, so memory holds the series' state, never the samples.
///
/// The ledger row counts: `lines` = records (lines of a line format, samples of a JSON export),
/// `events` = samples used, `malformed_lines` = unreadable records, `duplicate_events` =
/// duplicate and out-of-order samples, `excluded_events` = samples of metrics this tool does not
/// read. A metric file is always read again whole when it changes (never as an append: the
/// series' previous samples are needed).
extension FileDecoder {
    static let drainSamples = 65_536

    func decodeMetrics(_ task: FileTask, _ r: IngestFileRecord, format: MetricFormat, compression: Compression) -> DecodedFile {
        var record = r
        record.format = format.rawValue
        record.compression = compression.rawValue
        record.fingerprintLength = 0  // read again whole when it changes
        var decoder = format.makeDecoder()
        var batch = MetricBatch()
        var acc = EnergyAccumulator(calendar: plan.calendar)
        let result: ChunkReaderResult
        do {
            result = try ChunkReader.read(path: task.path) { chunk in
                decoder.feed(chunk, into: &batch)
                if batch.samples.count >= Self.drainSamples {
                    acc.add(batch)
                    batch.samples.removeAll(keepingCapacity: true)
                }
                return true
            }
        } catch {
            record.status = .failed
            record.error = error.description
            return DecodedFile(task: task, record: record, aggregates: Aggregates(), claims: [], claimsMaxInstantMs: 0, runBytesRead: 0)
        }
        decoder.finish(into: &batch)
        acc.add(batch)
        batch.samples.removeAll()
        let energy = acc.finish()
        record.bytesRead = result.bytesRead
        record.bytesDecoded = result.bytesDecoded
        record.lines = Int64(batch.records)
        record.events = acc.used
        let malformed = batch.malformed + Int(acc.malformed)
        record.malformedLines = Int64(malformed)
        record.duplicateEvents = acc.dropped
        record.excludedEvents = Int64(batch.ignoredSamples)
        record.firstEventMs = acc.firstMs
        record.lastEventMs = acc.lastMs
        record.byteOffset = task.size
        record.decodedOffset = result.bytesDecoded
        var problems: [String] = []
        if let e = result.streamError { problems.append(e) }
        if let e = batch.structureError { problems.append(e) }
        if malformed > 0 { problems.append("\(malformed) malformed record(s) skipped") }
        record.status = problems.isEmpty ? .ok : .partial
        if batch.records == 0 && batch.structureError != nil && result.streamError == nil {
            record.status = .failed
        }
        record.error = problems.joined(separator: "; ")
        var d = DecodedFile(
            task: task, record: record, aggregates: Aggregates(), claims: [], claimsMaxInstantMs: 0,
            runBytesRead: result.bytesRead)
        d.energy = energy
        return d
    }
}
