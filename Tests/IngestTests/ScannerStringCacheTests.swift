import Testing

@testable import Ingest

@Suite("Scanner: string cache for decoded dimension values")
struct ScannerStringCacheTests {
    /// The cache's answer and `JSONValue.string` for the first member of `{"v":<json>}`.
    private func both(_ cache: _StringCache, _ json: String) -> (String?, String?) {
        scanRoot(#"{"v":"# + json + "}") { root -> (String?, String?) in
            let v = root["v"]!
            return (cache.string(v), v.string)
        } ?? (nil, nil)
    }

    @Test("hits and misses both return exactly JSONValue.string, escapes decoded")
    func sameAsDecode() {
        let cache = _StringCache()
        // 3000 distinct values over 512 slots: plenty of evictions and slot collisions
        for round in 0..<2 {
            for i in 0..<3000 {
                let (a, b) = both(cache, #""team-\#(i)-\u00e9""#)
                #expect(a == b && a == "team-\(i)-é", "round \(round) value \(i)")
            }
        }
        // same raw bytes twice: the second answer comes from the cache and is the same string
        #expect(both(cache, #""gpt-4o-2024-08-06""#).0 == "gpt-4o-2024-08-06")
        #expect(both(cache, #""gpt-4o-2024-08-06""#).0 == "gpt-4o-2024-08-06")
        // values differing only in the middle (same length, same first and last 8 bytes)
        #expect(both(cache, #""abcdefgh-X-12345678""#).0 == "abcdefgh-X-12345678")
        #expect(both(cache, #""abcdefgh-Y-12345678""#).0 == "abcdefgh-Y-12345678")
        // short (< 8 bytes), over 64 bytes (not cached), non-strings
        #expect(both(cache, #""a""#).0 == "a")
        let long = String(repeating: "x", count: 65)
        #expect(both(cache, "\"\(long)\"").0 == long)
        #expect(both(cache, "12").0 == "12")
        #expect(both(cache, "{}").0 == nil)
    }
}
