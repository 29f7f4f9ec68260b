import Foundation
import Testing

@testable import Ingest

/// The framing contract, offsets for incremental runs, early stop, peeking and open errors.
@Suite("IO: line reader")
struct IOLineReaderTests {
    static func options(chunk: Int = 1 << 20, prefetch: Bool = false, max: Int = 64 << 20) -> LineReaderOptions {
        var o = LineReaderOptions()
        o.chunkBytes = chunk
        o.prefetch = prefetch
        o.prefetchMinFileBytes = 0
        o.maxLineBytes = max
        return o
    }

    static let chunkings: [(Int, Bool)] = [
        (1 << 20, false), (1, false), (2, true), (7, false), (7, true), (4096, true),
    ]

    @Test func crlfLoneCrAndMissingFinalNewline() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        IOFixture.write(dir + "/crlf", "a\r\nbb\r\n\r\nc\rd\r\r\ne")
        for (chunk, pf) in Self.chunkings {
            let r = try ioRead(dir + "/crlf", Self.options(chunk: chunk, prefetch: pf))
            // Only the CR right before the LF goes; "c\rd\r\r\n" keeps its lone CR and one of two.
            #expect(r.strings == ["a", "bb", "c\rd\r", "e"], "chunk \(chunk)")
            #expect(r.numbers == [1, 2, 3, 4])
            #expect(r.ends == [3, 7, 15, 16])
            #expect(r.result.unterminatedTail)
            #expect(r.result.consumedRawOffset == 15, "not past the unterminated tail")
            #expect(r.result.consumedDecodedOffset == 15)
            #expect(r.result.lines == 4)
        }
        // A final CR without LF is stripped like a CRLF.
        IOFixture.write(dir + "/cr-end", "x\ny\r")
        #expect(try ioRead(dir + "/cr-end").strings == ["x", "y"])
    }

    @Test func emptyAndWhitespaceLinesAreSkippedAndNotCounted() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        IOFixture.write(dir + "/blank", "\n\n  \n{\"a\":1}\n\t \r\n\n{\"b\":2}\n   ")
        for (chunk, pf) in Self.chunkings {
            let r = try ioRead(dir + "/blank", Self.options(chunk: chunk, prefetch: pf))
            #expect(r.strings == ["{\"a\":1}", "{\"b\":2}"])
            #expect(r.numbers == [1, 2])
            #expect(r.result.lines == 2)
            #expect(!r.result.unterminatedTail, "a whitespace-only tail is no line")
            #expect(r.result.consumedRawOffset == 26)
        }
        IOFixture.write(dir + "/empty", "")
        let e = try ioRead(dir + "/empty")
        #expect(e.lines.isEmpty && e.result.lines == 0 && e.result.bytesRead == 0)
    }

    @Test func overlongLineIsSkippedCountedAndReadingGoesOn() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let long = String(repeating: "L", count: 10_000)
        let exact = String(repeating: "e", count: 100)
        let text = "first\n\(long)\nsecond\n\(exact)\r\n\(exact)x\n\(long)\r\nthird\n\(long)"
        IOFixture.write(dir + "/long", text)
        IOFixture.write(dir + "/long.gz", IOFixture.gzip(Array(text.utf8), in: dir))
        for name in ["long", "long.gz"] {
            for (chunk, pf) in Self.chunkings + [(50, false), (101, true), (102, false), (10_001, true)] {
                let r = try ioRead(dir + "/" + name, Self.options(chunk: chunk, prefetch: pf, max: 100))
                #expect(r.strings == ["first", "second", exact, "third"], "\(name) chunk \(chunk)")
                #expect(r.result.oversizedLines == 4, "\(name) chunk \(chunk)")
                #expect(r.result.lines == 8)
                #expect(r.numbers == [1, 3, 4, 7], "oversized lines take a number")
                #expect(r.result.unterminatedTail, "the oversized last line has no newline")
                #expect(r.result.consumedDecodedOffset == Int64(text.utf8.count - 10_000))
            }
        }
    }

    /// Memory stays bounded by `maxLineBytes`, however long the line and however it is chunked.
    @Test func anOversizedLineIsNeverHeldWhole() {
        let framer = _LineFramer(maxLineBytes: 1000, skipDecodedBytes: 0, startOffset: 0)
        var got: [[UInt8]] = []
        let body: _LineFramer.Body = { line, _, _ in
            got.append(Array(line))
            return true
        }
        let piece = [UInt8](repeating: 0x41, count: 64 << 10)
        var offset: Int64 = 0
        piece.withUnsafeBytes { p in
            for _ in 0..<160 {  // a 10 MiB line in 64 KiB chunks
                framer.consume(p, at: offset, body)
                offset += Int64(p.count)
            }
        }
        #expect(framer.carryCapacityForTesting <= 1001)
        let tail: [UInt8] = Array("\n{\"ok\":1}\n".utf8)
        tail.withUnsafeBytes { framer.consume($0, at: offset, body) }
        framer.finish(complete: true, at: offset + Int64(tail.count), body)
        #expect(got == [Array("{\"ok\":1}".utf8)])
        #expect(framer.oversized == 1 && framer.lines == 2)
        #expect(framer.carryCapacityForTesting <= 1001)
    }

    @Test func startOffsetResumesAPlainFileAfterAnAppend() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let path = dir + "/grow.jsonl"
        IOFixture.write(path, "l1\nl2\nl3-partial")
        let first = try ioRead(path)
        #expect(first.strings == ["l1", "l2", "l3-partial"])
        #expect(first.result.unterminatedTail)
        #expect(first.result.consumedRawOffset == 6)

        // The writer finishes the line and appends another.
        IOFixture.write(path, "l1\nl2\nl3-partial-done\nl4\n")
        for (chunk, pf) in Self.chunkings {
            var o = Self.options(chunk: chunk, prefetch: pf)
            o.startOffset = first.result.consumedRawOffset
            let second = try ioRead(path, o)
            #expect(second.strings == ["l3-partial-done", "l4"])
            #expect(second.numbers == [1, 2])
            #expect(second.ends == [22, 25], "offsets are file offsets")
            #expect(second.result.bytesRead == 19)
            #expect(second.result.consumedRawOffset == 25)
            #expect(!second.result.unterminatedTail)
        }
        // Past the end (the file shrank): nothing read, offsets unchanged.
        var o = Self.options()
        o.startOffset = 1000
        let past = try ioRead(path, o)
        #expect(past.lines.isEmpty && past.result.consumedRawOffset == 1000)
    }

    @Test func skipDecodedBytesResumesAGzipFileThatGrewAMember() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let path = dir + "/grow.jsonl.gz"
        let a = "{\"n\":1}\n{\"n\":2}\n{\"n\":3,\"tail"
        let ga = IOFixture.gzip(Array(a.utf8), in: dir)
        IOFixture.write(path, ga)
        let first = try ioRead(path)
        #expect(first.lines.count == 3)
        #expect(first.result.unterminatedTail)
        #expect(first.result.consumedDecodedOffset == 16)
        #expect(first.result.consumedRawOffset == Int64(ga.count))

        // Rotation appends a member that completes the line and adds two more.
        let b = "\":true}\n{\"n\":4}\n\n{\"n\":5}\n"
        IOFixture.write(path, ga + IOFixture.gzip(Array(b.utf8), in: dir))
        for (chunk, pf) in Self.chunkings {
            var o = Self.options(chunk: chunk, prefetch: pf)
            o.skipDecodedBytes = first.result.consumedDecodedOffset
            o.startOffset = 12345  // ignored for compressed files
            let second = try ioRead(path, o)
            #expect(second.strings == ["{\"n\":3,\"tail\":true}", "{\"n\":4}", "{\"n\":5}"])
            #expect(second.numbers == [1, 2, 3])
            #expect(second.result.lines == 3)
            #expect(second.result.bytesDecoded == Int64((a + b).utf8.count))
            #expect(second.result.consumedDecodedOffset == Int64((a + b).utf8.count))
        }
        // Skipping counts no oversized lines that end before the offset.
        IOFixture.write(
            dir + "/skip-long.gz", IOFixture.gzip(Array("\(String(repeating: "z", count: 500))\nok\n".utf8), in: dir))
        var o = Self.options(max: 100)
        o.skipDecodedBytes = 501
        let s = try ioRead(dir + "/skip-long.gz", o)
        #expect(s.strings == ["ok"] && s.result.oversizedLines == 0 && s.result.lines == 1)
    }

    @Test func bodyCanStopEarlyWithOrWithoutTheBackgroundThread() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let text = IOFixture.jsonLines(200_000, pad: 30)  // ~10 MB decoded
        IOFixture.write(dir + "/big.jsonl", text)
        IOFixture.write(dir + "/big.jsonl.zst", IOFixture.zstd(Array(text.utf8), in: dir))
        IOFixture.write(dir + "/big.jsonl.gz", IOFixture.gzip(Array(text.utf8), in: dir))
        for name in ["big.jsonl", "big.jsonl.zst", "big.jsonl.gz"] {
            for pf in [false, true] {
                var o = Self.options(chunk: 64 << 10, prefetch: pf)
                o.prefetchMinFileBytes = 0
                for stop in [1, 3, 150_000] {
                    let r = try ioRead(dir + "/" + name, o, stopAfter: stop)
                    #expect(r.lines.count == stop)
                    #expect(r.result.stoppedEarly)
                    #expect(r.result.lines == stop)
                    #expect(r.result.consumedDecodedOffset == r.ends.last)
                    if name != "big.jsonl" { #expect(r.result.consumedRawOffset == 0) }
                }
                let all = try ioRead(dir + "/" + name, o)
                #expect(all.lines.count == 200_000 && !all.result.stoppedEarly)
                #expect(all.result.consumedDecodedOffset == Int64(text.utf8.count))
            }
        }
    }

    @Test func peekLinesGivesTheFirstCompleteLines() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let text = IOFixture.jsonLines(100)
        IOFixture.write(dir + "/p.zst", IOFixture.zstd(Array(text.utf8), in: dir))
        IOFixture.write(dir + "/p.jsonl", "\n\n" + text)
        IOFixture.write(dir + "/short", "{\"only\":1}")
        var got: [String] = []
        #expect(
            try LineReader.peekLines(path: dir + "/p.zst", maxLines: 5, maxBytes: 1 << 20) { line in
                got.append(String(decoding: line, as: UTF8.self))
                return true
            } == .zstd)
        #expect(got == Array(text.split(separator: "\n").prefix(5).map(String.init)))

        // The byte limit cuts: only lines that end within the first 100 bytes.
        got = []
        try LineReader.peekLines(path: dir + "/p.jsonl", maxLines: 50, maxBytes: 100) { line in
            got.append(String(decoding: line, as: UTF8.self))
            return true
        }
        let within = IOOracle(Array(("\n\n" + text).utf8.prefix(100)), maxLineBytes: 100)
        #expect(got.count == within.lines.count - (within.unterminatedTail ? 1 : 0))
        #expect(got.count >= 2)

        // The body can stop; a short file's unterminated line is complete.
        got = []
        try LineReader.peekLines(path: dir + "/p.jsonl", maxLines: 50, maxBytes: 1 << 16) { line in
            got.append(String(decoding: line, as: UTF8.self))
            return got.count < 2
        }
        #expect(got.count == 2)
        got = []
        try LineReader.peekLines(path: dir + "/short", maxLines: 5, maxBytes: 4096) { line in
            got.append(String(decoding: line, as: UTF8.self))
            return true
        }
        #expect(got == ["{\"only\":1}"])
    }

    @Test func openErrorsAreTypedAndNameTheFile() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        func code(_ path: String) -> IngestError.Code? {
            do {
                _ = try LineReader.read(path: path) { _, _, _ in true }
                return nil
            } catch {
                #expect(error.path == path)
                #expect(error.description.hasPrefix(path + ": "))
                return error.code
            }
        }
        #expect(code(dir + "/missing.jsonl") == .notFound)
        #expect(code(dir) == .notRegularFile)
        mkfifo(dir + "/fifo", 0o644)
        #expect(code(dir + "/fifo") == .notRegularFile, "a FIFO is refused without blocking")
        if geteuid() != 0 {
            IOFixture.write(dir + "/secret", "x\n")
            chmod(dir + "/secret", 0)
            #expect(code(dir + "/secret") == .permissionDenied)
        }
        #expect(IngestError.Code.notFound.name == "io.not_found")
        do {
            _ = try LineReader.read(path: dir + "/missing.jsonl") { _, _, _ in true }
        } catch {
            #expect(error.errno == ENOENT)
            #expect(error.message.contains("check the path"))
        }
    }

    @Test func invalidUTF8AndNulBytesAreOrdinaryBytes() throws {
        let dir = IOFixture.tempDir()
        defer { IOFixture.remove(dir) }
        let bytes: [UInt8] = [0x7B, 0xFF, 0x00, 0xC3, 0x7D, 0x0A, 0xE2, 0x80, 0xA8, 0x0A, 0x0C, 0x0A]
        IOFixture.write(dir + "/bin", bytes)
        let r = try ioRead(dir + "/bin")
        #expect(r.lines == [[0x7B, 0xFF, 0x00, 0xC3, 0x7D], [0xE2, 0x80, 0xA8], [0x0C]])
    }
}
