import Analyze
import Engine
import Foundation
import Report

/// Builds every contract table and writes them (Parquet, CSV, XLSX) atomically into `--out`,
/// taking over the tables a previous export wrote from the same state content (`ReportWriter.export`).
enum OutputTables {
    /// - Parameters:
    ///   - state: the state after the run (or as `report` opened it); its aggregates are loaded
    ///     only when a table must be written again.
    ///   - files: the ingest_files rows.
    @discardableResult
    ///   - pseudonymizer: `report --pseudonymize` on a clear state: the tables are written with
    ///     pseudonyms (`Aggregates.pseudonymized(with:)`), the state is left as it is.
    static func export(
        state: StateView, files: [IngestFileRecord], output: OutputOptions, pricesID: String, tz: String,
        energy: EnergySettings? = nil, pseudonymizer: Pseudonymizer? = nil
    ) throws -> ExportResult {
        let window = state.window
        // The aggregate tables depend on the state's content and the window; the time zone,
        // prices id, codec and formats are part of the options digest.
        let digest = state.contentID.map { id in
            "state=\(id);window=\(window.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "all")"
                + (pseudonymizer.map { ";pseudonyms=\($0.keyID)" } ?? "")
        }
        let source = PseudonymizedAggregates(state: state, pseudonymizer: pseudonymizer)
        func table(_ schema: TableSchema, _ build: @escaping (Aggregates, ClosedRange<Int32>?) -> TableBatch) -> PendingTable {
            PendingTable(schema: schema, digest: digest) { build(try source.aggregates(), window) }
        }
        let ingest = Tables.ingestFiles(files)
        let tables = [
            table(Tables.usageDailySchema, Tables.usageDaily),
            table(Tables.latencyDailySchema, Tables.latencyDaily),
            table(Tables.toolsDailySchema, Tables.toolsDaily),
            table(Tables.permissionsDailySchema, Tables.permissionsDaily),
            table(Tables.costWeeklySchema, Tables.costWeekly),
            table(Tables.unpricedModelsSchema, Tables.unpricedModels),
            PendingTable(schema: Tables.ingestFilesSchema, digest: ingest.contentDigest) { ingest },
            table(Tables.tagsDailySchema, Tables.tagsDaily),
            // issue 14 part B
            table(Tables.incidentsSchema) { a, w in Tables.incidents(a, window: w, verdicts: try? source.incidentVerdicts()) },
            table(Tables.availabilityDailySchema) { a, w in Tables.availabilityDaily(a, window: w, verdicts: try? source.incidentVerdicts()) },
        ]
        precondition(tables.map(\.schema) == Tables.schemas, "OutputTables: every contract table, in order")
        // energy_daily (issue 17): after the tables of `Tables.schemas`.
        let settings = energy ?? EnergySettings(calendar: (try? ReportCalendar(timeZone: tz)) ?? (try! ReportCalendar(timeZone: "UTC")))
        let energyTable = PendingTable(schema: Tables.energyDailySchema, digest: digest.map { $0 + ";" + settings.digest }) {
            Tables.energyDaily(
                try state.energy(), usage: try state.aggregates(), placement: settings.placement, calendar: settings.calendar,
                pricing: settings.pricing, listPrice: settings.listPrice, resolveKey: settings.resolvedKey, window: window)
        }
        let codec: ParquetCodec =
            switch output.parquetCodec {
            case .zstd: .zstd
            case .gzip: .gzip
            case .none: .none
            }
        let options = ReportOptions(
            codec: codec,
            keyValueMetadata: [
                ("factorylog.version", FactorylogVersion.string),
                ("factorylog.prices", pricesID),
                ("factorylog.tz", tz),
            ],
            createdBy: FactorylogVersion.createdBy)
        return try ReportWriter.export(tables + [energyTable], to: output.out, options: options)
    }
}

/// The state's aggregates for the export, pseudonymized once when a pseudonymizer is given.
final class PseudonymizedAggregates: @unchecked Sendable {
    let state: StateView
    let pseudonymizer: Pseudonymizer?
    private let lock = NSLock()
    private var mapped: Aggregates?
    private var mappedVerdicts: [IncidentRule.Verdict]?

    init(state: StateView, pseudonymizer: Pseudonymizer?) {
        self.state = state
        self.pseudonymizer = pseudonymizer
    }

    func aggregates() throws -> Aggregates {
        guard let pseudonymizer else { return try state.aggregates() }
        lock.lock()
        defer { lock.unlock() }
        if let mapped { return mapped }
        let m = try state.aggregates().pseudonymized(with: pseudonymizer)
        mapped = m
        return m
    }

    /// `StateView.incidentVerdicts()`, or those of the pseudonymized aggregates (computed once).
    func incidentVerdicts() throws -> [IncidentRule.Verdict] {
        guard pseudonymizer != nil else { return try state.incidentVerdicts() }
        let windows = try aggregates().windows
        lock.lock()
        defer { lock.unlock() }
        if let mappedVerdicts { return mappedVerdicts }
        let v = IncidentRule.verdicts(windows)
        mappedVerdicts = v
        return v
    }
}

/// The short end-of-run summary on stdout.
enum SummaryText {
    static func render(outcome: RunOutcome, aggregates: Aggregates, out: String, elapsed: Double) -> String {
        let verdicts = (try? outcome.state.incidentVerdicts()) ?? IncidentRule.verdicts(aggregates.windows)
        let s = RunSummary(aggregates)
        var lines: [String] = []
        let counts = Dictionary(grouping: outcome.files, by: \.status).mapValues(\.count)
        let read = outcome.bytesRead
        let fileParts = IngestStatus.allCases.compactMap { st in counts[st].map { "\($0) \(st.rawValue)" } }
        if outcome.files.isEmpty {
            lines.append(String(format: "factorylog: no input files found, %.1f s", elapsed))
        } else {
            lines.append(String(format: "factorylog: %d files (%@), %.1f MB read in %.1f s", outcome.files.count, fileParts.joined(separator: ", "), Double(read) / 1e6, elapsed))
        }
        var period = ""
        if let f = s.firstDay, let l = s.lastDay {
            period = " over \(ReportCalendar.formatDay(f))…\(ReportCalendar.formatDay(l))"
        }
        lines.append(String(format: "cost      $%.2f for %@ tokens in %@ requests%@", s.totalCostUSD, group(s.totalTokens), group(s.requests), period))
        if s.failedRequests > 0 { lines.append("failed    \(group(s.failedRequests)) requests") }
        if s.unpricedRequests > 0 {
            lines.append("unpriced  \(group(s.unpricedRequests)) requests on \(s.unpricedModels) model(s): see unpriced_models (add --model-aliases or --prices)")
        }
        // One name column for the three lists, as wide as their longest name (at least 36), so
        // the numbers stay aligned whatever the model names.
        let names = s.topModels.map(\.model) + s.slowestModels.map(\.model) + s.leastStableTools.map(\.tool)
        let width = max(36, names.map(\.count).max() ?? 0)
        if !s.topModels.isEmpty {
            lines.append("top models by cost:")
            for m in s.topModels {
                lines.append("  " + m.model.padded(width) + String(format: " $%10.4f  ", m.costUSD) + group(m.requests) + " requests")
            }
        }
        if !s.slowestModels.isEmpty {
            lines.append("p95 latency (slowest):")
            for m in s.slowestModels {
                lines.append("  " + m.model.padded(width) + String(format: " %8.0f ms  ", m.p95Ms) + "(\(group(m.timedRequests)) timed, \(m.source))")
            }
        }
        if !s.leastStableTools.isEmpty {
            lines.append("least stable tools:")
            for t in s.leastStableTools {
                lines.append("  " + t.tool.padded(width) + String(format: " %5.1f%% errors  ", t.errorRate * 100) + "\(group(t.calls)) calls, \(group(t.retries)) retries (\(t.source))")
            }
        }
        let incidents = IncidentRule.incidents(verdicts: verdicts)
        if !incidents.isEmpty {
            let models = Set(incidents.map { "\($0.provider)/\($0.model)" }).count
            lines.append("incidents \(incidents.count) on \(models) model(s): see incidents and availability_daily")
        }
        if !s.denialsByReason.isEmpty {
            lines.append("denials:  " + s.denialsByReason.map { "\($0.reason) \($0.denials)" }.joined(separator: ", "))
        }
        let problems = outcome.files.filter { $0.status == .partial || $0.status == .failed }
        if !problems.isEmpty {
            lines.append("problems: \(problems.count) file(s) partial or failed: see ingest_files")
        }
        lines.append("written   \(out)/ (Parquet, CSV, summary.xlsx, report.html)")
        return lines.joined(separator: "\n")
    }

    static func group(_ n: Int64) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}

/// `factorylog trend`: cost per million tokens per model over the last ISO weeks.
enum TrendText {
    static func render(_ aggregates: Aggregates, weeks: Int) -> String {
        let batch = Tables.costWeekly(aggregates)
        guard case .string(let weekCol) = batch.columns[0], case .string(let modelCol) = batch.columns[2],
            case .int64(let tokensCol) = batch.columns[4], case .double(let costCol) = batch.columns[5],
            case .double(let perCol) = batch.columns[6], case .double(let changeCol) = batch.columns[8]
        else { return "no data" }
        let allWeeks = Array(Set(weekCol.compactMap { $0 })).sorted()
        let shown = Array(allWeeks.suffix(weeks))
        if shown.isEmpty { return "no usage in the state yet: run `factorylog run` first." }
        var lines = ["cost per million tokens by ISO week (change vs the previous week)"]
        let header = "model".padded(44) + shown.map { $0.leftPad(18) }.joined()
        lines.append(header)
        var models = Array(Set(modelCol.compactMap { $0 })).sorted()
        if let i = models.firstIndex(of: Tables.allModels) {
            models.remove(at: i)
            models.insert(Tables.allModels, at: 0)
        }
        for m in models {
            var row = m.padded(44)
            var any = false
            for w in shown {
                if let i = weekCol.indices.first(where: { weekCol[$0] == w && modelCol[$0] == m }), (tokensCol[i] ?? 0) > 0 {
                    any = true
                    let per = perCol[i].map { String(format: "$%.3f", $0) } ?? "-"
                    let ch = changeCol[i].map { String(format: " %+.0f%%", $0) } ?? ""
                    row += (per + ch).leftPad(18)
                    _ = costCol
                } else {
                    row += "-".leftPad(18)
                }
            }
            if any { lines.append(row) }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPad(_ n: Int) -> String { count >= n ? " " + self : String(repeating: " ", count: n - count) + self }
}
