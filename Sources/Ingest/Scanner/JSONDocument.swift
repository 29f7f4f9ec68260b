import Glibc

/// Why a line is not valid JSON. Stable codes, reported per file (`json.<code>`).
public enum JSONError: String, Error, Sendable {
    case empty = "json.empty"
    case unexpectedByte = "json.unexpected_byte"
    case unterminatedString = "json.unterminated_string"
    case badEscape = "json.bad_escape"
    case badNumber = "json.bad_number"
    case badLiteral = "json.bad_literal"
    case unbalanced = "json.unbalanced"
    case trailingBytes = "json.trailing_bytes"
}

/// Validates one line of JSON and hands out its root as a `JSONValue`.
///
/// ### What is checked
/// Structure (brackets, commas, colons, keys are strings), string termination and escapes
/// (`\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t` `\uXXXX`), number syntax (RFC 8259 §6) and the
/// literals `true`, `false`, `null`; nothing but whitespace may follow the root. Invalid UTF-8
/// inside strings is **accepted** (it is repaired with U+FFFD only when a string is decoded):
/// real logs carry cut multi-byte characters and one must not cost a whole record.
///
/// ### Depth
/// Validation is iterative with an explicit bit stack, so nesting 100 000 deep costs memory
/// (one bit per level) and never the call stack.
///
/// - Complexity: O(n) in the line length; string contents are crossed with `memchr`.
public enum JSONDocument {
    /// Validates `bytes` and returns the root value.
    /// - Returns: the root, or `.failure` with the first problem found.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSONValue, JSONError> {
        var v = _JSONValidator(base: bytes)
        return v.run()
    }
}

struct _JSONValidator {
    let base: UnsafeRawBufferPointer
    let end: Int
    /// Bit stack of open containers: 1 = array, 0 = object. First 64 levels in `low`.
    var low: UInt64 = 0
    var high: [UInt64] = []
    var depth = 0

    init(base: UnsafeRawBufferPointer) {
        self.base = base
        self.end = base.count
    }

    @inline(__always)
    mutating func push(isArray: Bool) {
        if depth < 64 {
            if isArray { low |= (1 << UInt64(depth)) } else { low &= ~(1 << UInt64(depth)) }
        } else {
            let w = (depth - 64) >> 6
            let b = UInt64((depth - 64) & 63)
            if w >= high.count { high.append(0) }
            if isArray { high[w] |= (1 << b) } else { high[w] &= ~(1 << b) }
        }
        depth += 1
    }

    @inline(__always)
    func topIsArray() -> Bool {
        let d = depth - 1
        if d < 64 { return (low >> UInt64(d)) & 1 == 1 }
        return (high[(d - 64) >> 6] >> UInt64((d - 64) & 63)) & 1 == 1
    }

    @inline(__always)
    func ws(_ from: Int) -> Int {
        var i = from
        while i < end {
            let c = base[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
        return i
    }

    mutating func run() -> Result<JSONValue, JSONError> {
        var i = ws(0)
        guard i < end else { return .failure(.empty) }
        let rootStart = i
        let rootKind: JSONValue.Kind
        // States: expecting a value; after a value
        enum Expect { case value, keyOrClose, key, valueOrClose }
        var expect = Expect.value
        var rootEnd = -1
        switch base[i] {
        case 0x7B: rootKind = .object
        case 0x5B: rootKind = .array
        case 0x22: rootKind = .string
        case 0x74, 0x66: rootKind = .bool
        case 0x6E: rootKind = .null
        default: rootKind = .number
        }
        while true {
            i = ws(i)
            if i >= end { return .failure(depth > 0 || rootEnd < 0 ? .unbalanced : .empty) }
            let c = base[i]
            switch expect {
            case .keyOrClose, .key:
                if c == 0x7D, expect == .keyOrClose {
                    depth -= 1
                    i += 1
                } else if c == 0x22 {
                    let e = string(i)
                    if e < 0 { return .failure(e == -2 ? .badEscape : .unterminatedString) }
                    i = ws(e)
                    guard i < end else { return .failure(.unbalanced) }
                    guard base[i] == 0x3A else { return .failure(.unexpectedByte) }
                    i += 1
                    expect = .value
                    continue
                } else {
                    return .failure(.unexpectedByte)
                }
            case .value, .valueOrClose:
                if c == 0x5D, expect == .valueOrClose {
                    depth -= 1
                    i += 1
                } else {
                    switch c {
                    case 0x7B:
                        push(isArray: false)
                        i += 1
                        expect = .keyOrClose
                        continue
                    case 0x5B:
                        push(isArray: true)
                        i += 1
                        expect = .valueOrClose
                        continue
                    case 0x22:
                        let e = string(i)
                        if e < 0 { return .failure(e == -2 ? .badEscape : .unterminatedString) }
                        i = e
                    case 0x74:
                        guard literal(i, "true") else { return .failure(.badLiteral) }
                        i += 4
                    case 0x66:
                        guard literal(i, "false") else { return .failure(.badLiteral) }
                        i += 5
                    case 0x6E:
                        guard literal(i, "null") else { return .failure(.badLiteral) }
                        i += 4
                    case 0x2D, 0x30...0x39:
                        let e = number(i)
                        if e < 0 { return .failure(.badNumber) }
                        i = e
                    default:
                        return .failure(.unexpectedByte)
                    }
                }
            }
            // after a complete value (or a closed container)
            if depth == 0 {
                rootEnd = i
                break
            }
            i = ws(i)
            guard i < end else { return .failure(.unbalanced) }
            let d = base[i]
            if topIsArray() {
                if d == 0x2C { i += 1; expect = .value; continue }
                if d == 0x5D { expect = .valueOrClose; continue }
                return .failure(.unexpectedByte)
            } else {
                if d == 0x2C { i += 1; expect = .key; continue }
                if d == 0x7D { expect = .keyOrClose; continue }
                return .failure(.unexpectedByte)
            }
        }
        if ws(rootEnd) != end { return .failure(.trailingBytes) }
        return .success(JSONValue(base: base, start: rootStart, end: rootEnd, kind: rootKind))
    }

    func literal(_ i: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= end else { return false }
        return memcmp(base.baseAddress! + i, s.utf8Start, n) == 0
    }

    /// Past the closing quote; -1 unterminated, -2 bad escape.
    func string(_ from: Int) -> Int {
        let p = base.baseAddress!
        var i = from + 1
        while i < end {
            // find the next quote or backslash
            guard let q = memchr(p + i, 0x22, end - i) else { return -1 }
            let qi = p.distance(to: UnsafeRawPointer(q))
            if let b = memchr(p + i, 0x5C, qi - i) {
                var bi = p.distance(to: UnsafeRawPointer(b))
                // validate escapes between i and qi, then continue after the escape
                bi += 1
                guard bi < end else { return -1 }
                let e = base[bi]
                switch e {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                    i = bi + 1
                case 0x75:
                    guard bi + 4 < end else { return -1 }
                    for k in 1...4 where _hexValue(base[bi + k]) < 0 { return -2 }
                    i = bi + 5
                default:
                    return -2
                }
                continue
            }
            return qi + 1
        }
        return -1
    }

    func number(_ from: Int) -> Int {
        var i = from
        if base[i] == 0x2D { i += 1 }
        guard i < end else { return -1 }
        if base[i] == 0x30 {
            i += 1
        } else if base[i] >= 0x31 && base[i] <= 0x39 {
            while i < end, base[i] >= 0x30 && base[i] <= 0x39 { i += 1 }
        } else {
            return -1
        }
        if i < end, base[i] == 0x2E {
            i += 1
            let s = i
            while i < end, base[i] >= 0x30 && base[i] <= 0x39 { i += 1 }
            if i == s { return -1 }
        }
        if i < end, base[i] == 0x65 || base[i] == 0x45 {
            i += 1
            if i < end, base[i] == 0x2B || base[i] == 0x2D { i += 1 }
            let s = i
            while i < end, base[i] >= 0x30 && base[i] <= 0x39 { i += 1 }
            if i == s { return -1 }
        }
        return i
    }
}

@inline(__always)
func _hexValue(_ c: UInt8) -> Int {
    switch c {
    case 0x30...0x39: return Int(c - 0x30)
    case 0x41...0x46: return Int(c - 0x41 + 10)
    case 0x61...0x66: return Int(c - 0x61 + 10)
    default: return -1
    }
}
