/// Keyed pseudonyms for the columns that name people (`--pseudonymize KEYFILE`; `CONTRACT.md`,
/// "Pseudonymized principals").
///
/// A value becomes `p_` followed by the first 16 hex digits (64 bits) of HMAC-SHA-256(key, the
/// value's UTF-8 bytes): the same key gives the same pseudonym on every night and in every
/// table, another key an unrelated one, and without the key a pseudonym cannot be turned back
/// or checked against a guessed name. The empty value (no principal) stays empty.
public struct Pseudonymizer: Sendable {
    /// Why a key cannot be used.
    public enum KeyError: Error, Equatable, CustomStringConvertible {
        case tooShort(bytes: Int)

        public var description: String {
            switch self {
            case .tooShort(let n):
                "the key has \(n) byte(s); at least \(Pseudonymizer.minimumKeyBytes) are needed (e.g. `openssl rand -hex 32 > KEYFILE`)"
            }
        }
    }

    /// Shortest key accepted (bytes, after the trailing line break is removed).
    public static let minimumKeyBytes = 32
    /// What every pseudonym starts with.
    public static let prefix = "p_"

    private let hmac: HMACSHA256
    /// Names the key without revealing it: `k_` + the first 16 hex digits of
    /// HMAC-SHA-256(key, "factorylog pseudonym key id v1"). The state records it, so a run with
    /// another key (or none) is refused instead of mixing pseudonyms.
    public let keyID: String

    /// - Parameter keyFile: the key file's bytes; one trailing line break (`\n` or `\r\n`) is not
    ///   part of the key.
    /// - Throws: `KeyError.tooShort` below `minimumKeyBytes`.
    public init(keyFile bytes: [UInt8]) throws(KeyError) {
        var key = bytes
        if key.last == 0x0A { key.removeLast() }
        if key.last == 0x0D { key.removeLast() }
        guard key.count >= Self.minimumKeyBytes else { throw .tooShort(bytes: key.count) }
        hmac = HMACSHA256(key: key)
        keyID = "k_" + HMACSHA256.hex(hmac.mac(Array("factorylog pseudonym key id v1".utf8)).prefix(8))
    }

    /// The pseudonym of `value` (`p_` + 16 hex digits); "" for "".
    public func pseudonym(_ value: String) -> String {
        if value.isEmpty { return "" }
        return Self.prefix + HMACSHA256.hex(hmac.mac(Array(value.utf8)).prefix(8))
    }
}

extension Aggregates {
    /// THE list of pseudonymized columns: every column that names a person or their key is
    /// mapped through `p` here, and nowhere else.
    ///
    /// * usage_daily `principal`
    /// * tools_daily `principal`
    /// * permissions_daily `principal`
    /// * incidents: the principals counted in `principals_affected` (window senders)
    /// * usage_daily `end_user` (LiteLLM `end_user`)
    ///
    /// Not pseudonymized: `team` (an org unit), `source`, `provider`, `model`, tool names,
    /// permission subjects, and the file paths of `ingest_files` (`CONTRACT.md`).
    ///
    /// Each distinct value is hashed once per call.
    public func pseudonymized(with p: Pseudonymizer) -> Aggregates {
        var cache: [String: String] = [:]
        func map(_ s: String) -> String {
            if s.isEmpty { return s }
            if let m = cache[s] { return m }
            let m = p.pseudonym(s)
            cache[s] = m
            return m
        }
        // Maps without a person's name are kept as they are (a map added later too, unless it is
        // listed above).
        var r = self
        r.usage = [:]
        r.tools = [:]
        r.permissions = [:]
        r.windows = [:]
        for (k, v) in usage {
            var k = k
            k.principal = map(k.principal)
            k.endUser = map(k.endUser)  // LiteLLM end_user: a customer or person
            r.usage[k, default: UsageStats()].merge(v)
        }
        for (k, v) in tools {
            var k = k
            k.principal = map(k.principal)
            r.tools[k, default: ToolStats()].merge(v)
        }
        for (k, v) in permissions {
            var k = k
            k.principal = map(k.principal)
            r.permissions[k, default: 0] +|= v
        }
        for (k, v) in windows {
            var v = v
            var who = v.who.map { c -> WhoCount in
                var c = c
                c.who.principal = map(c.who.principal)
                return c
            }
            who.sort { $0.who < $1.who }
            v.who = []
            for c in who {
                if let last = v.who.last, last.who == c.who {
                    v.who[v.who.count - 1].requests +|= c.requests
                    v.who[v.who.count - 1].failed +|= c.failed
                } else {
                    v.who.append(c)
                }
            }
            r.windows[k] = v
        }
        return r
    }
}
