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
        try runScreenScenarios("repl_screen.py", expecting: 6)
    }

    /// Issue 32, read off the screen (Tests/Terminal/repl_fits.py, pyte): results a screenful at
    /// a time and `it`, cursors paged, records as tables and fields, completion of the whole API,
    /// use(), help() of everything wrapped on words, tracebacks without the REPL's frames,
    /// connections as their tostring, one `interrupted!` per Ctrl-C.
    func testREPLAtMongoshsLevelAsTheScreenShowsIt() throws {
        try runScreenScenarios("repl_fits.py", expecting: 10)
    }

    /// Runs a Tests/Terminal script (pyte, from tools/sdk-venv.sh) against the binary under test:
    /// each scenario prints `ok NAME` or `FAIL NAME: why`.
    private func runScreenScenarios(_ script: String, expecting count: Int) throws {
        let venv = try runProgram("/usr/bin/env", ["bash", packageRoot + "/tools/sdk-venv.sh"], timeout: 600)
        XCTAssertEqual(venv.status, 0, venv.stderr)
        let python = venv.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let state = NSTemporaryDirectory() + "bkup-screen-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let r = try runProgram(python, [packageRoot + "/Tests/Terminal/" + script, bkupUnderTest, state], timeout: 600)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for line in lines where line.hasPrefix("FAIL") { XCTFail(line) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, count, r.stdout + r.stderr)
    }

    /// help() is made from the editor types, which testTypesMatchTheRuntime compares with the
    /// runtime: every declared function has its entry and its place in help(), every extra
    /// paragraph belongs to a declared name, and the text keeps to the width asked for.
    func testHelpCoversEveryDeclaredName() throws {
        let r = try runTool(["-e", """
            local help, types = require("bkup.help"), require("bkup.apitypes").index()
            local overview, n, bad = help.overview(60), 0, {}
            for _, name in ipairs(types.order) do
              local e = types.entries[name]
              if e.kind == "function" then
                n = n + 1
                local text = help.text(name, 50)
                local short = name:match("([^.:]+)$")
                if not text then bad[#bad + 1] = "no entry: " .. name end
                if not overview:find(short, 1, true) then bad[#bad + 1] = "not in help(): " .. name end
                for line in (text or ""):gmatch("[^\\n]+") do
                  -- Wider only for a word longer than the room after its label.
                  local body = line:gsub("^%s*types: ", ""):gsub("^%s+", "")
                  if utf8.len(line) > 50 and body:find(" ", 1, true) then bad[#bad + 1] = "wider than 50: " .. line end
                end
              end
            end
            for name in pairs(help.notes) do
              if not types.entries[name] then bad[#bad + 1] = "a note for an undeclared name: " .. name end
            end
            for line in overview:gmatch("[^\\n]+") do
              if utf8.len(line) > 60 then bad[#bad + 1] = "overview wider than 60: " .. line end
            end
            print(table.concat(bad, "\\n"))
            print("compared " .. n)
            """], env: ["NO_COLOR": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("\ncompared "), r.stdout)
        XCTAssertGreaterThan(Int(r.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0, 90, r.stdout)
    }

    func testPipedInputRunsAsAScript() throws {
        let r = try runTool([], stdin: "x = 40\nprint(x + 2)\n")
        XCTAssertEqual(r.stdout, "42\n")
        XCTAssertEqual(r.status, 0)
    }
}
