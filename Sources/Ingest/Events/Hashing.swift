/// Allocation-free 64-bit hashing of byte ranges, for de-duplication keys and argument hashes.
///
/// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) with a caller-chosen seed
/// folded into the basis. Two seeds give a 128-bit `DedupKey`.
public struct ByteHasher: Sendable {
    @usableFromInline var state: UInt64

    @inlinable
    public init(seed: UInt64 = 0) { state = 0xcbf2_9ce4_8422_2325 ^ (seed &* 0x9E37_79B9_7F4A_7C15) }

    @inlinable
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var h = state
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        state = h
    }

    @inlinable
    public mutating func combine(_ string: String) {
        var s = string
        s.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
    }

    /// Separates fields so that ("ab","c") and ("a","bc") hash differently.
    @inlinable
    public mutating func separator() {
        state ^= 0xff
        state = state &* 0x0000_0100_0000_01b3
        state ^= 0x1f
        state = state &* 0x0000_0100_0000_01b3
    }

    @inlinable
    public var value: UInt64 {
        // final avalanche (splitmix64 finalizer)
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension DedupKey {
    /// A key from a list of byte fields (e.g. a namespace, then ids). Fields are separated.
    public static func of(_ fields: UnsafeRawBufferPointer...) -> DedupKey {
        var a = ByteHasher(seed: 1)
        var b = ByteHasher(seed: 2)
        for f in fields {
            a.combine(f); a.separator()
            b.combine(f); b.separator()
        }
        return DedupKey(hi: a.value, lo: b.value)
    }

    /// A key from strings (convenient outside the hot path and in tests).
    public static func of(strings fields: [String]) -> DedupKey {
        var a = ByteHasher(seed: 1)
        var b = ByteHasher(seed: 2)
        for f in fields {
            a.combine(f); a.separator()
            b.combine(f); b.separator()
        }
        return DedupKey(hi: a.value, lo: b.value)
    }
}
