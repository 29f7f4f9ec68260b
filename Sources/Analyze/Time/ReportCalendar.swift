import Foundation
import Ingest

/// Calendar days and ISO weeks in the report time zone (`CONTRACT.md`, "Time").
///
/// Day buckets are calendar days in the report time zone, built from each event's UTC instant
/// (never by re-slicing UTC days), DST included. Days are `Int32` day numbers: days since
/// 1970-01-01 (the same numbering as the tables' DATE columns).
///
/// Implementation: at `init` the zone's UTC-offset changes between 1900 and 2200 are listed once
/// (Foundation `TimeZone.nextDaylightSavingTimeTransition(after:)`, which also reports changes of
/// standard offset, e.g. Europe/Moscow 2014, Pacific/Apia 2011). Each segment is verified by
/// asking the offset at both of its ends; a segment whose ends disagree is bisected to the exact
/// second, so a transition Foundation does not report is still found. `day(ofMillis:)` is then a
/// binary search over that immutable table (a few hundred entries at most) plus integer
/// arithmetic: no Foundation call, no allocation, no lock, so one value can be shared by all
/// workers. Instants outside the table ask Foundation directly.
public struct ReportCalendar: Sendable, Hashable {
    /// The zone's IANA identifier as given (e.g. `UTC`, `America/Los_Angeles`).
    public let identifier: String
    /// UTC seconds at which an offset starts, ascending; `offsets[i]` applies from `starts[i]`
    /// up to `starts[i + 1]`. `starts[0]` is the table's lower bound.
    let starts: [Int64]
    /// UTC offset in seconds (local = UTC + offset).
    let offsets: [Int32]
    /// Exclusive upper bound (UTC seconds) of the table.
    let tableEnd: Int64

    /// Errors of `init(timeZone:)`.
    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        /// The name is not an IANA time zone known to this system's tz database.
        case unknownTimeZone(String)

        public var description: String {
            switch self {
            case .unknownTimeZone(let name):
                "unknown time zone '\(name)': use an IANA name such as UTC, Europe/Berlin or America/Los_Angeles"
            }
        }
    }

    static let tableStart: Int64 = -2_208_988_800  // 1900-01-01T00:00:00Z
    static let tableStop: Int64 = 7_258_118_400  // 2200-01-01T00:00:00Z

    /// The UTC calendar (no transitions).
    public static let utc = try! ReportCalendar(timeZone: "UTC")

    /// - Parameter identifier: an IANA time zone name (`UTC`, `Europe/Berlin`, ...).
    /// - Throws: `ReportCalendar.Error.unknownTimeZone` when Foundation does not know the name.
    public init(timeZone identifier: String) throws {
        guard !identifier.isEmpty, let tz = TimeZone(identifier: identifier) else {
            throw Error.unknownTimeZone(identifier)
        }
        self.identifier = identifier
        func offset(_ s: Int64) -> Int32 { Int32(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(s)))) }

        // 1. transitions as Foundation reports them
        var starts: [Int64] = [Self.tableStart]
        var offsets: [Int32] = [offset(Self.tableStart)]
        var cursor = Date(timeIntervalSince1970: Double(Self.tableStart))
        while let next = tz.nextDaylightSavingTimeTransition(after: cursor) {
            let s = Int64(next.timeIntervalSince1970.rounded(.down))
            guard s < Self.tableStop else { break }
            if s > starts[starts.count - 1] {
                let o = offset(s)
                if o != offsets[offsets.count - 1] {
                    starts.append(s)
                    offsets.append(o)
                }
            }
            cursor = next
        }
        // 2. verify every segment at both ends; bisect any change Foundation did not report
        var vStarts: [Int64] = []
        var vOffsets: [Int32] = []
        for i in 0..<starts.count {
            let lo = starts[i]
            let hi = i + 1 < starts.count ? starts[i + 1] : Self.tableStop
            var segStart = lo
            var segOffset = offsets[i]
            vStarts.append(segStart)
            vOffsets.append(segOffset)
            // walk the segment: find the first second whose offset differs, repeatedly
            while segStart < hi, offset(hi - 1) != segOffset {
                var a = segStart, b = hi - 1  // offset(a) == segOffset, offset(b) != segOffset
                while b - a > 1 {
                    let m = a + (b - a) / 2
                    if offset(m) == segOffset { a = m } else { b = m }
                }
                segStart = b
                segOffset = offset(b)
                vStarts.append(segStart)
                vOffsets.append(segOffset)
            }
        }
        self.starts = vStarts
        self.offsets = vOffsets
        self.tableEnd = Self.tableStop
        self.fallback = tz.identifier
    }

    /// The identifier Foundation resolved (used for instants outside the table).
    let fallback: String

    /// UTC offset in seconds at a UTC instant (local = UTC + offset).
    public func offsetSeconds(atMillis ms: Int64) -> Int32 {
        let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        return offsetSeconds(atSecond: s)
    }

    func offsetSeconds(atSecond s: Int64) -> Int32 {
        if offsets.count == 1 { return offsets[0] }
        if s < starts[0] || s >= tableEnd {
            let tz = TimeZone(identifier: fallback)!
            return Int32(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(s))))
        }
        // last index with starts[i] <= s
        var lo = 0, hi = starts.count  // invariant: starts[lo] <= s, starts[hi] > s (hi may be count)
        while hi - lo > 1 {
            let m = (lo + hi) >> 1
            if starts[m] <= s { lo = m } else { hi = m }
        }
        return offsets[lo]
    }

    /// The calendar day (days since 1970-01-01) of a UTC instant in this zone.
    /// - Parameter ms: UTC epoch milliseconds.
    public func day(ofMillis ms: Int64) -> Int32 {
        let local = ms + Int64(offsetSeconds(atMillis: ms)) * 1000
        return Int32(Self.floorDiv(local, 86_400_000))
    }

    /// The UTC instant (epoch ms) at which local day `day` starts (its first local millisecond;
    /// on a day whose midnight is skipped by DST, the first instant that falls on that day).
    public func startMillis(ofDay day: Int32) -> Int64 {
        let localMidnight = Int64(day) * 86_400_000
        // the offset valid at local midnight: iterate (offsets change at most twice around it)
        var guess = localMidnight - Int64(offsetSeconds(atMillis: localMidnight)) * 1000
        for _ in 0..<3 {
            let g = localMidnight - Int64(offsetSeconds(atMillis: guess)) * 1000
            if g == guess { break }
            guess = g
        }
        // make sure `guess` is the first instant whose day is `day`
        while self.day(ofMillis: guess) < day { guess += 60_000 }
        while self.day(ofMillis: guess - 1) >= day { guess -= 60_000 }
        while self.day(ofMillis: guess - 1) >= day { guess -= 1 }
        return guess
    }

    /// UTC epoch-ms bounds `[start, end)` of an inclusive day window, for pruning input by time.
    /// A nil bound is open (`Int64.min` / `Int64.max`).
    public func millisRange(since: Int32?, until: Int32?) -> (start: Int64, end: Int64) {
        (since.map { startMillis(ofDay: $0) } ?? .min, until.map { startMillis(ofDay: $0 &+ 1) } ?? .max)
    }

    /// An inclusive day window from optional `--since` / `--until` day numbers.
    ///
    /// `since` alone runs to `Int32.max`, `until` alone from `Int32.min`. Returns nil when both are
    /// nil (no window) and also when `since > until` (an empty window): callers should reject
    /// `since > until` as a usage error before calling.
    public static func dayRange(since: Int32?, until: Int32?) -> ClosedRange<Int32>? {
        if since == nil && until == nil { return nil }
        let lo = since ?? Int32.min
        let hi = until ?? Int32.max
        return lo <= hi ? lo...hi : nil
    }

    /// Instance convenience for `ReportCalendar.dayRange(since:until:)`.
    public func dayRange(since: Int32?, until: Int32?) -> ClosedRange<Int32>? {
        Self.dayRange(since: since, until: until)
    }

    /// ISO-8601 week (Monday start, labelled with the ISO week-year) of a day number.
    ///
    ///     isoWeek(ofDay: day("2025-12-29")) == ("2026-W01", day("2025-12-29"))
    ///
    /// - Returns: the label `YYYY-Www` and the day number of that week's Monday.
    public static func isoWeek(ofDay day: Int32) -> (label: String, weekStart: Int32) {
        let (year, week, monday) = isoWeekParts(ofDay: day)
        let y = String(year)
        let w = week < 10 ? "0\(week)" : "\(week)"
        let yy = year >= 0 && year < 1000 ? String(repeating: "0", count: 4 - y.count) + y : y
        return ("\(yy)-W\(w)", monday)
    }

    /// (ISO week-year, week number 1...53, Monday's day number) of a day number.
    public static func isoWeekParts(ofDay day: Int32) -> (year: Int, week: Int, weekStart: Int32) {
        let d = Int(day)
        // 1970-01-01 was a Thursday: Monday-based weekday index (Mon = 0) is (d + 3) mod 7.
        let weekday = ((d + 3) % 7 + 7) % 7
        let monday = d - weekday
        let thursday = monday + 3
        let year = Timestamps.civilFromDays(thursday).year
        let jan1 = Timestamps.daysFromCivil(year, 1, 1)
        let week = (thursday - jan1) / 7 + 1
        return (year, week, Int32(monday))
    }

    /// Parses `YYYY-MM-DD` (a real calendar date) into a day number; nil otherwise.
    public static func parseDay(_ text: String) -> Int32? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                let c = u[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), (1...12).contains(m), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= lengths[m - 1] else { return nil }
        return Int32(Timestamps.daysFromCivil(y, m, d))
    }

    /// `YYYY-MM-DD` of a day number.
    public static func formatDay(_ day: Int32) -> String {
        let (y, m, d) = Timestamps.civilFromDays(Int(day))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
