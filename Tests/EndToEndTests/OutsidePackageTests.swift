import BkupTestSupport
import Foundation
import XCTest

/// An ops team's own package (Tests/OutsidePackage/OpsTool: swift-tools-version 6.0, BkupKit by
/// path, swift-argument-parser) built as a consumer builds it and run against the emulator: a
/// module of sync and async Swift functions, a typed error caught in Swift, a run cancelled from
/// Swift, the key from a file. Its build shows no warning from bkup's sources (a warning is
/// printed when its file is compiled: a fresh clone compiles them all; later runs, the changed
/// ones). The DocC article shows this package's code, and the test holds it to that.
///
/// The package is copied into a folder of the temporary directory beside a link named `bkup` to
/// this clone (the package identity of a path dependency is its folder's name; a link inside the
/// clone would send tools that walk it, luacheck among them, round in circles), and builds into
/// `.build/outside/scratch`, which later runs build incrementally; the packages come from SwiftPM's
/// shared cache.
final class OutsidePackageTests: XCTestCase {
    static let source = packageRoot + "/Tests/OutsidePackage/OpsTool"
    /// One folder per clone, the same on every run (FNV-1a of the clone's path).
    static let workspace = NSTemporaryDirectory() + "bkup-outside-"
        + String(packageRoot.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 36)
    static let scratch = packageRoot + "/.build/outside/scratch"

    func testAnOutsidePackageBuildsAgainstBkupKitByPathAndRuns() throws {
        try layOut()
        let started = Date()
        let build = try runProgram("/usr/bin/env", ["swift", "build", "--package-path", Self.workspace + "/OpsTool",
                                                    "--scratch-path", Self.scratch], timeout: 3000)
        let log = build.stdout + build.stderr
        print("outside package: swift build took \(Int(Date().timeIntervalSince(started))) s")
        XCTAssertEqual(build.status, 0, log)
        XCTAssertEqual(Self.ourWarnings(in: log), [], "warnings from bkup's sources or the tool's own")
        guard build.status == 0 else { return }

        let e = try EmulatorHarness.startBlocking(seed: 3)
        defer { try? e.blocking { await e.stop() } }
        let keys = NSTemporaryDirectory() + "bkup-outside-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        XCTAssertTrue(FileManager.default.createFile(atPath: keys + "/key", contents: Data((e.key + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600]))

        let run = try runProgram(Self.scratch + "/debug/OpsTool",
                                 ["--endpoint", e.url, "--project", e.project, "--key-file", keys + "/key"], timeout: 120)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.stdout, """
            audit: told 3 owners, ok=false
            printed: audit: 3 problems (3 unprotected)
            notified: payments: unprotected db-0001
            notified: search: unprotected db-0002
            notified: identity: unprotected db-0003
            typed error: owner_unknown 404 no team owns db-0099
            cancelled: yes, after ["waiting"]
            again: 3 databases

            """)
        XCTAssertFalse(run.stdout.contains(e.key) || run.stderr.contains(e.key))
    }

    /// The article "Embedding bkup in your package" shows the package as it is.
    func testTheArticleShowsThePackageAsItIs() throws {
        let article = try String(contentsOfFile: packageRoot + "/Sources/BkupKit/BkupKit.docc/EmbeddingInYourPackage.md", encoding: .utf8)
        let manifest = try String(contentsOfFile: Self.source + "/Package.swift", encoding: .utf8)
        let code = try String(contentsOfFile: Self.source + "/Sources/OpsTool/OpsTool.swift", encoding: .utf8)
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] + "\n" }
        XCTAssertTrue(blocks.contains(manifest), "the article's Package.swift is Tests/OutsidePackage/OpsTool/Package.swift")
        let excerpts = blocks.filter { $0.hasPrefix("// Sources/OpsTool/OpsTool.swift") }
        XCTAssertGreaterThan(excerpts.count, 2)
        for excerpt in excerpts {
            let body = excerpt.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
            XCTAssertTrue(code.contains(body), "the article quotes OpsTool.swift as it is:\n\(body)")
        }
    }

    /// `bkup` → this clone, and a copy of the package beside it (rewritten only where it
    /// changed, so that a later build is incremental).
    func layOut() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: Self.workspace, withIntermediateDirectories: true)
        let link = Self.workspace + "/bkup"
        if (try? fm.destinationOfSymbolicLink(atPath: link)) != packageRoot {
            try? fm.removeItem(atPath: link)
            try fm.createSymbolicLink(atPath: link, withDestinationPath: packageRoot)
        }
        for file in ["Package.swift", "Sources/OpsTool/OpsTool.swift"] {
            let from = Self.source + "/" + file, to = Self.workspace + "/OpsTool/" + file
            let data = try Data(contentsOf: URL(fileURLWithPath: from))
            if fm.contents(atPath: to) != data {
                try fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: to))
            }
        }
    }

    /// Compiler warnings in bkup's sources or the tool's (not in the packages they depend on),
    /// and SwiftPM's warnings about either package.
    static func ourWarnings(in log: String) -> [String] {
        let ours = [packageRoot + "/Sources/", workspace + "/bkup/", workspace + "/OpsTool/"]
        return log.split(separator: "\n").map(String.init).filter { line in
            if line.hasPrefix("warning: 'bkup'") || line.hasPrefix("warning: 'opstool'") { return true }
            guard line.contains(": warning:") else { return false }
            return ours.contains { line.hasPrefix($0) }
        }
    }
}
