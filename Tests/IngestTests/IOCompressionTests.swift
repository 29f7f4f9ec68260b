import Foundation
import Testing

@testable import Ingest

/// gzip / zstd / plain detection and decoding: members, frames, damage.
@Suite("IO: compression")
struct IOCompressionTests {
    /// Every read is checked with and without the background thread, and with tiny raw
    /// buffers that put member and frame edges at every position.
    static func variants() -> [LineReaderOptions] {
        var out: [LineReaderOptions] = []
        for prefetch in [false, true] {
            for (chunk, raw) in [(1 << 20, 256 << 10), (7, 3), (4096, 1), (1, 64)] {
                var o = LineReaderOptions()
                o.prefetch = prefetch
                o.prefetchMinFileBytes = 0
                o.chunkBytes = chunk
                o.rawBufferBytes = raw
                out.append(o)
            }
        }
        return out
    }

    @Test func detectsByMagicNotByName() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let text = IOFixture.jsonLines(5)
        IOFixture.write(dir + "/plain.jsonl.gz", text)
        IOFixture.write(dir + "/gz.log", IOFixture.gzip(Array(text.utf8), in: dir))
        IOFixture.write(dir + "/zst.jsonl", IOFixture.zstd(Array(text.utf8), in: dir))
        IOFixture.write(
            dir + "/skippable-first.txt",
            IOFixture.skippableFrame([1, 2, 3], nibble: 0xF) + IOFixture.zstd(Array(text.utf8), in: dir))
        IOFixture.write(dir + "/empty.gz", [])
        IOFixture.write(dir + "/one-byte.gz", [0x1F])

        #expect(try Compression.detect(path: dir + "/plain.jsonl.gz") == .none)
        #expect(try Compression.detect(path: dir + "/gz.log") == .gzip)
        #expect(try Compression.detect(path: dir + "/zst.jsonl") == .zstd)
        #expect(try Compression.detect(path: dir + "/skippable-first.txt") == .zstd)
        #expect(try Compression.detect(path: dir + "/empty.gz") == .none)
        #expect(try Compression.detect(path: dir + "/one-byte.gz") == .none)
        #expect(
            Compression.gzip.rawValue == "gzip" && Compression.zstd.rawValue == "zstd"
                && Compression.none.rawValue == "none")

        for name in ["plain.jsonl.gz", "gz.log", "zst.jsonl", "skippable-first.txt"] {
            let r = try ioRead(dir + "/" + name)
            #expect(r.strings == text.split(separator: "\n").map(String.init), "\(name)")
            #expect(r.result.streamError == nil)
        }
        let plain = try ioRead(dir + "/plain.jsonl.gz")
        #expect(plain.result.compression == .none)
        #expect(plain.result.consumedRawOffset == Int64(text.utf8.count))
    }

    @Test func multiMemberGzipReadsEveryMember() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let a = IOFixture.jsonLines(300, from: 0)
        let b = IOFixture.jsonLines(200, from: 300)
        let ga = IOFixture.gzip(Array(a.utf8), in: dir)
        let gb = IOFixture.gzip(Array(b.utf8), in: dir, level: 1)
        IOFixture.write(dir + "/ab.gz", ga + gb)  // cat a.gz b.gz
        IOFixture.write(dir + "/aa.gz", ga + ga)  // cat x.gz x.gz: twice the lines
        let expected = (a + b).split(separator: "\n").map(String.init)
        for o in Self.variants() {
            let r = try ioRead(dir + "/ab.gz", o)
            #expect(r.strings == expected)
            #expect(r.result.compression == .gzip)
            #expect(r.result.streamError == nil && r.result.streamNote == nil)
            #expect(r.result.bytesDecoded == Int64((a + b).utf8.count))
            #expect(r.result.bytesRead == Int64(ga.count + gb.count))
            #expect(r.result.consumedRawOffset == Int64(ga.count + gb.count))
            #expect(r.result.consumedDecodedOffset == Int64((a + b).utf8.count))
            #expect(r.numbers == Array(1...500))
            let twice = try ioRead(dir + "/aa.gz", o)
            #expect(twice.lines.count == 600)
        }
        // An empty member between two others (gzip of an empty input) changes nothing.
        let empty = IOFixture.gzip([], in: dir)
        IOFixture.write(dir + "/a-empty-b.gz", ga + empty + gb)
        #expect(try ioRead(dir + "/a-empty-b.gz").strings == expected)
    }

    @Test func gzipTrailingZeroPaddingAndGarbageAreIgnoredWithANote() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let text = IOFixture.jsonLines(50)
        let gz = IOFixture.gzip(Array(text.utf8), in: dir)
        IOFixture.write(dir + "/zeros.gz", gz + [UInt8](repeating: 0, count: 1000))
        IOFixture.write(dir + "/garbage.gz", gz + Array("not gzip at all\n".utf8))
        IOFixture.write(dir + "/one-byte.gz", gz + [0x1F])
        for name in ["zeros.gz", "garbage.gz", "one-byte.gz"] {
            for o in Self.variants() {
                let r = try ioRead(dir + "/" + name, o)
                #expect(r.lines.count == 50, "\(name)")
                #expect(r.result.streamError == nil, "\(name)")
                #expect(r.result.streamNote != nil, "\(name)")
                #expect(r.result.consumedRawOffset == r.result.bytesRead)
            }
        }
        let z = try ioRead(dir + "/zeros.gz")
        #expect(z.result.streamNote?.contains("zero padding") == true)
        #expect(z.result.streamNote?.contains("1000 bytes") == true)
    }

    @Test func zstdFramesWithASkippableFrameBetween() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let a = IOFixture.jsonLines(400, from: 0)
        let b = IOFixture.jsonLines(100, from: 400)
        let za = IOFixture.zstd(Array(a.utf8), in: dir)
        let zb = IOFixture.zstd(Array(b.utf8), in: dir, args: "-19 --check")
        let skip = IOFixture.skippableFrame(Array(repeating: 0x0A, count: 5000), nibble: 7)  // newlines inside: must not count
        let file = za + skip + zb + IOFixture.skippableFrame([])
        IOFixture.write(dir + "/frames.zst", file)
        let expected = (a + b).split(separator: "\n").map(String.init)
        for o in Self.variants() {
            let r = try ioRead(dir + "/frames.zst", o)
            #expect(r.strings == expected)
            #expect(r.result.compression == .zstd)
            #expect(r.result.streamError == nil)
            #expect(r.result.bytesDecoded == Int64((a + b).utf8.count))
            #expect(r.result.consumedRawOffset == Int64(file.count))
        }
        // zstd --long=31 frames decode (windowLogMax 31).
        IOFixture.write(dir + "/long.zst", IOFixture.zstd(Array(a.utf8), in: dir, args: "--long=31 -3"))
        #expect(try ioRead(dir + "/long.zst").lines.count == 400)
    }

    /// The complete lines decoded before the cut are kept, no fragment is delivered, and the
    /// damage is reported.
    @Test(arguments: ["gzip", "zstd"])
    func truncatedStreamKeepsCompleteLines(codec: String) throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let text = IOFixture.jsonLines(3000, pad: 40)
        let all = text.split(separator: "\n").map(String.init)
        let packed =
            codec == "gzip"
            ? IOFixture.gzip(Array(text.utf8), in: dir) : IOFixture.zstd(Array(text.utf8), in: dir, args: "-3 -B65536")
        for cut in [packed.count / 2, packed.count * 9 / 10, packed.count - 1, packed.count - 4] {
            let path = dir + "/cut-\(cut)"
            IOFixture.write(path, Array(packed[0..<cut]))
            for o in Self.variants() {
                let r = try ioRead(path, o)
                #expect(r.result.streamError != nil, "cut at \(cut)")
                #expect(r.result.streamError?.contains("truncated") == true)
                #expect(r.strings == Array(all.prefix(r.lines.count)), "only whole, original lines")
                #expect(!r.result.unterminatedTail)
                #expect(r.result.consumedRawOffset == 0, "a damaged compressed file is read again from its start")
                #expect(r.result.consumedDecodedOffset == (r.ends.last ?? 0))
                if cut > packed.count / 2 { #expect(r.lines.count > 1000) }
            }
        }
        // Truncation inside the gzip trailer / zstd checksum: all data lines decoded, still damaged.
        let lastCut = try ioRead(dir + "/cut-\(packed.count - 1)")
        #expect(lastCut.lines.count >= all.count - 1)
        #expect(lastCut.result.streamError != nil)
    }

    @Test(arguments: ["gzip", "zstd"])
    func corruptStreamIsReportedNotFatal(codec: String) throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let text = IOFixture.jsonLines(5000, pad: 30)
        var packed =
            codec == "gzip"
            ? IOFixture.gzip(Array(text.utf8), in: dir) : IOFixture.zstd(Array(text.utf8), in: dir)
        for k in stride(from: packed.count / 2, to: packed.count / 2 + 64, by: 1) { packed[k] ^= 0x5A }
        IOFixture.write(dir + "/bad", packed)
        for o in Self.variants() {
            let r = try ioRead(dir + "/bad", o)
            #expect(r.result.streamError != nil)
            #expect(
                r.result.streamError?.contains("corrupt") == true || r.result.streamError?.contains("truncated") == true
            )
        }
        // A second gzip member that is damaged: the first member's lines all survive.
        if codec == "gzip" {
            let good = IOFixture.gzip(Array(IOFixture.jsonLines(10).utf8), in: dir)
            var second = IOFixture.gzip(Array(IOFixture.jsonLines(10, from: 10).utf8), in: dir)
            second.removeLast(12)
            IOFixture.write(dir + "/two", good + second)
            let r = try ioRead(dir + "/two")
            #expect(r.lines.count >= 10)
            #expect(r.result.streamError != nil)
        }
    }
}
