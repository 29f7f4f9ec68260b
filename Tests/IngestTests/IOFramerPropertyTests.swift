import Foundation
import Testing

@testable import Ingest

/// Property: for any text, compression layout and chunking, the reader's lines, numbers, end
/// offsets and counts equal the framing contract applied to the whole decoded text at once
/// (`IOOracle`, a plain split on `\n`).
@Suite("IO: framer properties")
struct IOFramerPropertyTests {
    static let maxLine = 50

    /// Chunk sizes 1, 7 and 4096 (the issue's), a size just around the line limit, and random.
    static func chunkSizes(_ rng: inout IOSeededRNG) -> [Int] {
        [1, 7, 4096, maxLine + 1, Int.random(in: 2...300, using: &rng), Int.random(in: 300...20_000, using: &rng)]
    }

    func check(path: String, text: [UInt8], rng: inout IOSeededRNG, skip: Int64 = 0, label: String) throws {
        let oracle = IOOracle(text, maxLineBytes: Self.maxLine, skip: skip)
        for chunk in Self.chunkSizes(&rng) {
            for prefetch in [false, true] {
                var o = LineReaderOptions()
                o.maxLineBytes = Self.maxLine
                o.chunkBytes = chunk
                o.prefetch = prefetch
                o.prefetchMinFileBytes = 0
                o.rawBufferBytes = [1, 5, 4096, 1 << 18].randomElement(using: &rng)!
                o.skipDecodedBytes = skip
                let r = try ioRead(path, o)
                let where_ = "\(label) chunk \(chunk) prefetch \(prefetch) raw \(o.rawBufferBytes) skip \(skip)"
                #expect(r.lines == oracle.lines, "\(where_)")
                #expect(r.ends == oracle.ends, "\(where_)")
                #expect(r.result.oversizedLines == oracle.oversized, "\(where_)")
                #expect(r.result.lines == oracle.counted, "\(where_)")
                #expect(r.result.unterminatedTail == oracle.unterminatedTail, "\(where_)")
                #expect(r.result.consumedDecodedOffset == max(oracle.consumed, 0), "\(where_)")
                #expect(r.result.bytesDecoded == Int64(text.count), "\(where_)")
                #expect(r.result.streamError == nil, "\(where_)")
                #expect(r.numbers.last ?? 0 <= r.result.lines)
                #expect(r.numbers == r.numbers.sorted() && Set(r.numbers).count == r.numbers.count)
            }
        }
    }

    @Test(arguments: 0..<12)
    func framerEqualsPlainSplit(seed: Int) throws {
        var rng = IOSeededRNG(seed: UInt64(seed) &* 7919 &+ 17)
        let dir = IOFixture.tempDir("prop\(seed)")
        defer { IOFixture.remove(dir) }
        let text = ioRandomText(&rng, lines: Int.random(in: 0...400, using: &rng), long: Self.maxLine)

        // Plain.
        IOFixture.write(dir + "/plain", text)
        try check(path: dir + "/plain", text: text, rng: &rng, label: "plain seed \(seed)")

        // gzip in 1–3 members cut at random points (lines may span members).
        var cuts = (0..<Int.random(in: 0...2, using: &rng)).map { _ in Int.random(in: 0...text.count, using: &rng) }
            .sorted()
        cuts = [0] + cuts + [text.count]
        var gz: [UInt8] = []
        var zs: [UInt8] = []
        for k in 0..<(cuts.count - 1) {
            let piece = Array(text[cuts[k]..<cuts[k + 1]])
            gz += IOFixture.gzip(piece, in: dir, level: [1, 6, 9][k % 3])
            zs += IOFixture.zstd(piece, in: dir, args: ["-1", "-3 --no-check", "-12"][k % 3])
            if Bool.random(using: &rng) {
                zs += IOFixture.skippableFrame(Array(repeating: 0x0A, count: Int.random(in: 0...40, using: &rng)))
            }
        }
        IOFixture.write(dir + "/gz", gz)
        IOFixture.write(dir + "/zs", zs)
        if !text.isEmpty {
            try check(path: dir + "/gz", text: text, rng: &rng, label: "gzip seed \(seed)")
            try check(path: dir + "/zs", text: text, rng: &rng, label: "zstd seed \(seed)")
            // Resuming: lines ending at or before a random offset are skipped.
            let skip = Int64.random(in: 0...Int64(text.count), using: &rng)
            try check(path: dir + "/gz", text: text, rng: &rng, skip: skip, label: "gzip seed \(seed)")
            try check(path: dir + "/plain", text: text, rng: &rng, skip: skip, label: "plain seed \(seed)")
        }
    }

    /// The sample logs that ship with the repository, through the framer in 1-, 7- and
    /// 4096-byte chunks, against a naive split (every file under SampleLogs/ and the shared
    /// format samples, when present).
    @Test func sampleLogsFrameLikeANaiveSplit() throws {
        let roots = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("SampleLogs").path,
            "/work/shared/formats/samples",
        ]
        let found = InputDiscovery.discover(roots.filter { FileManager.default.fileExists(atPath: $0) })
        var checked = 0
        for path in found.files {
            let full = try ioRead(path)
            guard full.result.compression == .none || full.result.streamError == nil else { continue }
            // Decoded text: the whole read rebuilt with the plain path as reference.
            for chunk in [1, 7, 4096] {
                var o = LineReaderOptions()
                o.chunkBytes = chunk
                o.prefetch = false
                let r = try ioRead(path, o)
                #expect(r.lines == full.lines, "\(path) chunk \(chunk)")
                #expect(r.ends == full.ends, "\(path) chunk \(chunk)")
            }
            // The oracle: the whole file decoded by the command-line tool, split at once.
            var text = IOFixture.read(path)
            if full.result.compression != .none {
                let tool = full.result.compression == .gzip ? "gzip -dc" : "zstd -q -dc"
                let dir = IOFixture.tempDir("samples")
                defer { IOFixture.remove(dir) }
                IOFixture.sh("\(tool) '\(path)' > '\(dir)/decoded'")
                text = IOFixture.read(dir + "/decoded")
            }
            let oracle = IOOracle(text, maxLineBytes: 64 << 20)
            #expect(full.lines == oracle.lines, "\(path)")
            #expect(full.ends == oracle.ends, "\(path)")
            checked += 1
        }
        #expect(checked > 0)
    }
}
