import Foundation
import XCTest

/// Lua 5.4.4's own test suite (Tests/LuaSuite, vendored with its licence): every file that the
/// reference interpreter passes in user mode, bkup passes too (with the sections that load
/// bytecode skipped: `_nobytecode`, Tests/LuaSuite/README.md).
final class LuaSuiteTests: XCTestCase {
    static let suite = packageRoot + "/Tests/LuaSuite"

    func testEveryFileLuaPassesBkupPasses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.suite).filter { $0.hasSuffix(".lua") && $0 != "all.lua" }.sorted()
        XCTAssertEqual(files.count, 28)
        for file in files {
            let r = try runTool(["-e", "_U=true _nobytecode=true", file], cwd: Self.suite, timeout: 300)
            XCTAssertEqual(r.status, 0, "\(file):\n\(r.stdout.suffix(1500))\n\(r.stderr.suffix(1500))")
        }
    }
}
