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
        /// Per decoded-file position, per pending call: whether it is counted.
        var isWinner: [[Bool]] = []
        /// Per decoded-file position: how many of its records were duplicates.
        var duplicates: [Int: Int] = [:]
        /// Per decoded-file position: keys (with instants) to remember in the state.
        var keysToRemember: [Int: [(DedupKey, Int64)]] = [:]
    }

    /// - Parameter files: decoded files sorted by discovery index; each file's pending calls are
    ///   in line order and unique by key within the file, so walking them in order is walking
    ///   (file, line) order.
    static func resolve(_ files: [DecodedFile], known: DedupIndex) -> Resolution {
        var res = Resolution()
        res.isWinner = files.map { Array(repeating: false, count: $0.pending.count) }
        var total = 0
        for f in files { total += f.pending.count }
        if total == 0 { return res }

        // Non-sidechain message ids seen in this run.
        var mainMessages = Set<DedupKey>()
        for f in files {
            for c in f.pending where !c.dedup!.isSidechain {
                if let m = c.dedup!.messageKey { mainMessages.insert(m) }
            }
        }

        // The winner of each key, as (file position, index in its pending list).
        var best: [DedupKey: (file: Int, index: Int)] = [:]
        best.reserveCapacity(total)
        for (fi, f) in files.enumerated() {
            for (pi, c) in f.pending.enumerated() {
                let claim = c.dedup!
                if known.contains(claim.key) {
                    res.duplicates[fi, default: 0] += 1
                    continue
                }
                if claim.isSidechain, let m = claim.messageKey, mainMessages.contains(m) || known.contains(m) {
                    res.duplicates[fi, default: 0] += 1
                    continue
                }
                if let cur = best[claim.key] {
                    // Walking in (file, line) order, a later record wins only with a higher rank.
                    if claim.rank > files[cur.file].pending[cur.index].dedup!.rank {
                        res.duplicates[cur.file, default: 0] += 1
                        res.isWinner[cur.file][cur.index] = false
                        best[claim.key] = (fi, pi)
                        res.isWinner[fi][pi] = true
                    } else {
                        res.duplicates[fi, default: 0] += 1
                    }
                } else {
                    best[claim.key] = (fi, pi)
                    res.isWinner[fi][pi] = true
                }
            }
        }
        for (fi, f) in files.enumerated() {
            for (pi, c) in f.pending.enumerated() where res.isWinner[fi][pi] {
                let claim = c.dedup!
                res.keysToRemember[fi, default: []].append((claim.key, c.instantMs))
                if !claim.isSidechain, let m = claim.messageKey, m != claim.key {
                    res.keysToRemember[fi, default: []].append((m, c.instantMs))
                }
            }
        }
        return res
    }
}
