import Analyze
import Engine
import ArgumentParser
import Foundation
import Ingest
import Report

/// Where the state lives and which time zone it reports in (shared by run, report and trend).
struct StateOptions: ParsableArguments {
    @Option(help: "The SQLite state file that makes nightly runs incremental.")
    var state: String = "factorylog-state.sqlite"

    @Option(help: "The report time zone, an IANA name such as Europe/Berlin (day buckets follow it, DST included). run defaults to UTC and records it in the state; report and trend use the state's zone and accept only that one (the days are bucketed when the events are read).")
    var tz: String?

    /// The calendar for `run`: `--tz`, else UTC.
    func calendar() throws -> ReportCalendar {
        try Self.calendar(tz ?? "UTC")
    }

    /// The calendar for commands that only read the state: `--tz`, else the one the state records.
    /// - Throws: `ExitCode(2)` after a message when the state does not exist.
    func calendarOfExistingState() throws -> ReportCalendar {
        guard FileManager.default.fileExists(atPath: state) else {
            Console.error("no state at \(state): run `factorylog run` first, or point --state at the state file.")
            throw ExitCode(2)
        }
        let recorded: String?
        do {
            recorded = try StateStore.recordedTimeZone(path: state)
        } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
        if let tz { _ = try Self.calendar(tz) }  // an unknown zone is a usage error first
        if let tz, let recorded, tz != recorded {
            // The state holds day buckets, not events: another zone cannot be made from them.
            Console.error(
                "the state \(state) has its days in --tz \(recorded); report and trend cannot re-bucket them into \(tz) "
                    + "(that needs the events, which the state does not keep). Leave --tz out (or give \(recorded)), or build a state in \(tz): "
                    + "`factorylog run LOGS --tz \(tz) --state NEW.sqlite` (or --rebuild on this state) reads the logs again.")
            throw ExitCode(2)
        }
        return try Self.calendar(tz ?? recorded ?? "UTC")
    }

    static func calendar(_ name: String) throws -> ReportCalendar {
        do {
            return try ReportCalendar(timeZone: name)
        } catch {
            throw ValidationError("--tz: unknown time zone '\(name)'. Use an IANA name such as UTC, Europe/Berlin or America/Los_Angeles.")
        }
    }
}

/// Which days to report (`--since`/`--until`, inclusive, in the report time zone).
struct WindowOptions: ParsableArguments {
    @Option(help: "First day to report, YYYY-MM-DD in --tz (inclusive); files dated before it are not opened.")
    var since: String?

    @Option(help: "Last day to report, YYYY-MM-DD in --tz (inclusive); files dated after it are not opened.")
    var until: String?

    func days() throws -> (Int32?, Int32?) {
        var s: Int32? = nil
        var u: Int32? = nil
        if let since {
            guard let d = ReportCalendar.parseDay(since) else { throw ValidationError("--since '\(since)' is not a date; write it as YYYY-MM-DD.") }
            s = d
        }
        if let until {
            guard let d = ReportCalendar.parseDay(until) else { throw ValidationError("--until '\(until)' is not a date; write it as YYYY-MM-DD.") }
            u = d
        }
        if let s, let u, s > u { throw ValidationError("--since \(since!) is after --until \(until!); swap them.") }
        return (s, u)
    }
}

/// Where and how summaries are written.
struct OutputOptions: ParsableArguments {
    @Option(help: "The folder for the summaries (replaced atomically at the end of the run).")
    var out: String = "factorylog-out"

    @Option(help: "Compression of the Parquet pages: zstd, gzip or none.")
    var parquetCodec: CodecChoice = .zstd

    @Flag(help: "Print nothing but errors.")
    var quiet = false
}

enum CodecChoice: String, ExpressibleByArgument, CaseIterable {
    case zstd, gzip, none
}

/// Prices and how to use them.
struct PricingOptions: ParsableArguments {
    @Option(help: "A price table in LiteLLM's model_prices_and_context_window.json format; its entries override those of the bundled snapshot (repeatable: later files override earlier ones).")
    var prices: [String] = []

    @Flag(help: "Price from the --prices files only, without the bundled snapshot underneath (a fixed table, e.g. a LiteLLM release's full file).")
    var noBundledPrices = false

    @Option(help: "A JSON object mapping model names (ARNs, deployment names) to price keys.")
    var modelAliases: String?

    @Option(help: "Where costs come from: auto (a logged cost if the record has one, else priced), priced or logged.")
    var costSource: CostSourceChoice = .auto

    func pricer() throws -> Pricer {
        var table: PriceTable? = nil
        if noBundledPrices {
            if prices.isEmpty { throw ValidationError("--no-bundled-prices needs at least one --prices FILE.") }
        } else {
            do {
                table = try PriceTable.bundled()
            } catch {
                throw ValidationError("Cannot load the price table: \(error).")
            }
        }
        for file in prices {
            do {
                let layer = try PriceTable(contentsOf: file)
                table = table.map { $0.overlaid(with: layer) } ?? layer
            } catch {
                throw ValidationError("--prices '\(file)': cannot load the price table: \(error). Pass a LiteLLM-format JSON file with --prices.")
            }
        }
        var aliases: ModelAliases? = nil
        if let modelAliases {
            do {
                aliases = try ModelAliases(contentsOf: modelAliases)
            } catch {
                throw ValidationError("--model-aliases '\(modelAliases)': cannot load it: \(error). It must be a JSON object of name → price key.")
            }
        }
        guard let table else { throw ValidationError("no price table") }
        return Pricer(table: table, aliases: aliases)
    }
}

enum CostSourceChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, priced, logged

    var value: CostSource {
        switch self {
        case .auto: .auto
        case .priced: .priced
        case .logged: .logged
        }
    }
}

extension LogFormat: ExpressibleByArgument {}
