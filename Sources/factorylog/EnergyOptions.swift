import Analyze
import ArgumentParser
import Foundation

/// GPU energy options (issue 17), shared by `run` and `report`.
struct EnergyOptions: ParsableArguments {
    @Option(help: "A placement file (CSV: host,gpu_uuid,model,start,end) saying which model a host or GPU served, for GPUs whose metrics share no pod or host label with a server's token metrics.")
    var placement: String?

    @Option(help: "Electricity price in USD per kWh, for the energy cost columns of energy_daily.")
    var powerPrice: Double?

    @Option(help: "Power usage effectiveness: facility energy over IT energy, multiplied into the energy cost (default 1).")
    var pue: Double = 1

    func validate() throws {
        if let p = powerPrice, !(p.isFinite && p >= 0) { throw ValidationError("--power-price must be a number of USD per kWh, 0 or more.") }
        if !(pue.isFinite && pue >= 1 && pue <= 10) { throw ValidationError("--pue must be between 1 and 10 (facility energy / IT energy).") }
    }

    /// - Throws: `ValidationError` when the placement file cannot be read or parsed.
    func settings(pricer: Pricer?, calendar: ReportCalendar) throws -> EnergySettings {
        var rules: [PlacementRule] = []
        var text = ""
        if let placement {
            guard let data = FileManager.default.contents(atPath: placement) else {
                throw ValidationError("Cannot read the placement file '\(placement)'.")
            }
            text = String(decoding: data, as: UTF8.self)
            do {
                rules = try PlacementRule.parse(text)
            } catch {
                throw ValidationError("\(placement): \(error)")
            }
        }
        let digest = "placement=\(Self.fnv(text));power=\(powerPrice.map { "\($0)" } ?? "none");pue=\(pue)"
        return EnergySettings(
            placement: rules, pricing: EnergyPricing(usdPerKWh: powerPrice, pue: pue), calendar: calendar, pricer: pricer, digest: digest)
    }

    /// A stable hash of the placement text (Swift's `Hasher` is seeded per process).
    static func fnv(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }
}

/// What energy_daily is built with.
struct EnergySettings {
    var placement: [PlacementRule] = []
    var pricing = EnergyPricing()
    var calendar: ReportCalendar
    /// For the API list price per Mtok of the same model name (nil: no price column).
    var pricer: Pricer?
    var digest = ""

    /// The price key `model` resolves to (usage_daily's model name), or `model`.
    func resolvedKey(_ model: String) -> String { pricer?.resolve(model).key ?? model }

    /// Atto-dollars per input and output token of `model` in the price table, or nil.
    func listPrice(_ model: String) -> (input: Int64, output: Int64)? {
        guard let price = pricer?.resolve(model).price, let i = price.base.input, let o = price.base.output else { return nil }
        return (i, o)
    }
}
