import Histogram

/// A mergeable, sparse HDR histogram of durations in whole milliseconds (`CONTRACT.md`,
/// "Percentiles": 3 significant digits, milliseconds, nearest rank).
///
/// Storage is sparse: only non-empty HDR buckets, keyed by the bucket's lowest equivalent value
/// with exactly the bucket layout of hdrhistogram-swift's `Histogram` with
/// `lowestDiscernibleValue` 1 and `.three` significant digits (2 048 unit-wide sub-buckets, then
/// 1 024 sub-buckets per power of two). So a group with a handful of samples costs a few dozen
/// bytes instead of the ≥ 16 KiB counts array of a dense `Histogram`, and there are at most
/// ~1 024 buckets per power of two however many samples arrive.
///
/// Exact raw min (non-zero) and max are kept too, so `histogram()` rebuilds a `Histogram<UInt64>`
/// identical to one that recorded the raw values directly; percentiles are that histogram's
/// `valueAtPercentile` (nearest rank: p99 of 99 × 100 ms and 1 × 10 000 ms is 100 ms).
///
/// Values: milliseconds rounded to the nearest integer (a 0.4 ms tool call records 0 ms);
/// negative and non-finite inputs are ignored; values above 2⁴⁰ ms are clamped.
public struct DurationHistogram: Sendable, Hashable {
    /// Lowest equivalent value of an HDR bucket → number of samples in it.
    public private(set) var buckets: [UInt64: UInt64] = [:]
    /// Number of samples.
    public private(set) var count: UInt64 = 0
    /// Largest raw sample (ms); 0 when empty.
    public private(set) var maxValue: UInt64 = 0
    /// Smallest non-zero raw sample (ms); `UInt64.max` when none.
    public private(set) var minNonZeroValue: UInt64 = .max

    public init() {}

    public var isEmpty: Bool { count == 0 }

    static let maxTrackable: UInt64 = 1 << 40

    /// The lowest value equivalent to `v` in the HDR layout (3 significant digits, unit 1):
    /// bucket index `53 − lzcnt(v | 2047)`, sub-bucket `v >> bucket`.
    @inline(__always)
    public static func lowestEquivalent(_ v: UInt64) -> UInt64 {
        let shift = bucketShift(v)
        return (v >> shift) << shift
    }

    /// log2 of the width of `v`'s HDR bucket: `53 − lzcnt(v | 2047)` (0 below 2 048).
    @inline(__always)
    static func bucketShift(_ v: UInt64) -> UInt64 { UInt64(53 - (v | 2047).leadingZeroBitCount) }

    /// Records one duration in milliseconds (rounded to the nearest whole ms).
    @inline(__always)
    public mutating func record(ms: Double) {
        guard ms.isFinite, ms >= 0 else { return }
        let v = ms >= Double(Self.maxTrackable) ? Self.maxTrackable : UInt64(ms.rounded(.toNearestOrAwayFromZero))
        record(v, count: 1)
    }

    /// Records `count` samples of the whole-millisecond value `v`.
    @inline(__always)
    public mutating func record(_ v: UInt64, count n: UInt64) {
        guard n > 0 else { return }
        let v = Swift.min(v, Self.maxTrackable)
        buckets[Self.lowestEquivalent(v), default: 0] &+= n
        count &+= n
        if v > maxValue { maxValue = v }
        if v != 0, v < minNonZeroValue { minNonZeroValue = v }
    }

    /// Adds every sample of `other` (commutative and associative).
    public mutating func merge(_ other: DurationHistogram) {
        guard other.count > 0 else { return }
        if count == 0 {
            self = other
            return
        }
        for (k, c) in other.buckets { buckets[k, default: 0] &+= c }
        count &+= other.count
        maxValue = Swift.max(maxValue, other.maxValue)
        minNonZeroValue = Swift.min(minNonZeroValue, other.minNonZeroValue)
    }

    public static func += (a: inout DurationHistogram, b: DurationHistogram) { a.merge(b) }

    /// Non-empty buckets in ascending value order: (lowest equivalent value, count).
    public var sortedBuckets: [(value: UInt64, count: UInt64)] {
        buckets.map { ($0.key, $0.value) }.sorted { $0.value < $1.value }
    }

    /// Rebuilds from serialized parts (see `Aggregates.serialized()`); the bucket values must be
    /// lowest-equivalent values.
    init(buckets: [UInt64: UInt64], count: UInt64, maxValue: UInt64, minNonZeroValue: UInt64) {
        self.buckets = buckets
        self.count = count
        self.maxValue = maxValue
        self.minNonZeroValue = minNonZeroValue
    }

    /// A dense hdrhistogram-swift histogram equal to one that recorded the raw samples: each
    /// bucket is recorded at its lowest value, except that the max and min samples are recorded
    /// at their exact raw values (same bucket, so the counts are the same) to restore
    /// `maxRecorded` / `minNonZero`.
    public func histogram() -> Histogram<UInt64> {
        var h = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        guard count > 0 else { return h }
        let qMax = Self.lowestEquivalent(maxValue)
        let qMin = minNonZeroValue == .max ? UInt64.max : Self.lowestEquivalent(minNonZeroValue)
        for (v, c) in sortedBuckets {
            if v == qMax && v == qMin {
                if c >= 2 {
                    h.record(minNonZeroValue, count: 1)
                    h.record(maxValue, count: c - 1)
                } else {
                    h.record(maxValue, count: c)
                }
            } else if v == qMax {
                h.record(maxValue, count: c)
            } else if v == qMin {
                h.record(minNonZeroValue, count: c)
            } else {
                h.record(v, count: c)
            }
        }
        return h
    }

    /// Values (ms) at several percentiles (0...100), nearest rank; nil each when empty.
    ///
    /// Computed straight from the sparse buckets (one sort of the non-empty buckets, then one
    /// cumulative walk per percentile), with exactly the arithmetic of hdrhistogram-swift's
    /// `Histogram.valueAtPercentile` (HdrHistogram/hdrhistogram-swift
    /// `Sources/Histogram/Histogram.swift`): p = 0 is the smallest value, p ≥ 100 the exact max;
    /// otherwise the count at the percentile is `max(1, ⌈(p.nextDown × count) / 100⌉)`, the
    /// answer is the highest value equivalent to the first bucket whose running total reaches
    /// it, clamped to [min, max]. So the values equal `histogram().valueAtPercentile(p)` without
    /// building the ≥ 16 KiB dense histogram for every output row.
    public func percentiles(_ ps: [Double]) -> [Double?] {
        guard count > 0 else { return ps.map { _ in nil } }
        let sorted = sortedBuckets
        let minValue: UInt64 = (buckets[0] ?? 0) > 0 ? 0 : minNonZeroValue
        return ps.map { p -> Double? in
            if p == 0 { return Double(minValue) }
            if p >= 100 { return Double(maxValue) }
            let requested = Swift.min(Swift.max(p.nextDown, 0.0), 100.0)
            let fpCount = (requested * Double(count)) / 100.0
            let atCount = Swift.max(1, UInt64(fpCount.rounded(.up)))
            var running: UInt64 = 0
            for (v, c) in sorted {
                running &+= c
                if running >= atCount {
                    let highest = v &+ Self.bucketWidth(v) &- 1
                    return Double(Swift.max(Swift.min(highest, maxValue), minValue))
                }
            }
            return Double(maxValue)
        }
    }

    /// Width of the HDR bucket whose lowest equivalent value is `v` (1 below 2 048, then doubling
    /// every power of two).
    @inline(__always)
    static func bucketWidth(_ v: UInt64) -> UInt64 { UInt64(1) << bucketShift(v) }

    /// The value (ms) at one percentile, nearest rank; nil when empty.
    public func percentile(_ p: Double) -> Double? { percentiles([p])[0] }

    /// The exact largest sample (ms); nil when empty.
    public var maxMs: Double? { count > 0 ? Double(maxValue) : nil }
}
