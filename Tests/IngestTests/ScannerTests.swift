import Foundation
import Testing

@testable import Ingest

@Suite("Scanner: structure, keys, depth")
struct ScannerStructureTests {
    @Test("any value may be the root; its range excludes surrounding whitespace")
    func rootFragments() {
        #expect(scanRoot(" \t{\"a\":1} \r\n") { r in [r.start, r.end, Int(r.kind.rawValue)] } == [2, 9, 0])
        #expect(scanRoot("\"x\"") { $0.string } == "x")
        #expect(scanRoot(" 12 ") { $0.int64 } == 12)
        #expect(scanRoot("true") { $0.bool } == true)
        #expect(scanRoot("false") { $0.bool } == false)
        #expect(scanRoot("null") { $0.isNull } == true)
        #expect(scanRoot("[ ]") { $0.count } == 0)
        #expect(scanRoot("{ }") { $0.count } == 0)
    }

    @Test("lookups by key, path and index")
    func lookups() {
        let line = #"{"usage":{"input_tokens":12,"output_tokens":34},"arr":[1,"two",{"x":3},[4]],"s":"v"}"#
        scanRoot(line) { r -> Void in
            #expect(r["usage"]?["input_tokens"]?.int64 == 12)
            #expect(r[path: "usage", "output_tokens"]?.int64 == 34)
            #expect(r[path: "usage", "missing"] == nil)
            #expect(r[path: "s", "x"] == nil)  // "s" is not an object
            #expect(r["arr"]?.count == 4)
            #expect(r["arr"]?[index: 1]?.string == "two")
            #expect(r["arr"]?[index: 2]?["x"]?.int64 == 3)
            #expect(r["arr"]?[index: 3]?[index: 0]?.int64 == 4)
            #expect(r["arr"]?[index: 4] == nil)
            #expect(r["arr"]?[index: -1] == nil)
            #expect(r.member(named: "s")?.stringEquals("v") == true)
            // raw range of a nested value: {"input_tokens":12,"output_tokens":34} starts at byte 9
            #expect(r["usage"].map { [$0.start, $0.end] } == [9, 47])
        }
    }

    @Test("escaped keys match their unescaped form")
    func escapedKeys() {
        // "a\u0062" decodes to "ab"; it comes first, so it wins over the later plain "ab".
        scanRoot(#"{"a\u0062":1,"ab":2,"x\"y":3,"\u00e9t\u00e9":4,"t\/s":5,"\ud83d\ude00":6}"#) { r -> Void in
            #expect(r["ab"]?.int64 == 1)
            #expect(r.member(named: "x\"y")?.int64 == 3)
            #expect(r.member(named: "été")?.int64 == 4)
            #expect(r["t/s"]?.int64 == 5)
            #expect(r.member(named: "😀")?.int64 == 6)
            #expect(r["a"] == nil)
            var keys: [String] = []
            r.forEachMember { k, _ in keys.append(k.string); return true }
            #expect(keys == ["ab", "ab", "x\"y", "été", "t/s", "😀"])
            var firstKeyMatches = false
            r.forEachMember { k, _ in firstKeyMatches = k.equals("ab"); return false }
            #expect(firstKeyMatches)
        }
        // A raw key of the right length with an escape does not match ("a\n" is 3 raw bytes, 2 decoded).
        scanRoot(#"{"a\n":1,"a\\":2}"#) { r -> Void in
            #expect(r.member(named: "a\\n") == nil)
            #expect(r.member(named: "a\n")?.int64 == 1)
            #expect(r.member(named: "a\\")?.int64 == 2)
        }
    }

    @Test("duplicate keys: the first one wins for lookups; forEachMember sees both")
    func duplicateKeys() {
        scanRoot(#"{"a":1,"b":{"c":5},"a":2}"#) { r -> Void in
            #expect(r["a"]?.int64 == 1)
            #expect(r.count == 3)
            var values: [Int64] = []
            r.forEachMember { k, v in
                if k.equals("a"), let x = v.int64 { values.append(x) }
                return true
            }
            #expect(values == [1, 2])
        }
    }

    @Test("nesting maxDepth (1 000) deep: valid parses, skips and walks without recursion; 100 000 deep is json.too_deep")
    func deepValid() {
        #expect(scanError([UInt8](repeating: 0x5B, count: 100_000) + [UInt8](repeating: 0x5D, count: 100_000)) == .tooDeep)
        let n = JSONDocument.maxDepth
        let arrays = [UInt8](repeating: 0x5B, count: n) + [UInt8](repeating: 0x5D, count: n)
        scanParse(arrays) { r in
            guard case .success(let root) = r else { Issue.record("deep arrays failed: \(r)"); return }
            #expect(root.kind == .array)
            #expect(root.end == 2 * n)
            #expect(root.count == 1)
            // descend 999 levels: each step is one element deeper, starting one byte later
            var v = root
            for _ in 0..<999 { v = v[index: 0]! }
            #expect(v.start == 999)
            #expect(v.end == 2 * n - 999)
        }
        // {"a":{"a":...{"a":1}...}} then a sibling after the deep value: the skip is iterative
        var obj = [UInt8]()
        for _ in 0..<(n - 1) { obj += Array(#"{"a":"#.utf8) }
        obj += Array("1".utf8) + [UInt8](repeating: 0x7D, count: n - 1)
        let wrapped = Array(#"{"deep":"#.utf8) + obj + Array(#","after":7}"#.utf8)
        scanParse(wrapped) { r in
            guard case .success(let root) = r else { Issue.record("deep objects failed: \(r)"); return }
            #expect(root["after"]?.int64 == 7)
            var v = root["deep"]!
            for _ in 0..<100 { v = v["a"]! }
            #expect(v.kind == .object)
        }
    }

    @Test("nesting 1 000 deep: unbalanced or mismatched fails with the right code")
    func deepInvalid() {
        let n = JSONDocument.maxDepth
        let open = [UInt8](repeating: 0x5B, count: n)
        #expect(scanError(open) == .unbalanced)
        #expect(scanError(open + [UInt8](repeating: 0x5D, count: n - 1)) == .unbalanced)
        #expect(scanError(open + [UInt8](repeating: 0x5D, count: n + 1)) == .trailingBytes)
        #expect(scanError(open + [0x7D]) == .unexpectedByte)
        var objs = [UInt8]()
        for _ in 0..<n { objs += Array(#"{"k":"#.utf8) }
        #expect(scanError(objs) == .unbalanced)
        #expect(scanError(objs + [0x5D]) == .unexpectedByte)  // `]` where a value must start
    }
}

@Suite("Scanner: malformed input")
struct ScannerMalformedTests {
    @Test(
        "each malformed line returns its error code",
        arguments: [
            // empty
            ("", JSONError.empty), ("   \t ", .empty),
            // truncated in a string, a key or an escape
            (#"{"a":"abc"#, .unterminatedString), (#""abc"#, .unterminatedString), (#"{"ab"#, .unterminatedString),
            (#"{"a":"x\"#, .unterminatedString), (#"{"a":"\u12"#, .unterminatedString),
            // truncated in a number
            (#"{"a":-"#, .badNumber), (#"{"a":1."#, .badNumber), (#"{"a":1e"#, .badNumber), (#"{"a":1e+"#, .badNumber),
            ("-", .badNumber), ("-x", .badNumber), ("[1.e5]", .badNumber),
            // truncated or wrong literal
            (#"{"a":tru"#, .badLiteral), ("nul", .badLiteral), ("[fals", .badLiteral), (#"{"a":tx}"#, .badLiteral),
            ("nulL", .badLiteral),
            // missing colon / comma, bad keys
            (#"{"a" 1}"#, .unexpectedByte), (#"{"a"}"#, .unexpectedByte), (#"{"a":1 "b":2}"#, .unexpectedByte),
            ("[1 2]", .unexpectedByte), ("{1:2}", .unexpectedByte), (#"{"a":1]"#, .unexpectedByte),
            // trailing commas
            ("[1,2,]", .unexpectedByte), (#"{"a":1,}"#, .unexpectedByte), ("[,]", .unexpectedByte), ("{,}", .unexpectedByte),
            // bytes that cannot start a value
            ("x", .unexpectedByte), (".5", .unexpectedByte), ("[01]", .unexpectedByte), ("+1", .unexpectedByte),
            // raw control bytes inside strings (RFC 8259 §7)
            ("\"a\tb\"", .unexpectedByte), ("{\"a\":\"x\ny\"}", .unexpectedByte), ("\"\u{0}\"", .unexpectedByte),
            // bad escapes
            (#""\x""#, .badEscape), (#""\u12g4""#, .badEscape), (#""\U0041""#, .badEscape),
            // trailing garbage
            (#"{"a":1} x"#, .trailingBytes), ("{}}", .trailingBytes), ("1 2", .trailingBytes), ("01", .trailingBytes),
            ("[]]", .trailingBytes), ("null,", .trailingBytes),
            // lone openers and truncated containers
            ("{", .unbalanced), ("[", .unbalanced), (#"{"a":1"#, .unbalanced), ("[1,", .unbalanced),
            (#"{"a":"#, .unbalanced), (#"{"a""#, .unbalanced), ("[1", .unbalanced), (#"{"a":{}"#, .unbalanced),
        ] as [(String, JSONError)])
    func malformed(_ text: String, _ expected: JSONError) {
        #expect(scanError(text) == expected, "\(text.debugDescription)")
    }

    @Test("error codes are the stable json.<code> strings")
    func codes() {
        #expect(JSONError.unbalanced.rawValue == "json.unbalanced")
        #expect(JSONError.trailingBytes.rawValue == "json.trailing_bytes")
        #expect(scanError(Array<UInt8>()) == .empty)
    }

    @Test("every strict prefix of an object line fails with a truncation code")
    func truncations() {
        let line = Array(#"{"id":"r-1","usage":{"in":12,"out":3.5e2,"ok":true,"x":null},"t":"a\u00e9\"b\\","l":[false,-0.5]}"#.utf8)
        #expect(scanError(line) == nil)
        let truncationCodes: Set<JSONError> = [.unbalanced, .unterminatedString, .badNumber, .badLiteral]
        for cut in 1..<line.count {
            let e = scanError(Array(line[..<cut]))
            #expect(e.map { truncationCodes.contains($0) } == true, "cut at \(cut): \(String(describing: e))")
        }
    }
}

@Suite("Scanner: numbers")
struct ScannerNumberTests {
    func num(_ text: String) -> (Int64?, Double?) {
        scanRoot(#"{"v":"# + text + "}") { r in (r["v"]?.int64, r["v"]?.double) } ?? (nil, nil)
    }

    @Test("integers, exact at both ends of Int64")
    func integers() {
        #expect(num("0").0 == 0)
        #expect(num("-0").0 == 0)
        #expect(num("-0").1?.sign == .minus)  // -0 as a double keeps its sign
        #expect(num("12345").0 == 12345)
        #expect(num("-42").0 == -42)
        #expect(num("9223372036854775807").0 == Int64.max)
        #expect(num("-9223372036854775808").0 == Int64.min)
        #expect(num("9223372036854775808").0 == nil)
        #expect(num("-9223372036854775809").0 == nil)
        #expect(num("123456789012345678901234567890").0 == nil)
        #expect(num("123456789012345678901234567890").1 == 1.2345678901234568e29)
    }

    @Test("exponents and fractions: int64 only when integral, decided on the digits")
    func exponents() {
        #expect(num("1e3").0 == 1000)
        #expect(num("1e3").1 == 1000)
        #expect(num("1E+2").0 == 100)
        #expect(num("12.0").0 == 12)
        #expect(num("1.5e1").0 == 15)
        #expect(num("100e-2").0 == 1)  // 100 × 10⁻² = 1
        #expect(num("10000000000000000000000e-5").0 == 100_000_000_000_000_000)  // 10²² × 10⁻⁵ = 10¹⁷
        #expect(num("9.2233720368547758e18").0 == 9_223_372_036_854_775_800)  // 92233720368547758 × 10²
        #expect(num("9.3e18").0 == nil)  // > Int64.max
        #expect(num("12.5").0 == nil)
        #expect(num("12.5").1 == 12.5)
        #expect(num("1e-3").0 == nil)
        #expect(num("1.0000000000000000001").0 == nil)  // a Double would round it to 1
        #expect(num("1.5E-3").1 == 0.0015)
        #expect(num("-2.5e-3").1 == -0.0025)
        #expect(num("0.000123").1 == 0.000123)
        #expect(num("0.1").1 == 0.1)
        #expect(num("1e22").1 == 1e22)
        #expect(num("1e23").1 == 1e23)  // outside Clinger's fast path: strtod
        #expect(num("12345678901234567890123").1 == 1.2345678901234568e22)  // 23-digit mantissa
        #expect(num("0.1234567890123456789012").1 == 0.12345678901234568)
        #expect(num("9007199254740993").1 == 9_007_199_254_740_992)  // 2⁵³ + 1 rounds to even
        #expect(num("2.2250738585072014e-308").1 == 2.2250738585072014e-308)
    }

    @Test("huge exponents: no infinity, no hang")
    func hugeExponents() {
        #expect(num("1e400").1 == nil)
        #expect(num("-1e400").1 == nil)
        #expect(num("1e400").0 == nil)
        #expect(num("1e-400").1 == 0)
        #expect(num("1e-400").0 == nil)
        #expect(num("0e999999999999").0 == 0)
        #expect(num("1e999999999999999999999").1 == nil)
        #expect(num("1e999999999999999999999").0 == nil)
        #expect(num("0." + String(repeating: "0", count: 500) + "1").1 == 0)  // 10⁻⁵⁰¹ underflows to 0
        #expect(num("1" + String(repeating: "0", count: 300)).1 == 1e300)
    }

    @Test("numbers sent as strings, escapes decoded first")
    func numbersAsStrings() {
        #expect(num(#""12""#).0 == 12)
        #expect(num(#""12""#).1 == 12)
        #expect(num(#""-7""#).0 == -7)
        #expect(num(#""+5""#).0 == 5)
        #expect(num(#""1.5""#).0 == nil)
        #expect(num(#""1.5""#).1 == 1.5)
        #expect(num(#""1e3""#).0 == 1000)
        #expect(num(#""\u0031\u0032""#).0 == 12)  // "\u0031\u0032" decodes to "12"
        #expect(num(#""\u0031.5""#).1 == 1.5)
        #expect(num(#""12abc""#).0 == nil)
        #expect(num(#""""#).0 == nil)
        #expect(num(#"" 12""#).0 == nil)
        #expect(num(#""-""#).1 == nil)
        #expect(num("true").0 == nil)
        #expect(num("null").1 == nil)
        #expect(num("[1]").0 == nil)
    }
}

@Suite("Scanner: strings")
struct ScannerStringTests {
    func str(_ jsonString: String) -> String? {
        scanRoot(#"{"s":"# + jsonString + "}") { r in r["s"]?.string } ?? nil
    }

    @Test("escapes decode")
    func escapes() {
        #expect(str(#""a\"b\\c\/d\b\f\n\r\t""#) == "a\"b\\c/d\u{8}\u{C}\n\r\t")
        #expect(str(#""\u00e9\u65e5\u0000""#) == "é日\u{0}")
        #expect(str(#""plain""#) == "plain")
        #expect(str(#""""#) == "")
        #expect(scanRoot(#"{"s":"a\nb"}"#) { r in r["s"]?.stringEquals("a\nb") } == true)
        #expect(scanRoot(#"{"s":"a\nb"}"#) { r in r["s"]?.stringEquals("a\\nb") } == false)
        #expect(scanRoot(#"{"s":"a\nb"}"#) { r in r["s"]?.isPlainString } == false)
        #expect(scanRoot(#"{"s":"ab"}"#) { r in r["s"]?.isPlainString } == true)
        #expect(scanRoot(#"{"n":12,"b":true,"z":null,"o":{}}"#) { r in [r["n"]?.string, r["b"]?.string, r["z"]?.string, r["o"]?.string] } == ["12", "true", "null", nil])
    }

    @Test("surrogate pairs decode; lone surrogates become U+FFFD")
    func surrogates() {
        #expect(str(#""\ud83d\ude00""#) == "😀")
        #expect(str(#""\uD83D\uDE00""#) == "😀")
        #expect(str(#""x\ud83d\ude00y""#) == "x😀y")
        #expect(str(#""\ud83dx""#) == "\u{FFFD}x")
        #expect(str(#""\ude00""#) == "\u{FFFD}")
        #expect(str(#""a\ud83d""#) == "a\u{FFFD}")
        #expect(str(#""\ud83d\ud83d\ude00""#) == "\u{FFFD}😀")
        #expect(str(#""\ud83d\n""#) == "\u{FFFD}\n")
        #expect(str(#""\ud83d\u0041""#) == "\u{FFFD}A")
        #expect(scanRoot(#"{"s":"\ud83d\ude00"}"#) { r in r["s"]?.stringEquals("😀") } == true)
    }

    @Test("invalid UTF-8 inside strings is accepted and decoded with U+FFFD")
    func invalidUTF8() {
        // {"s":"a<FF>b<C3>"} and {"s":"<E6 97>\n"}: a stray byte and cut multi-byte sequences
        let line1: [UInt8] = Array(#"{"s":"a"#.utf8) + [0xFF] + Array("b".utf8) + [0xC3] + Array(#""}"#.utf8)
        let line2: [UInt8] = Array(#"{"s":""#.utf8) + [0xE6, 0x97] + Array(#"\n"}"#.utf8)
        scanParse(line1) { r in
            guard case .success(let root) = r else { Issue.record("\(r)"); return }
            #expect(root["s"]?.string == "a\u{FFFD}b\u{FFFD}")
            #expect(root["s"]?.rawStringBytes?.count == 4)
        }
        scanParse(line2) { r in
            guard case .success(let root) = r else { Issue.record("\(r)"); return }
            #expect(root["s"]?.string == "\u{FFFD}\n")
        }
    }

    @Test("decoded chunks concatenate to the decoded bytes without allocating a String")
    func chunks() {
        scanRoot(#"{"s":"ab\u00e9\ud83d\ude00c\"d"}"#) { r -> Void in
            var bytes: [UInt8] = []
            r["s"]?.forEachDecodedChunk { bytes += $0 }
            #expect(bytes == Array("abé😀c\"d".utf8))
        }
    }

    @Test("prefix and substring checks on raw bytes")
    func rawChecks() {
        scanRoot(#"{"m":"claude-sonnet-4","u":{"input_tokens":1}}"#) { r -> Void in
            #expect(r["m"]?.stringHasPrefix("claude-") == true)
            #expect(r["m"]?.stringHasPrefix("gpt") == false)
            #expect(r["m"]?.stringContains("sonnet") == true)
            #expect(r["m"]?.stringContains("opus") == false)
            #expect(r["u"]?.rawContains("\"input_tokens\"") == true)
        }
    }

    @Test("long strings with many escapes validate and skip in one pass")
    func longEscapedStrings() {
        // 5000 × `\"` then a member after it: the skip must not stop at escaped quotes
        let body = String(repeating: #"x\"\\"#, count: 5000)
        scanRoot(#"{"p":""# + body + #"","n":3}"#) { r -> Void in
            #expect(r["n"]?.int64 == 3)
            #expect(r["p"]?.string?.count == 15000)  // each `x\"\\` decodes to `x"\` (3 characters)
        }
    }
}
