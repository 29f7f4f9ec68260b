import Foundation
import Testing

@testable import Ingest

/// Test support for the gateway decoders: fixture paths, line framing, per-line decoding.
enum GatewayFixtures {
    /// `Tests/IngestTests/Fixtures/<relative>`, located from this source file.
    static func url(_ relative: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(relative)
    }

    /// The non-empty lines of a fixture file (a plain split on "\n").
    static func lines(_ relative: String) throws -> [[UInt8]] {
        let data = try Data(contentsOf: url(relative))
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
    }

    struct LineResult {
        var disposition: LineDisposition
        var batch: EventBatch
        var llm: LLMCall? { batch.llmCalls.first }
    }

    /// Decodes every line of a fixture with one decoder of `format` (state carries across lines),
    /// giving each line its own batch. A line that is not valid JSON is a test failure.
    static func decode(_ format: LogFormat, _ relative: String) throws -> [LineResult] {
        var decoder = format.makeDecoder(context: DecoderContext(path: relative))
        var out: [LineResult] = []
        for (i, line) in try lines(relative).enumerated() {
            var batch = EventBatch()
            let d: LineDisposition = line.withUnsafeBytes { raw in
                switch JSONDocument.parse(raw) {
                case .success(let root): return decoder.decode(root, line: i + 1, into: &batch)
                case .failure(let e):
                    Issue.record("line \(i + 1) of \(relative) is not valid JSON: \(e)")
                    return .undecodable
                }
            }
            out.append(LineResult(disposition: d, batch: batch))
        }
        var tail = EventBatch()
        decoder.finish(into: &tail)
        #expect(tail.isEmpty, "gateway decoders keep no pending events")
        return out
    }

    /// Decodes one inline JSON line with a fresh decoder.
    static func decodeLine(_ format: LogFormat, _ json: String) -> LineResult {
        var decoder = format.makeDecoder(context: DecoderContext(path: "inline.jsonl"))
        var batch = EventBatch()
        let bytes = Array(json.utf8)
        let d: LineDisposition = bytes.withUnsafeBytes { raw in
            switch JSONDocument.parse(raw) {
            case .success(let root): return decoder.decode(root, line: 1, into: &batch)
            case .failure(let e):
                Issue.record("inline line is not valid JSON: \(e)")
                return .undecodable
            }
        }
        return LineResult(disposition: d, batch: batch)
    }

    /// The first of the four gateway formats (in detection order) that claims the line.
    static func gatewayFormat(of line: [UInt8]) -> LogFormat? {
        line.withUnsafeBytes { raw -> LogFormat? in
            guard case .success(let root) = JSONDocument.parse(raw) else { return nil }
            let ctx = DecoderContext(path: "x.jsonl")
            for f in [LogFormat.litellm, .kong, .bedrock, .otel] where f.detects(root, context: ctx) { return f }
            return nil
        }
    }

    static func key(_ fields: String...) -> DedupKey { DedupKey.of(strings: fields) }
}

@Suite("Gateway detection")
struct GatewayDetectionTests {
    /// `samples/EXPECTED.md`: which decoder reads which gateway sample; none of the first four
    /// gateway decoders claims a line of envoy, azure (their own decoders' tests check those) or
    /// the OpenAI usage API (no decoder yet).
    @Test(arguments: [
        ("litellm-standard-logging-payload.jsonl", LogFormat?.some(.litellm)),
        ("litellm-spend-logs.jsonl", .some(.litellm)),
        ("kong-ai-gateway.jsonl", .some(.kong)),
        ("aws-bedrock-invocation-log.jsonl", .some(.bedrock)),
        ("otlp-json-official-examples.jsonl", .some(.otel)),
        ("openinference-span-protojson.jsonl", .some(.otel)),
        ("envoy-ai-gateway-accesslog.jsonl", nil),
        ("azure-apim-gatewaylogs.jsonl", nil),
        ("azure-openai-diagnostic-requestresponse.jsonl", nil),
        ("openai-usage-api-completions.jsonl", nil),
    ])
    func sampleDetection(file: String, expected: LogFormat?) throws {
        let lines = try GatewayFixtures.lines("samples/gateway/" + file)
        #expect(!lines.isEmpty)
        if let expected {
            // the first line decides the file; every line of these samples belongs to its format,
            // except the OTLP logs export (line 2), which is no trace export
            #expect(GatewayFixtures.gatewayFormat(of: lines[0]) == expected)
        } else {
            for line in lines { #expect(GatewayFixtures.gatewayFormat(of: line) == nil) }
        }
    }

    @Test func everySampleLineOfAGatewayFormatIsClaimedByIt() throws {
        for (file, f) in [
            ("litellm-standard-logging-payload.jsonl", LogFormat.litellm), ("litellm-spend-logs.jsonl", .litellm),
            ("kong-ai-gateway.jsonl", .kong), ("aws-bedrock-invocation-log.jsonl", .bedrock),
            ("openinference-span-protojson.jsonl", .otel),
        ] {
            for line in try GatewayFixtures.lines("samples/gateway/" + file) {
                #expect(GatewayFixtures.gatewayFormat(of: line) == f, "\(file)")
            }
        }
    }

    /// No line of the agent fixtures (samples and cases, copied by the agent decoders' tests) is
    /// claimed by a gateway decoder: detection tries the gateway formats first.
    @Test func agentFixturesAreNotClaimed() throws {
        var files = 0, lines = 0
        for dir in ["samples/agent", "cases-agent"] {
            let root = GatewayFixtures.url(dir)
            let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            while let u = e?.nextObject() as? URL {
                guard u.pathExtension == "jsonl" else { continue }
                files += 1
                let rel = String(u.path.dropFirst(GatewayFixtures.url("").path.count).drop { $0 == "/" })
                for line in try GatewayFixtures.lines(rel) {
                    lines += 1
                    #expect(GatewayFixtures.gatewayFormat(of: line) == nil, "\(rel)")
                }
            }
        }
        #expect(files >= 10)
        #expect(lines >= 50)
    }

    /// Agent transcripts and rollouts (shapes of `samples/agent/`) are not gateway records.
    @Test(arguments: [
        #"{"parentUuid":null,"isSidechain":false,"type":"assistant","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":5}},"requestId":"req_1","sessionId":"s","timestamp":"2026-01-01T00:00:00.000Z","cwd":"/home/dev/shop"}"#,
        #"{"timestamp":"2026-01-01T00:00:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10}}}}"#,
        #"{"timestamp":"2026-01-01T00:00:00.000Z","type":"session_meta","payload":{"id":"x","cwd":"/tmp"}}"#,
        #"{"type":"result","subtype":"success","session_id":"s","usage":{"input_tokens":1},"total_cost_usd":0.1}"#,
        #"{"resourceLogs":[{"resource":{},"scopeLogs":[]}]}"#,
        #"[1,2,3]"#,
    ])
    func foreignLinesAreNotClaimed(json: String) {
        #expect(GatewayFixtures.gatewayFormat(of: Array(json.utf8)) == nil)
    }
}
