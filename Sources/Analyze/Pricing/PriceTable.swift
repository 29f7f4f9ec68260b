import Foundation

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

/// A price table in LiteLLM's `model_prices_and_context_window.json` format, prices converted to
/// integer pico-dollars once at load time.
///
/// The format is a JSON object, price key → entry object. factorylog reads these entry fields
/// (USD per token, numbers or numeric strings): `input_cost_per_token`, `output_cost_per_token`,
/// `cache_read_input_token_cost`, `cache_creation_input_token_cost`,
/// `cache_creation_input_token_cost_above_1hr`, each one's `*_above_<N>k_tokens` tier, and the text
/// fields `litellm_provider` and `mode`. Other fields are ignored. An entry is a price (and a hit
/// for name resolution) when it lists at least one of the five base prices; `sample_spec`, non-object
/// entries and the snapshot's own metadata entry are skipped. A price that is not a non-negative
/// number counts as not listed.
///
/// The shipped snapshot (`Resources/prices.json`, written by `Scripts/update-prices.py`) carries
/// a metadata entry `"__factorylog_snapshot__": {"id": "litellm-<version>", ...}`; its `id` is the
/// table's `snapshotID`. A table without it is identified as `custom:<file name>`.
///
/// ### Why Foundation `JSONSerialization`
/// Loading runs once per run, before any log is read; a 3.5 MB LiteLLM file parses in well under a
/// second. The hot path only ever sees the resolved `ModelPrice`.
public struct PriceTable: Sendable {
    /// The metadata key the shipped snapshot uses.
    public static let metadataKey = "__factorylog_snapshot__"

    /// Identifies the table in outputs (`factorylog.prices` Parquet metadata): `litellm-<version>`
    /// for a snapshot, `custom:<file name>` for a `--prices` file without metadata.
    public let snapshotID: String
    private let prices: [String: ModelPrice]

    /// Number of priced entries.
    public var count: Int { prices.count }
    /// The price keys, unordered.
    public var keys: Dictionary<String, ModelPrice>.Keys { prices.keys }

    /// A table from already-converted prices (tests, programmatic tables).
    public init(prices: [String: ModelPrice], snapshotID: String) {
        self.prices = prices
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

    /// Parses a LiteLLM-format price table from JSON bytes.
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
        var prices: [String: ModelPrice] = [:]
        prices.reserveCapacity(object.count)
        for (key, value) in object {
            if key == Self.metadataKey {
                if let meta = value as? [String: Any], let metaID = meta["id"] as? String, !metaID.isEmpty {
                    id = metaID
                }
                continue
            }
            if key == "sample_spec" { continue }
            guard let entry = value as? [String: Any], let price = Self.modelPrice(entry) else { continue }
            prices[key] = price
        }
        self.init(prices: prices, snapshotID: id)
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
            return .success(try PriceTable(jsonData: data, path: url.path, defaultID: "bundled"))
        } catch let error as PricingError {
            return .failure(error)
        } catch {
            return .failure(PricingError(code: .unreadable, path: url.path, detail: "cannot read the shipped price snapshot (\(error.localizedDescription)); pass --prices FILE"))
        }
    }()

    /// The price listed under exactly `key`, or nil.
    public func price(forKey key: String) -> ModelPrice? { prices[key] }

    /// This table with `overlay`'s entries added, each replacing the entry of the same key
    /// (`--prices FILE`, repeatable: later files win). The identity names both, joined by `+`
    /// (`litellm-1.80.0+custom:inhouse.json`).
    public func overlaid(with overlay: PriceTable) -> PriceTable {
        PriceTable(prices: prices.merging(overlay.prices) { _, new in new }, snapshotID: snapshotID + "+" + overlay.snapshotID)
    }

    /// The price listed under exactly `key`, or nil. Builds a `String` of `key`: fine for name
    /// resolution, which `ModelResolutionCache` runs once per distinct name.
    public func price(forKey key: Substring) -> ModelPrice? {
        prices[String(key)]
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

    /// Converts one entry, or nil when it lists none of the five base prices.
    static func modelPrice(_ entry: [String: Any]) -> ModelPrice? {
        var base = ListedPrices()
        var tiers: [Int64: ListedPrices] = [:]
        for (field, value) in entry {
            if let bucket = bucket(ofBaseField: field[...]) {
                base[bucket] = picoPerToken(value)
            } else if let (threshold, bucket) = tierField(field), let pico = picoPerToken(value) {
                tiers[threshold, default: ListedPrices()][bucket] = pico
            }
        }
        guard !base.isEmpty else { return nil }
        return ModelPrice(
            base: base,
            tiers: tiers.map { PriceTier(thresholdTokens: $0.key, prices: $0.value) },
            provider: entry["litellm_provider"] as? String,
            mode: entry["mode"] as? String)
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

    /// A USD-per-token value (JSON number or numeric string) in pico-dollars, or nil when it is not a
    /// non-negative number that fits in `Int64` (9.2e6 USD per token).
    static func picoPerToken(_ value: Any) -> Int64? {
        let pico: Int128?
        if let text = value as? String {
            pico = Pico.fromDecimalText(text)
        } else if let number = value as? NSNumber {
            // The shortest text of the Double equals the file's decimal text (see `Pico`).
            pico = Pico.fromDecimalText(number.doubleValue.description)
        } else {
            pico = nil
        }
        guard let pico, pico >= 0, pico <= Int128(Int64.max) else { return nil }
        return Int64(pico)
    }
}
