import Foundation
import Testing

@testable import Ingest

/// Test support for the coding-agent decoders: fixture lines, per-line decoding, expected keys.
enum AgentHarness {
    /// `Tests/IngestTests/Fixtures/<relative>`, located from this source file.
    static func url(_ relative: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
            .appendingPathComponent(relative)
    }

    /// The lines of a fixture file: a plain split on "\n" (a final newline adds no line).
    static func lines(_ relative: String) throws -> [[UInt8]] {
        let data = try Data(contentsOf: url(relative))
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
    }

    /// The result of decoding one file: per line, its disposition (nil = not valid JSON) and the
    /// events it produced; `tail` holds what `finish` flushed.
    struct Decoded {
        var dispositions: [LineDisposition?] = []
        var perLine: [EventBatch] = []
        var tail = EventBatch()

        /// Every llm_call, in line order.
        var llm: [LLMCall] { perLine.flatMap(\.llmCalls) }
        /// Every tool_call: those resolved on a line (line order), then those flushed by `finish`.
        var tools: [ToolCall] { perLine.flatMap(\.toolCalls) + tail.toolCalls }
        var permissions: [PermissionDecision] { perLine.flatMap(\.permissions) + tail.permissions }
    }

    /// Decodes `lines` with one decoder of `format` (state carries across lines), then `finish`.
    static func decode(_ format: LogFormat, lines: [[UInt8]], path: String) -> Decoded {
        var decoder = format.makeDecoder(context: DecoderContext(path: path))
        var out = Decoded()
        for (i, line) in lines.enumerated() {
            var batch = EventBatch()
            let d: LineDisposition? = line.withUnsafeBytes { raw in
                switch JSONDocument.parse(raw) {
                case .success(let root): return decoder.decode(root, line: i + 1, into: &batch)
                case .failure: return nil
                }
            }
            #expect(batch.llmCalls.count == batch.llmCallLines.count)
            #expect(batch.llmCallLines.allSatisfy { $0 == i + 1 })
            out.dispositions.append(d)
            out.perLine.append(batch)
        }
        decoder.finish(into: &out.tail)
        #expect(out.tail.llmCalls.isEmpty)
        return out
    }

    /// Decodes a fixture file (path relative to `Fixtures/`); `path` overrides the decoder's view
    /// of the file path (e.g. to place it under `subagents/`).
    static func decode(_ format: LogFormat, _ relative: String, path: String? = nil) throws -> Decoded {
        decode(format, lines: try lines(relative), path: path ?? relative)
    }

    /// Decodes inline JSON lines.
    static func decode(_ format: LogFormat, json: [String], path: String = "inline.jsonl") -> Decoded {
        decode(format, lines: json.map { Array($0.utf8) }, path: path)
    }

    /// Whether `format` claims the JSON line `json`.
    static func detects(_ format: LogFormat, _ line: [UInt8], path: String = "x.jsonl") -> Bool {
        line.withUnsafeBytes { raw in
            guard case .success(let root) = JSONDocument.parse(raw) else { return false }
            return format.detects(root, context: DecoderContext(path: path))
        }
    }

    /// The hash the decoders give to tool arguments whose raw JSON text is `raw`.
    static func argumentsHash(_ raw: String) -> UInt64 {
        var h = ByteHasher(seed: 0)
        h.combine(raw)
        return h.value
    }
}

@Suite("Agent decoder support")
struct AgentSupportTests {
    @Test("principal = last path component of the working directory")
    func lastPathComponent() {
        #expect(_AgentText.lastPathComponent("/home/dev/shop") == "shop")
        #expect(_AgentText.lastPathComponent("/home/dev/shop/") == "shop")
        #expect(_AgentText.lastPathComponent("C:\\src\\app\\") == "app")
        #expect(_AgentText.lastPathComponent("repo") == "repo")
    }

    @Test("MCP tool names become server/tool; other names are unchanged")
    func mcpNames() {
        #expect(_AgentText.toolName("mcp__plugin_showcase_example__refresh_search_index") == "plugin_showcase_example/refresh_search_index")
        #expect(_AgentText.toolName("mcp__github__create_issue") == "github/create_issue")
        #expect(_AgentText.toolName("mcp__broken") == "mcp__broken")
        #expect(_AgentText.toolName("Bash") == "Bash")
        #expect(_AgentText.toolName("=HYPERLINK(\"http://example.invalid\",\"x\")") == "=HYPERLINK(\"http://example.invalid\",\"x\")")
    }

    @Test("JSON string unescaping for the older Codex JSON-string outputs")
    func unescape() {
        var buf: [UInt8] = []
        let raw = Array(#"{\"a\":\"x\\ny\",\"u\":\"\u00e9\ud83d\ude00\"}\n"#.utf8)
        raw.withUnsafeBytes { _AgentText.unescape($0, into: &buf) }
        #expect(String(decoding: buf, as: UTF8.self) == "{\"a\":\"x\\ny\",\"u\":\"é😀\"}\n")
    }

    @Test("interned strings are reused and verified byte for byte")
    func interner() {
        var i = _AgentInterner(transform: _AgentText.lastPathComponent)
        let line = Array(#"{"a":"/home/dev/shop","b":"/home/dev/api","c":"/home/dev/shop"}"#.utf8)
        line.withUnsafeBytes { raw in
            guard case .success(let root) = JSONDocument.parse(raw) else {
                Issue.record("not JSON")
                return
            }
            #expect(i.intern(root["a"]) == "shop")
            #expect(i.intern(root["b"]) == "api")
            #expect(i.intern(root["c"]) == "shop")
            #expect(i.intern(nil) == "")
        }
    }
}
