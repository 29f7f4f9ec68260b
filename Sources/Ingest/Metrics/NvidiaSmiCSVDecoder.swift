/// `nvidia-smi --query-gpu=timestamp,index,uuid,name,power.draw --format=csv -l N` logs.
///
/// The header line names the queried fields in order, each followed by its unit in brackets
/// unless `nounits` was given (`timestamp, index, uuid, power.draw [W]`); rows are `, `-separated
/// (`2026/11/24 10:00:15.000, 0, GPU-…, 231.50 W`). Field meanings from `nvidia-smi
/// --help-query-gpu`: `timestamp` "YYYY/MM/DD HH:MM:SS.msec" (the host's local time, no zone:
/// read as UTC, so log with `TZ=UTC`), `index`, `uuid`, `name`, `power.draw` (W; also
/// `power.draw.average` / `power.draw.instant` on newer drivers, used when `power.draw` is not
/// queried). A repeated header (a restarted logger appending) re-reads the layout. A row whose
/// power is not a number (`[N/A]`, `[Not Supported]`) or whose timestamp cannot be read is
/// malformed. Files without a header (`noheader`) are not recognized.
public struct NvidiaSmiCSVDecoder: _LineMetricDecoder {
    var lines = _MetricLines()
    private var timeCol = -1
    private var indexCol = -1
    private var uuidCol = -1
    private var nameCol = -1
    private var powerCol = -1
    private var haveHeader = false
    private var ids: [UInt64: UInt32] = [:]
    private var fields: [Range<Int>] = []

    public init() {}

    /// True when the first non-blank line is a header naming `timestamp` and a `power.draw` field.
    public static func detects(_ prefix: UnsafeRawBufferPointer) -> Bool {
        var end = 0
        var start = 0
        while start < prefix.count, prefix[start] == 0x0A || prefix[start] == 0x0D || prefix[start] == 0x20 { start += 1 }
        end = start
        while end < prefix.count, prefix[end] != 0x0A { end += 1 }
        guard end < prefix.count || end - start > 0 else { return false }
        let line = UnsafeRawBufferPointer(rebasing: prefix[start..<end])
        let (t, _, _, _, p) = layout(line)
        return t >= 0 && p >= 0
    }

    /// Column positions of (timestamp, index, uuid, name, power) in a header line (-1 = absent).
    static func layout(_ line: UnsafeRawBufferPointer) -> (Int, Int, Int, Int, Int) {
        var t = -1, ix = -1, u = -1, nm = -1, draw = -1, avg = -1, inst = -1
        var col = 0
        for r in split(line) {
            var f = UnsafeRawBufferPointer(rebasing: line[r])
            // drop the " [unit]" suffix
            if let b = f.firstIndex(of: UInt8(ascii: "[")) {
                var e = b
                while e > 0 && f[e - 1] == 0x20 { e -= 1 }
                f = UnsafeRawBufferPointer(rebasing: f[0..<e])
            }
            if _bytesEqual(f, "timestamp") { t = col }
            else if _bytesEqual(f, "index") { ix = col }
            else if _bytesEqual(f, "uuid") || _bytesEqual(f, "gpu_uuid") { u = col }
            else if _bytesEqual(f, "name") || _bytesEqual(f, "gpu_name") { nm = col }
            else if _bytesEqual(f, "power.draw") { draw = col }
            else if _bytesEqual(f, "power.draw.average") { avg = col }
            else if _bytesEqual(f, "power.draw.instant") { inst = col }
            col += 1
        }
        let p = draw >= 0 ? draw : avg >= 0 ? avg : inst
        return (t, ix, u, nm, p)
    }

    /// The fields of a CSV line (`,` separated, surrounding blanks trimmed; nvidia-smi never quotes).
    static func split(_ line: UnsafeRawBufferPointer) -> [Range<Int>] {
        var out: [Range<Int>] = []
        splitInto(line, &out)
        return out
    }

    static func splitInto(_ line: UnsafeRawBufferPointer, _ out: inout [Range<Int>]) {
        out.removeAll(keepingCapacity: true)
        var s = 0
        let n = line.count
        var i = 0
        while i <= n {
            if i == n || line[i] == 0x2C {
                var a = s, b = i
                while a < b && (line[a] == 0x20 || line[a] == 0x09) { a += 1 }
                while b > a && (line[b - 1] == 0x20 || line[b - 1] == 0x09) { b -= 1 }
                out.append(a..<b)
                s = i + 1
            }
            i += 1
        }
    }

    mutating func line(_ line: UnsafeRawBufferPointer, _ batch: inout MetricBatch) {
        batch.records += 1
        Self.splitInto(line, &fields)
        if let f = fields.first, _bytesEqual(UnsafeRawBufferPointer(rebasing: line[f]), "timestamp")
            || (fields.count > 1 && !haveHeader)
        {
            let (t, ix, u, nm, p) = Self.layout(line)
            if t >= 0 && p >= 0 {
                (timeCol, indexCol, uuidCol, nameCol, powerCol) = (t, ix, u, nm, p)
                haveHeader = true
                return
            }
        }
        guard haveHeader, fields.count > max(timeCol, powerCol, uuidCol, indexCol, nameCol) else {
            batch.malformed += 1
            return
        }
        func field(_ c: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: line[fields[c]]) }
        guard let ms = Self.parseTimestamp(field(timeCol)) else {
            batch.malformed += 1
            return
        }
        var pw = field(powerCol)
        if pw.count > 2, pw[pw.count - 1] == UInt8(ascii: "W"), pw[pw.count - 2] == 0x20 {
            pw = UnsafeRawBufferPointer(rebasing: pw[0..<(pw.count - 2)])
        }
        guard let watts = _parseDouble(pw), watts.isFinite, watts >= 0 else {
            batch.malformed += 1
            return
        }
        // one series per GPU; the look-up is by a hash of its uuid and index, no String per row
        var h = ByteHasher(seed: 17)
        if uuidCol >= 0 { h.combine(field(uuidCol)) }
        if indexCol >= 0 { h.combine(field(indexCol)) }
        let key = h.value
        let id: UInt32
        if let known = ids[key] {
            id = known
        } else {
            var s = MetricSeries(kind: .powerWatts)
            if uuidCol >= 0 { s.uuid = String(decoding: field(uuidCol), as: UTF8.self) }
            if indexCol >= 0 { s.gpu = String(decoding: field(indexCol), as: UTF8.self) }
            if nameCol >= 0 { s.gpuModel = String(decoding: field(nameCol), as: UTF8.self) }
            id = batch.id(of: s)
            ids[key] = id
        }
        batch.samples.append(MetricSample(series: id, ms: ms, value: watts))
    }

    /// `YYYY/MM/DD HH:MM:SS[.mmm]` (also `-` as date separator) → UTC epoch ms, or nil.
    static func parseTimestamp(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count >= 19 else { return nil }
        func num(_ at: Int, _ len: Int) -> Int? {
            var v = 0
            for i in at..<(at + len) {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard b[4] == UInt8(ascii: "/") || b[4] == UInt8(ascii: "-"), b[7] == b[4], b[10] == 0x20 || b[10] == UInt8(ascii: "T"),
            b[13] == 0x3A, b[16] == 0x3A,
            let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var ms = 0
        if b.count > 20, b[19] == 0x2E {
            var scale = 100
            var i = 20
            while i < b.count, let dg = num(i, 1) {
                if scale > 0 { ms += dg * scale; scale /= 10 }
                i += 1
            }
            guard i == b.count else { return nil }
        } else if b.count != 19 {
            return nil
        }
        let days = Timestamps.daysFromCivil(y, mo, d)
        return Int64(days) * 86_400_000 + Int64(h * 3600 + mi * 60 + s) * 1000 + Int64(ms)
    }
}
