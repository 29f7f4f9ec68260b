import Engine
import Foundation
import Ingest
import Testing

@testable import Analyze

@Suite("--pseudonymize: SHA-256, HMAC-SHA-256, pseudonyms, the state's principal mode")
struct PseudonymTests {
    typealias F = AggFixtures

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    @Test("SHA-256: the FIPS 180-4 examples")
    func sha256() {
        #expect(HMACSHA256.hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(HMACSHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 448 bits: the padding needs a second block
        #expect(HMACSHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC-SHA-256: RFC 4231 test cases 1-7")
    func rfc4231() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            // case 5 is given truncated to 128 bits
            ([UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8), "a3b6167473100ee06e0c796c2955552b"),
            // cases 6 and 7: a 131-byte key is hashed first
            ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ([UInt8](repeating: 0xaa, count: 131),
             Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for c in cases {
            let mac = HMACSHA256(key: c.key).mac(c.data)
            #expect(HMACSHA256.hex(mac.prefix(c.mac.count / 2)) == c.mac)
        }
    }

    static let key1 = Array("0123456789abcdef0123456789abcdef\n".utf8)
    static let key2 = Array("fedcba9876543210fedcba9876543210".utf8)

    @Test("pseudonyms: p_ + 16 hex of the HMAC, same key same pseudonym, another key another, the key named not shown")
    func pseudonyms() throws {
        let p1 = try Pseudonymizer(keyFile: Self.key1)
        let again = try Pseudonymizer(keyFile: Array(Self.key1.dropLast()))  // the trailing newline is not part of the key
        let p2 = try Pseudonymizer(keyFile: Self.key2)
        // HMAC-SHA-256("0123456789abcdef0123456789abcdef", "alice") starts 433deb45467e4e53
        // (checked with Python's hmac module)
        #expect(p1.pseudonym("alice") == "p_433deb45467e4e53")
        #expect(again.pseudonym("alice") == p1.pseudonym("alice") && again.keyID == p1.keyID)
        #expect(p2.pseudonym("alice") == "p_3ab7b4d9d23a363e" && p2.pseudonym("alice") != p1.pseudonym("alice"))
        #expect(p1.keyID == "k_46ff07e3cb243c52" && p2.keyID != p1.keyID)
        #expect(p1.pseudonym("") == "" && p1.pseudonym("bob") != p1.pseudonym("alice"))
        #expect(throws: Pseudonymizer.KeyError.tooShort(bytes: 31)) { try Pseudonymizer(keyFile: [UInt8](repeating: 0x41, count: 31) + [0x0D, 0x0A]) }
    }

    @Test("Aggregates.pseudonymized maps every principal column and the window senders, nothing else")
    func aggregates() throws {
        let p = try Pseudonymizer(keyFile: Self.key1)
        let t = F.ms(2026, 4, 1, 10)
        var d = PermissionDecision(instantMs: t, reason: .policyRule)
        d.principal = "alice"
        d.subject = "Bash"
        let a = F.aggregate(
            calls: [F.call(t, model: "gpt-5", team: "search", principal: "alice", input: 10), F.call(t + 1, model: "gpt-5", principal: "bob", outcome: .error)],
            tools: [F.tool(t, "Bash", principal: "alice", outcome: .ok)], permissions: [d])
        let m = a.pseudonymized(with: p)
        let alice = p.pseudonym("alice"), bob = p.pseudonym("bob")
        #expect(Set(m.usage.keys.map(\.principal)) == [alice, bob] && Set(m.usage.keys.map(\.team)) == ["search", ""])
        #expect(m.tools.keys.map(\.principal) == [alice] && m.permissions.keys.map(\.principal) == [alice])
        #expect(m.windows.values.flatMap { $0.who.map(\.who.principal) }.sorted() == [alice, bob].sorted())
        #expect(m.usage.values.map(\.requests).reduce(0, +) == 2 && m.latency == a.latency)
        let blob = String(decoding: m.serialized(), as: UTF8.self)
        #expect(!blob.contains("alice") && !blob.contains("bob") && blob.contains(alice))
    }

    final class Dir {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("factorylog-pseudo-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        var state: String { url.appendingPathComponent("state.sqlite").path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    @Test("the state records how it holds principals and refuses the other way, or another key")
    func stateMode() throws {
        let dir = try Dir()
        let k1 = PrincipalMode.pseudonymized(keyID: "k_1"), k2 = PrincipalMode.pseudonymized(keyID: "k_2")
        do {
            let s = try StateStore(path: dir.state, timeZone: "UTC", rebuild: false, principals: k1)
            #expect(try s.principalMode() == k1)
            s.close()
        }
        for other in [PrincipalMode.clear, k2] {
            #expect {
                try StateStore(path: dir.state, timeZone: "UTC", rebuild: false, principals: other).close()
            } throws: { e in
                guard case .principalsMismatch(_, let stored, _, let storedIsClear) = e as? StateError else { return false }
                return stored.contains("k_1") && !storedIsClear && (e as! StateError).description.contains("never mixes")
            }
        }
        try StateStore(path: dir.state, timeZone: "UTC", rebuild: false, principals: k1).close()
        try StateStore(path: dir.state, timeZone: "UTC", rebuild: false).close()  // readers check nothing
        // --rebuild starts over in the mode asked for
        let s = try StateStore(path: dir.state, timeZone: "UTC", rebuild: true, principals: .clear)
        try s.commit([FileCommit(record: IngestFileRecord(path: "/f"), replace: false)])
        s.close()
        #expect(throws: StateError.self) { try StateStore(path: dir.state, timeZone: "UTC", rebuild: false, principals: k1).close() }
    }

    @Test("a state from before --pseudonymize (files, no record) holds clear names")
    func oldStateIsClear() throws {
        let dir = try Dir()
        let s = try StateStore(path: dir.state, timeZone: "UTC", rebuild: false)
        try s.commit([FileCommit(record: IngestFileRecord(path: "/f"), replace: false)])
        #expect(try s.principalMode() == .clear)
        s.close()
        #expect {
            try StateStore(path: dir.state, timeZone: "UTC", rebuild: false, principals: .pseudonymized(keyID: "k_1")).close()
        } throws: { e in
            guard case .principalsMismatch(_, _, _, let storedIsClear) = e as? StateError else { return false }
            return storedIsClear && (e as! StateError).description.contains("--rebuild --pseudonymize")
        }
        try StateStore(path: dir.state, timeZone: "UTC", rebuild: false, principals: .clear).close()
    }
}
