// swift-tools-version: 6.1
import Foundation
import PackageDescription

let package = Package(
    name: "factorylog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "factorylog", targets: ["factorylog"]),
        .library(name: "Ingest", targets: ["Ingest"]),
        .library(name: "Analyze", targets: ["Analyze"]),
        .library(name: "Report", targets: ["Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Named CZlibSystem because ZIPFoundation already defines a module called CZlib.
        .systemLibrary(name: "CZlibSystem", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "Ingest", dependencies: ["CZlibSystem", "CZstd"]),
        // The output tables' model (schemas, typed columns, batches): what Analyze builds and
        // Report writes, so Report depends on neither the state nor SQLite.
        .target(name: "TableModel"),
        .target(
            name: "Analyze",
            dependencies: [
                "Ingest", "TableModel",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            resources: [.copy("Resources/prices.json")]
        ),
        // The engine: the SQLite state, the claim index and the pipeline (file I/O and the
        // database live here; Analyze stays pure).
        .target(
            name: "Engine",
            dependencies: [
                "Ingest", "Analyze",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "Report",
            dependencies: [
                "TableModel", "CZlibSystem", "CZstd",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "factorylog",
            dependencies: [
                "Ingest", "Analyze", "Engine", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test tool: synthetic tables through the real writers, for Tests/acceptance/test_writers.py.
        .executableTarget(
            name: "write-test-tables",
            dependencies: ["Analyze", "Report", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/Tools/write-test-tables"
        ),
        .testTarget(name: "IngestTests", dependencies: ["Ingest"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AnalyzeTests", dependencies: ["Analyze", "Engine", "Ingest", .product(name: "GRDB", package: "GRDB.swift")], exclude: ["Fixtures"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Analyze"]),
        .testTarget(name: "FactorylogTests", dependencies: ["factorylog", "Analyze", "Engine", "Ingest", "Report"]),
    ]
)

// The libFuzzer harness (`make fuzz`, Fuzz/README.md): only with FACTORYLOG_FUZZ=1, because it
// has no `main` of its own (libFuzzer's, from `-sanitize=fuzzer`, is linked in) and so cannot be
// part of a normal `swift build`.
if ProcessInfo.processInfo.environment["FACTORYLOG_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "FactorylogFuzz", dependencies: ["Ingest", "Analyze"], path: "Fuzz/FactorylogFuzz",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    package.products.append(.executable(name: "FactorylogFuzz", targets: ["FactorylogFuzz"]))
}
