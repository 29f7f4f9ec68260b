import Foundation

/// The only place that prints (stdout for results, stderr for problems and progress).
enum Console {
    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }

    static func error(_ s: String) {
        FileHandle.standardError.write(Data(("factorylog: " + s + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
