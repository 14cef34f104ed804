// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Gongfu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gongfu", targets: ["GongfuCLI"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "Domain", targets: ["Domain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        /// liblz4 (frame API), from Debian's liblz4-dev.
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        /// OpenSSL's libcrypto (SHA-256 for the Merkle tree), from Debian's libssl-dev.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        /// jemalloc, from Debian's libjemalloc-dev: the executables' allocator.
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        /// Process-wide SQLite settings Swift cannot make itself (sqlite3_config is variadic).
        .target(
            name: "CSQLiteSettings",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        /// CRC-32 by carry-less multiplication (x86-64 PCLMULQDQ), checked at run time; the
        /// log's trailers and index records are checked with it.
        .target(name: "CCRC32"),
        /// Links jemalloc into an executable that depends on it, and names it.
        .target(
            name: "Allocator",
            dependencies: ["CJemalloc"]
        ),
        /// The append-only, LZ4-framed, Merkle-hashed event log. Knows nothing of the domain.
        .target(
            name: "EventLog",
            dependencies: [
                "CCRC32",
                "CLZ4",
                "CLibCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The plan's domain: identifiers (USCC), reference data, and (next) the event catalogue
        /// and its rules. Reference data are JSON files in Resources/, not code.
        .target(
            name: "Domain",
            dependencies: ["EventLog"],
            resources: [.process("Resources")]
        ),
        /// Projection workers and the SQLite read models they maintain (pending library, project
        /// library, coverage, ledger, providers, benchmarks, programme metrics), and their queries.
        .target(
            name: "Projections",
            dependencies: [
                "EventLog", "Domain", "CSQLiteSettings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The demo province: a deterministic generator of a realistic history, appended through
        /// the same validated path as every other writer.
        .target(
            name: "DemoProvince",
            dependencies: ["EventLog", "Domain"]
        ),
        /// Bearer tokens and what each role may see and write (shared by the daemon and the CLI).
        .target(
            name: "Access",
            dependencies: [
                "Domain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        /// The auditor's tools: verification, provenance of figures, diffs between points,
        /// exports a third party can verify with standard tools, and the annual report.
        .target(
            name: "Audit",
            dependencies: [
                "EventLog", "Domain", "Projections", "Dashboard",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Resources/verify_export.py")]
        ),
        /// The officials' dashboard: a Chinese HTML page with server-drawn SVG charts.
        .target(
            name: "Dashboard",
            dependencies: ["Projections", "Domain"]
        ),
        /// The query daemon: the HTTP API (Hummingbird 2), the projection worker and the log as
        /// services in one ServiceGroup.
        .target(
            name: "Server",
            dependencies: [
                "EventLog", "Domain", "Projections", "Access", "Dashboard", "Audit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The `gongfu` command-line tool.
        .executableTarget(
            name: "GongfuCLI",
            dependencies: [
                "Allocator", "EventLog", "Domain", "Projections", "DemoProvince", "Access", "Server", "Audit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// Log append/read benchmark with a SQLite baseline side by side (run by tools/bench-log.sh).
        .executableTarget(
            name: "LogBenchmark",
            dependencies: [
                "Allocator", "EventLog",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        /// Projection rebuild and catch-up benchmark against a plain read of the log (tools/bench-projections.sh).
        .executableTarget(
            name: "ProjectionBenchmark",
            dependencies: ["Allocator", "EventLog", "Domain", "Projections", "DemoProvince", .product(name: "Logging", package: "swift-log")]
        ),
        /// A child process for the crash tests: appends in a loop and acknowledges each batch.
        .executableTarget(
            name: "CrashAppender",
            dependencies: ["EventLog"],
            path: "Tests/CrashAppender"
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Domain", "EventLog"]
        ),
        /// Helpers the test targets share: temporary directories, the built products, running them.
        .target(
            name: "TestSupport",
            dependencies: ["EventLog", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "ProjectionTests",
            dependencies: [
                "Projections", "DemoProvince", "Domain", "EventLog", "GongfuCLI", "TestSupport", "Audit",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Access", "Dashboard", "Projections", "DemoProvince", "Domain", "EventLog", "GongfuCLI", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: [
                "EventLog", "CrashAppender", "GongfuCLI", "TestSupport", "DemoProvince",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
