import Glibc

/// A zero-copy view of one JSON value inside a borrowed line of bytes.
///
/// ### Lifetime
/// A `JSONValue` holds an `UnsafeRawBufferPointer` into the line it came from. It is valid only
/// during the call that handed you the line (the framer's closure): **do not escape it**, store
/// it, or return it from that closure. Copy out what you need (`int64`, `double`, `string`).
///
/// ### Layout
///
///     {"usage":{"input_tokens":12}}
///     ^        ^                 ^^
///     start    value["usage"]    end (exclusive) of the root
///
/// `start..<end` is the value's exact byte range; for a string it includes both quotes.
///
/// ### Lookups
/// `value["key"]` walks the object's members from the start and returns the **first** member
/// with that key (duplicate keys: the first one wins; later ones are never seen). Keys are
/// compared after JSON unescaping, so `"a\u0062"` matches `"ab"`. Each lookup is a linear scan
/// that skips string contents with `memchr`, so a line with a long prompt is cheap to cross.
///
/// ### Why not Foundation
/// `JSONSerialization` builds an `NSDictionary` of `NSString`s per line: dozens of allocations
/// for a line from which we need ten numbers. This view allocates nothing.
public struct JSONValue {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, bool, null
    }

    /// The whole line. Valid only during the enclosing call.
    public let base: UnsafeRawBufferPointer
    public let start: Int
    public let end: Int
    public let kind: Kind

    @inlinable
    init(base: UnsafeRawBufferPointer, start: Int, end: Int, kind: Kind) {
        self.base = base
        self.start = start
        self.end = end
        self.kind = kind
    }

    /// The value's raw bytes (for strings, with quotes and escapes as written).
    @inlinable
    public var rawBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: base[start..<end]) }

    @inlinable
    public var isNull: Bool { kind == .null }

    // MARK: - Objects

    /// The first member named `key`, or nil when this is not an object or has no such member.
    /// - Complexity: O(n) in the object's byte length.
    public subscript(key: StaticString) -> JSONValue? {
        guard kind == .object else { return nil }
        return key.withUTF8Buffer { k in member(named: UnsafeRawBufferPointer(k)) }
    }

    /// The value at a path of object keys, e.g. `value[path: "usage", "input_tokens"]`.
    public subscript(path keys: StaticString...) -> JSONValue? {
        var cur = self
        for k in keys {
            guard let next = cur[k] else { return nil }
            cur = next
        }
        return cur
    }

    /// The first member whose unescaped key equals `key` (UTF-8 bytes).
    public func member(named key: UnsafeRawBufferPointer) -> JSONValue? {
        var found: JSONValue? = nil
        forEachMember { k, v in
            if k.equals(key) {
                found = v
                return false
            }
            return true
        }
        return found
    }

    /// Calls `body` with each member's key and value, in order, until it returns false.
    /// Does nothing for a non-object.
    /// - Complexity: O(n) in the object's byte length.
    public func forEachMember(_ body: (JSONKey, JSONValue) -> Bool) {
        guard kind == .object else { return }
        let s = _JSONCursor(base: base, end: end)
        var i = start + 1
        while true {
            i = s.skipWhitespace(i)
            guard i < end, base[i] == UInt8(ascii: "\"") else { return }
            let keyEnd = s.skipString(i)
            guard keyEnd > 0 else { return }
            let key = JSONKey(base: base, start: i, end: keyEnd)
            i = s.skipWhitespace(keyEnd)
            guard i < end, base[i] == UInt8(ascii: ":") else { return }
            i = s.skipWhitespace(i + 1)
            guard let v = s.value(at: i) else { return }
            if !body(key, v) { return }
            i = s.skipWhitespace(v.end)
            guard i < end, base[i] == UInt8(ascii: ",") else { return }
            i += 1
        }
    }

    // MARK: - Arrays

    /// Calls `body` with each element, in order, until it returns false. Does nothing for a non-array.
    /// - Complexity: O(n) in the array's byte length.
    public func forEachElement(_ body: (JSONValue) -> Bool) {
        guard kind == .array else { return }
        let s = _JSONCursor(base: base, end: end)
        var i = s.skipWhitespace(start + 1)
        if i < end, base[i] == UInt8(ascii: "]") { return }
        while true {
            i = s.skipWhitespace(i)
            guard let v = s.value(at: i) else { return }
            if !body(v) { return }
            i = s.skipWhitespace(v.end)
            guard i < end, base[i] == UInt8(ascii: ",") else { return }
            i += 1
        }
    }

    /// The element at `index`, or nil. - Complexity: O(n).
    public subscript(index index: Int) -> JSONValue? {
        var n = 0
        var found: JSONValue? = nil
        forEachElement { v in
            if n == index { found = v; return false }
            n += 1
            return true
        }
        return found
    }

    /// Number of elements of an array or members of an object; 0 otherwise.
    public var count: Int {
        var n = 0
        if kind == .array { forEachElement { _ in n += 1; return true } }
        if kind == .object { forEachMember { _, _ in n += 1; return true } }
        return n
    }
}

/// A member key inside a borrowed line (quotes included in `start..<end`).
public struct JSONKey {
    public let base: UnsafeRawBufferPointer
    public let start: Int
    public let end: Int

    /// True when the unescaped key equals `other` (UTF-8).
    public func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        let n = end - start - 2
        let p = base.baseAddress! + start + 1
        if memchr(p, 0x5C, n) == nil {
            return n == other.count && (n == 0 || memcmp(p, other.baseAddress!, n) == 0)
        }
        return JSONValue(base: base, start: start, end: end, kind: .string).stringEquals(other)
    }

    /// True when the unescaped key equals `other`.
    public func equals(_ other: StaticString) -> Bool {
        other.withUTF8Buffer { equals(UnsafeRawBufferPointer($0)) }
    }

    /// The unescaped key as a `String` (allocates; not for hot paths).
    public var string: String {
        JSONValue(base: base, start: start, end: end, kind: .string).string ?? ""
    }
}
