import Glibc

/// Why a line is not valid JSON. Stable codes, reported per file (`json.<code>`).
///
/// | code | first problem found |
/// |---|---|
/// | `empty` | the line is empty or only whitespace |
/// | `unexpectedByte` | a byte that cannot come next: missing `:` or `,`, trailing comma, a key that is not a string, an unescaped control byte (< 0x20) inside a string |
/// | `unterminatedString` | the line ends inside a string (or inside an escape) |
/// | `badEscape` | `\` followed by anything but `" \ / b f n r t u`, or `\u` without four hex digits |
/// | `badNumber` | a number outside RFC 8259 §6 syntax (`-`, `1.`, `1e`, `.5` at a value position is `unexpectedByte`) |
/// | `badLiteral` | `t`/`f`/`n` not starting `true`/`false`/`null` (also when cut short) |
/// | `unbalanced` | the line ends inside an object or array (a truncated record), e.g. a lone `{` |
/// | `trailingBytes` | anything but whitespace after the root value, e.g. `{} x` or `]` too many |
/// | `tooDeep` | more than `JSONDocument.maxDepth` (1 000) containers open at once, e.g. `[[[[…` 75 000 deep |
public enum JSONError: String, Error, Sendable {
    case empty = "json.empty"
    case unexpectedByte = "json.unexpected_byte"
    case unterminatedString = "json.unterminated_string"
    case badEscape = "json.bad_escape"
    case badNumber = "json.bad_number"
    case badLiteral = "json.bad_literal"
    case unbalanced = "json.unbalanced"
    case trailingBytes = "json.trailing_bytes"
    case tooDeep = "json.too_deep"
}

/// Validates one line of JSON and hands out its root as a `JSONValue`.
///
/// ### What is checked
/// Structure (brackets, commas, colons, keys are strings), string termination, escapes
/// (`\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t` `\uXXXX`) and the absence of raw control bytes
/// (< 0x20) in strings (RFC 8259 §7), number syntax (RFC 8259 §6) and the literals `true`,
/// `false`, `null`; nothing but whitespace may follow the root, and any JSON value may be the
/// root (`"x"`, `12`). What is **not** checked, on purpose:
/// - UTF-8 inside strings: invalid sequences are accepted and repaired with U+FFFD only when a
///   string is decoded (`JSONValue.string`). Real logs carry cut multi-byte characters in tool
///   output (`formats/AGENTS.md` §1.6: "tool output may be invalid UTF-8 (decode lossily)") and
///   one bad byte must not cost a whole record. Foundation's JSON parser rejects such lines.
/// - Lone `\u` surrogates (`"\ud800"`): accepted, decoded as U+FFFD.
/// - Duplicate keys: accepted; lookups see the first (see `JSONValue`).
/// - Number range: `1e400` is valid syntax; `JSONValue.double` then returns nil.
///
/// ### Depth
/// A line with more than `maxDepth` (1 000) containers open at once fails with `.tooDeep` and is
/// counted as malformed, like any invalid line: no log record nests that deep (OTLP spans and
/// Claude Code transcripts stay under 20 levels), and the limit bounds every consumer of a
/// parsed line, the decoders and format detection included, whatever they do per level (issue
/// 11: a first line nested 75 000 deep once overflowed the stack in detection). Validation
/// itself is iterative with an explicit bit stack (1 bit per open container, the first 64 levels
/// in a register, deeper ones in an array allocated only then), and the `JSONValue` accessors
/// are iterative too, so neither ever uses the call stack per level.
///
/// ### Why not Foundation
/// Foundation's JSON parser builds an `NSDictionary` of `NSString`s per line (dozens of allocations
/// for a line from which a decoder needs ten numbers) and stops at a depth of a few hundred
/// levels. This validator allocates nothing for lines nested up to 64 levels.
///
/// - Complexity: O(n) in the line length, one pass. String contents (the bulk of log lines:
///   prompts, responses) are crossed 16 bytes per step looking for `"`, `\` and control bytes.
public enum JSONDocument {
    /// The most containers (objects and arrays) a line may have open at once; one more is
    /// `.tooDeep`. `[[1]]` has depth 2, a scalar root depth 0.
    public static let maxDepth = 1_000

    /// Validates `bytes` (one line, without its newline) and returns the root value.
    /// - Returns: the root, whose `start..<end` excludes surrounding whitespace, or `.failure`
    ///   with the first problem found (see `JSONError`). Never traps, whatever the bytes.
    /// - Complexity: O(`bytes.count`).
    ///
    /// Records the line's structure in this thread's tape (see `JSONTape`), so lookups on the
    /// returned value do not re-scan the line. Values from the previous `parse` on the same thread
    /// then stop using the tape and scan bytes instead (still correct while their bytes live).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSONValue, JSONError> {
        _parse(bytes, tape: _threadTape())
    }

    /// Validates `bytes` like `parse(_:)` and records the line's structure in `tape` (reused:
    /// it is overwritten by every call). Lookups on the returned value and the values reached
    /// from it use the tape: O(members) per object walk, O(1) to skip a nested value.
    /// - Precondition: `tape` outlives the returned values (see `JSONTape`).
    /// - Returns: as `parse(_:)`, the same results and errors for the same bytes.
    /// - Complexity: O(`bytes.count`); no allocation once the tape has grown to the line's size.
    public static func parse(_ bytes: UnsafeRawBufferPointer, tape: JSONTape) -> Result<JSONValue, JSONError> {
        _parse(bytes, tape: tape.header)
    }

    /// Validates without recording a tape: lookups on the result scan bytes (the original,
    /// tape-free validator; also the reference the tape validator is tested against).
    public static func parseWithoutTape(_ bytes: UnsafeRawBufferPointer) -> Result<JSONValue, JSONError> {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return .failure(.empty) }
        var v = _JSONValidator(base: bytes, p: p.assumingMemoryBound(to: UInt8.self))
        return v.run()
    }

    @inline(__always)
    static func _parse(_ bytes: UnsafeRawBufferPointer, tape: UnsafeMutablePointer<_TapeHeader>) -> Result<JSONValue, JSONError> {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return .failure(.empty) }
        // Tape offsets are 32-bit: lines of 2 GiB and more are validated without one.
        guard bytes.count < Int(Int32.max) else { return parseWithoutTape(bytes) }
        _ = _TapeHeader.begin(tape)
        var v = _JSONTapeValidator(base: bytes, p: p.assumingMemoryBound(to: UInt8.self), header: tape)
        return v.run()
    }
}

/// The single-pass validator behind `JSONDocument.parse`.
struct _JSONValidator {
    let base: UnsafeRawBufferPointer
    let p: UnsafePointer<UInt8>
    let end: Int
    /// Bit stack of open containers: 1 = array, 0 = object. The first 64 levels live in `low`.
    var low: UInt64 = 0
    var high: [UInt64] = []
    var depth = 0

    init(base: UnsafeRawBufferPointer, p: UnsafePointer<UInt8>) {
        self.base = base
        self.p = p
        self.end = base.count
    }

    /// Opens a container; false when that would exceed `JSONDocument.maxDepth`.
    @inline(__always)
    mutating func push(isArray: Bool) -> Bool {
        if depth >= JSONDocument.maxDepth { return false }
        if depth < 64 {
            let bit = UInt64(1) &<< UInt64(depth)
            if isArray { low |= bit } else { low &= ~bit }
        } else {
            let w = (depth &- 64) &>> 6
            let bit = UInt64(1) &<< UInt64((depth &- 64) & 63)
            if w >= high.count { high.append(0) }
            if isArray { high[w] |= bit } else { high[w] &= ~bit }
        }
        depth &+= 1
        return true
    }

    @inline(__always)
    func topIsArray() -> Bool {
        let d = depth &- 1
        if d < 64 { return (low &>> UInt64(d)) & 1 == 1 }
        return (high[(d &- 64) &>> 6] &>> UInt64((d &- 64) & 63)) & 1 == 1
    }

    @inline(__always)
    func ws(_ from: Int) -> Int {
        var i = from
        while i < end, _isJSONWhitespace(p[i]) { i &+= 1 }
        return i
    }

    @inline(__always)
    func stringError(_ code: Int) -> JSONError {
        code == -2 ? .badEscape : code == -3 ? .unexpectedByte : .unterminatedString
    }

    /// Reads `"key"` `:` at `i` (whitespace skipped) and leaves `i` at the value (whitespace skipped).
    @inline(__always)
    func key(_ i: inout Int) -> JSONError? {
        guard i < end else { return .unbalanced }
        guard p[i] == 0x22 else { return .unexpectedByte }
        let e = string(i)
        if e < 0 { return stringError(e) }
        let j = ws(e)
        guard j < end else { return .unbalanced }
        guard p[j] == 0x3A else { return .unexpectedByte }
        i = ws(j &+ 1)
        return nil
    }

    mutating func run() -> Result<JSONValue, JSONError> {
        var i = ws(0)
        guard i < end else { return .failure(.empty) }
        let rootStart = i
        let rootKind: JSONValue.Kind
        switch p[i] {
        case 0x7B: rootKind = .object
        case 0x5B: rootKind = .array
        case 0x22: rootKind = .string
        case 0x74, 0x66: rootKind = .bool
        case 0x6E: rootKind = .null
        default: rootKind = .number
        }
        valueLoop: while true {
            // A value must start at `i` (whitespace already skipped).
            guard i < end else { return .failure(.unbalanced) }
            switch p[i] {
            case 0x22:
                let e = string(i)
                if e < 0 { return .failure(stringError(e)) }
                i = e
            case 0x7B:
                i = ws(i &+ 1)
                guard i < end else { return .failure(.unbalanced) }
                if p[i] == 0x7D {
                    // an empty container is open too, for the depth limit
                    guard depth < JSONDocument.maxDepth else { return .failure(.tooDeep) }
                    i &+= 1
                } else {
                    guard push(isArray: false) else { return .failure(.tooDeep) }
                    if let err = key(&i) { return .failure(err) }
                    continue valueLoop
                }
            case 0x5B:
                i = ws(i &+ 1)
                guard i < end else { return .failure(.unbalanced) }
                if p[i] == 0x5D {
                    guard depth < JSONDocument.maxDepth else { return .failure(.tooDeep) }
                    i &+= 1
                } else {
                    guard push(isArray: true) else { return .failure(.tooDeep) }
                    continue valueLoop
                }
            case 0x74:
                guard i &+ 4 <= end, p[i &+ 1] == 0x72, p[i &+ 2] == 0x75, p[i &+ 3] == 0x65 else {
                    return .failure(.badLiteral)
                }
                i &+= 4
            case 0x66:
                guard i &+ 5 <= end, p[i &+ 1] == 0x61, p[i &+ 2] == 0x6C, p[i &+ 3] == 0x73, p[i &+ 4] == 0x65 else {
                    return .failure(.badLiteral)
                }
                i &+= 5
            case 0x6E:
                guard i &+ 4 <= end, p[i &+ 1] == 0x75, p[i &+ 2] == 0x6C, p[i &+ 3] == 0x6C else {
                    return .failure(.badLiteral)
                }
                i &+= 4
            case 0x2D, 0x30...0x39:
                let e = number(i)
                if e < 0 { return .failure(.badNumber) }
                i = e
            default:
                return .failure(.unexpectedByte)
            }
            // A value ended just before `i`: close containers until a `,` asks for the next value.
            while true {
                if depth == 0 {
                    if ws(i) != end { return .failure(.trailingBytes) }
                    return .success(JSONValue(base: base, start: rootStart, end: i, kind: rootKind))
                }
                i = ws(i)
                guard i < end else { return .failure(.unbalanced) }
                let d = p[i]
                let inArray = topIsArray()
                if d == 0x2C {
                    i = ws(i &+ 1)
                    if !inArray, let err = key(&i) { return .failure(err) }
                    continue valueLoop
                }
                if d == (inArray ? 0x5D : 0x7D) {
                    depth &-= 1
                    i &+= 1
                    continue
                }
                return .failure(.unexpectedByte)
            }
        }
    }

    /// Past the closing quote of the string at `from`; -1 unterminated, -2 bad escape,
    /// -3 raw control byte. (The same scan as the tape validator's.)
    @inline(__always)
    func string(_ from: Int) -> Int {
        var escaped: UInt8 = 0
        return _tapeStringSlow(p, from, end, &escaped)
    }

    /// Past the number at `from` (RFC 8259 §6 grammar), or -1.
    @inline(__always)
    func number(_ from: Int) -> Int { _validateNumber(p, from, end) }
}

/// The value of one hex digit, or -1.
@inline(__always)
func _hexValue(_ c: UInt8) -> Int {
    switch c {
    case 0x30...0x39: return Int(c &- 0x30)
    case 0x41...0x46: return Int(c &- 0x41 &+ 10)
    case 0x61...0x66: return Int(c &- 0x61 &+ 10)
    default: return -1
    }
}

/// Past the JSON number starting at `p[from]` (RFC 8259 §6 grammar: `-? (0 | [1-9][0-9]*)
/// (. [0-9]+)? ([eE] [+-]? [0-9]+)?`), or -1. Shared by both validators.
@inline(__always)
func _validateNumber(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
    var i = from
    if p[i] == 0x2D { i &+= 1 }
    guard i < end else { return -1 }
    if p[i] == 0x30 {
        i &+= 1
    } else if p[i] >= 0x31 && p[i] <= 0x39 {
        i &+= 1
        while i < end, p[i] &- 0x30 < 10 { i &+= 1 }
    } else {
        return -1
    }
    if i < end, p[i] == 0x2E {
        i &+= 1
        let s = i
        while i < end, p[i] &- 0x30 < 10 { i &+= 1 }
        if i == s { return -1 }
    }
    if i < end, p[i] | 0x20 == 0x65 {
        i &+= 1
        if i < end, p[i] == 0x2B || p[i] == 0x2D { i &+= 1 }
        let s = i
        while i < end, p[i] &- 0x30 < 10 { i &+= 1 }
        if i == s { return -1 }
    }
    return i
}
