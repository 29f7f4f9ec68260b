import Analyze
import Engine
import Foundation
import Ingest

/// Renders `factorylog inspect`: detected format and compression, then the first events.
enum InspectText {
    struct Rendered {
        var text: String
        var recognized: Bool
    }

    static func render(path: String, format forced: LogFormat?, limit: Int, maxLineBytes: Int = 64 << 20) throws -> Rendered {
        if forced == nil, let metrics = InspectMetricsText.render(path: path, limit: limit) { return metrics }  // issue 17
        var lines: [String] = []
        let source: FileSource
        do {
            source = try FileSource(path: path, forced: forced, maxLineBytes: maxLineBytes)
        } catch {
            return Rendered(text: "\(path): \(error)", recognized: false)
        }
        lines.append("file:        \(path)")
        lines.append("compression: \(source.compression.rawValue)\(source.isDocument ? " (one JSON document, read as its records)" : "")")
        guard let format = source.format else {
            // As `run` says it: an empty file is fine, a damaged stream is named, else unknown.
            var options = LineReaderOptions()
            options.maxLineBytes = maxLineBytes
            let scan = try? source.read(options: options) { _, _, _ in true }
            if let scan, scan.lines == 0, scan.streamError == nil {
                lines.append("format:      none yet (the file holds no line: `run` reports it ok with 0 lines)")
                return Rendered(text: lines.joined(separator: "\n"), recognized: true)
            }
            if let damage = scan?.streamError {
                lines.append("format:      unknown: damaged \(source.compression.rawValue) stream with no complete line before the damage: \(damage)")
            } else {
                lines.append("format:      unknown (no decoder recognizes the first \(FormatDetector.maxLines) lines; try --format)")
            }
            return Rendered(text: lines.joined(separator: "\n"), recognized: false)
        }
        lines.append("format:      \(format.rawValue)\(forced == nil ? " (detected)" : " (forced)")")
        var decoder: any LogDecoder = format.makeDecoder(context: DecoderContext(path: path))
        var batch = EventBatch()
        var shown = 0
        var malformed = 0
        var read = 0
        func flush() {
            for c in batch.llmCalls where shown < limit {
                shown += 1
                lines.append("llm_call   \(iso(c.instantMs)) model=\(c.model) provider=\(c.provider) team=\(c.team) principal=\(c.principal) input=\(c.inputTokens) cache_read=\(c.cacheReadTokens) cache_write_5m=\(c.cacheWrite5mTokens) cache_write_1h=\(c.cacheWrite1hTokens) output=\(c.outputTokens) reasoning=\(c.reasoningTokens) outcome=\(c.outcome.name)\(c.latencyMs.map { " latency_ms=\($0)" } ?? "")\(c.ttftMs.map { " ttft_ms=\($0)" } ?? "")\(c.loggedCostUSD.map { " logged_cost_usd=\($0)" } ?? "")\(c.dedup == nil ? "" : " keyed")")
            }
            for t in batch.toolCalls where shown < limit {
                shown += 1
                lines.append("tool_call  \(iso(t.instantMs)) tool=\(t.tool) principal=\(t.principal) outcome=\(t.outcome.name)\(t.durationMs.map { " duration_ms=\($0)" } ?? "")")
            }
            for p in batch.permissions where shown < limit {
                shown += 1
                lines.append("permission \(iso(p.instantMs)) subject=\(p.subject) reason=\(p.reason.rawValue) principal=\(p.principal)")
            }
            batch.removeAll()
        }
        var options = LineReaderOptions()
        options.maxLineBytes = maxLineBytes
        _ = try? source.read(options: options) { line, number, _ in
            read += 1
            if FileSource.decode(line, number: number, decoder: &decoder, into: &batch) != .decoded { malformed += 1 }
            flush()
            return shown < limit
        }
        if shown < limit {
            decoder.finish(into: &batch)
            flush()
        }
        lines.append("lines read:  \(read) (malformed: \(malformed)); events shown: \(shown)")
        return Rendered(text: lines.joined(separator: "\n"), recognized: true)
    }

    static func iso(_ ms: Int64) -> String {
        let d = Timestamps.civilFromDays(Int((ms >= 0 ? ms : ms - 86_399_999) / 86_400_000))
        let msOfDay = ((ms % 86_400_000) + 86_400_000) % 86_400_000
        let h = msOfDay / 3_600_000, m = (msOfDay / 60_000) % 60, s = (msOfDay / 1000) % 60, f = msOfDay % 1000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, h, m, s, f)
    }
}
