import Foundation
import XCTest

/// The REPL through a pseudo-terminal: the driver (Python's standard pty module) types, the
/// real binary answers.
final class REPLTests: XCTestCase {
    func testREPLThroughAPseudoTerminal() throws {
        let state = NSTemporaryDirectory() + "bkup-repl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("repl_pty.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", driver, bkupUnderTest, state]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        // A hung session must fail the test, not hang the suite.
        let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 180, execute: watchdog)
        defer { watchdog.cancel() }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, 8, text)
        for line in lines where line.hasPrefix("FAIL") { XCTFail(line) }
    }

    func testPipedInputRunsAsAScript() throws {
        let r = try runTool([], stdin: "x = 40\nprint(x + 2)\n")
        XCTAssertEqual(r.stdout, "42\n")
        XCTAssertEqual(r.status, 0)
    }
}
