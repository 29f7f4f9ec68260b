import Foundation
import Testing

@testable import Ingest

@Suite("Gemini CLI telemetry outfile")
struct AgentGeminiCLITelemetryTests {
    static let fixture = "samples/agent/gemini-cli-telemetry.log"

    /// The records of the fixture as `run` reads them: one per concatenated pretty-printed object.
    static func records() throws -> (JSONDocumentFile, [[UInt8]]) {
        let doc = try #require(try JSONDocumentFile(path: AgentHarness.url(fixture).path, maxBytes: 1 << 20))
        var out: [[UInt8]] = []
        _ = doc.read { bytes, _, _ in
            out.append(Array(bytes))
            return true
        }
        return (doc, out)
    }

    @Test func theStreamIsSplitIntoItsObjects() throws {
        #expect(JSONDocumentFile.mayBe(path: AgentHarness.url(Self.fixture).path))
        let (doc, records) = try Self.records()
        #expect(doc.count == 9)  // 7 log records, 1 span, 1 metric export
        #expect(doc.format == .geminiCLITelemetry)
        for r in records { #expect(r.first == UInt8(ascii: "{") && r.last == UInt8(ascii: "}")) }
    }

    @Test func splitter() {
        func split(_ s: String) -> [String]? {
            let b = Array(s.utf8)
            return b.withUnsafeBytes { raw in
                JSONDocumentFile.concatenatedValues(raw)?.map { String(decoding: b[$0], as: UTF8.self) }
            }
        }
        #expect(split("{\n  \"a\": \"}{\\\"\"\n}\n{\n  \"b\": [1, {\"c\": 2}]\n}\n") == ["{\n  \"a\": \"}{\\\"\"\n}", "{\n  \"b\": [1, {\"c\": 2}]\n}"])
        #expect(split("{\"a\":1}\n{\"b\":") == ["{\"a\":1}", "{\"b\":"])  // a last object cut short runs to the end
        #expect(split("{\"a\":1}") == nil)  // one value is a document
        #expect(split("{\"a\":1} x {\"b\":2}") == nil)  // something else between values
        #expect(split("") == nil)
    }

    @Test func decodedEvents() throws {
        let (_, records) = try Self.records()
        let d = AgentHarness.decode(.geminiCLITelemetry, lines: records, path: "/home/u/.gemini/telemetry.log")
        #expect(d.dispositions == [.ignored, .decoded, .decoded, .ignored, .decoded, .decoded, .decoded, .decoded, .ignored])

        #expect(d.llm.count == 2)
        let a = d.llm[0]  // gemini_cli.api_response
        #expect(a.instantMs == 1_781_600_402_500)  // event.timestamp 2026-06-16T09:00:02.500Z
        #expect(a.provider == "gemini")
        #expect(a.model == "gemini-2.5-pro")
        #expect(a.session == "3f1c2a9e-5b7d-4e2a-9c11-0d2e4f6a8b10")
        #expect(a.principal == "")  // user.email is not read
        #expect(a.inputTokens == 4040)  // 12 000 input − 8 000 cached + 40 tool
        #expect(a.cacheReadTokens == 8000)
        #expect(a.outputTokens == 1000)  // 300 output + 700 thoughts
        #expect(a.reasoningTokens == 700)
        #expect(a.totalTokens == 13040)  // = total_token_count
        #expect(a.latencyMs == 2500)
        #expect(a.httpStatus == 200)
        #expect(a.outcome == .ok)
        #expect(a.dedup == nil)

        let e = d.llm[1]  // gemini_cli.api_error, no event.timestamp
        #expect(e.instantMs == 1_781_600_410_250)  // hrTime [1781600410, 250000000]
        #expect(e.model == "gemini-2.5-pro")  // model_name
        #expect(e.outcome == .rateLimited)
        #expect(e.httpStatus == 429)
        #expect(e.latencyMs == 180)  // duration
        #expect(e.totalTokens == 0)
        #expect(e.errorType == "RESOURCE_EXHAUSTED")

        let t = d.tools
        #expect(t.map(\.tool) == ["run_shell_command", "write_file", "docs/search", "replace"])
        #expect(t.map(\.outcome) == [.ok, .denied, .error, .denied])
        #expect(t.map(\.durationMs) == [1200, 0, 350, 1])
        #expect(t[0].instantMs == 1_781_600_404_000)
        #expect(t[0].endMs == 1_781_600_405_200)  // + 1 200 ms
        #expect(t[0].argumentsHash == AgentHarness.argumentsHash(#""{\"command\":\"npm test\"}""#))
        #expect(d.permissions.map(\.reason) == [.userRejected, .policyRule])  // decision reject; policy_violation
        #expect(d.permissions.map(\.subject) == ["write_file", "replace"])
    }

    @Test func hookBlocksAndSandbox() {
        func tool(_ extra: String) -> ToolCall? {
            AgentHarness.decode(.geminiCLITelemetry, json: [
                #"{"hrTime":[1781600400,0],"attributes":{"event.name":"gemini_cli.tool_call","function_name":"edit","#
                    + extra + "}}"
            ]).tools.first
        }
        let hook = AgentHarness.decode(.geminiCLITelemetry, json: [
            #"{"hrTime":[1781600400,0],"attributes":{"event.name":"gemini_cli.tool_call","function_name":"edit","success":false,"error_type":"policy_violation","error.message":"Tool execution blocked: no edits on main"}}"#,
            #"{"hrTime":[1781600400,0],"attributes":{"event.name":"gemini_cli.tool_call","function_name":"edit","success":false,"error_type":"sandbox_expansion_required"}}"#,
            #"{"hrTime":[1781600400,0],"attributes":{"event.name":"gemini_cli.tool_call","function_name":"edit","success":false,"error_type":"stop_execution"}}"#,
        ])
        #expect(hook.permissions.map(\.reason) == [.hook, .sandbox, .hook])
        #expect(tool(#""success":true"#)?.outcome == .ok)
        #expect(tool(#""success":false,"error_type":"file_not_found""#)?.outcome == .error)
        #expect(tool(#""decision":"auto_accept","success":true"#)?.outcome == .ok)
    }
}
