import Glibc

/// A reusable structural index ("tape") of one validated line, so that lookups do not re-scan
/// the line's bytes.
///
/// `JSONDocument.parse(_:tape:)` records, while it validates, one 16-byte entry per value and
/// per object key, in document order:
///
///     {"a":1,"b":[true,"x"]}
///     0 object  start 0  end 22  next 7     (next: the entry after its last descendant)
///     1 "a"     start 1  end 4   next 2     (a key)
///     2 1       start 5  end 6   next 3
///     3 "b"     start 7  end 10  next 4
///     4 array   start 11 end 21  next 7
///     5 true    start 12 end 16  next 6
///     6 "x"     start 17 end 20  next 7
///
/// With it, `JSONValue` walks an object's members in O(members) (keys compared with `memcmp`,
/// a nested container or a long string skipped in O(1) by jumping to `next`), and knows whether
/// a string has escapes without searching it.
///
/// ### Ownership and lifetime
/// A `JSONTape` owns one growable buffer and is reused for every line: parsing a line
/// overwrites it, so values handed out for the previous line stop using it (each value records
/// the tape's *generation* and falls back to scanning bytes when it changed, so a stale value
/// still reads its bytes correctly; bytes that are themselves gone are the caller's problem, as
/// before). The tape must outlive the values parsed with it; it is not thread-safe (one tape per
/// thread or task). `JSONDocument.parse(_:)` without a tape uses one tape per thread.
///
/// Memory: 16 bytes per value or key (a 2 KB log line of ~100 tokens: ~1.6 KB), grown by
/// doubling and shrunk back after a huge line.
public final class JSONTape {
    @usableFromInline let header: UnsafeMutablePointer<_TapeHeader>

    public init() { header = _TapeHeader.allocate() }

    deinit { _TapeHeader.free(header) }
}

/// One tape entry (see `JSONTape`). Offsets are byte offsets in the line (`JSONDocument.parse`
/// records a tape only for lines shorter than 2^31 bytes).
@usableFromInline
struct _TapeEntry {
    /// First byte of the value (the quote of a string, the bracket of a container).
    @usableFromInline var start: UInt32
    /// Just past the value's last byte.
    @usableFromInline var end: UInt32
    /// Index of the entry after this value's subtree (index + 1 for scalars and keys). While the
    /// container is still open during validation: the index of its parent (or `UInt32.max`).
    @usableFromInline var next: UInt32
    @usableFromInline var kind: JSONValue.Kind
    /// `_TapeEntry.escaped` for strings and keys containing a backslash.
    @usableFromInline var flags: UInt8

    @usableFromInline static let escaped: UInt8 = 1
}

/// Storage of a tape at a stable address (values point at it; the entries may move when grown).
@usableFromInline
struct _TapeHeader {
    @usableFromInline var entries: UnsafeMutablePointer<_TapeEntry>
    @usableFromInline var capacity: Int
    /// Bumped by every parse; values carry the generation they were made in.
    @usableFromInline var generation: UInt32

    static let initialCapacity = 1024
    /// A parse that finds the tape above this many entries (16 MiB) shrinks it back.
    static let retainedCapacity = 1 << 20

    static func allocate() -> UnsafeMutablePointer<_TapeHeader> {
        let h = UnsafeMutablePointer<_TapeHeader>.allocate(capacity: 1)
        h.initialize(
            to: _TapeHeader(
                entries: .allocate(capacity: initialCapacity), capacity: initialCapacity, generation: 0))
        return h
    }

    static func free(_ h: UnsafeMutablePointer<_TapeHeader>) {
        h.pointee.entries.deallocate()
        h.deallocate()
    }

    /// Doubles the entries (at least to `minimum`), keeping the first `count`.
    static func grow(_ h: UnsafeMutablePointer<_TapeHeader>, count: Int, minimum: Int) {
        let cap = max(h.pointee.capacity &* 2, minimum)
        let e = UnsafeMutablePointer<_TapeEntry>.allocate(capacity: cap)
        e.moveInitialize(from: h.pointee.entries, count: count)
        h.pointee.entries.deallocate()
        h.pointee.entries = e
        h.pointee.capacity = cap
    }

    /// Starts a new parse: bumps the generation and gives back memory held for a huge line.
    @inline(__always)
    static func begin(_ h: UnsafeMutablePointer<_TapeHeader>) -> UInt32 {
        if h.pointee.capacity > retainedCapacity {
            h.pointee.entries.deallocate()
            h.pointee.entries = .allocate(capacity: initialCapacity)
            h.pointee.capacity = initialCapacity
        }
        h.pointee.generation &+= 1
        return h.pointee.generation
    }
}

/// The tape `JSONDocument.parse(_:)` uses on the current thread (created on first use, freed
/// when the thread exits).
let _threadTapeKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { p in
        if let p { _TapeHeader.free(p.assumingMemoryBound(to: _TapeHeader.self)) }
    }
    return key
}()

@inline(__always)
func _threadTape() -> UnsafeMutablePointer<_TapeHeader> {
    if let p = pthread_getspecific(_threadTapeKey) { return p.assumingMemoryBound(to: _TapeHeader.self) }
    let h = _TapeHeader.allocate()
    pthread_setspecific(_threadTapeKey, h)
    return h
}

/// The single-pass validator that also records the tape (same checks and error codes as
/// `_JSONValidator`; the open containers live in the tape's `next` fields as parent links, so
/// there is no separate stack; `depth` counts them against `JSONDocument.maxDepth`).
struct _JSONTapeValidator {
    let base: UnsafeRawBufferPointer
    let p: UnsafePointer<UInt8>
    let end: Int
    let header: UnsafeMutablePointer<_TapeHeader>
    var e: UnsafeMutablePointer<_TapeEntry>
    var cap: Int
    var n = 0

    init(base: UnsafeRawBufferPointer, p: UnsafePointer<UInt8>, header: UnsafeMutablePointer<_TapeHeader>) {
        self.base = base
        self.p = p
        self.end = base.count
        self.header = header
        self.e = header.pointee.entries
        self.cap = header.pointee.capacity
    }

    @inline(__always)
    @discardableResult
    mutating func append(_ start: Int, _ stop: Int, _ kind: JSONValue.Kind, _ flags: UInt8) -> Int {
        if n == cap {
            _TapeHeader.grow(header, count: n, minimum: n &+ 1)
            e = header.pointee.entries
            cap = header.pointee.capacity
        }
        e[n] = _TapeEntry(
            start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: stop),
            next: UInt32(truncatingIfNeeded: n &+ 1), kind: kind, flags: flags)
        n &+= 1
        return n &- 1
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

    /// Reads `"key"` `:` at `i` (whitespace skipped), records the key, and leaves `i` at the value.
    @inline(__always)
    mutating func key(_ i: inout Int) -> JSONError? {
        guard i < end else { return .unbalanced }
        guard p[i] == 0x22 else { return .unexpectedByte }
        var esc: UInt8 = 0
        let s = string(i, &esc)
        if s < 0 { return stringError(s) }
        append(i, s, .string, esc)
        var j = s
        if j < end, p[j] == 0x3A {  // the usual `"key":` with no space
            i = ws(j &+ 1)
            return nil
        }
        j = ws(j)
        guard j < end else { return .unbalanced }
        guard p[j] == 0x3A else { return .unexpectedByte }
        i = ws(j &+ 1)
        return nil
    }

    mutating func run() -> Result<JSONValue, JSONError> {
        var i = ws(0)
        guard i < end else { return .failure(.empty) }
        let gen = header.pointee.generation
        /// The innermost open container's entry, or -1.
        var open = -1
        /// Containers open (`JSONDocument.maxDepth` at most).
        var depth = 0
        valueLoop: while true {
            // A value must start at `i` (whitespace already skipped).
            guard i < end else { return .failure(.unbalanced) }
            switch p[i] {
            case 0x22:
                var esc: UInt8 = 0
                let s = string(i, &esc)
                if s < 0 { return .failure(stringError(s)) }
                append(i, s, .string, esc)
                i = s
            case 0x7B:
                let s = i
                i = ws(i &+ 1)
                guard i < end else { return .failure(.unbalanced) }
                guard depth < JSONDocument.maxDepth else { return .failure(.tooDeep) }
                if p[i] == 0x7D {
                    i &+= 1
                    append(s, i, .object, 0)
                } else {
                    depth &+= 1
                    let k = append(s, 0, .object, 0)
                    e[k].next = UInt32(truncatingIfNeeded: open)
                    open = k
                    if let err = key(&i) { return .failure(err) }
                    continue valueLoop
                }
            case 0x5B:
                let s = i
                i = ws(i &+ 1)
                guard i < end else { return .failure(.unbalanced) }
                guard depth < JSONDocument.maxDepth else { return .failure(.tooDeep) }
                if p[i] == 0x5D {
                    i &+= 1
                    append(s, i, .array, 0)
                } else {
                    depth &+= 1
                    let k = append(s, 0, .array, 0)
                    e[k].next = UInt32(truncatingIfNeeded: open)
                    open = k
                    continue valueLoop
                }
            case 0x74:
                guard i &+ 4 <= end, p[i &+ 1] == 0x72, p[i &+ 2] == 0x75, p[i &+ 3] == 0x65 else {
                    return .failure(.badLiteral)
                }
                append(i, i &+ 4, .bool, 0)
                i &+= 4
            case 0x66:
                guard i &+ 5 <= end, p[i &+ 1] == 0x61, p[i &+ 2] == 0x6C, p[i &+ 3] == 0x73, p[i &+ 4] == 0x65 else {
                    return .failure(.badLiteral)
                }
                append(i, i &+ 5, .bool, 0)
                i &+= 5
            case 0x6E:
                guard i &+ 4 <= end, p[i &+ 1] == 0x75, p[i &+ 2] == 0x6C, p[i &+ 3] == 0x6C else {
                    return .failure(.badLiteral)
                }
                append(i, i &+ 4, .null, 0)
                i &+= 4
            case 0x2D, 0x30...0x39:
                let s = number(i)
                if s < 0 { return .failure(.badNumber) }
                append(i, s, .number, 0)
                i = s
            default:
                return .failure(.unexpectedByte)
            }
            // A value ended just before `i`: close containers until a `,` asks for the next value.
            while true {
                if open < 0 {
                    if ws(i) != end { return .failure(.trailingBytes) }
                    let r = e[0]
                    return .success(
                        JSONValue(
                            base: base, start: Int(r.start), end: Int(r.end), kind: r.kind, flags: r.flags,
                            tape: header, index: 0, generation: gen))
                }
                if i < end, p[i] == 0x2C {  // the usual `,` right after a value
                } else {
                    i = ws(i)
                    guard i < end else { return .failure(.unbalanced) }
                }
                let d = p[i]
                let inArray = e[open].kind == .array
                if d == 0x2C {
                    i = ws(i &+ 1)
                    if !inArray, let err = key(&i) { return .failure(err) }
                    continue valueLoop
                }
                if d == (inArray ? 0x5D : 0x7D) {
                    let parent = Int(Int32(bitPattern: e[open].next))
                    e[open].next = UInt32(truncatingIfNeeded: n)
                    i &+= 1
                    e[open].end = UInt32(truncatingIfNeeded: i)
                    open = parent
                    depth &-= 1
                    continue
                }
                return .failure(.unexpectedByte)
            }
        }
    }

    /// Past the closing quote of the string at `from`; -1 unterminated, -2 bad escape,
    /// -3 raw control byte. Sets `esc` to `_TapeEntry.escaped` when the string has a backslash.
    @inline(__always)
    func string(_ from: Int, _ esc: inout UInt8) -> Int { _tapeString(p, from, end, &esc) }

    /// Past the number at `from` (RFC 8259 §6 grammar), or -1.
    @inline(__always)
    func number(_ from: Int) -> Int { _validateNumber(p, from, end) }
}

/// Past the closing quote of the string whose opening quote is at `from`; -1 unterminated,
/// -2 bad escape, -3 raw control byte; sets `esc` when the string has a backslash.
///
/// Fast path, inlined: a string (a key, an enum value) whose closing quote is among its first
/// 16 bytes with no `\` or control byte before it. Longer strings and escapes take the outlined
/// loop, whose call is paid once per long string.
@inline(__always)
func _tapeString(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ esc: inout UInt8) -> Int {
    let s = from &+ 1
    if s &+ 16 <= end {
        let raw = UnsafeRawPointer(p)
        let m0 = _swarStringSpecial(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: s, as: UInt64.self)))
        if m0 != 0 {
            let j = s &+ (m0.trailingZeroBitCount &>> 3)
            if p[j] == 0x22 { return j &+ 1 }
        } else {
            let m1 = _swarStringSpecial(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: s &+ 8, as: UInt64.self)))
            if m1 != 0 {
                let j = s &+ 8 &+ (m1.trailingZeroBitCount &>> 3)
                if p[j] == 0x22 { return j &+ 1 }
            }
        }
    }
    return _tapeStringSlow(p, from, end, &esc)
}

@inline(never)
func _tapeStringSlow(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ esc: inout UInt8) -> Int {
    var i = from &+ 1
    while true {
        i = _scanStringSpecial(p, i, end)
        if i >= end { return -1 }
        let c = p[i]
        if c == 0x22 { return i &+ 1 }
        if c < 0x20 { return -3 }
        // a backslash
        esc = _TapeEntry.escaped
        i &+= 1
        guard i < end else { return -1 }
        switch p[i] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            i &+= 1
        case 0x75:
            for k in 1...4 {
                guard i &+ k < end else { return -1 }
                if _hexValue(p[i &+ k]) < 0 { return -2 }
            }
            i &+= 5
        default:
            return -2
        }
    }
}
