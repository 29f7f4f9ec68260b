import Foundation
import Testing

@testable import Ingest

/// Issue 10 item 4: detection skips lines it cannot decide on and falls back to the path.
@Suite("archives: format detection")
struct ArchivesDetectionTests {
    static let assistant = #"{"type":"assistant","timestamp":"2026-06-30T10:00:00.000Z","sessionId":"s","message":{"id":"m","role":"assistant","usage":{"input_tokens":1,"output_tokens":1}}}"#

    @Test("peekLines skips a line longer than maxLineBytes and gives the next ones")
    func peekSkipsOversized() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        // a 300-byte first line, then two short ones; lines of at most 100 bytes are held
        IOFixture.write(dir + "/p.jsonl", "{\"blob\":\"" + String(repeating: "x", count: 289) + "\"}\n{\"a\":1}\n{\"b\":2}\n")
        var got: [String] = []
        try LineReader.peekLines(path: dir + "/p.jsonl", maxLines: 10, maxBytes: 4096, maxLineBytes: 100) { line in
            got.append(String(decoding: line, as: UTF8.self))
            return true
        }
        #expect(got == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test("a first line longer than the detector holds, malformed and foreign lines are skipped")
    func skipsUndecidableLines() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        // FormatDetector.maxBytes + 10 bytes of snapshot, then garbage, a foreign line, a response
        let blob = String(repeating: "x", count: FormatDetector.maxBytes)
        let text = "{\"type\":\"file-history-snapshot\",\"messageId\":\"m\",\"b\":\"\(blob)\"}\nnot json {\n{\"foreign\":true}\n\(Self.assistant)\n"
        IOFixture.write(dir + "/t.jsonl", text)
        IOFixture.write(dir + "/t.jsonl.gz", IOFixture.gzip(Array(text.utf8), in: dir))
        #expect(try FormatDetector.detect(path: dir + "/t.jsonl", forced: nil) == (.claudeCode, Compression.none))
        #expect(try FormatDetector.detect(path: dir + "/t.jsonl.gz", forced: nil) == (.claudeCode, Compression.gzip))
    }

    @Test("the agents' folders decide when no line does; a deciding line wins over the folder")
    func pathHint() throws {
        #expect(FormatDetector.pathHint("/home/a/.claude/projects/-home-a-shop/s.jsonl") == .claudeCode)
        #expect(FormatDetector.pathHint(".claude/projects/x/s.jsonl") == .claudeCode)
        #expect(FormatDetector.pathHint("/home/a/.config/claude/projects/x/s.jsonl") == .claudeCode)
        #expect(FormatDetector.pathHint("/home/a/.codex/sessions/2026/01/02/rollout-x.jsonl") == .codex)
        #expect(FormatDetector.pathHint("/home/a/.codex/archived_sessions/rollout-x.jsonl") == .codex)
        #expect(FormatDetector.pathHint("/var/log/claude/projects.jsonl") == nil)
        #expect(FormatDetector.pathHint("/srv/x.claude/projects/s.jsonl") == nil)

        let root = IOFixture.tempDir()
        defer { IOFixture.remove(root) }
        let folder = root + "/.codex/sessions/2026/01/02"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // 70 foreign lines (more than the 64 looked at): only the path can tell
        let foreign = String(repeating: "{\"note\":1}\n", count: 70)
        IOFixture.write(folder + "/rollout-a.jsonl", foreign)
        IOFixture.write(root + "/rollout-a.jsonl", foreign)
        #expect(try FormatDetector.detect(path: folder + "/rollout-a.jsonl", forced: nil).0 == .codex)
        #expect(try FormatDetector.detect(path: root + "/rollout-a.jsonl", forced: nil).0 == nil)
        // a Claude Code line inside the Codex folder: the line decides
        IOFixture.write(folder + "/rollout-b.jsonl", Self.assistant + "\n")
        #expect(try FormatDetector.detect(path: folder + "/rollout-b.jsonl", forced: nil).0 == .claudeCode)
    }
}

/// Issue 10 item 5: a file that is one JSON document is read as its records.
@Suite("archives: JSON documents")
struct ArchivesJSONDocumentTests {
    @Test("a JSON array is read as its elements, a pretty-printed object as one record")
    func records() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let span = #"{"traceId":"AAAAAAAAAAAAAAAAAAAAAA==","spanId":"AAAAAAAAAAA=","name":"chat","startTimeUnixNano":"1753566780825000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}]}"#
        IOFixture.write(dir + "/a.json", "[\n  \(span),\n  {\"x\": 1},\n  \(span)\n]\n")
        IOFixture.write(dir + "/o.json", "{\n  \"resourceSpans\": [\n    {\"scopeSpans\": [{\"spans\": [\(span)]}]}\n  ]\n}\n")
        IOFixture.write(dir + "/o.json.zst", IOFixture.zstd(Array("{\n  \"resourceSpans\": []\n}\n".utf8), in: dir))
        IOFixture.write(dir + "/lines.jsonl", span + "\n" + span + "\n")
        #expect(JSONDocumentFile.mayBe(path: dir + "/a.json"))
        #expect(JSONDocumentFile.mayBe(path: dir + "/o.json"))
        #expect(!JSONDocumentFile.mayBe(path: dir + "/lines.jsonl"))  // its first line is a whole record

        let a = try #require(try JSONDocumentFile(path: dir + "/a.json", maxBytes: 1 << 20))
        #expect(a.count == 3 && a.format == .otel)
        var got: [String] = []
        let r = a.read { bytes, number, _ in
            got.append("\(number):" + String(decoding: bytes, as: UTF8.self))
            return true
        }
        #expect(got == ["1:" + span, "2:{\"x\": 1}", "3:" + span])
        #expect(r.lines == 3 && r.oversizedLines == 0 && r.streamError == nil)

        let o = try #require(try JSONDocumentFile(path: dir + "/o.json", maxBytes: 1 << 20))
        #expect(o.count == 1 && o.format == .otel)
        let z = try #require(try JSONDocumentFile(path: dir + "/o.json.zst", maxBytes: 1 << 20))
        #expect(z.count == 1 && z.compression == .zstd && z.format == .otel)

        // JSON lines are no document; a document above maxBytes is not read
        #expect(try JSONDocumentFile(path: dir + "/lines.jsonl", maxBytes: 1 << 20) == nil)
        #expect(try JSONDocumentFile(path: dir + "/o.json", maxBytes: 64) == nil)
    }
}
