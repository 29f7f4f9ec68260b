import Glibc

/// Internal cursor that finds value boundaries inside a line already known to be valid JSON
/// (see `JSONDocument.parse`), so it can skip without re-validating.
@usableFromInline
struct _JSONCursor {
    let base: UnsafeRawBufferPointer
    let end: Int

    @inline(__always)
    init(base: UnsafeRawBufferPointer, end: Int) {
        self.base = base
        self.end = end
    }

    @inline(__always)
    func skipWhitespace(_ from: Int) -> Int {
        var i = from
        while i < end {
            let c = base[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
        return i
    }

    /// Index just past the closing quote of the string starting at `from` (a `"`), or -1.
    @inline(__always)
    func skipString(_ from: Int) -> Int {
        let p = base.baseAddress!
        var i = from + 1
        while i < end {
            guard let q = memchr(p + i, 0x22, end - i) else { return -1 }
            let qi = p.distance(to: UnsafeRawPointer(q))
            // count preceding backslashes
            var bs = 0
            var j = qi - 1
            while j >= from + 1, p.load(fromByteOffset: j, as: UInt8.self) == 0x5C {
                bs += 1
                j -= 1
            }
            if bs & 1 == 0 { return qi + 1 }
            i = qi + 1
        }
        return -1
    }

    /// The value starting at `i` (no leading whitespace), or nil if none can start there.
    func value(at i: Int) -> JSONValue? {
        guard i < end else { return nil }
        let c = base[i]
        switch c {
        case 0x22:  // "
            let e = skipString(i)
            return e < 0 ? nil : JSONValue(base: base, start: i, end: e, kind: .string)
        case 0x7B, 0x5B:  // { [
            let e = skipContainer(i)
            return e < 0 ? nil : JSONValue(base: base, start: i, end: e, kind: c == 0x7B ? .object : .array)
        case 0x74:  // t
            return i + 4 <= end ? JSONValue(base: base, start: i, end: i + 4, kind: .bool) : nil
        case 0x66:  // f
            return i + 5 <= end ? JSONValue(base: base, start: i, end: i + 5, kind: .bool) : nil
        case 0x6E:  // n
            return i + 4 <= end ? JSONValue(base: base, start: i, end: i + 4, kind: .null) : nil
        default:
            var j = i
            while j < end {
                let d = base[j]
                if (d >= 0x30 && d <= 0x39) || d == 0x2D || d == 0x2B || d == 0x2E || d == 0x65 || d == 0x45 {
                    j += 1
                } else {
                    break
                }
            }
            return j > i ? JSONValue(base: base, start: i, end: j, kind: .number) : nil
        }
    }

    /// Index just past the bracket closing the container at `from`, or -1. Iterative: no recursion.
    func skipContainer(_ from: Int) -> Int {
        let p = base.baseAddress!
        var depth = 0
        var i = from
        while i < end {
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            switch c {
            case 0x22:
                let e = skipString(i)
                if e < 0 { return -1 }
                i = e
                continue
            case 0x7B, 0x5B:
                depth += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return -1
    }
}
