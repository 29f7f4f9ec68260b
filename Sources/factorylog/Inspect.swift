import Analyze
import Engine
import ArgumentParser
import Foundation
import Ingest

extension FactoryLog {
    /// `factorylog inspect FILE`: what factorylog sees in one file, before a nightly run.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the detected format and compression of a file and its first normalized events."
        )

        @Argument(help: "The log file to look at.")
        var file: String

        @Option(name: [.customShort("n"), .long], help: "How many events to show.")
        var events: Int = 20

        @Option(help: "Read the file as this format instead of detecting it.")
        var format: LogFormat?

        @Option(help: "Longer lines are skipped and counted, as in `run` (bytes).")
        var maxLineBytes: Int = 64 << 20

        func run() throws {
            let report = try InspectText.render(path: file, format: format, limit: events, maxLineBytes: maxLineBytes)
            Console.out(report.text)
            if !report.recognized { throw ExitCode(1) }
        }
    }
}
