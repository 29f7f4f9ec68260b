import Analyze
import Ingest

/// Everything a run needs, resolved from the command line (the CLI builds it; Analyze never
/// parses flags).
public struct RunPlan: Sendable {
    /// Files, folders (recursive) and glob patterns, as given.
    public var inputs: [String]
    /// Forces one decoder for every file (`--format`); nil = detect per file.
    public var format: LogFormat?
    /// The report time zone (`--tz`).
    public var calendar: ReportCalendar
    /// Price table and aliases (`--prices`, `--model-aliases`).
    public var pricer: Pricer
    /// `--cost-source`.
    public var costSource: CostSource
    /// Files decoded at once (`--jobs`).
    public var jobs: Int
    /// Longer lines are skipped and counted (`--max-line-bytes`, default 64 MiB).
    public var maxLineBytes: Int = 64 << 20
    /// Inclusive report window in days since 1970-01-01 in the report time zone (`--since`/`--until`).
    public var since: Int32? = nil
    public var until: Int32? = nil
    /// How long de-duplication keys are remembered across runs (`--dedup-days`).
    public var dedupDays: Int = 7
    /// The SQLite state (`--state`).
    public var statePath: String
    /// Discard the state first (`--rebuild`).
    public var rebuild: Bool = false
    /// factorylog's own files, never read as logs even when they sit under an input folder: the
    /// output folder (everything below it) and the state file (with its `-wal`, `-shm`, `.lock`).
    public var excludedPaths: [String] = []
    /// `--pseudonymize KEYFILE`: principals are stored and written as keyed pseudonyms
    /// (`Aggregates.pseudonymized(with:)`); nil keeps them in clear. The state records which
    /// (`PrincipalMode`) and refuses the other.
    public var pseudonymizer: Pseudonymizer? = nil

    /// How this run stores principals.
    public var principalMode: PrincipalMode { pseudonymizer.map { .pseudonymized(keyID: $0.keyID) } ?? .clear }

    public init(inputs: [String], format: LogFormat?, calendar: ReportCalendar, pricer: Pricer, costSource: CostSource, jobs: Int, statePath: String) {
        self.inputs = inputs
        self.format = format
        self.calendar = calendar
        self.pricer = pricer
        self.costSource = costSource
        self.jobs = jobs
        self.statePath = statePath
    }

    /// Prices calls with `pricer` under `costSource`.
    public var coster: PricerCoster { PricerCoster(pricer: pricer, costSource: costSource) }

    /// The window as a closed range of days, or nil when unbounded on both sides.
    public var window: ClosedRange<Int32>? {
        if since == nil && until == nil { return nil }
        return (since ?? Int32.min)...(until ?? Int32.max)
    }
}

/// Progress of a run, reported after every file (for a progress line; Analyze never prints).
public struct RunProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    /// Bytes read from disk so far.
    public var bytesRead: Int64
}

/// What a run produced.
public struct RunOutcome: Sendable {
    /// One row per input file found by this run, in discovery order.
    public var files: [IngestFileRecord]
    /// The state after the run, open and locked until `state.close()`; its aggregates for the
    /// window load on first use.
    public var state: StateView
    /// Bytes read from disk by this run (appended files: only their new tail).
    public var bytesRead: Int64
    /// Inputs that could not be found at all (path, message).
    public var missingInputs: [(path: String, message: String)]
    /// The price snapshot used.
    public var pricesID: String

    /// True when nothing at all could be read (every file failed, or none was found).
    public var nothingReadable: Bool {
        files.isEmpty || files.allSatisfy { $0.status == .failed }
    }

    /// Input files this run did not read again (unchanged since, or outside `--since`/`--until`)
    /// whose last reading, in an earlier run, was partial or failed: the state still lists them
    /// so, with the earlier error (their `files` rows say `skipped` / `pruned`).
    public var earlierProblems: [IngestFileRecord] = []

    public init(
        files: [IngestFileRecord], state: StateView, bytesRead: Int64,
        missingInputs: [(path: String, message: String)], pricesID: String, earlierProblems: [IngestFileRecord] = []
    ) {
        self.files = files
        self.state = state
        self.bytesRead = bytesRead
        self.missingInputs = missingInputs
        self.pricesID = pricesID
        self.earlierProblems = earlierProblems
    }

    /// True when any file is partial or failed, in this run or (unchanged since) in an earlier
    /// one (`--strict` turns this into a non-zero exit).
    public var hasProblems: Bool {
        !missingInputs.isEmpty || !earlierProblems.isEmpty
            || files.contains { $0.status == .partial || $0.status == .failed }
    }
}
