// swift-tools-version:6.0
import PackageDescription

// Start-up: a concrete generic type's metadata is fetched by its accessor, with the witness
// tables the compiler already knows, instead of by mangled name: the mangled-name path checks
// generic requirements at run time, and each check scans every protocol conformance in the
// binary (~9,000 in a static bkup, ~0.2 ms a scan).
let fastStart: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]

// Coverage-guided fuzzing (tools/fuzz.sh). With BKUP_FUZZ_RUNTIME set to libFuzzer's runtime
// without its main (the toolchain's libclang_rt.fuzzer_no_main), bkup's own modules are compiled
// with libFuzzer's coverage instrumentation, every executable that links them (the stdlib
// embedder, the driver) gets that runtime, and the driver `bkup-fuzz` is a product. The
// dependencies (NIO, Hummingbird, GRDB, AsyncHTTPClient) are not instrumented: the parsers under
// test are bkup's, and instrumenting everything made the cold fuzz build longer than CI allows.
let fuzzRuntime = Context.environment["BKUP_FUZZ_RUNTIME"].flatMap { $0.isEmpty ? nil : $0 }
let instrumented: [SwiftSetting] = fuzzRuntime == nil ? [] : [.unsafeFlags(["-sanitize=fuzzer"])]
let fuzzLinked: [LinkerSetting] = fuzzRuntime.map { [.unsafeFlags(["-Xlinker", $0, "-lstdc++"])] } ?? []
let fuzzDriver: [Target] = fuzzRuntime == nil ? [] : [
    .executableTarget(name: "bkup-fuzz", dependencies: ["BkupFuzzTargets"], path: "Tests/Fuzz/Driver",
                      swiftSettings: instrumented, linkerSettings: fuzzLinked),
]

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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries (Debian: liblua5.4-dev; libedit-dev for CLineEdit's header).
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        // The only code allowed to raise or yield in Lua.
        .target(name: "CLuaBridge", dependencies: ["CLua"]),
        // libedit glue for the REPL (el_set and friends are variadic: Swift cannot call them). It
        // opens libedit.so.2 on first use: not linked, so that a script does not load it.
        .target(name: "CLineEdit"),
        // stdio glue for the command: streams whose bytes pass through a filter (redaction).
        .target(name: "CStdio"),
        // JSON values and text: shared by the Lua runtime, the client and the emulator.
        .target(name: "BkupJSON", swiftSettings: fastStart + instrumented),
        .target(name: "LuaRuntime", dependencies: ["CLuaBridge", "CLua", "BkupJSON"], swiftSettings: fastStart),
        // The contract of docs/wire-facts.md as types: models, Query, ID, validation, cron.
        .target(name: "BackupsModels", dependencies: ["BkupJSON"], swiftSettings: fastStart + instrumented),
        .target(
            name: "BackupsClient",
            dependencies: [
                "BackupsModels", "BkupJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: fastStart + instrumented),
        .target(
            name: "BackupsEmulator",
            dependencies: [
                "BackupsModels", "BkupJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: fastStart + instrumented),
        // The command line as a tree of commands, their options, help and the man page. Its one
        // dependency is the reader of numbers from outside, so a flag reads numbers as a body does.
        .target(name: "BkupCommandLine", dependencies: ["BackupsModels"], swiftSettings: fastStart),
        .executableTarget(name: "lua-embed", dependencies: ["LuaRuntime"], path: "Sources/lua-embed", linkerSettings: fuzzLinked),
        .plugin(name: "EmbedStdlib", capability: .buildTool(), dependencies: ["lua-embed"]),
        .target(
            name: "BkupKit",
            dependencies: ["LuaRuntime", "BackupsClient", "BackupsModels", "BkupCommandLine", .product(name: "Logging", package: "swift-log")],
            swiftSettings: fastStart + instrumented,
            plugins: ["EmbedStdlib"]),
        .executableTarget(
            name: "bkup",
            dependencies: ["BkupKit", "BkupCommandLine", "BkupJSON", "LuaRuntime", "BackupsClient", "BackupsEmulator", "BackupsModels", "CLineEdit", "CStdio",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: fastStart,
            // Release builds start faster without exported symbols (the Swift runtime's dladdr at
            // start-up scans them all) and without position independence (no relocations to
            // apply). tools/build-release.sh adds the static Swift runtime and drops $ORIGIN.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic", "-Xclang-linker", "-no-pie"], .when(configuration: .release))],
            plugins: ["EmbedStdlib"]),
        .executableTarget(
            name: "BkupEmbedExample",
            dependencies: ["BkupKit", "BkupJSON", "LuaRuntime", "BackupsClient", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/BkupEmbedExample"),
        .executableTarget(
            name: "bkup-bench",
            dependencies: ["LuaRuntime", "BackupsClient", "BkupKit", "BackupsEmulator", "BkupJSON"],
            path: "Benchmarks/bkup-bench"),

        // The fuzz targets (libFuzzer drives them through bkup-fuzz; FuzzReplayTests replays the
        // committed corpus and every kept crash input through them).
        .target(name: "BkupFuzzTargets", dependencies: ["BkupKit", "BackupsClient", "BackupsEmulator", "BackupsModels", "BkupJSON"],
                path: "Tests/Fuzz/Targets", swiftSettings: instrumented),
        .testTarget(name: "FuzzReplayTests", dependencies: ["BkupFuzzTargets"]),

        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime", "CLuaBridge", "CLua"]),
        .testTarget(name: "BackupsModelsTests", dependencies: ["BackupsModels"]),
        .testTarget(name: "BkupCommandLineTests", dependencies: ["BkupCommandLine"]),
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
        .testTarget(name: "BkupKitTests", dependencies: ["BkupKit", "BkupCommandLine", "BackupsEmulator", "BackupsModels", "LuaRuntime", "BkupTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["bkup", "BkupEmbedExample", "BkupJSON", "BkupTestSupport"], exclude: ["repl_pty.py", "confirm_pty.py", "tls_proxy.py", "types_walk.lua", "full_listener.py", "web_server.py", "png_colors.py"]),
    ] + fuzzDriver,
    swiftLanguageModes: [.v6]
)
