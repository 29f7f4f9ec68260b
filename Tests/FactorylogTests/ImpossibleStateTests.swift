import Foundation
import Ingest
import Testing

@testable import Analyze
@testable import Engine

/// Issue 11 item 2: a state that already holds totals past `Int64.max` (as an older factorylog
/// committed before it trapped in `UsageStats.totalTokens`) is reported with a message by `run`,
/// `report` and `trend`, never a trap. Runs the built `factorylog` binary on a state made here.
@Suite("CLI on a state with impossible totals")
struct ImpossibleStateTests {
    /// `.build/debug/factorylog`, built with the tests (`swift build --build-tests`).
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/factorylog").path

    static func factorylog(_ arguments: [String], in dir: URL) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = dir
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // a trap would end the process by a signal (SIGILL / SIGTRAP), not with a status
        #expect(p.terminationReason == .exit, "\(arguments.first ?? "") was killed by signal \(p.terminationStatus)")
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("run, report and trend warn about the capped totals and exit normally; --strict fails")
    func commandsReportImpossibleTotals() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the tests with `swift build --build-tests` first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("factorylog-impossible-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.sqlite").path
        do {
            let store = try StateStore(path: state, timeZone: "UTC", rebuild: false)
            defer { store.close() }
            var a = Aggregates()
            var s = UsageStats()
            s.requests = 1
            s.inputTokens = (1 << 62) + (1 << 61)  // 1.5 × 2^62; the two files' sum passes Int64.max
            s.outputTokens = 10
            // day 20 417 = 2025-11-25
            a.usage[UsageKey(day: 20_417, source: "kong", provider: "openai", model: "gpt-4o", team: "", principal: "svc")] = s
            for name in ["/logs/a.jsonl", "/logs/b.jsonl"] {
                var r = IngestFileRecord(path: name)
                r.format = "kong"
                try store.commit([
                    FileCommit(record: r, replace: false, days: [20_417: a.serialized()], claims: [], claimCount: 0, claimsMaxInstantMs: 0, stale: false)
                ])
            }
        }
        let warning = "warning: the state holds 2 total(s) no real logs can reach: usage_daily 2025-11-25 kong gpt-4o: input_tokens = 9223372036854775807; usage_daily 2025-11-25 kong gpt-4o: total_tokens = 9223372036854775807."

        let report = try Self.factorylog(["report", "--state", state, "--out", dir.appendingPathComponent("rep").path, "--quiet"], in: dir)
        #expect(report.status == 0)
        #expect(report.stderr.contains(warning), "\(report.stderr)")
        let csv = try String(contentsOfFile: dir.appendingPathComponent("rep/usage_daily.csv").path, encoding: .utf8)
        // requests 1 + 1 = 2; input capped at 2^63 − 1; output 10 + 10 = 20; total capped
        #expect(csv.contains(",2,0,0,0,9223372036854775807,0,0,20,0,9223372036854775807,"), "\(csv)")

        let trend = try Self.factorylog(["trend", "--state", state], in: dir)
        #expect(trend.status == 0)
        #expect(trend.stderr.contains(warning), "\(trend.stderr)")

        FileManager.default.createFile(atPath: dir.appendingPathComponent("empty.jsonl").path, contents: Data())
        let runArgs = ["run", "empty.jsonl", "--state", state, "--out", dir.appendingPathComponent("out").path, "--quiet"]
        let run = try Self.factorylog(runArgs, in: dir)
        #expect(run.status == 0)
        #expect(run.stderr.contains(warning), "\(run.stderr)")
        #expect(try Self.factorylog(runArgs + ["--strict"], in: dir).status == 1)
    }
}
