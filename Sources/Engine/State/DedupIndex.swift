import Analyze
import Ingest

/// Schema-1 de-duplication key sets (read only to migrate an old state).
///
/// Layout of a schema-1 blob: keys sorted ascending, 16 bytes each: `hi` then `lo`, little-endian.
/// Schema 2 stores claims instead (`ClaimEntry`: key, rank, line, kind).
enum DedupIndex {
    static func decode(_ bytes: [UInt8], into out: inout [DedupKey]) {
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i + 16 <= raw.count {
                let hi = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let lo = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                out.append(DedupKey(hi: hi, lo: lo))
                i += 16
            }
        }
    }
}
