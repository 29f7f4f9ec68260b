import Analyze
import Foundation
import Testing
@testable import Report

@Suite struct CSVWriterTests {
    private func text(_ s: String) -> String {
        var out: [UInt8] = []
        CSVWriter.appendText(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func double(_ v: Double) -> String {
        var out: [UInt8] = []
        TextFormatting.appendDouble(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func quotingRFC4180() {
        #expect(text("plain") == "plain")
        #expect(text("a,b") == "\"a,b\"")
        #expect(text("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(text("two\nlines") == "\"two\nlines\"")
        #expect(text("cr\rhere") == "\"cr\rhere\"")
        #expect(text(" spaces ") == " spaces ")
        #expect(text("") == "")
    }

    @Test func formulaGuard() {
        // cases/20-spreadsheet-safety: guard first, then RFC 4180 quoting
        #expect(text("=HYPERLINK(\"http://example.invalid\",\"x\")")
                == "\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\"")
        #expect(text("=1+1") == "'=1+1")
        #expect(text("+1") == "'+1")
        #expect(text("-5") == "'-5")
        #expect(text("@x") == "'@x")
        #expect(text("\tx") == "'\tx")
        #expect(text("\rx") == "\"'\rx\"")
        #expect(text("a=b") == "a=b")
        #expect(text("0042") == "0042")
    }

    @Test func doublesRoundTripWithoutExponent() {
        #expect(double(0.058062) == "0.058062")
        #expect(double(1e-05) == "0.00001")       // Swift description "1e-05"
        #expect(double(-2.5e-07) == "-0.00000025")  // "-2.5e-07"
        #expect(double(1.5e16) == "15000000000000000.0")  // "1.5e+16"
        #expect(double(1e16) == "10000000000000000.0")
        #expect(double(0.1 + 0.2) == "0.30000000000000004")
        #expect(double(3) == "3.0")
        #expect(double(-0.0) == "-0.0")
        for v in [1e-05, -2.5e-07, 1.5e16, 1.2345678901234567e19, 5e-324, 0.058062] {
            #expect(Double(double(v)) == v)
        }
    }

    @Test func datesAndTimestamps() {
        var out: [UInt8] = []
        TextFormatting.appendDate(days: 20544, to: &out)  // 2026-04-01 is day 20 544
        out.append(UInt8(ascii: " "))
        TextFormatting.appendDate(days: -1, to: &out)
        out.append(UInt8(ascii: " "))
        TextFormatting.appendTimestamp(millis: 1_775_037_600_000, to: &out)  // 20 544 days + 10 h
        out.append(UInt8(ascii: " "))
        TextFormatting.appendTimestamp(millis: -1, to: &out)
        out.append(UInt8(ascii: " "))
        TextFormatting.appendDate(days: 11016, to: &out)  // 2000-02-29 (leap day)
        #expect(String(decoding: out, as: UTF8.self)
                == "2026-04-01 1969-12-31 2026-04-01T10:00:00.000Z 1969-12-31T23:59:59.999Z 2000-02-29")
    }

    /// A whole file: header, CRLF records, nulls as empty fields, numbers never guarded.
    @Test func wholeFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "t", columns: [
            ColumnSpec("n", .int64, nullable: true), ColumnSpec("s", .string, nullable: true),
            ColumnSpec("cost_usd", .double, nullable: true), ColumnSpec("day", .date, nullable: true),
            ColumnSpec("at", .timestampMillis, nullable: true),
        ])
        let path = dir + "/t.csv"
        let w = try CSVWriter(path: path, schema: schema)
        try w.write(TableBatch(schema: schema, columns: [
            .int64([-5, nil]), .string(["-5", nil]), .double([0.0123, nil]), .date([20544, nil]),
            .timestampMillis([1_775_037_600_000, nil]),
        ]))
        try w.close()
        let s = String(decoding: readBytes(path), as: UTF8.self)
        #expect(s == "n,s,cost_usd,day,at\r\n-5,'-5,0.0123,2026-04-01,2026-04-01T10:00:00.000Z\r\n,,,,\r\n")
    }
}
