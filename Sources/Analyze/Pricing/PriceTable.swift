import Foundation
import Ingest

/// Why a price table or an alias file could not be loaded. Each message names the file and the fix.
public struct PricingError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The file could not be read.
        case unreadable
        /// The file is not JSON, or its top level is not an object.
        case notAJSONObject
        /// An alias file maps a name to something other than a string.
        case badAlias
        /// The price snapshot is missing from the module's resources.
        case missingBundledSnapshot
    }

    public var code: Code
    public var path: String
    public var detail: String

    public init(code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(path): \(detail)" }
}

/// One price of an entry and the day it came into force (`Scripts/update-prices.py`: the first
/// release of the snapshot's range that listed it).
public struct DatedPrice: Sendable, Hashable {
    /// UTC epoch ms of the first day this price is in force; `Int64.min` for an undated price.
    public var sinceMs: Int64
    /// `YYYY-MM-DD` of that day, empty for an undated price.
    public var since: String
    /// The LiteLLM release it came from (`1.65.1`), empty for an undated price.
    public var release: String
    public var price: ModelPrice
}

/// Every price of one key: one undated price (a LiteLLM file, a `--prices` file), or the dated
/// versions of the shipped snapshot.
public struct PriceEntry: Sendable, Hashable {
    /// Ascending by `sinceMs`; never empty.
    public let versions: [DatedPrice]

    public init(versions: [DatedPrice]) {
        precondition(!versions.isEmpty, "a price entry needs a price")
        self.versions = versions.sorted { $0.sinceMs < $1.sinceMs }
    }

    public init(undated price: ModelPrice) {
        self.versions = [DatedPrice(sinceMs: .min, since: "", release: "", price: price)]
    }

    /// The newest price.
    public var latest: ModelPrice { versions[versions.count - 1].price }

    /// The price in force at `ms` (`CONTRACT.md` "Money", dated prices): the newest version whose
    /// day has begun; before the first version's day, the first version (the oldest known price).
    /// - Complexity: O(versions), a handful.
    @inline(__always)
    public func price(atMillis ms: Int64) -> ModelPrice {
        var i = versions.count - 1
        while i > 0, versions[i].sinceMs > ms { i -= 1 }
        return versions[i].price
    }
}

/// A price table in LiteLLM's `model_prices_and_context_window.json` format, prices converted to
/// integer atto-dollars (1e-18 USD) when an entry is first looked up.
///
/// The format is a JSON object, price key → entry object. factorylog reads these entry fields
/// (USD per token, numbers or numeric strings): `input_cost_per_token`, `output_cost_per_token`,
/// `cache_read_input_token_cost`, `cache_creation_input_token_cost`,
/// `cache_creation_input_token_cost_above_1hr`, `output_cost_per_reasoning_token`, each one's
/// `*_above_<N>k_tokens` tier and `_flex`/`_priority`/`_ultrafast`/`_balanced` service-tier form,
/// `tiered_pricing`, `off_peak_pricing`, the numeric members of `provider_specific_entry`, and the
/// text fields `litellm_provider` and `mode`. Other fields are ignored. An entry is a price (and a
/// hit for name resolution) when it lists at least one base price or a `tiered_pricing` tier with
/// an input price; `sample_spec`, non-object entries and the snapshot's own metadata entry are
/// skipped. A price that is not a non-negative number counts as not listed.
///
/// ### Layers
/// `--prices FILE` layers (`overlaid(with:)`) are parsed whole and win over the layers below them
/// on every day. The shipped snapshot (`Resources/prices.json`, written by `Scripts/update-prices.py`)
/// has one entry per line, keys sorted; it is indexed by line at load and each entry is parsed
/// only when a name resolution looks its key up. Its entries carry dated versions
/// (`__history__`, `__since__`, `__release__`); its metadata entry
/// `"__factorylog_snapshot__": {"id": "litellm-<first>..<last>", ...}` gives `snapshotID`.
///
/// ### Why not parse the whole snapshot
/// v0.1 parsed the 3.9k-entry snapshot with `JSONSerialization` on every run (0.24 s); a run needs
/// a few dozen of its entries. Indexing the lines is a single `memchr` pass.
public struct PriceTable: Sendable {
    /// The metadata key the shipped snapshot uses.
    public static let metadataKey = "__factorylog_snapshot__"

    /// Identifies the table in outputs (`factorylog.prices` Parquet metadata): `litellm-<version>`
    /// for a snapshot, `custom:<file name>` for a `--prices` file without metadata.
    public let snapshotID: String
    /// Eagerly parsed entries (`--prices` files, tests): win over `lazy`.
    private let eager: [String: PriceEntry]
    /// The line-indexed snapshot, when this table includes it.
    private let lazy: _LazySnapshot?

    /// Number of priced entries (the lazy snapshot's lines count as priced: the script writes only
    /// priced entries).
    public var count: Int { keys.count }
    /// The price keys, unordered.
    public var keys: [String] {
        guard let lazy else { return Array(eager.keys) }
        var all = Set(eager.keys)
        all.formUnion(lazy.index.keys)
        return Array(all)
    }

    /// A table from already-converted prices (tests, programmatic tables).
    public init(prices: [String: ModelPrice], snapshotID: String) {
        self.init(entries: prices.mapValues(PriceEntry.init(undated:)), lazy: nil, snapshotID: snapshotID)
    }

    init(entries: [String: PriceEntry], lazy: _LazySnapshot?, snapshotID: String) {
        self.eager = entries
        self.lazy = lazy
        self.snapshotID = snapshotID
    }

    /// Loads a LiteLLM-format price table (`--prices FILE`).
    /// - Throws: `PricingError` `.unreadable` when the file cannot be read, `.notAJSONObject` when
    ///   it is not a JSON object.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PricingError(code: .unreadable, path: path, detail: "cannot read the price table (\(error.localizedDescription))")
        }
        try self.init(jsonData: data, path: path, defaultID: "custom:" + URL(fileURLWithPath: path).lastPathComponent)
    }

    /// Parses a LiteLLM-format price table from JSON bytes, every entry at once.
    /// - Parameters:
    ///   - path: used in error messages only.
    ///   - defaultID: the `snapshotID` when the data carries no metadata entry.
    /// - Throws: `PricingError.notAJSONObject`.
    public init(jsonData: Data, path: String, defaultID: String) throws {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: jsonData, options: [])
        } catch {
            throw PricingError(code: .notAJSONObject, path: path, detail: "not valid JSON (\(error.localizedDescription)); pass a LiteLLM model_prices_and_context_window.json file")
        }
        guard let object = root as? [String: Any] else {
            throw PricingError(code: .notAJSONObject, path: path, detail: "the top level is not a JSON object; pass a LiteLLM model_prices_and_context_window.json file")
        }
        var id = defaultID
        var entries: [String: PriceEntry] = [:]
        entries.reserveCapacity(object.count)
        for (key, value) in object {
            if key == Self.metadataKey {
                if let meta = value as? [String: Any], let metaID = meta["id"] as? String, !metaID.isEmpty {
                    id = metaID
                }
                continue
            }
            if key == "sample_spec" { continue }
            guard let entry = value as? [String: Any], let price = Self.priceEntry(entry) else { continue }
            entries[key] = price
        }
        self.init(entries: entries, lazy: nil, snapshotID: id)
    }

    /// The snapshot shipped with factorylog (`Sources/Analyze/Resources/prices.json`), loaded once.
    /// - Throws: `PricingError` if the resource is missing or damaged (a packaging fault).
    public static func bundled() throws -> PriceTable {
        try _bundled.get()
    }

    private static let _bundled: Result<PriceTable, PricingError> = {
        guard let url = Bundle.module.url(forResource: "prices", withExtension: "json") else {
            return .failure(PricingError(code: .missingBundledSnapshot, path: "prices.json", detail: "the shipped price snapshot is missing from factorylog's resource bundle; reinstall, or pass --prices FILE"))
        }
        do {
            let data = try Data(contentsOf: url)
            return .success(try PriceTable(snapshotData: data, path: url.path))
        } catch let error as PricingError {
            return .failure(error)
        } catch {
            return .failure(PricingError(code: .unreadable, path: url.path, detail: "cannot read the shipped price snapshot (\(error.localizedDescription)); pass --prices FILE"))
        }
    }()

    /// A snapshot in the one-entry-per-line layout `Scripts/update-prices.py` writes, indexed by
    /// line; any other layout is parsed whole.
    /// - Throws: `PricingError.notAJSONObject`.
    public init(snapshotData data: Data, path: String) throws {
        if let lazy = _LazySnapshot(data) {
            self.init(entries: [:], lazy: lazy, snapshotID: lazy.id ?? "bundled")
        } else {
            try self.init(jsonData: data, path: path, defaultID: "bundled")
        }
    }

    /// Every price of `key` (dated versions for the snapshot), or nil.
    public func entry(forKey key: String) -> PriceEntry? {
        if let e = eager[key] { return e }
        return lazy?.entry(forKey: key)
    }

    /// The newest price listed under exactly `key`, or nil.
    public func price(forKey key: String) -> ModelPrice? { entry(forKey: key)?.latest }

    /// The newest price listed under exactly `key`, or nil.
    public func price(forKey key: Substring) -> ModelPrice? { price(forKey: String(key)) }

    /// This table with `overlay`'s entries added, each replacing the entry of the same key on every
    /// day (`--prices FILE`, repeatable: later files win). The identity names both, joined by `+`
    /// (`litellm-1.80.0+custom:inhouse.json`).
    public func overlaid(with overlay: PriceTable) -> PriceTable {
        precondition(overlay.lazy == nil, "overlay a parsed price file, not a snapshot")
        return PriceTable(
            entries: eager.merging(overlay.eager) { _, new in new }, lazy: lazy,
            snapshotID: snapshotID + "+" + overlay.snapshotID)
    }

    // MARK: - Entry conversion

    /// The bucket a base price field prices, or nil for any other field.
    static func bucket(ofBaseField field: Substring) -> ListedPrices.Bucket? {
        switch field {
        case "input_cost_per_token": .input
        case "output_cost_per_token": .output
        case "cache_read_input_token_cost": .cacheRead
        case "cache_creation_input_token_cost": .cacheWrite5m
        case "cache_creation_input_token_cost_above_1hr": .cacheWrite1h
        default: nil
        }
    }

    static let reasoningField = "output_cost_per_reasoning_token"
    static let baseFields = [
        "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
        "cache_creation_input_token_cost", "cache_creation_input_token_cost_above_1hr",
    ]
    static let serviceTierSuffixes: [(ServiceTier, String)] = [
        (.flex, "_flex"), (.priority, "_priority"), (.ultrafast, "_ultrafast"), (.balanced, "_balanced"),
    ]

    /// An entry with its dated versions (`__history__`), or nil when it prices nothing.
    static func priceEntry(_ entry: [String: Any]) -> PriceEntry? {
        guard let latest = modelPrice(entry) else { return nil }
        guard let history = entry["__history__"] as? [[String: Any]] else {
            if let since = entry["__since__"] as? String, let ms = dayMillis(since) {
                return PriceEntry(versions: [DatedPrice(sinceMs: ms, since: since, release: entry["__release__"] as? String ?? "", price: latest)])
            }
            return PriceEntry(undated: latest)
        }
        var versions: [DatedPrice] = []
        for old in history {
            guard let since = old["__since__"] as? String, let ms = dayMillis(since), let price = modelPrice(old) else { continue }
            versions.append(DatedPrice(sinceMs: ms, since: since, release: old["__release__"] as? String ?? "", price: price))
        }
        let since = entry["__since__"] as? String ?? ""
        versions.append(DatedPrice(sinceMs: dayMillis(since) ?? .min, since: since, release: entry["__release__"] as? String ?? "", price: latest))
        return PriceEntry(versions: versions)
    }

    /// UTC epoch ms of `YYYY-MM-DD`.
    static func dayMillis(_ day: String) -> Int64? {
        let parts = day.split(separator: "-")
        guard parts.count == 3, let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        // Days from civil (Howard Hinnant).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86_400_000
    }

    /// Converts one entry (one version), or nil when it prices nothing.
    static func modelPrice(_ entry: [String: Any]) -> ModelPrice? {
        var num: [String: Int64] = [:]
        for (field, value) in entry where field.contains("cost") {
            if let a = attoPerToken(value) { num[field] = a }
        }
        let provider = entry["litellm_provider"] as? String
        // Fireworks: no cache-read price bills cache reads at 50 % of input
        // (`with_default_cache_read_rate`, FIREWORKS_AI_DEFAULT_CACHE_READ_RATE_RATIO = 0.5).
        var offPeakEntry = entry["off_peak_pricing"] as? [String: Any]
        if provider == "fireworks_ai", num["cache_read_input_token_cost"] == nil, let input = num["input_cost_per_token"] {
            let read = Pico.divRoundHalfEven(Int128(input), 2)
            num["cache_read_input_token_cost"] = Int64(read)
            if var op = offPeakEntry, op["cache_read_input_token_cost"] == nil {
                let opInput = op["input_cost_per_token"].flatMap(attoPerToken)
                op["__atto_cache_read__"] = opInput.map { $0 / 2 } ?? Int64(read)
                offPeakEntry = op
            }
        }
        func listed(_ f: String) -> Int64? { num[f] }
        var base = ListedPrices()
        for f in baseFields { base[bucket(ofBaseField: f[...])!] = listed(f) }
        base.reasoning = listed(reasoningField)

        // Long-context tiers, standard and per service-tier suffix.
        var tiers: [Int64: ListedPrices] = [:]
        var suffixedTiers: [String: [Int64: ListedPrices]] = [:]
        for (field, value) in num {
            if let (threshold, bucket) = tierField(field) {
                tiers[threshold, default: ListedPrices()][bucket] = value
                continue
            }
            for (_, suffix) in serviceTierSuffixes where field.hasSuffix(suffix) {
                if let (threshold, bucket) = tierField(String(field.dropLast(suffix.count))) {
                    suffixedTiers[suffix, default: [:]][threshold, default: ListedPrices()][bucket] = value
                }
            }
        }
        var serviceTiers: [ServiceTier: (base: ListedPrices, tiers: [PriceTier])] = [:]
        for (tier, suffix) in serviceTierSuffixes where num.keys.contains(where: { $0.hasSuffix(suffix) }) {
            var b = ListedPrices()
            for f in baseFields { b[bucket(ofBaseField: f[...])!] = listed(f + suffix) ?? listed(f) }
            // `_resolve_reasoning_token_cost`: the tier's reasoning price, else its output price
            // when it lists one, else the standard reasoning price.
            b.reasoning = listed(reasoningField + suffix) ?? (listed("output_cost_per_token" + suffix) != nil ? nil : base.reasoning)
            let own = suffixedTiers[suffix] ?? [:]
            var merged: [PriceTier] = []
            for threshold in Set(tiers.keys).union(own.keys) {
                var p = ListedPrices()
                for bucket in ListedPrices.Bucket.allCases {
                    // A 1-hour above-N price only in the tier's own form (`_first_present_key`).
                    p[bucket] = own[threshold]?[bucket] ?? (bucket == .cacheWrite1h ? nil : tiers[threshold]?[bucket])
                }
                merged.append(PriceTier(thresholdTokens: threshold, prices: p))
            }
            serviceTiers[tier] = (b, merged)
        }

        // tiered_pricing.
        var ranges: [RangeTier] = []
        if let list = entry["tiered_pricing"] as? [Any] {
            for case let t as [String: Any] in list {
                guard let range = t["range"] as? [Any], range.count == 2,
                    let a = (range[0] as? NSNumber)?.doubleValue, let z = (range[1] as? NSNumber)?.doubleValue
                else { continue }
                var p = ListedPrices()
                p.input = t["input_cost_per_token"].flatMap(attoPerToken)
                p.output = t["output_cost_per_token"].flatMap(attoPerToken)
                p.cacheRead = t["cache_read_input_token_cost"].flatMap(attoPerToken)
                p.cacheWrite5m = t["cache_creation_input_token_cost"].flatMap(attoPerToken)
                p.cacheWrite1h = t["cache_creation_input_token_cost_above_1hr"].flatMap(attoPerToken)
                p.reasoning = t[reasoningField].flatMap(attoPerToken)
                ranges.append(RangeTier(start: a, end: z, prices: p))
            }
        }
        let rangePriced = ranges.contains { $0.prices.input != nil }
        guard !base.isEmpty || rangePriced else { return nil }

        // provider_specific_entry: numeric members only.
        var multipliers: [String: PriceMultiplier] = [:]
        if let pse = entry["provider_specific_entry"] as? [String: Any] {
            for (k, v) in pse {
                guard !(v is String), let n = v as? NSNumber,
                    let scaled = Pico.fromDecimalText(n.doubleValue.description), scaled >= 0, scaled <= Int128(Int64.max)
                else { continue }
                multipliers[k.lowercased()] = PriceMultiplier(scaled: Int64(scaled))
            }
        }
        return ModelPrice(
            base: base,
            tiers: tiers.map { PriceTier(thresholdTokens: $0.key, prices: $0.value) },
            provider: provider,
            mode: entry["mode"] as? String,
            serviceTiers: serviceTiers,
            rangeTiers: ranges,
            offPeak: offPeakEntry.flatMap(offPeak),
            multipliers: multipliers)
    }

    /// Parses an `off_peak_pricing` block, or nil when it has no usable window.
    static func offPeak(_ op: [String: Any]) -> OffPeakPricing? {
        func windows(_ v: Any?) -> [OffPeakPricing.Window] {
            let texts: [String] = (v as? String).map { [$0] } ?? (v as? [Any])?.compactMap { $0 as? String } ?? []
            return texts.compactMap { text in
                let parts = text.split(separator: "-", omittingEmptySubsequences: false)
                guard parts.count == 2, let a = minutes(parts[0]), let b = minutes(parts[1]) else { return nil }
                return OffPeakPricing.Window(startMs: a * 60_000, endMs: b * 60_000)
            }
        }
        func minutes(_ s: Substring) -> Int64? {
            let hm = s.trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard hm.count == 2, let h = Int64(hm[0]), let m = Int64(hm[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
            return h * 60 + m
        }
        let names: [String: Int] = [
            "mon": 1, "monday": 1, "tue": 2, "tues": 2, "tuesday": 2, "wed": 3, "wednesday": 3, "thu": 4, "thur": 4,
            "thurs": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6, "sun": 7, "sunday": 7,
        ]
        var rules: [OffPeakPricing.Rule] = []
        if let list = op["windows"] as? [Any] {
            for case let r as [String: Any] in list {
                let w = windows(r["hours_utc"])
                guard !w.isEmpty else { continue }
                var days: Set<Int>? = nil
                if let wd = r["weekdays"] {
                    guard let arr = wd as? [Any] else { continue }  // a weekdays that is not a list matches no day
                    var set = Set<Int>()
                    for d in arr {
                        if !(d is String), let n = d as? NSNumber, (1...7).contains(n.intValue), n.doubleValue == Double(n.intValue) {
                            set.insert(n.intValue)
                        } else if let s = d as? String, let n = names[s.trimmingCharacters(in: .whitespaces).lowercased()] {
                            set.insert(n)
                        }
                    }
                    days = set
                }
                rules.append(OffPeakPricing.Rule(windows: w, weekdays: days))
            }
        }
        let everyDay = windows(op["hours_utc"])
        guard !everyDay.isEmpty || !rules.isEmpty else { return nil }
        var tz: TimeZone? = nil
        if let name = (op["weekday_timezone"] as? String)?.trimmingCharacters(in: .whitespaces), !name.isEmpty {
            tz = TimeZone(identifier: name)
        }
        var prices = ListedPrices()
        prices.input = op["input_cost_per_token"].flatMap(attoPerToken)
        prices.output = op["output_cost_per_token"].flatMap(attoPerToken)
        prices.cacheRead = (op["__atto_cache_read__"] as? Int64) ?? op["cache_read_input_token_cost"].flatMap(attoPerToken)
        prices.cacheWrite5m = op["cache_creation_input_token_cost"].flatMap(attoPerToken)
        prices.reasoning = op[reasoningField].flatMap(attoPerToken)
        return OffPeakPricing(everyDay: everyDay, rules: rules, weekdayTimeZone: tz, prices: prices)
    }

    /// Parses `<base field>_above_<N>k_tokens` (or `_above_<N>_tokens`) into (threshold tokens, bucket).
    static func tierField(_ field: String) -> (Int64, ListedPrices.Bucket)? {
        guard field.hasSuffix("_tokens"), let above = field.range(of: "_above_", options: .backwards) else { return nil }
        let prefix = field[..<above.lowerBound]
        guard let bucket = bucket(ofBaseField: prefix) else { return nil }
        var number = field[above.upperBound...].dropLast("_tokens".count)
        var multiplier: Int64 = 1
        if number.hasSuffix("k") {
            multiplier = 1000
            number = number.dropLast()
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(number),
            n <= Int64.max / multiplier
        else { return nil }
        return (n * multiplier, bucket)
    }

    /// A USD-per-token value (JSON number or numeric string) in atto-dollars, or nil when it is not
    /// a non-negative number that fits in `Int64` (9.2 USD per token).
    static func attoPerToken(_ value: Any) -> Int64? {
        let atto: Int128?
        if let text = value as? String {
            atto = Pico.attoFromDecimalText(text)
        } else if let number = value as? NSNumber {
            // The shortest text of the Double equals the file's decimal text (see `Pico`).
            atto = Pico.attoFromDecimalText(number.doubleValue.description)
        } else {
            atto = nil
        }
        guard let atto, atto >= 0, atto <= Int128(Int64.max) else { return nil }
        return Int64(atto)
    }
}

/// The shipped snapshot, indexed by line: `{"__factorylog_snapshot__":{...}` on the first line,
/// then one `,"<key>":{...}` per line, then `}`. Entries are parsed on lookup.
final class _LazySnapshot: @unchecked Sendable {
    let data: Data
    /// Key → byte range of its entry object.
    let index: [String: Range<Int>]
    let id: String?
    /// Entries parsed so far, shared by every file of a run (each file's aggregator resolves its
    /// models anew: without this, every file parsed the same entries again). Guarded by `lock`.
    private var parsed: [String: PriceEntry?] = [:]
    private let lock = NSLock()

    init?(_ data: Data) {
        let prefix = Array("{\"\(PriceTable.metadataKey)\":".utf8)
        guard data.count > prefix.count, data.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        var index: [String: Range<Int>] = [:]
        var metaRange: Range<Int>? = nil
        let ok: Bool = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            let p = raw.bindMemory(to: UInt8.self)
            let n = p.count
            var lineStart = 0
            var first = true
            while lineStart < n {
                var lineEnd = lineStart
                while lineEnd < n, p[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                if first {
                    first = false
                    metaRange = (lineStart + prefix.count)..<lineEnd
                    continue
                }
                var i = lineStart
                if i < lineEnd, p[i] == UInt8(ascii: ",") { i += 1 }
                if i == lineEnd || (lineEnd - i == 1 && p[i] == UInt8(ascii: "}")) { continue }
                guard p[i] == UInt8(ascii: "\"") else { return false }
                var j = i + 1
                var escaped = false
                while j < lineEnd, p[j] != UInt8(ascii: "\"") {
                    if p[j] == UInt8(ascii: "\\") { escaped = true; j += 1 }
                    j += 1
                }
                guard j + 1 < lineEnd, p[j + 1] == UInt8(ascii: ":") else { return false }
                let key: String
                if escaped {
                    guard let k = try? JSONSerialization.jsonObject(with: Data(raw[i...j]), options: [.fragmentsAllowed]) as? String else { return false }
                    key = k
                } else {
                    key = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(i + 1)..<j]), as: UTF8.self)
                }
                index[key] = (j + 2)..<lineEnd
            }
            return true
        }
        guard ok, let metaRange else { return nil }
        self.data = data
        self.index = index
        var metaBytes = data.subdata(in: metaRange)
        while let last = metaBytes.last, last == UInt8(ascii: ",") || last == 0x20 { metaBytes.removeLast() }
        let meta = (try? JSONSerialization.jsonObject(with: metaBytes)) as? [String: Any]
        self.id = meta?["id"] as? String
    }

    func entry(forKey key: String) -> PriceEntry? {
        guard let range = index[key] else { return nil }
        lock.lock()
        if let known = parsed[key] {
            lock.unlock()
            return known
        }
        lock.unlock()
        let object = (try? JSONSerialization.jsonObject(with: data.subdata(in: range))) as? [String: Any]
        let entry = object.flatMap(PriceTable.priceEntry)
        lock.lock()
        parsed[key] = .some(entry)
        lock.unlock()
        return entry
    }
}
