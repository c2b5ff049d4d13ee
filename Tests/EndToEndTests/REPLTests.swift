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

    /// On a colour terminal (xterm-256color, NO_COLOR unset), read off the screen a terminal
    /// emulator renders (Tests/Terminal/repl_screen.py, pyte): the prompt is clean and bold with
    /// the cursor after it, results, completion, history and Ctrl-C draw where they belong.
    func testREPLOnAColourTerminalAsTheScreenShowsIt() throws {
        let venv = try runProgram("/usr/bin/env", ["bash", packageRoot + "/tools/sdk-venv.sh"], timeout: 600)
        XCTAssertEqual(venv.status, 0, venv.stderr)
        let python = venv.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let state = NSTemporaryDirectory() + "bkup-screen-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let r = try runProgram(python, [packageRoot + "/Tests/Terminal/repl_screen.py", bkupUnderTest, state], timeout: 300)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for line in lines where line.hasPrefix("FAIL") { XCTFail(line) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, 6, r.stdout + r.stderr)
    }

    func testPipedInputRunsAsAScript() throws {
        let r = try runTool([], stdin: "x = 40\nprint(x + 2)\n")
        XCTAssertEqual(r.stdout, "42\n")
        XCTAssertEqual(r.status, 0)
    }
}
