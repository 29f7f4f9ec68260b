import Foundation
import Testing

@testable import Analyze
@testable import Engine

/// The run's own outputs and state are never read as logs, by whichever path they are reached.
@Suite struct OwnFilesTests {
    @Test func ownFilesAreRecognizedThroughSymlinkedAndRelativeFolders() throws {
        let root = NSTemporaryDirectory() + "ownfiles-\(UInt32.random(in: 0...UInt32.max))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/real/out", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: root) }
        try fm.createSymbolicLink(atPath: root + "/alias", withDestinationPath: root + "/real")
        for f in ["real/out/usage_daily.csv", "real/st.sqlite", "real/st.sqlite-wal", "real/logs.jsonl"] {
            _ = fm.createFile(atPath: root + "/" + f, contents: Data())
        }
        let own = OwnFiles([root + "/real/out", root + "/alias/../real/st.sqlite"])
        // Through the symlink, the same folders: own.
        #expect(own.contains(root + "/alias/out/usage_daily.csv"))
        #expect(own.contains(root + "/alias/st.sqlite-wal"))
        #expect(own.contains(root + "/alias/st.sqlite.new-4711-wal"))  // a state a killed run was creating
        #expect(own.contains(root + "/alias/.out.tmp-12-ab/usage_daily.csv"))
        // A log beside them (asked twice: the second answer comes from the folder cache).
        #expect(!own.contains(root + "/alias/logs.jsonl"))
        #expect(!own.contains(root + "/alias/logs.jsonl"))
        #expect(!own.contains(root + "/real/st.sqlite.bak"))
    }
}
