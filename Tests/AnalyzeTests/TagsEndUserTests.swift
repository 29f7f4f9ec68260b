import Ingest
import Testing

@testable import Analyze

/// tags_daily and usage_daily's end_user (issue 14 item 3), with the fake prices of `AggFixtures`
/// (gpt-5: $1.25 in, $0.125 cache read, $10 out per Mtok).
@Suite("tags_daily and end_user")
struct TagsEndUserTests {
    typealias F = AggFixtures
    typealias T = TablesTests

    static func tagged(_ instant: Int64, tags: [String], endUser: String = "", input: Int64, read: Int64 = 0, output: Int64, outcome: LLMOutcome = .ok) -> LLMCall {
        var c = F.call(instant, model: "gpt-5", team: "ml", principal: "key-a", input: input, read: read, output: output, outcome: outcome)
        c.tags = tags
        c.endUser = endUser
        return c
    }

    static let day1 = F.ms(2026, 3, 2, 9)
    static let day2 = F.ms(2026, 3, 3, 9)

    static var calls: [LLMCall] {
        [
            // 1 000 in + 100 out: 1 000 × 1.25 + 100 × 10 = 2 250 µ$ = $0.00225
            tagged(day1, tags: ["job:etl", "prod"], endUser: "cust-1", input: 1000, output: 100),
            // 2 000 in + 400 read + 200 out: 2 500 + 50 + 2 000 = 4 550 µ$ = $0.00455
            tagged(day1 + 1000, tags: ["prod"], endUser: "cust-2", input: 2000, read: 400, output: 200, outcome: .error),
            // untagged, no end user: 100 in: 125 µ$
            tagged(day1 + 2000, tags: [], input: 100, output: 0),
            // next day, same tag set as the first: 10 out = 100 µ$
            tagged(day2, tags: ["job:etl", "prod"], endUser: "cust-1", input: 0, output: 10),
        ]
    }

    @Test func tagsDailyRows() {
        let a = F.aggregate(calls: Self.calls)
        let t = Tables.tagsDaily(a)
        // rows sorted by (day, source, tag); the untagged call is in none
        #expect(T.dates(t, "day") == [F.day("2026-03-02"), F.day("2026-03-02"), F.day("2026-03-03"), F.day("2026-03-03")])
        #expect(T.strings(t, "source") == ["litellm", "litellm", "litellm", "litellm"])
        #expect(T.strings(t, "tag") == ["job:etl", "prod", "job:etl", "prod"])
        // job:etl on day 1: call 1 only; prod: calls 1 and 2
        #expect(T.ints(t, "requests") == [1, 2, 1, 1])
        #expect(T.ints(t, "failed_requests") == [0, 1, 0, 0])
        #expect(T.ints(t, "input_tokens") == [1000, 3000, 0, 0])  // prod: 1 000 + 2 000
        #expect(T.ints(t, "cache_read_tokens") == [0, 400, 0, 0])
        #expect(T.ints(t, "output_tokens") == [100, 300, 10, 10])  // prod: 100 + 200
        #expect(T.ints(t, "total_tokens") == [1100, 3700, 10, 10])  // prod: 3 000 + 400 + 300
        // prod day 1: 0.00225 + 0.00455 = 0.0068; day 2: 10 × $10/Mtok = 0.0001
        #expect(T.doubles(t, "cost_usd") == [0.00225, 0.0068, 0.0001, 0.0001])
        #expect(T.ints(t, "unpriced_requests") == [0, 0, 0, 0])
        #expect(t.schema.columns.map(\.name) == [
            "day", "source", "tag", "requests", "failed_requests", "denied_requests", "rate_limited_requests",
            "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
            "total_tokens", "cost_usd", "unpriced_requests",
        ])
    }

    @Test func endUserIsTheLastColumnAndInTheKey() {
        let a = F.aggregate(calls: Self.calls)
        let u = Tables.usageDaily(a)
        #expect(Tables.usageDailySchema.columns.last?.name == "end_user")
        // day 1 splits by end user ("" < cust-1 < cust-2), day 2 has one row
        #expect(T.strings(u, "end_user") == ["", "cust-1", "cust-2", "cust-1"])
        #expect(T.ints(u, "requests") == [1, 1, 1, 1])
        #expect(T.doubles(u, "cost_usd") == [0.000125, 0.00225, 0.00455, 0.0001])
        #expect(T.strings(u, "principal") == ["key-a", "key-a", "key-a", "key-a"])
    }

    @Test func serializationKeepsTagsAndEndUsers() throws {
        let a = F.aggregate(calls: Self.calls)
        let back = try Aggregates(serialized: a.serialized())
        #expect(back == a)
        #expect(back.tags.count == 4)
        #expect(Set(back.usage.keys.map(\.endUser)) == ["", "cust-1", "cust-2"])
        #expect(a.serialized()[4] == 4)  // the version byte
        // days split and merge back
        #expect(Aggregates.merged(a.splitByDay().values) == a)
        #expect(a.restricted(to: F.day("2026-03-03")...F.day("2026-03-03")).tags.count == 2)
    }

    /// A saturated tags_daily cell is reported like a usage_daily one.
    @Test func impossibleTagTotals() {
        var a = Aggregates()
        var v = UsageStats()
        v.requests = .max
        a.tags[TagKey(day: F.day("2026-03-02"), source: "litellm", tag: "prod")] = v
        let found = a.impossibleTotals()
        #expect(found.count == 1)
        #expect(found.examples == ["tags_daily 2026-03-02 litellm prod: requests = 9223372036854775807"])
    }

    /// A version 2 blob (written before end users and tags): usage keys of 5 strings and no tags
    /// section. Hand-built: one usage entry of day 20 514, strings ["", "gpt-5", "litellm"].
    @Test func readsVersion2Blobs() throws {
        var b: [UInt8] = Array("FLAG".utf8) + [2]
        b += [3, 0, 5] + Array("gpt-5".utf8) + [7] + Array("litellm".utf8)  // string table
        // usage: 1 entry; day 20514 zigzag = 41028 = 0xC4 0xC0 0x02; ids source=2 provider=0 model=1 team=0 principal=0
        b += [1, 0xC4, 0xC0, 0x02, 2, 0, 1, 0, 0]
        // requests 3 (zigzag 6), failed 0, denied 0, rate_limited 0, input 10 (20), read 0, write 0,
        // output 5 (10), reasoning 0, unpriced 0, then cost 7 pico as 16 bytes
        b += [6, 0, 0, 0, 20, 0, 0, 10, 0, 0] + [7] + [UInt8](repeating: 0, count: 15)
        b += [0, 0, 0, 0]  // latency, tools, permissions, unpriced: empty
        let a = try Aggregates(serialized: b)
        let k = UsageKey(day: 20514, source: "litellm", provider: "", model: "gpt-5", team: "", principal: "")
        #expect(a.usage.count == 1)
        #expect(a.usage[k]?.requests == 3)
        #expect(a.usage[k]?.inputTokens == 10)
        #expect(a.usage[k]?.outputTokens == 5)
        #expect(a.usage[k]?.costPico == 7)
        #expect(a.usage.keys.first?.endUser == "")
        #expect(a.tags.isEmpty)
        #expect(a.serialized(layout: 2) == b)  // the writer of old layouts the state tests use agrees
        // the same blob claiming version 3 lacks the sixth id and the tags section: rejected
        var v3 = b
        v3[4] = 3
        #expect(throws: Aggregates.DecodingError.self) { _ = try Aggregates(serialized: v3) }
        // a newer version is refused with a message naming the versions read
        var v5 = b
        v5[4] = 5
        #expect(throws: Aggregates.DecodingError.unsupportedVersion(5)) { _ = try Aggregates(serialized: v5) }
    }
}
