import Foundation
import Testing

@testable import Ingest

/// Fixtures for the IO tests: a temporary directory, files, and gzip/zstd streams made with the
/// command-line tools (`gzip`, `zstd`; `make deps` installs them) or crafted byte by byte.
enum IOFixture {
    /// A fresh directory under the system temp dir; remove it with `remove` (`defer`).
    static func tempDir(_ tag: String = #function) -> String {
        let clean = tag.filter { $0.isLetter || $0.isNumber }
        let template = NSTemporaryDirectory() + "fl-io-\(clean.prefix(40))-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let p = mkdtemp(&bytes) else { fatalError("mkdtemp failed: \(errno)") }
        return String(cString: p)
    }

    static func remove(_ dir: String) {
        chmod(dir + "/secret", 0o600)
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func write(_ path: String, _ text: String) { write(path, Array(text.utf8)) }

    static func read(_ path: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path) ?? Data())
    }

    /// Runs `/bin/sh -c command`; fails the test with stderr when it exits non-zero.
    @discardableResult
    static func sh(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let err = Pipe()
        p.standardError = err
        do { try p.run() } catch {
            Issue.record("cannot run /bin/sh: \(error)", sourceLocation: sourceLocation)
            return -1
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            Issue.record(
                "`\(command)` failed (\(p.terminationStatus)): \(String(decoding: errData, as: UTF8.self))",
                sourceLocation: sourceLocation)
        }
        return p.terminationStatus
    }

    /// Compresses `bytes` with a command-line tool reading a file and writing stdout, e.g.
    /// `compress(x, "gzip -c -6")`, `compress(x, "zstd -q -c -3")`.
    static func compress(_ bytes: [UInt8], _ tool: String, in dir: String) -> [UInt8] {
        let id = UUID().uuidString
        let src = dir + "/src-\(id)"
        let dst = dir + "/dst-\(id)"
        write(src, bytes)
        sh("\(tool) '\(src)' > '\(dst)'")
        defer {
            unlink(src)
            unlink(dst)
        }
        return read(dst)
    }

    static func gzip(_ bytes: [UInt8], in dir: String, level: Int = 6) -> [UInt8] {
        compress(bytes, "gzip -n -c -\(level)", in: dir)
    }

    static func zstd(_ bytes: [UInt8], in dir: String, args: String = "-3") -> [UInt8] {
        compress(bytes, "zstd -q -c \(args)", in: dir)
    }

    /// A zstd skippable frame (RFC 8878 §3.1.2): magic `0x184D2A5n` (little endian), 4-byte
    /// little-endian size, then `payload`.
    static func skippableFrame(_ payload: [UInt8], nibble: UInt8 = 0) -> [UInt8] {
        let n = UInt32(payload.count)
        return [0x50 | (nibble & 0x0F), 0x2A, 0x4D, 0x18]
            + [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)] + payload
    }

    /// `n` JSON-ish lines `{"i":k,"pad":"xxx…"}` joined with `\n` (each terminated).
    static func jsonLines(_ n: Int, from: Int = 0, pad: Int = 20) -> String {
        (from..<(from + n)).map { "{\"i\":\($0),\"pad\":\"\(String(repeating: "x", count: pad + $0 % 7))\"}\n" }
            .joined()
    }
}

/// Everything a `LineReader.read` handed out.
struct IORead {
    var lines: [[UInt8]] = []
    var numbers: [Int] = []
    var ends: [Int64] = []
    var result = LineReaderResult()

    var strings: [String] { lines.map { String(decoding: $0, as: UTF8.self) } }
}

func ioRead(_ path: String, _ options: LineReaderOptions = LineReaderOptions(), stopAfter: Int = .max) throws -> IORead
{
    var out = IORead()
    out.result = try LineReader.read(path: path, options: options) { line, number, end in
        out.lines.append(Array(line))
        out.numbers.append(number)
        out.ends.append(end)
        return out.lines.count < stopAfter
    }
    return out
}

/// The framing contract applied to a whole decoded text at once: the oracle for the framer.
struct IOOracle {
    var lines: [[UInt8]] = []
    var ends: [Int64] = []
    var oversized = 0
    var counted = 0
    var unterminatedTail = false
    var consumed: Int64 = 0

    init(_ text: [UInt8], maxLineBytes: Int, skip: Int64 = 0) {
        var start = 0
        var i = 0
        func handle(_ s: Int, _ e: Int, end: Int64, terminated: Bool) {
            var piece = Array(text[s..<e])
            if piece.last == 0x0D { piece.removeLast() }
            if piece.count > maxLineBytes {
                if end > skip {
                    oversized += 1
                    counted += 1
                    if !terminated { unterminatedTail = true }
                }
                return
            }
            if piece.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            if end <= skip { return }
            counted += 1
            lines.append(piece)
            ends.append(end)
            if !terminated { unterminatedTail = true }
        }
        while i < text.count {
            if text[i] == 0x0A {
                handle(start, i, end: Int64(i + 1), terminated: true)
                consumed = Int64(i + 1)
                start = i + 1
            }
            i += 1
        }
        if start < text.count { handle(start, text.count, end: Int64(text.count), terminated: false) }
    }
}

/// SplitMix64: a small seeded generator, so property tests are reproducible.
struct IOSeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random text that exercises the framing rules: CRLF and lone CR, blank and whitespace-only
/// lines, lines longer than `long`, NUL and high bytes, with or without a final newline.
func ioRandomText(_ rng: inout IOSeededRNG, lines: Int, long: Int) -> [UInt8] {
    let alphabet: [UInt8] = Array("abcdefghij{}\":,0123456789 ".utf8) + [0x0D, 0x09, 0x00, 0xFF, 0xE2, 0x80, 0xA8]
    var out: [UInt8] = []
    for _ in 0..<lines {
        let kind = Int.random(in: 0..<20, using: &rng)
        switch kind {
        case 0: break  // empty line
        case 1: out += Array(repeating: 0x20, count: Int.random(in: 1...5, using: &rng))  // blank
        case 2: out += [0x09, 0x20, 0x0D]  // blank with CR
        case 3, 4:
            let n = Int.random(in: (long - 2)...(long * 3), using: &rng)  // around and over the limit
            for _ in 0..<n { out.append(alphabet.randomElement(using: &rng)!) }
        default:
            let n = Int.random(in: 1...60, using: &rng)
            for _ in 0..<n { out.append(alphabet.randomElement(using: &rng)!) }
        }
        if Int.random(in: 0..<4, using: &rng) == 0 { out.append(0x0D) }  // CRLF
        out.append(0x0A)
    }
    if Bool.random(using: &rng) {  // unterminated last line
        let n = Int.random(in: 1...40, using: &rng)
        for _ in 0..<n { out.append(alphabet.randomElement(using: &rng)!) }
    }
    return out
}
