import Analyze
import Foundation
import Ingest

/// The nightly job: discover inputs, read only what the state has not seen, de-duplicate across
/// files and nights, commit each file as soon as it is read, and return everything the state
/// holds for the report window.
///
/// ### Stages
///
///     discover ─▶ plan (ledger: new / append / rewrite / stale / skipped / pruned)
///              ─▶ read files concurrently (≤ jobs at once), keyed calls decided by the ClaimIndex
///              ─▶ commit each file as it finishes (ledger row + per-day parts + claims, one
///                 transaction, several files per transaction when they finish together)
///              ─▶ read again the files a better duplicate displaced (rarely any)
///              ─▶ merge the touched days into the day aggregates; export the window
///
/// Memory holds the claim index and the files in flight, never all files. Results are identical
/// for any `jobs` and any file order (see `ClaimIndex` for the de-duplication rule).
public enum Pipeline {
    /// Runs the nightly job.
    /// - Throws: `StateError` (state locked, time-zone mismatch, SQLite failures). Input problems
    ///   never throw: they are counted per file in `RunOutcome.files`.
    public static func run(_ plan: RunPlan, progress: (@Sendable (RunProgress) -> Void)? = nil) async throws -> RunOutcome {
        let store = try StateStore(
            path: plan.statePath, timeZone: plan.calendar.identifier, rebuild: plan.rebuild, principals: plan.principalMode)
        var handedOver = false
        defer { if !handedOver { store.close() } }
        var discovered = InputDiscovery.discover(plan.inputs)
        // The state knows every file under its canonical path, whatever spelling reached it
        // (`PathResolver`); ingest_files shows the path as given or found in this run.
        let own = OwnFiles(plan.excludedPaths)
        let resolver = PathResolver()
        var canonical: [String] = []
        var spelling: [String: String] = [:]
        for f in discovered.files {
            let c = resolver.resolve(f)
            if own.contains(canonical: c) || spelling[c] != nil { continue }
            canonical.append(c)
            spelling[c] = f
        }
        canonical.sort(by: InputDiscovery.pathPrecedes)
        discovered.files = canonical
        // The ledger is read once: for the spellings a state from before canonical paths holds,
        // and for planning.
        var ledger = try store.ledgerByPath()
        let adopted = try store.adoptEarlierSpellings(
            spelling.compactMap { $0.key != $0.value ? ($0.key, $0.value) : nil }, isRecorded: { ledger[$0] != nil })
        for (canonical, given) in adopted {
            ledger[canonical] = ledger.removeValue(forKey: given).map { var r = $0; r.path = canonical; return r }
        }

        // A state from before tool calls were keyed: its recent transcripts are read again once.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try store.markTranscriptsForToolClaims(
            newestEventAtOrAfterMs: plan.dedupDays > 0 ? now - Int64(plan.dedupDays) * 86_400_000 : nil)

        let index = ClaimIndex()
        var planning = try RunPlanning(plan: plan, store: store, ledger: ledger, files: discovered.files, index: index)
        // A night with nothing to read decides no key: the stored claims are not loaded.
        if !planning.tasks.isEmpty {
            index.load(try store.claimSets(excludingPaths: planning.rewritten))
        }
        index.setRereadable(planning.rereadable)

        var committer = Committer(store: store, index: index, jobs: plan.jobs, progress: progress)
        try await committer.read(planning.tasks, decoder: FileDecoder(plan: plan, index: index), rows: &planning.rows)
        // Files that counted a key a better record read later owns: read them again (each round
        // can only displace files again in contrived cases; four rounds bound it).
        for _ in 0..<4 {
            let displaced = index.displaced
            if displaced.isEmpty { break }
            index.clearDisplaced(displaced)
            let tasks = displaced.sorted().compactMap { planning.rereadTask(owner: $0, path: index.path(of: $0)) }
            try await committer.read(tasks, decoder: FileDecoder(plan: plan, index: index), rows: &planning.rows)
        }
        if plan.dedupDays > 0 {
            let cutoff = now - Int64(plan.dedupDays) * 86_400_000
            try store.pruneDedupKeys(olderThanMs: cutoff)
        }
        let state = try StateView(store: store, window: plan.window)
        handedOver = true
        return RunOutcome(
            files: planning.rows.compactMap { row in
                guard var row else { return nil }
                row.path = spelling[row.path] ?? row.path
                return row
            }, state: state, bytesRead: committer.bytesRead,
            missingInputs: discovered.problems.map { (path: $0.path, message: $0.message) },
            pricesID: plan.pricer.snapshotID, earlierProblems: planning.earlierProblems)
    }

    /// Everything the state holds for the days of `window` (nil = all), merged: the touched days
    /// are merged into the day aggregates first.
    public static func load(store: StateStore, window: ClosedRange<Int32>?) throws -> Aggregates {
        try store.refreshDirtyDays()
        return try store.dayAggregates(window: window)
    }
}

/// The state as a run (or `report`) leaves it, still open and locked: what it holds for the
/// window is loaded on first use only, so a run whose outputs are unchanged never loads it.
/// `close()` releases the state; until then no other run can open it.
public final class StateView: @unchecked Sendable {
    public let store: StateStore
    /// Inclusive report-time-zone day numbers, nil = all days.
    public let window: ClosedRange<Int32>?
    /// `StateStore.contentID()` after the touched days were merged: same id, same aggregates.
    public let contentID: String?
    private let lock = NSLock()
    private var cached: Aggregates?
    private var verdicts: [IncidentRule.Verdict]?

    /// Merges the dirty days first (`StateStore.refreshDirtyDays`).
    /// - Throws: `StateError`.
    public init(store: StateStore, window: ClosedRange<Int32>?) throws {
        self.store = store
        self.window = window
        try store.refreshDirtyDays()
        contentID = try store.contentID()
    }

    /// Everything the state holds for `window`, merged (loaded once).
    /// - Throws: `StateError`, `Aggregates.DecodingError` for a damaged blob.
    public func aggregates() throws -> Aggregates {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let a = try store.dayAggregates(window: window)
        cached = a
        return a
    }

    /// The GPU energy and server-token aggregates for `window` (issue 17), merged.
    /// - Throws: `StateError`, `Aggregates.DecodingError` for a damaged blob.
    public func energy() throws -> EnergyAggregates {
        try store.energyAggregates(window: window)
    }

    /// The incident rule's verdicts of the windows `aggregates()` holds, computed once for the
    /// incidents and availability_daily tables and the end-of-run summary.
    /// - Throws: as `aggregates()`.
    public func incidentVerdicts() throws -> [IncidentRule.Verdict] {
        let windows = try aggregates().windows
        lock.lock()
        defer { lock.unlock() }
        if let verdicts { return verdicts }
        let v = IncidentRule.verdicts(windows)
        verdicts = v
        return v
    }

    /// The aggregates if `aggregates()` loaded them, nil otherwise (never loads).
    public var loaded: Aggregates? {
        lock.lock()
        defer { lock.unlock() }
        return cached
    }

    public func close() { store.close() }
}

/// Decides, from the ledger, what to do with each discovered file.
struct RunPlanning {
    /// One row per discovered file, by discovery index (nil until known).
    var rows: [IngestFileRecord?]
    var tasks: [FileTask] = []
    /// Files read from the start because their content changed: their old claims are void.
    var rewritten = Set<String>()
    /// Owners this run can read again (discovered files that exist).
    var rereadable = Set<UInt32>()
    /// Files not read again (unchanged, or outside the window) whose last reading, in an earlier
    /// run, was partial or failed (`--strict` fails on them until they are fixed).
    var earlierProblems: [IngestFileRecord] = []
    private var stats: [String: (fileIndex: Int, info: FileStat.Info)] = [:]

    /// - Parameter ledger: the state's ledger rows by path (`StateStore.ledgerByPath`).
    init(plan: RunPlan, store: StateStore, ledger: [String: IngestFileRecord], files: [String], index: ClaimIndex) throws {
        rows = Array(repeating: nil, count: files.count)
        let stale = try store.staleFiles()
        let dayRanges = plan.window != nil ? try store.fileDayRanges() : [:]
        for (i, path) in files.enumerated() {
            let old = ledger[path]
            guard let st = FileStat.of(path) else {
                var r = old ?? IngestFileRecord(path: path)
                r.status = .failed
                r.error = "cannot read \(path): \(String(cString: strerror(errno))); check the path and its permissions"
                rows[i] = r
                continue
            }
            let owner = index.id(of: path)
            rereadable.insert(owner)
            stats[path] = (i, st)
            let unchanged = old.map { $0.size == st.size && $0.mtimeNs == st.mtimeNs && $0.status != .failed } ?? false
            if unchanged && stale.contains(path) {
                // It lost a key to a better record on an earlier run that was interrupted.
                if let t = rereadTask(owner: owner, path: path) { tasks.append(t) }
                continue
            }
            // Date pruning: by the path's date (widened by one day each side for time zones) ...
            if let window = plan.window, let day = PathDates.day(in: path), day + 1 < window.lowerBound || day - 1 > window.upperBound {
                if let old, old.status == .partial || old.status == .failed { earlierProblems.append(old) }
                var r = old ?? IngestFileRecord(path: path)
                r.status = .pruned
                r.error = old.map(Self.earlierProblem) ?? ""
                rows[i] = r
                continue
            }
            if unchanged, let old {
                if old.status == .partial || old.status == .failed { earlierProblems.append(old) }
                var r = old
                // ... or by the day range the state knows for it.
                if let window = plan.window, let range = dayRanges[path], !range.overlaps(window) {
                    r.status = .pruned
                } else {
                    r.status = .skipped
                }
                r.error = Self.earlierProblem(old)
                rows[i] = r
                continue
            }
            var mode = FileTask.Mode.full(replace: old != nil)
            var fpLength = min(st.size, 64 << 10)
            var fp = FileStat.fingerprint(path, length: fpLength) ?? 0
            if let old, old.status != .failed, st.size > old.size, old.fingerprintLength > 0,
                FileStat.fingerprint(path, length: old.fingerprintLength) == old.fingerprint,
                let format = LogFormat(rawValue: old.format), format.isStateless, !stale.contains(path)
            {
                // Append-only growth of a stateless gateway log: read only the new tail.
                mode = .append(previous: old)
                if old.fingerprintLength >= fpLength {
                    fpLength = old.fingerprintLength
                    fp = old.fingerprint
                }
            } else if old != nil {
                // Read again from the start (also a stale file that changed: its lines moved, so its
                // old claims would make its own records look like copies).
                rewritten.insert(path)
            }
            tasks.append(FileTask(path: path, fileIndex: i, owner: owner, size: st.size, mtimeNs: st.mtimeNs, fingerprint: fp, fingerprintLength: fpLength, mode: mode))
        }
    }

    /// The `error` of a file this run does not read again: empty, or, when its last reading was
    /// partial or failed, that reading's error, so the problem stays visible in `ingest_files`.
    static func earlierProblem(_ old: IngestFileRecord) -> String {
        guard old.status == .partial || old.status == .failed, !old.error.isEmpty else { return "" }
        return "unchanged since an earlier run found it \(old.status.rawValue): \(old.error)"
    }

    /// A task reading `path` again from the start, replacing its parts (its claims stay valid:
    /// the same lines claim the same keys). Nil when the file is not among this run's inputs.
    func rereadTask(owner: UInt32, path: String) -> FileTask? {
        guard let (i, st) = stats[path] else { return nil }
        let fpLength = min(st.size, 64 << 10)
        let fp = FileStat.fingerprint(path, length: fpLength) ?? 0
        return FileTask(path: path, fileIndex: i, owner: owner, size: st.size, mtimeNs: st.mtimeNs, fingerprint: fp, fingerprintLength: fpLength, mode: .full(replace: true))
    }
}

/// Reads tasks concurrently and commits each file soon after it is read.
struct Committer {
    let store: StateStore
    let index: ClaimIndex
    let jobs: Int
    let progress: (@Sendable (RunProgress) -> Void)?
    private(set) var bytesRead: Int64 = 0
    private var done = 0
    private var total = 0

    /// Files committed together at most (one transaction); a file of more than `bigFileBytes`
    /// is committed at once.
    static let batchFiles = 64
    static let bigFileBytes: Int64 = 4 << 20

    init(store: StateStore, index: ClaimIndex, jobs: Int, progress: (@Sendable (RunProgress) -> Void)?) {
        self.store = store
        self.index = index
        self.jobs = max(1, jobs)
        self.progress = progress
    }

    mutating func read(_ tasks: [FileTask], decoder: FileDecoder, rows: inout [IngestFileRecord?]) async throws {
        if tasks.isEmpty { return }
        total += tasks.count
        var pending: [DecodedFile] = []
        var pendingBytes: Int64 = 0
        try await withThrowingTaskGroup(of: DecodedFile.self) { group in
            var next = 0
            while next < min(jobs, tasks.count) {
                let t = tasks[next]
                group.addTask { decoder.decode(t) }
                next += 1
            }
            while let d = try await group.next() {
                if next < tasks.count {
                    let t = tasks[next]
                    group.addTask { decoder.decode(t) }
                    next += 1
                }
                done += 1
                bytesRead += d.runBytesRead
                pendingBytes += d.runBytesRead
                rows[d.task.fileIndex] = d.record
                pending.append(d)
                if pending.count >= Self.batchFiles || pendingBytes >= Self.bigFileBytes || next >= tasks.count {
                    try commit(pending)
                    pending.removeAll(keepingCapacity: true)
                    pendingBytes = 0
                }
                progress?(RunProgress(filesDone: done, filesTotal: total, bytesRead: bytesRead))
            }
        }
        try commit(pending)
    }

    private func commit(_ files: [DecodedFile]) throws {
        let displaced = index.displaced
        var commits: [FileCommit] = []
        commits.reserveCapacity(files.count)
        for d in files {
            if d.failed {
                commits.append(FileCommit(record: d.record, replace: false, stale: displaced.contains(d.task.owner) ? true : nil))
                continue
            }
            var days: [Int32: [UInt8]] = [:]
            for (day, part) in d.aggregates.splitByDay() { days[day] = part.serialized() }
            var commit = FileCommit(
                record: d.record, replace: d.task.replace, days: days, claims: ClaimEntry.encode(d.claims),
                claimCount: d.claims.count, claimsMaxInstantMs: d.claimsMaxInstantMs,
                stale: displaced.contains(d.task.owner))
            for (day, part) in d.energy.splitByDay() { commit.energyDays[day] = part.serialized() }
            commits.append(commit)
        }
        let stale = index.takeUnrecordedDisplaced().map { index.path(of: $0) }.sorted()
        try store.commit(commits, staleOwners: stale)
    }
}

extension LogFormat {
    /// Formats whose decoders keep no state across lines, so an appended tail can be decoded on
    /// its own. Agent transcripts join tool uses to later results and difference cumulative
    /// counters, so a grown transcript is re-read whole (its old contribution replaced).
    public var isStateless: Bool {
        switch self {
        case .litellm, .kong, .bedrock, .otel, .envoy, .azureAPIM, .azureOpenAI, .geminiCLITelemetry: true
        case .claudeCode, .codex, .geminiCLI: false
        }
    }
}

/// factorylog's own output folder and state files, recognized by canonical path
/// (`PathResolver`).
final class OwnFiles {
    let prefixes: [String]
    /// The excluded paths and the state's companions (`-wal`, `-shm`, `.lock`, `-journal`).
    private let exact: Set<String>
    /// What lies below an excluded path, a new state being created (`<state>.new-<pid>` and its
    /// companions), and the output folder's temporary twin while it is being written.
    private let below: [String]

    init(_ paths: [String]) {
        var p: [String] = []
        for path in paths where !path.isEmpty {
            p.append(PathResolver.absolute(path))
        }
        prefixes = p
        var exact = Set<String>(), below: [String] = []
        for path in p {
            exact.insert(path)
            for suffix in ["-wal", "-shm", ".lock", "-journal"] { exact.insert(path + suffix) }
            let parent = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            below += [path + "/", path + ".new-", parent + "/." + name + ".tmp-"]
        }
        self.exact = exact
        self.below = below
    }

    /// True when `canonical` (a `PathResolver.resolve` result) is one of the excluded paths,
    /// below one, or a state companion file (`<state>-wal`, `<state>-shm`, `<state>.lock`,
    /// `<state>-journal`, `<state>.new-…`). Built once, so a file costs a set look-up and a few
    /// prefix tests.
    func contains(canonical abs: String) -> Bool {
        guard !prefixes.isEmpty else { return false }
        return exact.contains(abs) || below.contains { abs.hasPrefix($0) }
    }

    /// `contains(canonical:)` of `path` resolved.
    func contains(_ path: String) -> Bool {
        prefixes.isEmpty ? false : contains(canonical: PathResolver().resolve(path))
    }
}

/// `stat(2)` facts and a content fingerprint.
enum FileStat {
    struct Info {
        var size: Int64
        var mtimeNs: Int64
    }

    static func of(_ path: String) -> Info? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Info(size: Int64(st.st_size), mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    /// FNV-based hash of the first `length` bytes, or nil when they cannot be read.
    static func fingerprint(_ path: String, length: Int64) -> UInt64? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var remaining = Int(length)
        var hasher = ByteHasher(seed: 7)
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        while remaining > 0 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, min($0.count, remaining)) }
            if n < 0 { return nil }
            if n == 0 { break }
            buf.withUnsafeBytes { hasher.combine(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            remaining -= n
        }
        return remaining == 0 ? hasher.value : nil
    }
}
