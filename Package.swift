// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "bkup",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bkup", targets: ["bkup"]),
        .library(name: "BkupKit", targets: ["BkupKit"]),
        .library(name: "LuaRuntime", targets: ["LuaRuntime"]),
        .library(name: "BackupsClient", targets: ["BackupsClient"]),
        .library(name: "BackupsEmulator", targets: ["BackupsEmulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // System libraries (Debian: liblua5.4-dev, libedit-dev).
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CEditline", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // The only code allowed to raise or yield in Lua.
        .target(name: "CLuaBridge", dependencies: ["CLua"]),
        // libedit glue for the REPL (el_set and friends are variadic: Swift cannot call them).
        .target(name: "CLineEdit", dependencies: ["CEditline"]),
        // stdio glue for the command: streams whose bytes pass through a filter (redaction).
        .target(name: "CStdio"),
        // JSON values and text: shared by the Lua runtime, the client and the emulator.
        .target(name: "BkupJSON"),
        .target(name: "LuaRuntime", dependencies: ["CLuaBridge", "CLua", "BkupJSON"]),
        // The contract of api/wire-facts.md as types: models, Query, ID, validation, cron.
        .target(name: "BackupsModels", dependencies: ["BkupJSON"]),
        .target(
            name: "BackupsClient",
            dependencies: [
                "BackupsModels", "BkupJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .target(
            name: "BackupsEmulator",
            dependencies: [
                "BackupsModels", "BkupJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(name: "lua-embed", path: "Sources/lua-embed"),
        .plugin(name: "EmbedStdlib", capability: .buildTool(), dependencies: ["lua-embed"]),
        .target(
            name: "BkupKit",
            dependencies: ["LuaRuntime", "BackupsClient", "BackupsModels", .product(name: "Logging", package: "swift-log")],
            plugins: ["EmbedStdlib"]),
        .executableTarget(
            name: "bkup",
            dependencies: ["BkupKit", "LuaRuntime", "BackupsClient", "BackupsEmulator", "CEditline", "CLineEdit", "CStdio"]),
        .executableTarget(name: "BkupEmbedExample", dependencies: ["BkupKit", "LuaRuntime", "BackupsClient"], path: "Sources/BkupEmbedExample"),
        .executableTarget(
            name: "bkup-bench",
            dependencies: ["LuaRuntime", "BackupsClient", "BkupKit", "BackupsEmulator", "BkupJSON"],
            path: "Benchmarks/bkup-bench"),

        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime", "CLuaBridge", "CLua"]),
        .testTarget(name: "BackupsModelsTests", dependencies: ["BackupsModels"]),
        // Shared by the test targets: a raw HTTP helper for the emulator and its control API.
        .target(
            name: "BkupTestSupport",
            dependencies: [
                "BackupsEmulator", "BkupJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/Support"),
        .testTarget(
            name: "BackupsClientTests",
            dependencies: ["BackupsClient", "BackupsEmulator", "BackupsModels", "BkupJSON", "BkupTestSupport",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "BackupsEmulatorTests",
            dependencies: ["BackupsEmulator", "BackupsClient", "BackupsModels", "BkupJSON", "BkupTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "BkupKitTests", dependencies: ["BkupKit", "BackupsEmulator", "BackupsModels", "LuaRuntime", "BkupTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["bkup", "BkupEmbedExample", "BkupJSON", "BkupTestSupport"], exclude: ["repl_pty.py"]),
    ],
    swiftLanguageModes: [.v6]
)
