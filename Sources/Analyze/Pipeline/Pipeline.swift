import Foundation
import Ingest

/// The nightly job: discover inputs, read only what the state has not seen, de-duplicate across
/// files and nights, commit each file's contribution with its ledger row in one transaction,
/// and return everything the state holds for the report window.
///
/// ### Stages
///
///     discover ─▶ plan (ledger: new / append / rewrite / skipped / pruned)
///              ─▶ decode files concurrently (≤ jobs at once; each a child task)
///              ─▶ resolve keyed calls across files and against the state's known keys
///              ─▶ commit per file (ledger row + contribution + keys, one transaction)
///              ─▶ merge contributions in the window
///
/// Results are identical for any `jobs` and any file order: partial aggregates merge
/// associatively and de-duplication ties break on (discovery index, line).
public enum Pipeline {
    /// Runs the nightly job.
    /// - Throws: `StateError` (state locked, time-zone mismatch, SQLite failures). Input problems
    ///   never throw: they are counted per file in `RunOutcome.files`.
    public static func run(_ plan: RunPlan, progress: (@Sendable (RunProgress) -> Void)? = nil) async throws -> RunOutcome {
        let store = try StateStore(path: plan.statePath, timeZone: plan.calendar.identifier, rebuild: plan.rebuild)
        defer { store.close() }
        var discovered = InputDiscovery.discover(plan.inputs)
        let own = OwnFiles(plan.excludedPaths)
        discovered.files.removeAll { own.contains($0) }
        var rows: [IngestFileRecord?] = Array(repeating: nil, count: discovered.files.count)
        var tasks: [FileTask] = []
        var previous: [Int: IngestFileRecord] = [:]

        // 1. Plan each file from the ledger.
        for (index, path) in discovered.files.enumerated() {
            let old = try store.ledger(path: path)
            guard let st = FileStat.of(path) else {
                var r = old ?? IngestFileRecord(path: path)
                r.status = .failed
                r.error = "cannot read \(path): \(String(cString: strerror(errno))); check the path and its permissions"
                rows[index] = r
                continue
            }
            // Date pruning: by the path's date (widened by one day each side for time zones) ...
            if let window = plan.window, let day = PathDates.day(in: path), day + 1 < window.lowerBound || day - 1 > window.upperBound {
                var r = old ?? IngestFileRecord(path: path)
                r.status = .pruned
                r.error = ""
                rows[index] = r
                continue
            }
            let unchanged = old.map { $0.size == st.size && $0.mtimeNs == st.mtimeNs && $0.status != .failed } ?? false
            if unchanged, let old {
                var r = old
                // ... or by the ledger's day range for a file we already know.
                if let window = plan.window, let range = try store.dayRange(path: path), range.1 < window.lowerBound || range.0 > window.upperBound {
                    r.status = .pruned
                } else {
                    r.status = .skipped
                }
                r.error = ""
                rows[index] = r
                continue
            }
            var mode = FileTask.Mode.full(replace: old != nil)
            var fpLength = min(st.size, 64 << 10)
            var fp = FileStat.fingerprint(path, length: fpLength) ?? 0
            if let old, old.status != .failed, st.size > old.size, old.fingerprintLength > 0,
                FileStat.fingerprint(path, length: old.fingerprintLength) == old.fingerprint,
                let format = LogFormat(rawValue: old.format), format.isStateless
            {
                // Append-only growth of a stateless gateway log: read only the new tail.
                mode = .append(previous: old)
                previous[index] = old
                if old.fingerprintLength >= fpLength {
                    fpLength = old.fingerprintLength
                    fp = old.fingerprint
                }
            }
            tasks.append(FileTask(path: path, fileIndex: index, size: st.size, mtimeNs: st.mtimeNs, fingerprint: fp, fingerprintLength: fpLength, mode: mode))
        }

        // 2. Decode concurrently, at most `jobs` files in flight.
        let decoder = FileDecoder(plan: plan)
        let total = tasks.count
        var decoded: [DecodedFile] = []
        decoded.reserveCapacity(total)
        await withTaskGroup(of: DecodedFile.self) { group in
            var next = 0
            var done = 0
            var bytes: Int64 = 0
            let width = max(1, plan.jobs)
            while next < min(width, total) {
                let t = tasks[next]
                let prev = previous[t.fileIndex]
                group.addTask { decoder.decode(t, previous: prev) }
                next += 1
            }
            while let d = await group.next() {
                decoded.append(d)
                done += 1
                bytes += d.runBytesRead
                progress?(RunProgress(filesDone: done, filesTotal: total, bytesRead: bytes))
                if next < total {
                    let t = tasks[next]
                    let prev = previous[t.fileIndex]
                    group.addTask { decoder.decode(t, previous: prev) }
                    next += 1
                }
            }
        }
        decoded.sort { $0.fileIndex < $1.fileIndex }

        // 3. De-duplicate keyed calls across files and against keys the state already knows.
        let replacedPaths = Set(tasks.compactMap { t -> String? in
            if case .full(let replace) = t.mode, replace { return t.path }
            return nil
        })
        let known = decoded.contains(where: { !$0.pending.isEmpty }) ? try store.dedupIndex(excludingPaths: replacedPaths) : DedupIndex(keys: [])
        let resolution = DedupResolver.resolve(decoded, known: known)
        for i in decoded.indices {
            for (j, call) in decoded[i].pending.enumerated() where resolution.isWinner[i][j] {
                decoded[i].aggregator.add(call)
            }
            decoded[i].pending = []
        }
        for (i, n) in resolution.duplicates { decoded[i].record.duplicateEvents += Int64(n) }

        // 4. Commit per file: contribution + ledger row + keys in one transaction.
        let taskByIndex = Dictionary(uniqueKeysWithValues: tasks.map { ($0.fileIndex, $0) })
        for i in decoded.indices {
            var d = decoded[i]
            let agg = d.aggregator.finish()
            let task = taskByIndex[d.fileIndex]!
            var replace = false
            if case .full(let r) = task.mode { replace = r }
            if d.record.status == .failed {
                try store.updateLedger(d.record)
            } else {
                let days = agg.days
                try store.commitFile(
                    d.record, contribution: agg.isEmpty ? nil : agg.serialized(), minDay: days.min(), maxDay: days.max(),
                    dedupKeys: resolution.keysToRemember[i] ?? [], replace: replace)
            }
            rows[d.fileIndex] = d.record
        }
        if plan.dedupDays > 0 {
            let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - Int64(plan.dedupDays) * 86_400_000
            try store.pruneDedupKeys(olderThanMs: cutoff)
        }

        // 5. Everything in the window, merged.
        let merged = try Self.load(store: store, window: plan.window)
        return RunOutcome(
            files: rows.compactMap { $0 }, aggregates: merged, bytesRead: decoded.reduce(0) { $0 + $1.runBytesRead },
            missingInputs: discovered.problems.map { (path: $0.path, message: $0.message) },
            pricesID: plan.pricer.snapshotID)
    }

    /// Merges the state's contributions that intersect `window` (days; nil = all).
    public static func load(store: StateStore, window: ClosedRange<Int32>?) throws -> Aggregates {
        var merged = Aggregates.empty
        for blob in try store.contributions(minDay: window?.lowerBound, maxDay: window?.upperBound) {
            merged.merge(try Aggregates(serialized: blob))
        }
        return merged
    }
}

extension LogFormat {
    /// Formats whose decoders keep no state across lines, so an appended tail can be decoded on
    /// its own. Agent transcripts join tool uses to later results and difference cumulative
    /// counters, so a grown transcript is re-read whole (its old contribution replaced).
    public var isStateless: Bool {
        switch self {
        case .litellm, .kong, .bedrock, .otel: true
        case .claudeCode, .codex: false
        }
    }
}

/// factorylog's own output folder and state files, recognized by absolute, symlink-resolved path.
struct OwnFiles {
    let prefixes: [String]

    init(_ paths: [String]) {
        var p: [String] = []
        for path in paths where !path.isEmpty {
            let abs = Self.absolute(path)
            p.append(abs)
        }
        prefixes = p
    }

    /// True when `path` is one of the excluded paths, below one, or a state companion file
    /// (`<state>-wal`, `<state>-shm`, `<state>.lock`, `<state>-journal`).
    func contains(_ path: String) -> Bool {
        guard !prefixes.isEmpty else { return false }
        let abs = Self.absolute(path)
        for p in prefixes {
            if abs == p || abs.hasPrefix(p + "/") { return true }
            for suffix in ["-wal", "-shm", ".lock", "-journal"] where abs == p + suffix { return true }
            // the output folder's temporary twin while it is being written
            let parent = (p as NSString).deletingLastPathComponent
            let name = (p as NSString).lastPathComponent
            if abs.hasPrefix(parent + "/." + name + ".tmp-") { return true }
        }
        return false
    }

    static func absolute(_ path: String) -> String {
        var full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // resolve symlinks of the parent (the file itself may not exist yet)
        let parent = (full as NSString).deletingLastPathComponent
        if let resolved = realpath(parent, nil) {
            full = String(cString: resolved) + "/" + (full as NSString).lastPathComponent
            free(resolved)
        }
        return (full as NSString).standardizingPath
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
