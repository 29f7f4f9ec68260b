import Analyze
import Engine
import Foundation
import Ingest

/// Renders `factorylog inspect`: detected format and compression, then the first events.
enum InspectText {
    struct Rendered {
        var text: String
        var recognized: Bool
        /// The same as one JSON object (docs/json.md, "inspect").
        var json: JSONOut = .null
    }

    static let schema = "factorylog.inspect/1"

    /// The JSON object of an inspection: `status` is `recognized`, `empty`, `damaged`, `unknown`
    /// or `unreadable`.
    static func json(path: String, compression: String?, document: Bool, format: String?, forced: Bool, status: String,
                     message: String?, events: [JSONOut] = [], linesRead: Int = 0, malformed: Int = 0) -> JSONOut {
        .object([
            ("schema", .string(schema)),
            ("file", .string(path)),
            ("compression", .optional(compression)),
            ("document", .bool(document)),
            ("format", .optional(format)),
            ("format_forced", .bool(forced)),
            ("status", .string(status)),
            ("message", .optional(message)),
            ("lines_read", .int(Int64(linesRead))),
            ("malformed_lines", .int(Int64(malformed))),
            ("events", .array(events)),
        ])
    }

    static func render(path: String, format forced: LogFormat?, limit: Int, maxLineBytes: Int = 64 << 20) throws -> Rendered {
        if forced == nil, let metrics = InspectMetricsText.render(path: path, limit: limit) { return metrics }  // issue 17
        var lines: [String] = []
        let source: FileSource
        do {
            source = try FileSource(path: path, forced: forced, maxLineBytes: maxLineBytes)
        } catch {
            return Rendered(text: "\(path): \(error)", recognized: false,
                            json: json(path: path, compression: nil, document: false, format: nil, forced: forced != nil, status: "unreadable", message: "\(error)"))
        }
        lines.append("file:        \(path)")
        lines.append("compression: \(source.compression.rawValue)\(source.isDocument ? " (one JSON document, read as its records)" : "")")
        guard let format = source.format else {
            // As `run` says it: an empty file is fine, a damaged stream is named, else unknown.
            var options = LineReaderOptions()
            options.maxLineBytes = maxLineBytes
            let scan = try? source.read(options: options) { _, _, _ in true }
            func result(_ status: String, _ message: String, recognized: Bool) -> Rendered {
                Rendered(text: lines.joined(separator: "\n"), recognized: recognized,
                         json: json(path: path, compression: source.compression.rawValue, document: source.isDocument, format: nil,
                                    forced: forced != nil, status: status, message: message, linesRead: scan?.lines ?? 0))
            }
            if let scan, scan.lines == 0, scan.streamError == nil {
                lines.append("format:      none yet (the file holds no line: `run` reports it ok with 0 lines)")
                return result("empty", "the file holds no line: `run` reports it ok with 0 lines", recognized: true)
            }
            if let damage = scan?.streamError {
                let m = "damaged \(source.compression.rawValue) stream with no complete line before the damage: \(damage)"
                lines.append("format:      unknown: " + m)
                return result("damaged", m, recognized: false)
            }
            lines.append("format:      unknown (no decoder recognizes the first \(FormatDetector.maxLines) lines; try --format)")
            return result("unknown", "no decoder recognizes the first \(FormatDetector.maxLines) lines; try --format", recognized: false)
        }
        lines.append("format:      \(format.rawValue)\(forced == nil ? " (detected)" : " (forced)")")
        var decoder: any LogDecoder = format.makeDecoder(context: DecoderContext(path: path))
        var batch = EventBatch()
        var shown = 0
        var malformed = 0
        var read = 0
        var events: [JSONOut] = []
        func flush() {
            for c in batch.llmCalls where shown < limit {
                shown += 1
                events.append(.object([
                    ("kind", .string("llm_call")), ("instant", .string(iso(c.instantMs))), ("model", .string(c.model)),
                    ("provider", .string(c.provider)), ("team", .string(c.team)), ("principal", .string(c.principal)),
                    ("input_tokens", .int(c.inputTokens)), ("cache_read_tokens", .int(c.cacheReadTokens)),
                    ("cache_write_5m_tokens", .int(c.cacheWrite5mTokens)), ("cache_write_1h_tokens", .int(c.cacheWrite1hTokens)),
                    ("output_tokens", .int(c.outputTokens)), ("reasoning_tokens", .int(c.reasoningTokens)),
                    ("outcome", .string(c.outcome.name)), ("latency_ms", .optional(c.latencyMs)),
                    ("ttft_ms", .optional(c.ttftMs)), ("logged_cost_usd", .optional(c.loggedCostUSD)),
                    ("keyed", .bool(c.dedup != nil)),
                ]))
                lines.append("llm_call   \(iso(c.instantMs)) model=\(c.model) provider=\(c.provider) team=\(c.team) principal=\(c.principal) input=\(c.inputTokens) cache_read=\(c.cacheReadTokens) cache_write_5m=\(c.cacheWrite5mTokens) cache_write_1h=\(c.cacheWrite1hTokens) output=\(c.outputTokens) reasoning=\(c.reasoningTokens) outcome=\(c.outcome.name)\(c.latencyMs.map { " latency_ms=\($0)" } ?? "")\(c.ttftMs.map { " ttft_ms=\($0)" } ?? "")\(c.loggedCostUSD.map { " logged_cost_usd=\($0)" } ?? "")\(c.dedup == nil ? "" : " keyed")")
            }
            for t in batch.toolCalls where shown < limit {
                shown += 1
                events.append(.object([
                    ("kind", .string("tool_call")), ("instant", .string(iso(t.instantMs))), ("tool", .string(t.tool)),
                    ("principal", .string(t.principal)), ("outcome", .string(t.outcome.name)),
                    ("duration_ms", .optional(t.durationMs)),
                ]))
                lines.append("tool_call  \(iso(t.instantMs)) tool=\(t.tool) principal=\(t.principal) outcome=\(t.outcome.name)\(t.durationMs.map { " duration_ms=\($0)" } ?? "")")
            }
            for p in batch.permissions where shown < limit {
                shown += 1
                events.append(.object([
                    ("kind", .string("permission")), ("instant", .string(iso(p.instantMs))), ("subject", .string(p.subject)),
                    ("reason", .string(p.reason.rawValue)), ("principal", .string(p.principal)),
                ]))
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
        return Rendered(text: lines.joined(separator: "\n"), recognized: true,
                        json: json(path: path, compression: source.compression.rawValue, document: source.isDocument, format: format.rawValue,
                                   forced: forced != nil, status: "recognized", message: nil, events: events, linesRead: read, malformed: malformed))
    }

    static func iso(_ ms: Int64) -> String {
        let d = Timestamps.civilFromDays(Int((ms >= 0 ? ms : ms - 86_399_999) / 86_400_000))
        let msOfDay = ((ms % 86_400_000) + 86_400_000) % 86_400_000
        let h = msOfDay / 3_600_000, m = (msOfDay / 60_000) % 60, s = (msOfDay / 1000) % 60, f = msOfDay % 1000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, h, m, s, f)
    }
}
