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
        /// Per decoded-file position: the calls to count, in line order.
        var winners: [Int: [LLMCall]] = [:]
        /// Per decoded-file position: how many of its records were duplicates.
        var duplicates: [Int: Int] = [:]
        /// Per decoded-file position: keys (with instants) to remember in the state.
        var keysToRemember: [Int: [(DedupKey, Int64)]] = [:]
    }

    /// - Parameter files: decoded files sorted by discovery index; each file's pending calls are
    ///   in line order, so walking them in order is walking (file, line) order.
    static func resolve(_ files: [DecodedFile], known: DedupIndex) -> Resolution {
        var res = Resolution()
        var total = 0
        for f in files { total += f.pending.count }
        if total == 0 { return res }

        // Non-sidechain message ids seen in this run.
        var mainMessages = Set<DedupKey>()
        for f in files {
            for p in f.pending where !p.claim.isSidechain {
                if let m = p.claim.messageKey { mainMessages.insert(m) }
            }
        }

        // The winner of each key, as (file position, index in its pending list).
        var best: [DedupKey: (file: Int, index: Int)] = [:]
        best.reserveCapacity(total)
        for (fi, f) in files.enumerated() {
            for (pi, p) in f.pending.enumerated() {
                if known.contains(p.claim.key) {
                    res.duplicates[fi, default: 0] += 1
                    continue
                }
                if p.claim.isSidechain, let m = p.claim.messageKey, mainMessages.contains(m) || known.contains(m) {
                    res.duplicates[fi, default: 0] += 1
                    continue
                }
                if let cur = best[p.claim.key] {
                    let c = files[cur.file].pending[cur.index]
                    // Walking in (file, line) order, a later record wins only with a higher rank.
                    if p.claim.rank > c.claim.rank {
                        res.duplicates[cur.file, default: 0] += 1
                        best[p.claim.key] = (fi, pi)
                    } else {
                        res.duplicates[fi, default: 0] += 1
                    }
                } else {
                    best[p.claim.key] = (fi, pi)
                }
            }
        }
        for (fi, f) in files.enumerated() {
            for (pi, p) in f.pending.enumerated() {
                guard let w = best[p.claim.key], w.file == fi, w.index == pi else { continue }
                res.winners[fi, default: []].append(p.call)
                res.keysToRemember[fi, default: []].append((p.claim.key, p.call.instantMs))
                if !p.claim.isSidechain, let m = p.claim.messageKey, m != p.claim.key {
                    res.keysToRemember[fi, default: []].append((m, p.call.instantMs))
                }
            }
        }
        return res
    }
}
