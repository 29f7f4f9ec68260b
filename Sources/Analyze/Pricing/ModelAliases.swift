import Foundation

/// The `--model-aliases FILE` map: a JSON object, model name as logged → price key
/// (`CONTRACT.md` "Money", resolution step 1). Typical names: Bedrock application-inference-profile
/// ARNs, Azure deployment names.
///
///     {"arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/ops-triage": "claude-haiku-4-5"}
public struct ModelAliases: Sendable, Hashable {
    public let map: [String: String]

    public init(_ map: [String: String]) { self.map = map }

    /// Loads an alias file.
    /// - Throws: `PricingError` `.unreadable` (cannot read), `.notAJSONObject` (not JSON, or not an
    ///   object), `.badAlias` (a value is not a string; the message names the entry).
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PricingError(code: .unreadable, path: path, detail: "cannot read the alias file (\(error.localizedDescription))")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw PricingError(code: .notAJSONObject, path: path, detail: "not valid JSON (\(error.localizedDescription)); write a JSON object of model name → price key")
        }
        guard let object = root as? [String: Any] else {
            throw PricingError(code: .notAJSONObject, path: path, detail: "the top level is not a JSON object; write a JSON object of model name → price key")
        }
        var map: [String: String] = [:]
        for (name, value) in object {
            guard let key = value as? String else {
                throw PricingError(code: .badAlias, path: path, detail: "the alias of \"\(name)\" is not a string; give the price key as a JSON string")
            }
            map[name] = key
        }
        self.map = map
    }

    /// The price key `name` is mapped to, or nil.
    public subscript(name: String) -> String? { map[name] }
}
