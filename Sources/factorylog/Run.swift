import Analyze
import Engine
import ArgumentParser
import Foundation
import Ingest
import Report

extension FactoryLog {
    /// `factorylog run INPUT...`: the nightly job.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read new log data, update the state and write the summary tables.",
            discussion: """
                INPUT is a file, a folder (read recursively) or a glob pattern. Plain, gzip and zstd \
                files are recognized by their first bytes. Files already read are skipped; files that grew \
                are read from where the last run stopped.
                """
        )

        @Argument(help: "Log files, folders or glob patterns to read.")
        var inputs: [String] = []

        @OptionGroup var output: OutputOptions
        @OptionGroup var stateOptions: StateOptions
        @OptionGroup var window: WindowOptions
        @OptionGroup var pricing: PricingOptions
        @OptionGroup var energy: EnergyOptions
        @OptionGroup var pseudonyms: PseudonymizeOption

        @Option(parsing: .unconditional, help: "Files decoded at once; the default is the number of active processors.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Read every file as this format instead of detecting it: litellm, kong, bedrock, otel, claude_code, codex, envoy, azure_apim, azure_openai, gemini_cli or gemini_cli_telemetry.")
        var format: LogFormat?

        @Option(parsing: .unconditional, help: "Longer lines are skipped and counted (bytes).")
        var maxLineBytes: Int = 64 << 20

        @Option(parsing: .unconditional, help: "Days a de-duplication key is remembered across runs.")
        var dedupDays: Int = 7

        @Flag(help: "Exit non-zero when any file is partial or failed, in this run or unchanged since an earlier one.")
        var strict = false

        @Flag(help: "Print the end-of-run summary as one JSON object on stdout instead of text (shape: docs/json.md); --quiet does not silence it.")
        var json = false

        @Flag(help: "Erase the state file and start a new state in it, re-reading every input (after changing --tz, or to replace an empty or damaged state on purpose).")
        var rebuild = false

        func validate() throws {
            if inputs.isEmpty { throw ValidationError("Name at least one log file, folder or glob pattern to read, e.g. `factorylog run logs/`.") }
            if jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
            if maxLineBytes < 1024 { throw ValidationError("--max-line-bytes must be at least 1024.") }
            if dedupDays < 0 { throw ValidationError("--dedup-days must be 0 or more (got \(dedupDays)).") }
            _ = try window.days()
        }

        func run() async throws {
            let calendar = try UsageErrors.checked(Self.self) { try stateOptions.calendar() }
            let pricer = try UsageErrors.checked(Self.self) { try pricing.pricer() }
            let energySettings = try UsageErrors.checked(Self.self) { try energy.settings(pricer: pricer, calendar: calendar) }
            var plan = RunPlan(
                inputs: inputs, format: format, calendar: calendar, pricer: pricer,
                costSource: pricing.costSource.value, jobs: jobs, statePath: stateOptions.state)
            (plan.since, plan.until) = try window.days()
            plan.maxLineBytes = maxLineBytes
            plan.dedupDays = dedupDays
            plan.rebuild = rebuild
            plan.excludedPaths = [output.out, stateOptions.state]
            plan.pseudonymizer = try pseudonyms.pseudonymizer()

            do {
                try OutputFolder.check(output.out)
            } catch {
                Console.error("--out \(error)")
                throw ExitCode(2)
            }
            let progress = ProgressLine(enabled: !output.quiet && !json)
            let started = Date()
            let outcome: RunOutcome
            do {
                outcome = try await Pipeline.run(plan) { p in progress.update(p, started: started) }
            } catch let error as StateError {
                progress.clear()
                Console.error(error.description)
                throw ExitCode(2)
            }
            progress.clear()
            defer { outcome.state.close() }

            for missing in outcome.missingInputs {
                Console.error("\(missing.path): \(missing.message)")
            }
            for f in outcome.files where f.status == .failed || f.status == .partial {
                if !output.quiet || f.status == .failed {
                    Console.error("\(f.path): \(f.status.rawValue): \(f.error)")
                }
            }
            if strict {
                for f in outcome.earlierProblems {
                    Console.error(
                        "\(f.path): still \(f.status.rawValue) from an earlier run (unchanged since): \(f.error). "
                            + "Fix or replace the file (it is then read again), or leave it out of the inputs.")
                }
            }
            do {
                // --strict checks the totals for impossible values; otherwise they are checked
                // whenever the aggregates are loaded (tables taken over were checked when written).
                if strict { _ = try outcome.state.aggregates() }
            } catch let error as StateError {
                Console.error(error.description)
                throw ExitCode(2)
            }

            do {
                try OutputTables.export(state: outcome.state, files: outcome.files, output: output, pricesID: outcome.pricesID, tz: calendar.identifier, energy: energySettings)
            } catch let error as StateError {
                Console.error(error.description)
                throw ExitCode(2)
            } catch {
                Console.error("cannot write the summaries to \(output.out): \(error). The state is updated; `factorylog report` writes them again.")
                throw ExitCode(1)
            }

            if !output.quiet || json {
                let aggregates: Aggregates
                do {
                    aggregates = try outcome.state.aggregates()
                } catch let error as StateError {
                    Console.error(error.description)
                    throw ExitCode(2)
                }
                let elapsed = Date().timeIntervalSince(started)
                if json {
                    Console.out(RunJSON.render(outcome: outcome, aggregates: aggregates, out: output.out, elapsed: elapsed).rendered())
                } else {
                    Console.out(SummaryText.render(outcome: outcome, aggregates: aggregates, out: output.out, elapsed: elapsed))
                }
            }
            let impossible = outcome.state.loaded?.impossibleTotals()
            if let message = impossible?.message { Console.error("warning: " + message) }
            if outcome.nothingReadable && !outcome.files.contains(where: { $0.status == .skipped || $0.status == .pruned }) {
                if outcome.files.isEmpty {
                    Console.error("no input files found: check the paths (\(inputs.joined(separator: " "))).")
                } else {
                    Console.error("no input could be read: every file failed (the reasons are above and in ingest_files).")
                }
                throw ExitCode(2)
            }
            if strict && (outcome.hasProblems || !(impossible?.isEmpty ?? true)) {
                throw ExitCode(1)
            }
        }
    }
}
