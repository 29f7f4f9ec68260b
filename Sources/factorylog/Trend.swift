import Analyze
import Engine
import ArgumentParser
import Foundation

extension FactoryLog {
    /// `factorylog trend`: cost per million tokens per model over the last ISO weeks.
    struct Trend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print cost per million tokens per model for the last ISO weeks, with week-over-week change."
        )

        @OptionGroup var stateOptions: StateOptions
        @OptionGroup var energy: EnergyOptions

        @Option(help: "The --model-aliases file the runs used, so the energy block finds the gateway tokens of a self-hosted model under its price key.")
        var modelAliases: String?

        @Option(parsing: .unconditional, help: "How many ISO weeks to show.")
        var weeks: Int = 8

        @Flag(help: "Print the weeks' cost_weekly rows as one JSON object instead of text (shape: docs/json.md).")
        var json = false

        func validate() throws {
            if weeks < 1 { throw ValidationError("--weeks must be at least 1.") }
        }

        func run() async throws {
            let calendar = try UsageErrors.checked(Self.self) { try stateOptions.calendarOfExistingState() }
            let aggregates: Aggregates
            let energyAggregates: EnergyAggregates
            let aliases = try modelAliases.map { path in
                do { return try ModelAliases(contentsOf: path) } catch { throw ValidationError("Cannot load --model-aliases '\(path)': \(error).") }
            }
            let settings = try energy.settings(pricer: (try? PriceTable.bundled()).map { Pricer(table: $0, aliases: aliases) }, calendar: calendar)
            do {
                let store = try StateStore(path: stateOptions.state, timeZone: calendar.identifier, rebuild: false)
                defer { store.close() }
                aggregates = try Pipeline.load(store: store, window: nil)
                energyAggregates = try store.energyAggregates(window: nil)
            } catch let error as StateError {
                Console.error(error.description)
                throw ExitCode(2)
            }
            if let message = aggregates.impossibleTotals().message { Console.error("warning: " + message) }
            if json {
                Console.out(TrendJSON.render(aggregates, weeks: weeks, timeZone: calendar.identifier).rendered())
            } else {
                Console.out(TrendText.render(aggregates, weeks: weeks))
                if !energyAggregates.isEmpty {
                    let rows = Tables.energyRows(
                        energyAggregates, placement: settings.placement, calendar: calendar,
                        gatewayTokens: Tables.gatewayTokens(aggregates), resolveKey: settings.resolvedKey)
                    Console.out("")
                    Console.out(EnergyTrendText.render(Tables.energyWeekly(rows), weeks: weeks))
                }
            }
        }
    }
}
