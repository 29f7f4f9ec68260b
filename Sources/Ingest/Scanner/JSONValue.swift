import Glibc

/// A zero-copy view of one JSON value inside a borrowed line of bytes.
///
/// Obtained from `JSONDocument.parse` (the root) and from the accessors below; every value
/// handed out lies inside a line that passed validation.
///
/// ### Lifetime
/// A `JSONValue` holds an `UnsafeRawBufferPointer` into the line it came from. It is valid only
/// during the call that handed you the line (the framer's closure, `LogDecoder.decode`):
/// **do not escape it**, store it, or return it from that closure. Copy out what you need
/// (`int64`, `double`, `bool`, `string`, or the decoded bytes via `forEachDecodedChunk`).
///
/// ### Layout
///
///     {"usage":{"input_tokens":12}}
///     ^        ^                 ^^
///     start    value["usage"]    end (exclusive) of the root
///
/// `start..<end` is the value's exact byte range within `base`; for a string it includes both
/// quotes, for a container both brackets.
///
/// ### Lookups
/// `value["key"]` walks the object's members from the start and returns the **first** member
/// with that key: with duplicate keys (`{"a":1,"a":2}`) the first one wins and later ones are
/// never seen (`value["a"]?.int64 == 1`); `forEachMember` still visits all of them in order.
/// Keys are compared after JSON unescaping, so `"a\u0062"` matches `"ab"`. Each lookup is a
/// linear scan that crosses string contents with SIMD compares / `memchr` and skips nested
/// containers without recursion, so a line with a long prompt is cheap to cross. To read many
/// fields of one object, a single `forEachMember` pass with a `switch` on the key is cheapest;
/// each `value[path: a, b]` walks again from `value`.
///
/// ### Depth
/// Nothing here recurses: skipping a nested container counts brackets in a loop, so a value
/// nested 100 000 deep is skipped in O(its length) with constant stack.
///
/// ### Why not Foundation
/// Foundation's JSON parser builds an `NSDictionary` of `NSString`s per line: dozens of allocations
/// for a line from which we need ten numbers. This view allocates nothing; only `string`
/// (and `JSONKey.string`) allocate, and only when called.
public struct JSONValue {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, bool, null
    }

    /// The whole line. Valid only during the enclosing call.
    public let base: UnsafeRawBufferPointer
    /// Offset of the value's first byte in `base`.
    public let start: Int
    /// Offset just past the value's last byte in `base`.
    public let end: Int
    public let kind: Kind
    /// `_TapeEntry.escaped` when known to be a string with a backslash; `_knownFlags` set when
    /// the flags come from a tape (otherwise: unknown, search the bytes).
    @usableFromInline let _flags: UInt8
    /// The tape this value was parsed with (nil: none; lookups scan bytes), its entry, and the
    /// tape generation it belongs to (a newer parse makes the value fall back to scanning).
    @usableFromInline let _tape: UnsafeMutablePointer<_TapeHeader>?
    @usableFromInline let _index: UInt32
    @usableFromInline let _generation: UInt32

    @usableFromInline static let _knownFlags: UInt8 = 0x80

    @inlinable
    init(base: UnsafeRawBufferPointer, start: Int, end: Int, kind: Kind) {
        self.base = base
        self.start = start
        self.end = end
        self.kind = kind
        self._flags = 0
        self._tape = nil
        self._index = 0
        self._generation = 0
    }

    @inlinable
    init(
        base: UnsafeRawBufferPointer, start: Int, end: Int, kind: Kind, flags: UInt8,
        tape: UnsafeMutablePointer<_TapeHeader>, index: Int, generation: UInt32
    ) {
        self.base = base
        self.start = start
        self.end = end
        self.kind = kind
        self._flags = flags | JSONValue._knownFlags
        self._tape = tape
        self._index = UInt32(truncatingIfNeeded: index)
        self._generation = generation
    }

    /// A value without a tape whose escape flag is known (`flags` from a tape entry).
    @inlinable
    init(base: UnsafeRawBufferPointer, start: Int, end: Int, kind: Kind, flags: UInt8) {
        self.base = base
        self.start = start
        self.end = end
        self.kind = kind
        self._flags = flags | JSONValue._knownFlags
        self._tape = nil
        self._index = 0
        self._generation = 0
    }

    /// The tape entries when this value's tape is still current, else nil.
    @inline(__always)
    var _entries: UnsafeMutablePointer<_TapeEntry>? {
        guard let t = _tape, t.pointee.generation == _generation else { return nil }
        return t.pointee.entries
    }

    /// The value of tape entry `i` (same tape and generation as `self`).
    @inline(__always)
    func _value(_ e: UnsafeMutablePointer<_TapeEntry>, _ i: Int) -> JSONValue {
        let v = e[i]
        return JSONValue(
            base: base, start: Int(v.start), end: Int(v.end), kind: v.kind, flags: v.flags, tape: _tape!, index: i,
            generation: _generation)
    }

    /// True when this string is known (from the tape) to have no backslash; false when it has
    /// one or nothing is known.
    @inline(__always)
    var _knownPlain: Bool { _flags & (JSONValue._knownFlags | _TapeEntry.escaped) == JSONValue._knownFlags }

    /// True when the string's raw bytes contain no backslash (tape flag, else `memchr`).
    @inline(__always)
    var _plain: Bool {
        if _flags & JSONValue._knownFlags != 0 { return _flags & _TapeEntry.escaped == 0 }
        return memchr(base.baseAddress! + start + 1, 0x5C, end - start - 2) == nil
    }

    /// The value's raw bytes (for strings, with quotes and escapes as written).
    @inlinable
    public var rawBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: base[start..<end]) }

    @inlinable
    public var isNull: Bool { kind == .null }

    // MARK: - Objects

    /// The first member named `key`, or nil when this is not an object or has no such member.
    /// - Complexity: O(n) in the object's byte length (up to the member found).
    public subscript(key: StaticString) -> JSONValue? {
        guard kind == .object else { return nil }
        return key.withUTF8Buffer { k in member(named: UnsafeRawBufferPointer(k)) }
    }

    /// The value at a path of object keys, e.g. `value[path: "usage", "input_tokens"]`; nil when
    /// any step is missing or not an object.
    /// - Complexity: O(n) in the bytes crossed along the path.
    public subscript(path keys: StaticString...) -> JSONValue? {
        var cur = self
        for k in keys {
            guard let next = cur[k] else { return nil }
            cur = next
        }
        return cur
    }

    /// The first member whose unescaped key equals `key` (UTF-8 bytes); nil for a non-object.
    /// - Complexity: O(n) in the object's byte length (up to the member found).
    public func member(named key: UnsafeRawBufferPointer) -> JSONValue? {
        guard kind == .object else { return nil }
        let n = key.count
        let kp = key.baseAddress
        // A raw key of the same length matches iff its bytes are equal and contain no escape
        // (an escape would decode to fewer bytes); equal bytes contain `\` iff `key` does.
        let keyHasBackslash = n > 0 && memchr(kp!, 0x5C, n) != nil
        if let e = _entries {
            let stop = Int(e[Int(_index)].next)
            var k = Int(_index) &+ 1
            let lp = base.baseAddress!
            while k < stop {
                let ke = e[k]
                let rawLen = Int(ke.end) &- Int(ke.start) &- 2
                var hit = false
                if ke.flags & _TapeEntry.escaped == 0 {
                    hit = rawLen == n && !keyHasBackslash && (n == 0 || memcmp(lp + (Int(ke.start) &+ 1), kp!, n) == 0)
                } else if rawLen > n {
                    hit = JSONValue(base: base, start: Int(ke.start), end: Int(ke.end), kind: .string).stringEquals(key)
                }
                if hit { return _value(e, k &+ 1) }
                k = Int(e[k &+ 1].next)
            }
            return nil
        }
        let c = _JSONCursor(base: base, end: end)
        var i = c.skipWhitespace(start &+ 1)
        while i < end, c.p[i] == 0x22 {
            let keyEnd = c.skipString(i)
            guard keyEnd > 0 else { return nil }
            let rawLen = keyEnd &- i &- 2
            var hit = false
            if rawLen == n {
                hit = !keyHasBackslash && (n == 0 || memcmp(c.p + (i &+ 1), kp!, n) == 0)
            } else if rawLen > n {
                // Only an escaped key can be longer than its decoded form.
                var j = i &+ 1
                while j < keyEnd &- 1, c.p[j] != 0x5C { j &+= 1 }
                if j < keyEnd &- 1 {
                    hit = JSONValue(base: base, start: i, end: keyEnd, kind: .string).stringEquals(key)
                }
            }
            var j = c.skipWhitespace(keyEnd)
            guard j < end, c.p[j] == 0x3A else { return nil }
            j = c.skipWhitespace(j &+ 1)
            guard let v = c.value(at: j) else { return nil }
            if hit { return v }
            j = c.skipWhitespace(v.end)
            guard j < end, c.p[j] == 0x2C else { return nil }
            i = c.skipWhitespace(j &+ 1)
        }
        return nil
    }

    /// The first member whose unescaped key equals `key` (for keys known only at run time).
    /// - Complexity: O(n) in the object's byte length.
    public func member(named key: String) -> JSONValue? {
        var k = key
        return k.withUTF8 { member(named: UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with each member's key and value, in document order (duplicates included),
    /// until it returns false. Does nothing for a non-object.
    /// - Complexity: O(n) in the object's byte length.
    public func forEachMember(_ body: (JSONKey, JSONValue) -> Bool) {
        guard kind == .object else { return }
        if let e = _entries {
            let stop = Int(e[Int(_index)].next)
            var k = Int(_index) &+ 1
            while k < stop {
                let ke = e[k]
                let key = JSONKey(base: base, start: Int(ke.start), end: Int(ke.end), flags: ke.flags | JSONValue._knownFlags)
                if !body(key, _value(e, k &+ 1)) { return }
                k = Int(e[k &+ 1].next)
            }
            return
        }
        let c = _JSONCursor(base: base, end: end)
        var i = c.skipWhitespace(start &+ 1)
        while i < end, c.p[i] == 0x22 {
            let keyEnd = c.skipString(i)
            guard keyEnd > 0 else { return }
            var j = c.skipWhitespace(keyEnd)
            guard j < end, c.p[j] == 0x3A else { return }
            j = c.skipWhitespace(j &+ 1)
            guard let v = c.value(at: j) else { return }
            if !body(JSONKey(base: base, start: i, end: keyEnd), v) { return }
            j = c.skipWhitespace(v.end)
            guard j < end, c.p[j] == 0x2C else { return }
            i = c.skipWhitespace(j &+ 1)
        }
    }

    // MARK: - Arrays

    /// Calls `body` with each element, in order, until it returns false. Does nothing for a non-array.
    /// - Complexity: O(n) in the array's byte length.
    public func forEachElement(_ body: (JSONValue) -> Bool) {
        guard kind == .array else { return }
        if let e = _entries {
            let stop = Int(e[Int(_index)].next)
            var k = Int(_index) &+ 1
            while k < stop {
                if !body(_value(e, k)) { return }
                k = Int(e[k].next)
            }
            return
        }
        let c = _JSONCursor(base: base, end: end)
        var i = c.skipWhitespace(start &+ 1)
        while let v = c.value(at: i) {
            if !body(v) { return }
            i = c.skipWhitespace(v.end)
            guard i < end, c.p[i] == 0x2C else { return }
            i = c.skipWhitespace(i &+ 1)
        }
    }

    /// The element at `index` (0-based), or nil (non-array, or out of range).
    /// - Complexity: O(n) in the bytes up to that element.
    public subscript(index index: Int) -> JSONValue? {
        guard index >= 0 else { return nil }
        var n = 0
        var found: JSONValue? = nil
        forEachElement { v in
            if n == index { found = v; return false }
            n += 1
            return true
        }
        return found
    }

    /// Number of elements of an array or members of an object (duplicates counted); 0 otherwise.
    /// - Complexity: O(n) in the value's byte length.
    public var count: Int {
        var n = 0
        if kind == .array { forEachElement { _ in n += 1; return true } }
        if kind == .object { forEachMember { _, _ in n += 1; return true } }
        return n
    }
}

/// A member key inside a borrowed line (quotes included in `start..<end`). Same lifetime rules
/// as `JSONValue`.
public struct JSONKey {
    public let base: UnsafeRawBufferPointer
    public let start: Int
    public let end: Int
    /// As `JSONValue._flags`: whether the key is known to have a backslash.
    @usableFromInline let _flags: UInt8

    @inlinable
    init(base: UnsafeRawBufferPointer, start: Int, end: Int, flags: UInt8 = 0) {
        self.base = base
        self.start = start
        self.end = end
        self._flags = flags
    }

    /// True when the key's raw bytes contain no backslash (tape flag, else `memchr`).
    @inline(__always)
    var _plain: Bool {
        if _flags & JSONValue._knownFlags != 0 { return _flags & _TapeEntry.escaped == 0 }
        return memchr(base.baseAddress! + start + 1, 0x5C, end - start - 2) == nil
    }

    /// The key's bytes between the quotes, escapes as written.
    public var rawBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: base[(start + 1)..<(end - 1)])
    }

    /// The key as a string `JSONValue` (for `stringEquals`, `forEachDecodedChunk`, …).
    public var value: JSONValue {
        if _flags & JSONValue._knownFlags != 0 {
            return JSONValue(base: base, start: start, end: end, kind: .string, flags: _flags)
        }
        return JSONValue(base: base, start: start, end: end, kind: .string)
    }

    /// True when the unescaped key equals `other` (UTF-8).
    /// - Complexity: O(key length).
    public func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        let n = end - start - 2
        let p = base.baseAddress! + start + 1
        if _plain {
            return n == other.count && (n == 0 || memcmp(p, other.baseAddress!, n) == 0)
        }
        return value.stringEquals(other)
    }

    /// True when the unescaped key equals `other`.
    /// - Complexity: O(key length).
    public func equals(_ other: StaticString) -> Bool {
        other.withUTF8Buffer { equals(UnsafeRawBufferPointer($0)) }
    }

    /// The unescaped key as a `String` (allocates; not for hot paths).
    public var string: String {
        value.string ?? ""
    }
}
