import Glibc

/// A small direct-mapped cache from a JSON string value's raw bytes (escapes as written) to its
/// decoded `String`, so that a dimension value repeated on every line (model, provider, team,
/// key alias) is decoded and allocated once, not per line.
///
/// 512 slots of up to 64 raw bytes each (a longer value is decoded every time); a slot is
/// chosen by a hash of the length and the first and last 8 bytes and holds the last value that
/// hashed there, so a miss costs one decode plus a 64-byte copy. A hit is a length check and a
/// `memcmp` of the raw bytes, so the cached `String` is always the decode of exactly those
/// bytes: results are identical with or without the cache.
///
/// One cache per thread (`_StringCache.current`): decoders of several files on one thread share
/// it; nothing is shared between threads, so no locks.
final class _StringCache {
    static let slots = 512
    static let slotBytes = 64

    private let arena: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<Int>
    private let values: UnsafeMutablePointer<String>

    init() {
        arena = .allocate(capacity: Self.slots * Self.slotBytes)
        lengths = .allocate(capacity: Self.slots)
        lengths.initialize(repeating: -1, count: Self.slots)
        values = .allocate(capacity: Self.slots)
        values.initialize(repeating: "", count: Self.slots)
    }

    deinit {
        arena.deallocate()
        lengths.deallocate()
        values.deinitialize(count: Self.slots)
        values.deallocate()
    }

    /// The decoded string of a string value (`JSONValue.string`), from the cache when the same
    /// raw bytes were decoded before. Nil for non-strings (as `JSONValue.string` for containers;
    /// numbers and literals are decoded without the cache).
    @inline(__always)
    func string(_ v: JSONValue) -> String? {
        guard let raw = v.rawStringBytes else { return v.string }
        let n = raw.count
        guard n <= Self.slotBytes, n > 0 else { return v.string }
        let p = raw.baseAddress!
        let w0: UInt64, w1: UInt64
        if n >= 8 {
            w0 = p.loadUnaligned(as: UInt64.self)
            w1 = p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        } else {
            var x: UInt64 = 0
            withUnsafeMutableBytes(of: &x) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
            w0 = x
            w1 = 0
        }
        let h = (w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)
        let slot = Int(truncatingIfNeeded: (h ^ (h &>> 29)) &* 0xBF58_476D_1CE4_E5B9 &>> 55) & (Self.slots &- 1)
        let at = arena + slot &* Self.slotBytes
        if lengths[slot] == n && memcmp(at, p, n) == 0 { return values[slot] }
        guard let s = v.string else { return nil }
        at.update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        lengths[slot] = n
        values[slot] = s
        return s
    }

    /// This thread's cache (created on first use, released when the thread exits).
    static var current: _StringCache {
        @inline(__always) get {
            if let p = pthread_getspecific(_stringCacheKey) {
                return Unmanaged<_StringCache>.fromOpaque(p).takeUnretainedValue()
            }
            let c = _StringCache()
            pthread_setspecific(_stringCacheKey, Unmanaged.passRetained(c).toOpaque())
            return c
        }
    }
}

private let _stringCacheKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { p in
        if let p { Unmanaged<_StringCache>.fromOpaque(p).release() }
    }
    return key
}()
