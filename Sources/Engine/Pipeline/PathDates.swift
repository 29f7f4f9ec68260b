import Analyze
import Ingest

/// Dates written in file paths, for pruning with `--since`/`--until` before opening a file.
///
/// Recognized forms, in a file name or in folders: `YYYY-MM-DD`, `YYYY/MM/DD` (e.g. Bedrock's
/// `AWSLogs/.../2026/05/04/09/...`) and `YYYYMMDD` (e.g. `20260504T0900Z_...`). The last date
/// found in the path is used (the file name wins over folders). Only plausible dates (years
/// 2000–2099, valid month and day) count, so ids made of digits are not mistaken for dates.
enum PathDates {
    /// The day (days since 1970-01-01) a path names, or nil.
    static func day(in path: String) -> Int32? {
        let b = Array(path.utf8)
        var found: Int32? = nil
        var i = 0
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at >= 0, at + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[at + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        func isDigit(_ at: Int) -> Bool { at >= 0 && at < b.count && b[at] >= 0x30 && b[at] <= 0x39 }
        func valid(_ y: Int, _ m: Int, _ d: Int) -> Int32? {
            guard (2000...2099).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
            let days = Timestamps.daysFromCivil(y, m, d)
            let back = Timestamps.civilFromDays(days)
            guard back.month == m, back.day == d else { return nil }
            return Int32(days)
        }
        while i < b.count {
            // a date starts at a digit not preceded by a digit
            if isDigit(i) && !isDigit(i - 1), let y = digits(i, 4) {
                if i + 10 <= b.count, b[i + 4] == b[i + 7], b[i + 4] == 0x2D || b[i + 4] == 0x2F,
                    let m = digits(i + 5, 2), let d = digits(i + 8, 2), !isDigit(i + 10), let day = valid(y, m, d)
                {
                    found = day
                    i += 10
                    continue
                }
                if let m = digits(i + 4, 2), let d = digits(i + 6, 2), !isDigit(i + 8), let day = valid(y, m, d) {
                    found = day
                    i += 8
                    continue
                }
            }
            i += 1
        }
        return found
    }
}
