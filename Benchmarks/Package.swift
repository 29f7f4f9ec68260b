// swift-tools-version: 6.1
// Benchmarks for factorylog's ingest path, kept out of the root package so `make test` never
// builds them. Run `Benchmarks/bench.sh` (or `make bench`).
import PackageDescription

let package = Package(
    name: "factorylog-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package, whatever its checkout directory is called.
        .package(name: "factorylog", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "flbench",
            dependencies: [.product(name: "Ingest", package: "factorylog")],
            path: "Sources/flbench"
        )
    ]
)
