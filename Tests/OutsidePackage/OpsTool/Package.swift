// swift-tools-version:6.0
import PackageDescription

// An ops team's tool that embeds bkup, as the DocC article "Embedding bkup in your package"
// builds it. `../bkup` is a clone of bkup beside this folder: with a path dependency the
// package's identity is its folder's name, so the product is BkupKit in package "bkup".
let package = Package(
    name: "OpsTool",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: "../bkup"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "OpsTool",
            dependencies: [
                .product(name: "BkupKit", package: "bkup"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)
