import Foundation
import Testing

@testable import Ingest

@Suite("IO: input discovery")
struct IODiscoveryTests {
    /// root/
    ///   a.jsonl  a-b.jsonl  b.jsonl.gz  .hidden.jsonl  link-to-a.jsonl -> a.jsonl  dangling -> nowhere  fifo
    ///   .hiddendir/x.jsonl
    ///   projects/-home-dev/x.jsonl  projects/-home-dev/.z.jsonl  projects/-home-ops/y.jsonl
    ///   sub/c.jsonl  sub/deeper/d.jsonl  sub/loop -> ..  sub/self -> .
    static func makeTree() -> String {
        let root = IOFixture.tempDir("discovery")
        for f in [
            "a.jsonl", "a-b.jsonl", "b.jsonl.gz", ".hidden.jsonl", ".hiddendir/x.jsonl", "projects/-home-dev/x.jsonl",
            "projects/-home-dev/.z.jsonl", "projects/-home-ops/y.jsonl", "sub/c.jsonl", "sub/deeper/d.jsonl",
        ] {
            IOFixture.write(root + "/" + f, "{}\n")
        }
        symlink("a.jsonl", root + "/link-to-a.jsonl")
        symlink("nowhere", root + "/dangling")
        symlink("..", root + "/sub/loop")
        symlink(".", root + "/sub/self")
        mkfifo(root + "/fifo", 0o644)
        return root
    }

    @Test func directoriesAreWalkedSortedWithoutHiddenLoopsOrDuplicates() {
        let root = Self.makeTree()
        defer { IOFixture.remove(root) }
        let d = InputDiscovery.discover([root])
        #expect(
            d.files
                == [
                    "a-b.jsonl", "a.jsonl", "b.jsonl.gz", "projects/-home-dev/x.jsonl", "projects/-home-ops/y.jsonl",
                    "sub/c.jsonl", "sub/deeper/d.jsonl",
                ].map { root + "/" + $0 })
        #expect(d.problems.map(\.path) == [root + "/dangling"])
        #expect(d.problems.first?.message.contains("dangling") == true)

        // A trailing slash does not double the separator.
        #expect(InputDiscovery.discover([root + "/sub/deeper/"]).files == [root + "/sub/deeper/d.jsonl"])

        // Walking only `sub`: links are followed, so `sub/loop` (-> root) reaches the root's files
        // once each, and the way back into `sub` (already visited) is not taken again.
        let sub = InputDiscovery.discover([root + "/sub"])
        #expect(
            sub.files
                == [
                    "c.jsonl", "deeper/d.jsonl", "loop/a-b.jsonl", "loop/a.jsonl", "loop/b.jsonl.gz",
                    "loop/projects/-home-dev/x.jsonl", "loop/projects/-home-ops/y.jsonl",
                ].map { root + "/sub/" + $0 })
        #expect(sub.problems.map(\.path) == [root + "/sub/loop/dangling"])
    }

    @Test func theSameFileNamedTwiceIsListedOnce() {
        let root = Self.makeTree()
        defer { IOFixture.remove(root) }
        let d = InputDiscovery.discover([
            root + "/link-to-a.jsonl", root + "/a.jsonl", root + "/a.jsonl", root + "/sub/deeper",
            root + "/sub/loop/sub/deeper/d.jsonl", root + "/sub/self/c.jsonl", root + "/sub/c.jsonl",
        ])
        #expect(d.files == [root + "/a.jsonl", root + "/sub/c.jsonl", root + "/sub/deeper/d.jsonl"])
        #expect(d.problems.isEmpty)
        // Order of the arguments does not matter.
        let reversed = InputDiscovery.discover([
            root + "/sub/c.jsonl", root + "/sub/self/c.jsonl", root + "/sub/loop/sub/deeper/d.jsonl",
            root + "/sub/deeper",
            root + "/a.jsonl", root + "/link-to-a.jsonl",
        ])
        #expect(reversed.files == d.files)
    }

    @Test func hiddenFilesAreTakenWhenNamed() {
        let root = Self.makeTree()
        defer { IOFixture.remove(root) }
        let d = InputDiscovery.discover([root + "/.hidden.jsonl", root + "/.hiddendir"])
        #expect(d.files == [root + "/.hidden.jsonl", root + "/.hiddendir/x.jsonl"])
    }

    @Test func globsMatchStarQuestionClassesAndDoubleStar() {
        let root = Self.makeTree()
        defer { IOFixture.remove(root) }
        #expect(InputDiscovery.discover([root + "/*.jsonl"]).files == [root + "/a-b.jsonl", root + "/a.jsonl"])
        #expect(
            InputDiscovery.discover([root + "/projects/-home-?ev/[xy].jsonl"]).files == [
                root + "/projects/-home-dev/x.jsonl"
            ])
        #expect(
            InputDiscovery.discover([root + "/projects/*/[!x].jsonl"]).files == [root + "/projects/-home-ops/y.jsonl"])
        #expect(
            InputDiscovery.discover([root + "/**/*.jsonl"]).files
                == [
                    "a-b.jsonl", "a.jsonl", "projects/-home-dev/x.jsonl", "projects/-home-ops/y.jsonl", "sub/c.jsonl",
                    "sub/deeper/d.jsonl",
                ].map { root + "/" + $0 })
        #expect(InputDiscovery.discover([root + "/**/d.jsonl"]).files == [root + "/sub/deeper/d.jsonl"])
        #expect(InputDiscovery.discover([root + "/**"]).files == InputDiscovery.discover([root]).files)
        // A matched directory is walked; a pattern starting with "." matches hidden names.
        #expect(InputDiscovery.discover([root + "/proj*"]).files.count == 2)
        #expect(
            InputDiscovery.discover([root + "/.hidden*"]).files == [
                root + "/.hidden.jsonl", root + "/.hiddendir/x.jsonl",
            ])
        // An escaped metacharacter is literal.
        IOFixture.write(root + "/lit[1].jsonl", "{}\n")
        #expect(InputDiscovery.discover([root + "/lit[1].jsonl"]).files == [root + "/lit[1].jsonl"], "exists literally")
        #expect(InputDiscovery.discover([root + "/lit\\[1\\].*"]).files == [root + "/lit[1].jsonl"])
    }

    @Test func missingInputsAndEmptyGlobsAreProblemsNotCrashes() {
        let root = Self.makeTree()
        defer { IOFixture.remove(root) }
        let d = InputDiscovery.discover([
            root + "/missing.jsonl", root + "/nomatch-*.jsonl", root + "/a.jsonl", "", root + "/fifo",
        ])
        #expect(d.files == [root + "/a.jsonl"])
        let byPath = Dictionary(d.problems.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath[root + "/missing.jsonl"]?.contains("no such file") == true)
        #expect(byPath[root + "/nomatch-*.jsonl"]?.contains("matched no files") == true)
        #expect(byPath[""] != nil)
        #expect(byPath[root + "/fifo"]?.contains("not a regular file") == true)
        #expect(d.problems.count == 4)
    }

    @Test func relativePathsStayRelative() {
        let root = Self.makeTree()
        defer { IOFixture.remove(root) }
        // The root as a path relative to the working directory (no chdir: tests run in parallel).
        let cwd = FileManager.default.currentDirectoryPath
        let depth = cwd.split(separator: "/").count
        let rel = String(repeating: "../", count: depth) + root.drop { $0 == "/" }
        let d = InputDiscovery.discover([rel + "/projects"])
        #expect(d.files == [rel + "/projects/-home-dev/x.jsonl", rel + "/projects/-home-ops/y.jsonl"])
        #expect(InputDiscovery.discover([rel + "/projects/*/x.jsonl"]).files == [rel + "/projects/-home-dev/x.jsonl"])
        #expect(InputDiscovery.discover(["./" + rel + "/sub/deeper"]).files == ["./" + rel + "/sub/deeper/d.jsonl"])
    }

    @Test func symlinkLoopBetweenTwoDirectoriesIsHarmless() {
        let root = IOFixture.tempDir("loop2")
        defer { IOFixture.remove(root) }
        IOFixture.write(root + "/A/a.jsonl", "{}\n")
        IOFixture.write(root + "/B/b.jsonl", "{}\n")
        symlink("../B", root + "/A/toB")
        symlink("../A", root + "/B/toA")
        let d = InputDiscovery.discover([root])
        #expect(d.files == [root + "/A/a.jsonl", root + "/A/toB/b.jsonl"])
        let g = InputDiscovery.discover([root + "/**/*.jsonl"])
        #expect(Set(g.files.map { ($0 as NSString).lastPathComponent }) == ["a.jsonl", "b.jsonl"])
        #expect(g.files.count == 2)
    }

    @Test func pathOrderPutsADirectorysFilesTogether() {
        #expect(_pathPrecedes("a/z", "a-b"))
        #expect(_pathPrecedes("a/b", "a/c"))
        #expect(!_pathPrecedes("a", "a"))
        #expect(_pathPrecedes("a", "a/b"))
        #expect(_pathPrecedes("B", "a"), "byte order, uppercase first")
    }
}
