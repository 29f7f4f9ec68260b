import Foundation
import Histogram
import Ingest
import Testing

@testable import Analyze
@testable import Engine

@Suite("Streaming engine: sparse percentiles and the claim index")
struct StreamingEngineTests {
    /// The sparse walk must give exactly hdrhistogram-swift's `valueAtPercentile` on the dense
    /// histogram it replaces, for every percentile the tables use, on samples spread over many
    /// HDR buckets (0 ms, unit buckets below 2 048 ms, wide buckets up to hours).
    @Test func sparsePercentilesEqualTheDenseHistogram() {
        var rng = SystemRandomNumberGenerator()
        let ps: [Double] = [0, 0.1, 1, 25, 50, 90, 95, 99, 99.9, 100]
        for round in 0..<300 {
            var h = DurationHistogram()
            let n = 1 + Int.random(in: 0..<(round < 50 ? 5 : 2_000), using: &rng)
            for _ in 0..<n {
                let scale = [3.0, 2_000, 70_000, 9_000_000][Int.random(in: 0..<4, using: &rng)]
                h.record(ms: Double.random(in: 0...scale, using: &rng))
            }
            let dense = h.histogram()
            let sparse = h.percentiles(ps)
            for (i, p) in ps.enumerated() {
                #expect(sparse[i] == Double(dense.valueAtPercentile(p)), "p\(p) of \(n) samples")
            }
        }
    }

    /// p95 of 19 × 100 ms and 1 × 5 000 ms: count at p95 = ⌈0.95 × 20⌉ = 19 → the 100 ms bucket.
    /// p99: ⌈0.99 × 20⌉ = 20 → the bucket of 5 000 (4 096…8 191 has width 4: 5 000…5 003), clamped to
    /// the max 5 000.
    @Test func nearestRankByHand() {
        var h = DurationHistogram()
        for _ in 0..<19 { h.record(ms: 100) }
        h.record(ms: 5_000)
        #expect(h.percentiles([95, 99]) == [100, 5_000])
    }

    private func key(_ n: UInt64) -> DedupKey { DedupKey(hi: n, lo: n &* 31) }

    /// The winner is the higher rank, then the path that sorts first, then the earlier line, in
    /// whatever order the claims come; an earlier winner that loses is displaced (read again).
    @Test func claimOrderDoesNotChangeTheWinner() {
        let offers: [(path: String, rank: Int64, line: UInt32)] = [("/b", 1, 5), ("/a", 1, 9), ("/c", 0, 1), ("/a", 1, 2)]
        var winners = Set<String>()
        for perm in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]] {
            let index = ClaimIndex()
            let ids = ["/a", "/b", "/c"].map { index.id(of: $0) }
            index.setRereadable(Set(ids))
            var last: [String: (Bool, UInt32)] = [:]
            for i in perm {
                let o = offers[i]
                var remember: [(DedupKey, ClaimEntry)] = []
                let won = index.decide([.init(claim: DedupClaim(key: key(1), rank: o.rank), line: o.line)], owner: index.id(of: o.path), remember: &remember)[0]
                if won { last[o.path] = (true, o.line) }
            }
            // Final owner: rank 1 ties between /a and /b → /a; /a line 2 before line 9.
            var remember: [(DedupKey, ClaimEntry)] = []
            let check = index.decide([.init(claim: DedupClaim(key: key(1), rank: 1), line: 2)], owner: ids[0], remember: &remember)
            #expect(check == [true])  // the same record (owner /a, line 2) still owns it
            winners.insert("/a:2")
            // Anyone who won on the way but is not the final owner was displaced.
            for (path, (_, line)) in last where !(path == "/a" && line == 2) {
                #expect(index.displaced.contains(index.id(of: path)), "\(path) line \(line) in order \(perm)")
            }
        }
        #expect(winners == ["/a:2"])
    }

    /// A sidechain copy counted before the main record of its message is displaced by it; one
    /// that comes after is a duplicate at once.
    @Test func sidechainCopiesYieldToTheMainRecord() {
        let index = ClaimIndex()
        let main = index.id(of: "/p/s.jsonl"), side = index.id(of: "/p/s/subagents/agent-1.jsonl")
        index.setRereadable([main, side])
        var r: [(DedupKey, ClaimEntry)] = []
        let sideClaim = DedupClaim(key: key(10), messageKey: key(99), isSidechain: true, rank: 0)
        let mainClaim = DedupClaim(key: key(11), messageKey: key(99), isSidechain: false, rank: 1)
        #expect(index.decide([.init(claim: sideClaim, line: 1)], owner: side, remember: &r) == [true])
        #expect(index.decide([.init(claim: mainClaim, line: 1)], owner: main, remember: &r) == [true])
        #expect(index.displaced == [side])
        // Read again, the sidechain copy is now a duplicate.
        index.clearDisplaced([side])
        #expect(index.decide([.init(claim: sideClaim, line: 1)], owner: side, remember: &r) == [false])
    }

    /// Tool-call and permission claims are stored with their own kinds (4, 5) in the same
    /// 32-byte entries; a kind a version does not know is skipped (how a version before them
    /// reads a newer state: it never sees these keys).
    @Test func toolAndPermissionKindsRoundTripAndUnknownKindsAreSkipped() {
        let entries: [(DedupKey, ClaimEntry)] = [
            (key(1), ClaimEntry(rank: 3, owner: 0, line: 7, kind: .toolCall)),
            (key(2), ClaimEntry(rank: 2, owner: 0, line: 7, kind: .permission)),
            (key(3), ClaimEntry(rank: 5, owner: 0, line: 9, kind: .call)),
        ]
        var bytes = ClaimEntry.encode(entries)
        #expect(bytes.count == 3 * 32)
        var keys: [DedupKey] = []
        var decoded: [ClaimEntry] = []
        ClaimEntry.decode(bytes, owner: 4, into: &keys, &decoded)
        #expect(keys == [key(1), key(2), key(3)])
        #expect(decoded.map(\.kind) == [.toolCall, .permission, .call])
        #expect(decoded.map(\.rank) == [3, 2, 5] && decoded.allSatisfy { $0.owner == 4 })
        bytes[32 + 28] = 200  // the second entry's kind byte: unknown
        keys.removeAll()
        decoded.removeAll()
        ClaimEntry.decode(bytes, owner: 4, into: &keys, &decoded)
        #expect(keys == [key(1), key(3)])
    }

    /// An owner this run cannot read again keeps its key: the better copy is the duplicate.
    @Test func anOwnerThatCannotBeReadAgainKeepsItsKey() {
        let index = ClaimIndex()
        let gone = index.id(of: "/old"), here = index.id(of: "/new")
        index.setRereadable([here])
        var r: [(DedupKey, ClaimEntry)] = []
        #expect(index.decide([.init(claim: DedupClaim(key: key(3), rank: 0), line: 1)], owner: gone, remember: &r) == [true])
        #expect(index.decide([.init(claim: DedupClaim(key: key(3), rank: 5), line: 1)], owner: here, remember: &r) == [false])
        #expect(index.displaced.isEmpty)
    }
}
