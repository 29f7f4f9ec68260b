import Ingest
import Testing

@testable import Analyze

@Suite("Time: report calendar and ISO weeks")
struct TimeTests {
    typealias F = AggFixtures

    @Test("LA days follow PST/PDT (case 11)")
    func losAngelesDays() throws {
        let la = try ReportCalendar(timeZone: "America/Los_Angeles")
        // 04:08Z − 8 h = 20:08 PST on the previous day
        #expect(la.day(ofMillis: F.ms(2025, 1, 25, 4, 8)) == F.day("2025-01-24"))
        // 18:00Z − 8 h = 10:00 on the same day
        #expect(la.day(ofMillis: F.ms(2025, 1, 25, 18, 0)) == F.day("2025-01-25"))
        // DST starts 2025-03-09 10:00Z; 07:30Z is still PST: 23:30 on 03-08
        #expect(la.day(ofMillis: F.ms(2025, 3, 9, 7, 30)) == F.day("2025-03-08"))
        // 2025-03-10 07:30Z − 7 h (PDT) = 00:30 on 03-10 (a fixed −8 h would give 03-09)
        #expect(la.day(ofMillis: F.ms(2025, 3, 10, 7, 30)) == F.day("2025-03-10"))
        // offsets on both sides of the 10:00Z transition
        #expect(la.offsetSeconds(atMillis: F.ms(2025, 3, 9, 9, 59, 59)) == -8 * 3600)
        #expect(la.offsetSeconds(atMillis: F.ms(2025, 3, 9, 10, 0, 0)) == -7 * 3600)
    }

    @Test("UTC days are UTC calendar days; negative instants floor")
    func utcDays() throws {
        let utc = try ReportCalendar(timeZone: "UTC")
        #expect(utc.day(ofMillis: F.ms(2026, 4, 1, 23, 59, 59)) == F.day("2026-04-01"))
        #expect(utc.day(ofMillis: F.ms(2026, 4, 2)) == F.day("2026-04-02"))
        #expect(utc.day(ofMillis: -1) == -1)  // 1969-12-31T23:59:59.999Z
        #expect(F.day("1970-01-01") == 0)
    }

    @Test("a change of standard offset, not DST, is found (Europe/Moscow 2014-10-26)")
    func moscow() throws {
        let msk = try ReportCalendar(timeZone: "Europe/Moscow")
        // +4 until 2014-10-25T22:00Z: 20:30Z + 4 h = 00:30 on 10-26 (with +3 it would be 23:30 on 10-25)
        #expect(msk.day(ofMillis: F.ms(2014, 10, 25, 20, 30)) == F.day("2014-10-26"))
        // after the change: 22:30Z + 3 h = 01:30 on 10-26; 20:30Z a day later + 3 h = 23:30 on 10-26
        #expect(msk.day(ofMillis: F.ms(2014, 10, 26, 20, 30)) == F.day("2014-10-26"))
    }

    @Test("unknown zone names throw a clear error")
    func unknownZone() {
        #expect(throws: ReportCalendar.Error.unknownTimeZone("Mars/Olympus")) {
            try ReportCalendar(timeZone: "Mars/Olympus")
        }
        #expect(throws: ReportCalendar.Error.unknownTimeZone("")) { try ReportCalendar(timeZone: "") }
    }

    @Test("start of a local day in UTC ms, DST included")
    func startOfDay() throws {
        let la = try ReportCalendar(timeZone: "America/Los_Angeles")
        // 2025-03-09 00:00 PST = 08:00Z; 2025-03-10 00:00 PDT = 07:00Z
        #expect(la.startMillis(ofDay: F.day("2025-03-09")) == F.ms(2025, 3, 9, 8))
        #expect(la.startMillis(ofDay: F.day("2025-03-10")) == F.ms(2025, 3, 10, 7))
        let r = la.millisRange(since: F.day("2025-03-09"), until: F.day("2025-03-09"))
        #expect(r.start == F.ms(2025, 3, 9, 8) && r.end == F.ms(2025, 3, 10, 7))  // a 23-hour day
        #expect(ReportCalendar.utc.startMillis(ofDay: F.day("2026-01-01")) == F.ms(2026, 1, 1))
    }

    @Test("ISO weeks are labelled with the ISO week-year (case 12)")
    func isoWeeks() {
        func w(_ d: String) -> (String, String) {
            let r = ReportCalendar.isoWeek(ofDay: F.day(d))
            return (r.label, ReportCalendar.formatDay(r.weekStart))
        }
        #expect(w("2026-03-01") == ("2026-W09", "2026-02-23"))  // a Sunday belongs to the week of the Monday before
        #expect(w("2026-03-02") == ("2026-W10", "2026-03-02"))
        #expect(w("2025-12-29") == ("2026-W01", "2025-12-29"))  // Monday of W01: its Thursday is 2026-01-01
        #expect(w("2025-12-28") == ("2025-W52", "2025-12-22"))
        #expect(w("2021-01-03") == ("2020-W53", "2020-12-28"))  // 2020 has 53 ISO weeks
        #expect(w("2026-04-01") == ("2026-W14", "2026-03-30"))  // case 03
    }

    @Test("parseDay accepts real dates only")
    func parseDay() {
        #expect(ReportCalendar.parseDay("2024-02-29") == Int32(Timestamps.daysFromCivil(2024, 2, 29)))
        #expect(ReportCalendar.parseDay("2025-02-29") == nil)
        #expect(ReportCalendar.parseDay("2025-13-01") == nil)
        #expect(ReportCalendar.parseDay("2025-1-01") == nil)
        #expect(ReportCalendar.parseDay("2025-01-01T00") == nil)
        #expect(ReportCalendar.formatDay(F.day("2025-03-08")) == "2025-03-08")
        #expect(ReportCalendar.dayRange(since: nil, until: nil) == nil)
        #expect(ReportCalendar.dayRange(since: 5, until: 9) == 5...9)
        #expect(ReportCalendar.dayRange(since: 5, until: nil) == 5...Int32.max)
        #expect(ReportCalendar.dayRange(since: 9, until: 5) == nil)
    }
}
