import Analyze
import Foundation
import GRDB

extension StateStore {
    /// The GPU energy and server-token parts (`energy_file_days`, issue 17) of the days of
    /// `window` (inclusive day numbers; nil = all), merged. Metric files are few (one export a
    /// day or a month), so the parts are merged on export rather than kept per day.
    /// - Throws: `StateError.database`; `Aggregates.DecodingError` for a damaged blob.
    public func energyAggregates(window: ClosedRange<Int32>?) throws -> EnergyAggregates {
        try guarded {
            try dbQueue.read { db in
                var merged = EnergyAggregates()
                let rows: RowCursor
                if let window {
                    rows = try Row.fetchCursor(
                        db, sql: "SELECT blob FROM energy_file_days WHERE day BETWEEN ? AND ? ORDER BY day, id",
                        arguments: [Int64(window.lowerBound), Int64(window.upperBound)])
                } else {
                    rows = try Row.fetchCursor(db, sql: "SELECT blob FROM energy_file_days ORDER BY day, id")
                }
                while let row = try rows.next() {
                    let data: Data = row[0] ?? Data()
                    merged.merge(try EnergyAggregates(serialized: [UInt8](data)))
                }
                return merged
            }
        }
    }
}
