import Testing

@testable import Ingest

/// A canonical dump of everything the lookup API says about `v`: kinds, byte ranges, keys, and
/// for every object the result of looking each key up by name. Iterative (explicit stack).
private func dump(_ root: JSONValue) -> [String] {
    var out: [String] = []
    var stack = [root]
    while let v = stack.popLast() {
        out.append("\(v.kind) \(v.start)..<\(v.end) n=\(v.count) plain=\(v.kind == .string ? v.isPlainString : false)")
        switch v.kind {
        case .object:
            var children: [JSONValue] = []
            v.forEachMember { k, m in
                out.append("key \(k.start)..<\(k.end) \(k.string)")
                var name: [UInt8] = []
                k.value.forEachDecodedChunk { name += $0 }
                let found = name.withUnsafeBytes { v.member(named: $0) }
                out.append("lookup -> \(found.map { "\($0.start)" } ?? "nil")")
                children.append(m)
                return true
            }
            stack.append(contentsOf: children.reversed())
        case .array:
            var children: [JSONValue] = []
            v.forEachElement { children.append($0); return true }
            out.append("last -> \(v[index: children.count - 1].map { "\($0.start)" } ?? "nil")")
            stack.append(contentsOf: children.reversed())
        default:
            out.append("scalar \(v.string ?? "-")")
        }
    }
    return out
}

/// Parses with a tape and without one; both must give the same error or the same dump.
private func agree(_ bytes: [UInt8], tape: JSONTape) -> Bool {
    bytes.withUnsafeBytes { b -> Bool in
        let a = JSONDocument.parse(b, tape: tape)
        let c = JSONDocument.parseWithoutTape(b)
        switch (a, c) {
        case (.failure(let x), .failure(let y)): return x == y
        case (.success(let x), .success(let y)):
            #expect(x._tape != nil && y._tape == nil)
            return dump(x) == dump(y)
        default: return false
        }
    }
}

@Suite("Scanner: tape")
struct ScannerTapeTests {
    @Test("the tape of the documented example, entry by entry")
    func documentedExample() {
        let text = #"{"a":1,"b":[true,"x"]}"#
        let tape = JSONTape()
        Array(text.utf8).withUnsafeBytes { b in
            guard case .success(let root) = JSONDocument.parse(b, tape: tape) else {
                Issue.record("parse failed")
                return
            }
            let e = tape.header.pointee.entries
            // (start, end, next, kind): 7 entries, one per value and key (see JSONTape's doc)
            let expected: [(UInt32, UInt32, UInt32, JSONValue.Kind)] = [
                (0, 22, 7, .object), (1, 4, 2, .string), (5, 6, 3, .number), (7, 10, 4, .string),
                (11, 21, 7, .array), (12, 16, 6, .bool), (17, 20, 7, .string),
            ]
            for (i, x) in expected.enumerated() {
                #expect(e[i].start == x.0 && e[i].end == x.1 && e[i].next == x.2 && e[i].kind == x.3, "entry \(i)")
            }
            #expect(root.start == 0 && root.end == 22)
            #expect(root["b"]?.count == 2)
            #expect(root["b"]?[index: 1]?.stringEquals("x") == true)
            #expect(root["a"]?.int64 == 1)
        }
    }

    @Test("escape flags: a key with an escape is matched decoded, strings know their backslashes")
    func escapes() {
        let text = #"{"a\u0062":"p\"q","ab":2,"c":"plain"}"#
        _ = scanRoot(text) { root -> Bool in
            #expect(root._tape != nil)
            // the first "ab" (written a\u0062) wins: duplicate keys, first one
            #expect(root["ab"]?.string == "p\"q")
            #expect(root["ab"]?.isPlainString == false)
            #expect(root["c"]?.isPlainString == true)
            var keys: [String] = []
            root.forEachMember { k, _ in keys.append(k.string); return true }
            #expect(keys == ["ab", "ab", "c"])
            return true
        }
    }

    @Test("a value from an earlier parse with the same tape falls back to scanning its bytes")
    func staleValues() {
        let tape = JSONTape()
        let a = Array(#"{"x":{"y":5},"z":[1,2,3]}"#.utf8)
        let b = Array(#"{"y":1,"x":[{"q":0}]}"#.utf8)
        a.withUnsafeBytes { ab in
            guard case .success(let ra) = JSONDocument.parse(ab, tape: tape) else { return }
            let x = ra["x"]!
            b.withUnsafeBytes { bb in
                guard case .success(let rb) = JSONDocument.parse(bb, tape: tape) else { return }
                #expect(ra._entries == nil)  // generation moved on
                #expect(ra["x"]?["y"]?.int64 == 5)
                #expect(x["y"]?.int64 == 5)
                #expect(ra["z"]?.count == 3)
                #expect(rb["x"]?[index: 0]?["q"]?.int64 == 0)
                #expect(rb._entries != nil)
            }
        }
        // the thread tape: a nested parse makes the outer root fall back, still correct
        _ = scanRoot(#"{"m":"{\"k\":7}","n":{"o":8}}"#) { root -> Bool in
            let inner = Array(#"{"k":7}"#.utf8)
            inner.withUnsafeBytes { ib in
                guard case .success(let r2) = JSONDocument.parse(ib) else { return }
                #expect(r2["k"]?.int64 == 7)
            }
            #expect(root["n"]?["o"]?.int64 == 8)
            return true
        }
    }

    @Test("1 000 nested arrays (JSONDocument.maxDepth): the tape records them all, lookups stay iterative")
    func deepNesting() {
        let depth = JSONDocument.maxDepth
        var bytes = [UInt8](repeating: 0x5B, count: depth)
        bytes += [0x31]
        bytes += [UInt8](repeating: 0x5D, count: depth)
        let tape = JSONTape()
        bytes.withUnsafeBytes { b in
            guard case .success(let root) = JSONDocument.parse(b, tape: tape) else {
                Issue.record("parse failed")
                return
            }
            // depth arrays + the number: 100 001 entries; the root's subtree ends after all of them
            #expect(tape.header.pointee.entries[0].next == UInt32(depth + 1))
            var v = root
            var levels = 0
            while v.kind == .array, let inner = v[index: 0] {
                v = inner
                levels += 1
            }
            #expect(levels == depth)
            #expect(v.int64 == 1)
        }
        // unbalanced: one bracket short
        #expect(scanError(Array(bytes.dropLast())) == .unbalanced)
    }

    @Test("strings of 0-40 bytes with a quote, escape or control byte at every position: same verdicts")
    func shortStringBoundaries() {
        // The tape validator decides strings whose closing quote is in their first 16 bytes
        // inline (two 8-byte words); every special byte at every offset around those words must
        // give the same result as the reference validator.
        let tape = JSONTape()
        var checked = 0
        for len in 0...40 {
            for pos in 0..<max(len, 1) {
                for special: [UInt8] in [[0x5C, 0x22], [0x5C, 0x6E], [0x5C, 0x78], [0x01], [0x5C], [0x22]] {
                    var body = [UInt8](repeating: 0x61, count: len)
                    if len > 0 { body.replaceSubrange(pos..<min(pos + special.count, len), with: special.prefix(len - pos)) }
                    for wrap in [[0x22] + body + [0x22], Array(#"{""#.utf8) + body + Array(#"":1}"#.utf8)] {
                        #expect(agree(wrap, tape: tape), "len \(len) pos \(pos) \(special)")
                        checked += 1
                    }
                }
            }
        }
        // 41 lengths: 1 + (1+2+...+40 = 820) positions = 821, × 6 specials × 2 wrappings
        #expect(checked == 821 * 6 * 2)
    }

    @Test("2000 generated documents and 4000 mutants: the tape and the byte scanner agree")
    func differential() {
        var rng = SplitMix64(seed: 2024)
        let tape = JSONTape()
        let pieces: [String] = [
            #"{"#, #"}"#, #"["#, #"]"#, #","#, #":"#, #""k""#, #""a\"b""#, #""\u00e9x""#, #""\ud83d\ude00""#,
            "1", "-0.5e3", "true", "false", "null", " ", "\t", #""""#, #""message""#, "12345678901234567890",
        ]
        func value(_ depth: Int) -> String {
            let r = Int(rng.next() % 10)
            if depth > 4 || r < 4 { return pieces[6 + Int(rng.next() % 14)] }
            if r < 7 {
                let n = Int(rng.next() % 5)
                let members = (0..<n).map { _ in "\(pieces[6 + Int(rng.next() % 4)]) : \(value(depth + 1))" }
                return "{" + members.joined(separator: ",") + "}"
            }
            let n = Int(rng.next() % 5)
            return "[" + (0..<n).map { _ in value(depth + 1) }.joined(separator: ", ") + "]"
        }
        var disagreements = 0
        for _ in 0..<2000 {
            let doc = Array(value(0).utf8)
            if !agree(doc, tape: tape) { disagreements += 1 }
            for _ in 0..<2 {
                var m = doc
                switch rng.next() % 3 {
                case 0 where !m.isEmpty: m.remove(at: Int(rng.next() % UInt64(m.count)))
                case 1: m.insert(Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8)[0], at: Int(rng.next() % UInt64(m.count + 1)))
                default: if !m.isEmpty { m = Array(m.prefix(Int(rng.next() % UInt64(m.count)))) }
                }
                if !agree(m, tape: tape) { disagreements += 1 }
            }
        }
        #expect(disagreements == 0)
    }
}
