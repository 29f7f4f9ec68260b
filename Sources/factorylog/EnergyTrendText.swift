import Analyze

/// `factorylog trend`'s second block (issue 17): tokens per kWh of GPU energy by ISO week.
enum EnergyTrendText {
    static func render(_ weekly: [(week: String, model: String, tokens: Int64, kwh: Double)], weeks: Int) -> String {
        let shown = Array(Array(Set(weekly.map(\.week))).sorted().suffix(weeks))
        var lines = ["tokens per kWh of GPU energy by ISO week"]
        lines.append("model".padded(44) + shown.map { $0.leftPad(18) }.joined())
        var models = Array(Set(weekly.map(\.model))).sorted()
        if let i = models.firstIndex(of: Tables.allModels) {
            models.remove(at: i)
            models.insert(Tables.allModels, at: 0)
        }
        for m in models {
            var row = m.padded(44)
            for w in shown {
                if let e = weekly.first(where: { $0.week == w && $0.model == m }), e.kwh > 0 {
                    row += (String(Int64((Double(e.tokens) / e.kwh).rounded())) + " (\(String(format: "%.1f", e.kwh)) kWh)").leftPad(18)
                } else {
                    row += "-".leftPad(18)
                }
            }
            lines.append(row)
        }
        return lines.joined(separator: "\n")
    }
}
