import Analyze
import Engine
import ArgumentParser
import Foundation
import Report

extension FactoryLog {
    /// `factorylog report`: re-export the tables from the state without reading any log.
    struct ReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write the summary tables from the state without reading logs."
        )

        @OptionGroup var output: OutputOptions
        @OptionGroup var stateOptions: StateOptions
        @OptionGroup var window: WindowOptions
        @OptionGroup var energy: EnergyOptions
        @OptionGroup var pseudonyms: PseudonymizeOption

        @Option(help: "The price snapshot id to record in the Parquet metadata.")
        var pricesID: String = "state"

        func run() async throws {
            let calendar = try UsageErrors.checked(Self.self) { try stateOptions.calendarOfExistingState() }
            let (since, until) = try window.days()
            let energySettings = try energy.settings(pricer: (try? PriceTable.bundled()).map { Pricer(table: $0, aliases: nil) }, calendar: calendar)
            let range: ClosedRange<Int32>? = (since == nil && until == nil) ? nil : (since ?? .min)...(until ?? .max)
            let pseudonymizer = try pseudonyms.pseudonymizer()
            do {
                try OutputFolder.check(output.out)
            } catch {
                Console.error("--out \(error)")
                throw ExitCode(2)
            }
            let store: StateStore
            let state: StateView
            let files: [IngestFileRecord]
            let exportPseudonymizer: Pseudonymizer?
            do {
                store = try StateStore(path: stateOptions.state, timeZone: calendar.identifier, rebuild: false)
                state = try StateView(store: store, window: range)
                files = try store.allLedger()
                // A pseudonymized state is written as it is (with its own key only); a clear one
                // is pseudonymized on the way out with --pseudonymize, the state staying clear.
                if let pseudonymizer, let mode = try store.principalMode(), mode != .clear {
                    let requested = PrincipalMode.pseudonymized(keyID: pseudonymizer.keyID)
                    if mode != requested {
                        store.close()
                        throw StateError.principalsMismatch(
                            path: stateOptions.state, stored: mode.description, requested: requested.description, storedIsClear: false)
                    }
                    exportPseudonymizer = nil
                } else {
                    exportPseudonymizer = pseudonymizer
                }
            } catch let error as StateError {
                Console.error(error.description)
                throw ExitCode(2)
            }
            defer { state.close() }
            do {
                try OutputTables.export(
                    state: state, files: files, output: output, pricesID: pricesID, tz: calendar.identifier,
                    energy: energySettings, pseudonymizer: exportPseudonymizer)
            } catch let error as StateError {
                Console.error(error.description)
                throw ExitCode(2)
            }
            // Tables taken over unchanged were checked by the export that wrote them.
            if let message = state.loaded?.impossibleTotals().message { Console.error("warning: " + message) }
            if !output.quiet { Console.out("summaries written to \(output.out)/") }
        }
    }
}
