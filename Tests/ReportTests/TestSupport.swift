import Foundation

/// A fresh empty folder under the system temp folder for one test.
func makeTempDir(_ label: String = #function) throws -> String {
    let name = "report-tests-\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func readBytes(_ path: String) -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else { return [] }
    return [UInt8](d)
}

func le64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
