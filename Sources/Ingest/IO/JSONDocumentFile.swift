/// A file that is one JSON document rather than JSON lines, read as its records.
///
/// Some exporters write a whole file as one document: a pretty-printed OTLP/JSON export
/// (`{"resourceSpans": [...]}` over many lines, `formats/GATEWAYS.md` §9: the collector's file
/// exporter writes one export per line, but exports saved from an SDK or a UI are indented), or
/// a JSON array of records (`[{...}, {...}]`, e.g. the Cline `ui_messages.json` arrays of
/// `formats/AGENTS.md` §6, or a gateway's log export). Such a file is read whole, decompressed,
/// within `maxBytes` (`--max-line-bytes`: the document is the "line"); its records are the
/// elements of a top-level array, or the top-level object itself.
///
/// A file whose first line is a bare `{` (or `[`) and that is not one JSON value may be a
/// **stream of concatenated JSON values**: the Gemini CLI telemetry outfile writes each OTel log
/// record, span and metric export as `JSON.stringify(data, null, 2)` plus a newline, one after the
/// other (`formats/AGENTS.md` §3.1). Its records are those values, split by bracket depth outside
/// strings (`concatenatedValues`); a value cut short at the end (a writer still busy) is the last
/// record and reads as malformed.
///
/// Only used for files whose lines could not be detected (`FormatDetector`): JSON lines never
/// take this path. The document is held in memory once (≤ `maxBytes`).
public final class JSONDocumentFile {
    /// The decoded bytes of the whole document.
    let bytes: [UInt8]
    /// Each record's byte range in `bytes`.
    let records: [Range<Int>]
    /// The reading that produced `bytes` (compression, byte counts, stream state).
    let scan: LineReaderResult
    /// The format the first records show (`FormatDetector.maxLines` of them), or nil.
    public let format: LogFormat?
    /// The number of records.
    public var count: Int { records.count }
    public var compression: Compression { scan.compression }

    /// True when the file may be one JSON document rather than JSON lines: its first non-blank
    /// line starts with `[`, or starts with `{` but is not a JSON value on its own (the first
    /// line of an indented object). A JSON-lines file's first line is a whole record (or a
    /// malformed one, for which the document attempt then fails and the lines are read).
    /// Looks at one line of at most `FormatDetector.maxBytes`.
    public static func mayBe(path: String) -> Bool {
        var maybe = false
        _ = try? LineReader.peekLines(path: path, maxLines: 1, maxBytes: FormatDetector.maxBytes) { line in
            var i = 0
            while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
            if line.count >= i + 3, line[i] == 0xEF, line[i + 1] == 0xBB, line[i + 2] == 0xBF { i += 3 }
            guard i < line.count else { return false }
            if line[i] == UInt8(ascii: "[") {
                maybe = true
            } else if line[i] == UInt8(ascii: "{"), case .failure = JSONDocument.parse(line) {
                maybe = true
            }
            return false
        }
        return maybe
    }

    /// Reads the file at `path` as one JSON document.
    ///
    /// - Returns: nil when it is not one: empty, its first non-blank byte is not `{` or `[`, it
    ///   does not parse as one JSON value (e.g. JSON lines, or text), or it is longer than
    ///   `maxBytes` decoded bytes.
    /// - Throws: `IngestError` as `LineReader.read`.
    public init?(path: String, maxBytes: Int) throws(IngestError) {
        var options = LineReaderOptions()
        options.maxLineBytes = max(maxBytes, 1)
        options.prefetch = false
        var buffer: [UInt8] = []
        var tooLong = false
        var first = true
        var notDocument = false
        var bareFirstLine = false
        let r = try LineReader.read(path: path, options: options) { line, _, _ in
            if first {
                first = false
                // a document starts with an object or an array
                var i = 0
                while i < line.count, line[i] == 0x20 || line[i] == 0x09 || line[i] == 0x0D { i += 1 }
                // skip a UTF-8 byte order mark
                if line.count >= i + 3, line[i] == 0xEF, line[i + 1] == 0xBB, line[i + 2] == 0xBF { i += 3 }
                guard i < line.count, line[i] == UInt8(ascii: "{") || line[i] == UInt8(ascii: "[") else {
                    notDocument = true
                    return false
                }
                var j = i + 1
                while j < line.count, line[j] == 0x20 || line[j] == 0x09 || line[j] == 0x0D { j += 1 }
                bareFirstLine = j == line.count
            }
            if buffer.count + line.count + 1 > maxBytes {
                tooLong = true
                return false
            }
            buffer.append(contentsOf: line)
            buffer.append(0x0A)
            return true
        }
        guard !notDocument, !tooLong, r.oversizedLines == 0, !buffer.isEmpty else { return nil }
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
            buffer.removeFirst(3)
        }
        var ranges: [Range<Int>] = []
        var detected: LogFormat? = nil
        let parsed: Bool = buffer.withUnsafeBytes { raw in
            let context = DecoderContext(path: path)
            // without a tape: ranges are collected before any record is parsed again
            guard case .success(let root) = JSONDocument.parseWithoutTape(raw) else {
                // not one value: a stream of concatenated pretty-printed values?
                guard bareFirstLine, let values = Self.concatenatedValues(raw) else { return false }
                for r in values {
                    ranges.append(r)
                    if detected == nil, ranges.count <= FormatDetector.maxLines,
                        case .success(let v) = JSONDocument.parseWithoutTape(UnsafeRawBufferPointer(rebasing: raw[r]))
                    {
                        detected = LogFormat.allCases.first { $0.detects(v, context: context) }
                    }
                }
                return true
            }
            func take(_ v: JSONValue) {
                ranges.append(v.start..<v.end)
                if detected == nil, ranges.count <= FormatDetector.maxLines {
                    detected = LogFormat.allCases.first { $0.detects(v, context: context) }
                }
            }
            switch root.kind {
            case .array:
                root.forEachElement { e in
                    take(e)
                    return true
                }
            case .object:
                take(root)
            default:
                return false
            }
            return true
        }
        guard parsed else { return nil }
        self.bytes = buffer
        self.records = ranges
        self.scan = r
        self.format = detected ?? FormatDetector.pathHint(path)
    }

    /// The byte ranges of the top-level values of a stream of concatenated JSON objects or arrays
    /// (whitespace between them), found by bracket depth outside strings (escapes skipped); the
    /// values themselves are not validated here (each is parsed when read). A last value cut
    /// short runs to the end. Nil when something other than whitespace, `{` or `[` starts a value,
    /// or when there are fewer than two values (one value is a document, or not JSON at all).
    /// - Complexity: O(bytes), one pass; no recursion, so any depth.
    static func concatenatedValues(_ raw: UnsafeRawBufferPointer) -> [Range<Int>]? {
        let n = raw.count
        var out: [Range<Int>] = []
        var i = 0
        while true {
            while i < n, raw[i] == 0x20 || raw[i] == 0x0A || raw[i] == 0x0D || raw[i] == 0x09 { i += 1 }
            if i == n { break }
            guard raw[i] == UInt8(ascii: "{") || raw[i] == UInt8(ascii: "[") else { return nil }
            let start = i
            var depth = 0
            var inString = false
            var closed = false
            while i < n {
                let c = raw[i]
                if inString {
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    if c == UInt8(ascii: "\"") { inString = false }
                } else if c == UInt8(ascii: "\"") {
                    inString = true
                } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    depth += 1
                } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        closed = true
                        break
                    }
                }
                i += 1
            }
            out.append(start..<min(i, n))
            if !closed { break }
        }
        return out.count >= 2 ? out : nil
    }

    /// Hands each record to `body` like `LineReader.read` hands lines: its bytes (borrowed), its
    /// 1-based number and the decoded offset just past it; `body` returns false to stop.
    /// - Returns: the reading's counts with `lines` = the records given; a document is consumed
    ///   whole (a changed document is read again from its start).
    public func read(_ body: (UnsafeRawBufferPointer, Int, Int64) -> Bool) -> LineReaderResult {
        var r = scan
        r.lines = 0
        r.oversizedLines = 0
        r.unterminatedTail = false
        r.stoppedEarly = false
        bytes.withUnsafeBytes { raw in
            for (i, range) in records.enumerated() {
                r.lines += 1
                if !body(UnsafeRawBufferPointer(rebasing: raw[range]), i + 1, Int64(range.upperBound)) {
                    r.stoppedEarly = true
                    break
                }
            }
        }
        return r
    }
}
