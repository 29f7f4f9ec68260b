import Analyze
import Engine
import ArgumentParser
import Foundation
import Ingest

extension FactoryLog {
    /// `factorylog inspect FILE`: what factorylog sees in one file, before a nightly run.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the detected format and compression of a file and its first normalized events.",
            discussion: """
                Exit codes: 0 when a decoder recognizes the file (or it is empty: `run` reports it ok \
                with 0 lines); 1 when no decoder recognizes it, its compressed stream is damaged before \
                its first line, or it cannot be opened; 64 for usage errors.
                """
        )

        @Argument(help: "The log file to look at.")
        var file: String

        @Option(name: [.customShort("n"), .long], parsing: .unconditional, help: "How many events to show.")
        var events: Int = 20

        @Option(help: "Read the file as this format instead of detecting it.")
        var format: LogFormat?

        @Option(parsing: .unconditional, help: "Longer lines are skipped and counted, as in `run` (bytes).")
        var maxLineBytes: Int = 64 << 20

        @Flag(help: "Print the result as one JSON object instead of text (shape: docs/json.md).")
        var json = false

        func validate() throws {
            if events < 0 { throw ValidationError("-n/--events must be 0 or more (got \(events)).") }
            if maxLineBytes < 1024 { throw ValidationError("--max-line-bytes must be at least 1024.") }
        }

        func run() throws {
            let report = try InspectText.render(path: file, format: format, limit: events, maxLineBytes: maxLineBytes)
            Console.out(json ? report.json.rendered() : report.text)
            if !report.recognized { throw ExitCode(1) }
        }
    }
}
