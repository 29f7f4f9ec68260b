import Analyze
import Foundation
import Ingest

/// One remembered de-duplication claim: which file counts a key, from which line, how strongly.
///
/// Stored in the state as 32 bytes per entry (`ClaimEntry.encode`): key `hi`, key `lo`, `rank`
/// (little-endian 64-bit each), `line` (32-bit), `kind` (one byte), 3 bytes of zero padding. The
/// owner is the file of the `dedup_sets` row that holds the entry.
struct ClaimEntry: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        /// A counted keyed call (`DedupClaim.key`).
        case call = 0
        /// A non-sidechain record's `message.id` (`DedupClaim.messageKey`): sidechain copies of
        /// that message are duplicates.
        case mainMessage = 1
        /// A counted sidechain record's `message.id`: if a non-sidechain record of the message
        /// turns up later, this owner counted a duplicate and is read again.
        case sidechainMessage = 2
        /// A key remembered by a schema-1 state (a call key or a message id, not told apart):
        /// it keeps its owner and makes sidechain copies of the message duplicates.
        case legacy = 3
        /// A counted keyed tool call (`ToolCall.dedup`). Same rule as `call`; states written
        /// before this kind existed hold none (`CONTRACT.md`, "Tool calls and permission
        /// decisions"), and older versions skip it when they read a newer state.
        case toolCall = 4
        /// A counted keyed permission decision (`PermissionDecision.dedup`). Same rule as `call`.
        case permission = 5

        /// Kinds that name one counted record (a file that owns the key counts it).
        var isCounted: Bool { self == .call || self == .toolCall || self == .permission }
    }

    var rank: Int64
    var owner: UInt32
    /// 1-based line in the file, counted over all runs (an appended tail continues the count).
    var line: UInt32
    var kind: Kind

    static let encodedSize = 32

    static func encode(_ entries: [(DedupKey, ClaimEntry)]) -> [UInt8] {
        let sorted = entries.sorted { $0.0 < $1.0 }
        var out = [UInt8]()
        out.reserveCapacity(sorted.count * encodedSize)
        for (k, e) in sorted {
            withUnsafeBytes(of: k.hi.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: k.lo.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: e.rank.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: e.line.littleEndian) { out.append(contentsOf: $0) }
            out.append(e.kind.rawValue)
            out.append(contentsOf: [0, 0, 0])
        }
        return out
    }

    /// Decodes `encode` output, giving every entry `owner`. Unknown kinds are skipped.
    static func decode(_ bytes: [UInt8], owner: UInt32, into keys: inout [DedupKey], _ entries: inout [ClaimEntry]) {
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i + encodedSize <= raw.count {
                let hi = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let lo = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                let rank = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i + 16, as: Int64.self))
                let line = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i + 24, as: UInt32.self))
                if let kind = Kind(rawValue: raw[i + 28]) {
                    keys.append(DedupKey(hi: hi, lo: lo))
                    entries.append(ClaimEntry(rank: rank, owner: owner, line: line, kind: kind))
                }
                i += encodedSize
            }
        }
    }
}

/// Who counts each de-duplication key, across the files of this run and the keys the state
/// remembers from earlier nights (`CONTRACT.md`, "De-duplication and attempts").
///
/// ### The rule
/// Among records with the same key the highest `rank` counts (Claude Code: the non-sidechain
/// record, then the larger token total; LiteLLM retries: the last attempt; tool calls and
/// permission decisions: result seen, then not a sidechain or fork copy); ties go to the file
/// whose path sorts first (byte order), then to the earlier line. The winner is therefore the
/// same whatever the order files are read in, `--jobs`, or the night each copy arrives. A
/// sidechain record whose `message.id` a non-sidechain record carries is a duplicate.
///
/// ### Streaming
/// Files claim keys while they are decoded and commit as soon as they are done, so no file
/// waits for the others. When a better claim turns up after a file already counted the key, the
/// earlier file is *displaced*: it is read again (`displaced`) and then finds the key owned by
/// the better record. An owner that cannot be read again in this run (not among the inputs)
/// keeps the key: a later copy is then a duplicate whatever its rank.
///
/// Thread-safe: decoders of different files call it concurrently (one lock; claims come in
/// batches, one lock hold per batch).
final class ClaimIndex: @unchecked Sendable {
    private let lock = NSLock()
    /// Owner id → path; `ids` the reverse.
    private var paths: [String] = []
    private var ids: [String: UInt32] = [:]
    /// Entries remembered by the state, sorted by key, one per key (the best).
    private var baseKeys: [DedupKey] = []
    private var baseEntries: [ClaimEntry] = []
    /// Entries made or changed by this run; they shadow `base`.
    private var overlay: [DedupKey: ClaimEntry] = [:]
    /// Owners this run can read again.
    private var rereadable = Set<UInt32>()
    /// Owners that counted a key a better record now owns, not yet read again.
    private var displacedOwners = Set<UInt32>()
    /// Displaced owners not yet recorded as stale in the state.
    private var unrecordedDisplaced = Set<UInt32>()

    init() {}

    /// The id of `path`, assigned on first use.
    func id(of path: String) -> UInt32 {
        lock.lock()
        defer { lock.unlock() }
        return idLocked(path)
    }

    private func idLocked(_ path: String) -> UInt32 {
        if let i = ids[path] { return i }
        let i = UInt32(paths.count)
        paths.append(path)
        ids[path] = i
        return i
    }

    func path(of id: UInt32) -> String {
        lock.lock()
        defer { lock.unlock() }
        return paths[Int(id)]
    }

    /// Loads the state's remembered entries: `(owner path, encoded entries)` per commit.
    /// Where two owners remember the same key, the better claim is kept.
    func load(_ sets: [(path: String, bytes: [UInt8])]) {
        lock.lock()
        defer { lock.unlock() }
        var keys: [DedupKey] = []
        var entries: [ClaimEntry] = []
        keys.reserveCapacity(sets.reduce(0) { $0 + $1.bytes.count / ClaimEntry.encodedSize })
        entries.reserveCapacity(keys.capacity)
        for s in sets {
            ClaimEntry.decode(s.bytes, owner: idLocked(s.path), into: &keys, &entries)
        }
        var order = Array(keys.indices)
        order.sort { keys[$0] < keys[$1] }
        baseKeys.removeAll(keepingCapacity: true)
        baseEntries.removeAll(keepingCapacity: true)
        baseKeys.reserveCapacity(keys.count)
        baseEntries.reserveCapacity(keys.count)
        for i in order {
            if let last = baseKeys.last, last == keys[i] {
                let n = baseEntries.count - 1
                if preferLocked(entries[i], over: baseEntries[n]) { baseEntries[n] = entries[i] }
            } else {
                baseKeys.append(keys[i])
                baseEntries.append(entries[i])
            }
        }
    }

    /// Marks the owners this run can read again (files found by this run that exist).
    func setRereadable(_ owners: Set<UInt32>) {
        lock.lock()
        rereadable = owners
        lock.unlock()
    }

    /// Owners displaced and not read again yet.
    var displaced: Set<UInt32> {
        lock.lock()
        defer { lock.unlock() }
        return displacedOwners
    }

    /// Forgets the displacement of `owners` (they are about to be read again).
    func clearDisplaced(_ owners: Set<UInt32>) {
        lock.lock()
        displacedOwners.subtract(owners)
        lock.unlock()
    }

    /// Displaced owners whose stale mark is not yet in the state; the caller records them in
    /// the same transaction as the commit it is making (so a commit never persists a key taken
    /// from another file without that file being marked to be read again).
    func takeUnrecordedDisplaced() -> Set<UInt32> {
        lock.lock()
        defer { lock.unlock() }
        let s = unrecordedDisplaced
        unrecordedDisplaced.removeAll()
        return s
    }

    /// One keyed record of a file (llm call, tool call or permission decision), offered for
    /// counting.
    struct Offer {
        var claim: DedupClaim
        var line: UInt32
        var kind: ClaimEntry.Kind = .call
    }

    /// Decides a batch of keyed calls of one file, in line order. Returns, per offer, whether it
    /// counts, and appends the entries the file must remember (`remember`) for the state.
    func decide(_ offers: [Offer], owner: UInt32, remember: inout [(DedupKey, ClaimEntry)]) -> [Bool] {
        lock.lock()
        defer { lock.unlock() }
        var result = [Bool](repeating: false, count: offers.count)
        for (i, o) in offers.enumerated() {
            let c = o.claim
            let mine = ClaimEntry(rank: c.rank, owner: owner, line: o.line, kind: o.kind)
            if c.isSidechain, let m = c.messageKey, let e = lookup(m), e.kind == .mainMessage || e.kind == .legacy {
                continue  // a copy of a message a non-sidechain record carries
            }
            let wins = takeLocked(c.key, mine)
            result[i] = wins
            if wins {
                remember.append((c.key, mine))
                if c.isSidechain, let m = c.messageKey, lookup(m) == nil {
                    let side = ClaimEntry(rank: 0, owner: owner, line: o.line, kind: .sidechainMessage)
                    overlay[m] = side
                    remember.append((m, side))
                }
            }
            if !c.isSidechain, let m = c.messageKey, m != c.key {
                let main = ClaimEntry(rank: 0, owner: owner, line: o.line, kind: .mainMessage)
                if let e = lookup(m), e.kind == .sidechainMessage, e.owner != owner {
                    displaceLocked(e.owner)
                }
                if lookup(m)?.kind != .mainMessage { overlay[m] = main }
                remember.append((m, main))
            }
        }
        return result
    }

    /// Claims `key` for `mine`; true when `mine` now owns it.
    private func takeLocked(_ key: DedupKey, _ mine: ClaimEntry) -> Bool {
        guard let cur = lookup(key) else {
            overlay[key] = mine
            return true
        }
        if cur.kind == .legacy { return false }
        if !cur.kind.isCounted {
            overlay[key] = mine
            return true
        }
        if cur.owner == mine.owner && cur.line == mine.line {
            // The same record read again (a displaced or stale file re-read from the start).
            if cur.rank != mine.rank { overlay[key] = mine }
            return true
        }
        guard preferLocked(mine, over: cur) else { return false }
        if cur.owner != mine.owner && !rereadable.contains(cur.owner) {
            return false  // the owner cannot be corrected this run: it keeps the key
        }
        displaceLocked(cur.owner)
        overlay[key] = mine
        return true
    }

    private func displaceLocked(_ owner: UInt32) {
        if displacedOwners.insert(owner).inserted { unrecordedDisplaced.insert(owner) }
    }

    /// The contract's order: higher rank, then the path that sorts first, then the earlier line.
    private func preferLocked(_ a: ClaimEntry, over b: ClaimEntry) -> Bool {
        if a.kind != b.kind { return a.kind == .legacy || (a.kind == .mainMessage && b.kind != .legacy) }
        if a.rank != b.rank { return a.rank > b.rank }
        if a.owner != b.owner {
            return paths[Int(a.owner)].utf8.lexicographicallyPrecedes(paths[Int(b.owner)].utf8)
        }
        return a.line < b.line
    }

    private func lookup(_ key: DedupKey) -> ClaimEntry? {
        if let e = overlay[key] { return e }
        return baseIndex(of: key).map { baseEntries[$0] }
    }

    /// Binary search of `baseKeys`.
    private func baseIndex(of key: DedupKey) -> Int? {
        var lo = 0
        var hi = baseKeys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if baseKeys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < baseKeys.count && baseKeys[lo] == key ? lo : nil
    }

    /// Number of keys known (diagnostics and tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        var n = baseKeys.count
        for k in overlay.keys where baseIndex(of: k) == nil { n += 1 }
        return n
    }
}
