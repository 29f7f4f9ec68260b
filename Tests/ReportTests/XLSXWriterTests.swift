import Analyze
import Foundation
import Testing
import ZIPFoundation
@testable import Report

@Suite struct XLSXWriterTests {
    private func xml(_ s: String) -> String {
        var out: [UInt8] = []
        XMLText.append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func escaping() {
        #expect(xml("a<b>&c\"") == "a&lt;b&gt;&amp;c\"")
        #expect(xml("x\u{01}y\u{1F}z") == "xyz")  // illegal in XML 1.0: dropped
        #expect(xml("tab\tlf\n") == "tab\tlf\n")
        #expect(xml("cr\r") == "cr&#13;")
        #expect(xml("_x0041_") == "_x005F_x0041_")  // Excel would otherwise decode it to "A"
        #expect(xml("_x00G1_") == "_x00G1_")
        #expect(xml("a\u{FFFE}b\u{FFFF}") == "ab")
        #expect(XLSXWriter.attributeEscaped("a\"b") == "a&quot;b")
    }

    @Test func columnLettersAndWidths() {
        #expect(SheetState.columnLetters(0) == "A")
        #expect(SheetState.columnLetters(25) == "Z")
        #expect(SheetState.columnLetters(26) == "AA")
        #expect(SheetState.columnLetters(701) == "ZZ")   // 26 + 26·26 = 702 columns end at ZZ
        #expect(SheetState.columnLetters(702) == "AAA")
        // pixels = 7·30 + 5 = 215; floor(215·256/7)/256 = 7862/256 = 30.7109375
        #expect(SheetState.excelWidth(characters: 30) == 30.7109375)
        #expect(SheetState.excelWidth(characters: 14) == 14.7109375)
    }

    @Test func dateSerials() {
        // 2025-01-01 = day 20 089 → 20 089 + 25 569 = 45 658 (tech/XLSX-CSV.md §3)
        #expect(SheetState.serial(days: 20089) == 45658)
        // 1900-03-01 = serial 61 = day −25 508; one day earlier is outside the safe range
        #expect(SheetState.serial(days: -25508) == 61)
        #expect(SheetState.serial(days: -25509) == nil)
    }

    /// A workbook with a nasty sheet name and typed cells; the package parts and the sheet XML.
    @Test func packageAndCells() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let schema = TableSchema(name: "tools/daily", columns: [
            ColumnSpec("tool", .string), ColumnSpec("calls", .int64), ColumnSpec("cost_usd", .double),
            ColumnSpec("day", .date),
        ])
        let path = dir + "/summary.xlsx"
        let x = try XLSXWriter(path: path)
        try x.addSheet(schema, [TableBatch(schema: schema, columns: [
            .string(["=HYPERLINK(\"http://example.invalid\",\"x\")"]), .int64([1]), .double([0.0123]),
            .date([20089]),
        ])])
        try x.close()
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        let names = Set(archive.map(\.path))
        #expect(names == ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                          "xl/styles.xml", "xl/worksheets/sheet1.xml"])
        func member(_ name: String) throws -> String {
            var data = Data()
            _ = try archive.extract(archive[name]!) { data.append($0) }
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try member("xl/workbook.xml").contains("<sheet name=\"tools_daily\" sheetId=\"1\" r:id=\"rId1\"/>"))
        let sheet = try member("xl/worksheets/sheet1.xml")
        #expect(sheet.contains("<c r=\"A2\" t=\"inlineStr\"><is><t>=HYPERLINK(\"http://example.invalid\",\"x\")</t></is></c>"))
        #expect(sheet.contains("<c r=\"B2\" s=\"5\"><v>1</v></c>"))
        #expect(sheet.contains("<c r=\"C2\" s=\"4\"><v>0.0123</v></c>"))
        #expect(sheet.contains("<c r=\"D2\" s=\"2\"><v>45658</v></c>"))
        #expect(sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(!sheet.contains("<f>"))
        // temporary parts removed
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["summary.xlsx"])
    }
}

@Suite struct XLSXWorkbookEdgeTests {
    /// A workbook with no table still gets one (empty) sheet, so it opens.
    @Test func noTablesStillOneSheet() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/summary.xlsx"
        let x = try XLSXWriter(path: path)
        try x.close()
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        #expect(archive["xl/worksheets/sheet1.xml"] != nil)
        var data = Data()
        _ = try archive.extract(archive["xl/workbook.xml"]!) { data.append($0) }
        #expect(String(decoding: data, as: UTF8.self).contains("<sheet name=\"empty\" sheetId=\"1\" r:id=\"rId1\"/>"))
    }
}

@Suite struct XLSXWhitespaceTests {
    /// `xml:space="preserve"` is needed when a string starts or ends with Unicode White_Space.
    @Test func outerWhitespace() {
        #expect(SheetState.hasOuterWhitespace(" a"))
        #expect(SheetState.hasOuterWhitespace("a\t"))
        #expect(SheetState.hasOuterWhitespace("a\r"))
        #expect(!SheetState.hasOuterWhitespace("a b"))
        #expect(!SheetState.hasOuterWhitespace(""))
        #expect(SheetState.hasOuterWhitespace("\u{00A0}x"))  // NO-BREAK SPACE, two UTF-8 bytes
        #expect(SheetState.hasOuterWhitespace("x\u{3000}"))  // IDEOGRAPHIC SPACE
        #expect(!SheetState.hasOuterWhitespace("é"))
        #expect(!SheetState.hasOuterWhitespace("x\u{200B}"))  // ZERO WIDTH SPACE is not White_Space
    }
}
