import Ingest

/// Cross-file de-duplication of keyed model calls (`CONTRACT.md`, "De-duplication and attempts").
///
/// Among records with the same key the highest `rank` wins (Claude Code: the non-sidechain
/// record, then the larger token total; LiteLLM retries: the last attempt); ties go to the
/// earlier file in discovery order, then the earlier line, so the result does not depend on
/// `--jobs` or scheduling. A sidechain record whose `messageKey` is carried by a non-sidechain
/// record (in this run or remembered by the state) is a duplicate whatever its key. A key the
/// state already remembers from another file or night is a duplicate.
enum DedupResolver {
    struct Resolution {
        /// Per decoded-file index: the calls to count.
        var winners: [Int: [PendingCall]] = [:]
        /// Per decoded-file index: how many of its records were duplicates.
        var duplicates: [Int: Int] = [:]
        /// Per decoded-file index: keys (with instants) to remember in the state.
        var keysToRemember: [Int: [(DedupKey, Int64)]] = [:]
    }

    static func resolve(_ files: [DecodedFile], store: StateStore, excludingPaths: Set<String>) throws -> Resolution {
        var res = Resolution()
        // position of each decoded file by its fileIndex
        var position: [Int: Int] = [:]
        for (i, f) in files.enumerated() { position[f.fileIndex] = i }

        var all: [PendingCall] = []
        for f in files { all.append(contentsOf: f.pending) }
        if all.isEmpty { return res }

        // Keys known from other files / earlier nights.
        var probe = Set<DedupKey>()
        for p in all {
            probe.insert(p.claim.key)
            if let m = p.claim.messageKey { probe.insert(m) }
        }
        let known = try store.knownDedupKeys(Array(probe), excludingPaths: excludingPaths)

        // Non-sidechain message ids seen in this run.
        var mainMessages = Set<DedupKey>()
        for p in all where !p.claim.isSidechain {
            if let m = p.claim.messageKey { mainMessages.insert(m) }
        }

        var best: [DedupKey: PendingCall] = [:]
        func dropped(_ p: PendingCall) {
            res.duplicates[position[p.fileIndex]!, default: 0] += 1
        }
        for p in all {
            if known.contains(p.claim.key) {
                dropped(p)
                continue
            }
            if p.claim.isSidechain, let m = p.claim.messageKey, mainMessages.contains(m) || known.contains(m) {
                dropped(p)
                continue
            }
            if let cur = best[p.claim.key] {
                if beats(p, cur) {
                    dropped(cur)
                    best[p.claim.key] = p
                } else {
                    dropped(p)
                }
            } else {
                best[p.claim.key] = p
            }
        }
        for w in best.values.sorted(by: { ($0.fileIndex, $0.line) < ($1.fileIndex, $1.line) }) {
            let i = position[w.fileIndex]!
            res.winners[i, default: []].append(w)
            res.keysToRemember[i, default: []].append((w.claim.key, w.call.instantMs))
            if !w.claim.isSidechain, let m = w.claim.messageKey, m != w.claim.key {
                res.keysToRemember[i, default: []].append((m, w.call.instantMs))
            }
        }
        return res
    }

    /// True when `a` should be kept over `b`.
    static func beats(_ a: PendingCall, _ b: PendingCall) -> Bool {
        if a.claim.rank != b.claim.rank { return a.claim.rank > b.claim.rank }
        return (a.fileIndex, a.line) < (b.fileIndex, b.line)
    }
}
