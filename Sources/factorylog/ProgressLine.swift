import Analyze
import Engine
import Foundation
import Synchronization

/// A one-line progress display on stderr, only when stderr is a terminal and not `--quiet`.
final class ProgressLine: Sendable {
    let enabled: Bool
    private let lastDraw = Mutex<Double>(0)

    init(enabled: Bool) { self.enabled = enabled && Console.stderrIsTerminal }

    func update(_ p: RunProgress, started: Date) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(started)
        let draw = lastDraw.withLock { last -> Bool in
            if elapsed - last < 0.1 && p.filesDone < p.filesTotal { return false }
            last = elapsed
            return true
        }
        guard draw else { return }
        let mb = Double(p.bytesRead) / 1e6
        let rate = elapsed > 0 ? mb / elapsed : 0
        let text = String(format: "\r\u{1B}[2Kfiles %d/%d  %.1f MB  %.1f MB/s  %.1f s", p.filesDone, p.filesTotal, mb, rate, elapsed)
        FileHandle.standardError.write(Data(text.utf8))
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
