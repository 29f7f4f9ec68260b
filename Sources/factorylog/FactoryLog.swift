import ArgumentParser

/// The root command: only configuration. Each subcommand lives in its own file.
@main
struct FactoryLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factorylog",
        abstract: "Summarize AI gateway and coding-agent logs into cost, latency, tool and permission tables.",
        version: FactorylogVersion.string,
        subcommands: [Run.self, ReportCommand.self, Trend.self, Inspect.self, PricesCommand.self],
        defaultSubcommand: nil
    )
}

enum FactorylogVersion {
    static let string = "0.1.0"
    /// `created_by` of the Parquet files.
    static var createdBy: String { "factorylog version \(string) (build \(buildID))" }
    static let buildID = "swift-6.3"
}
