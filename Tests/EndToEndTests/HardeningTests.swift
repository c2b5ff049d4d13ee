import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What broke when bkup was tried as an attacker and a careless user would: limits that did
/// not hold, a key that leaked, garbage taken as success.
final class HardeningTests: XCTestCase {
    /// Code that Lua's hook cannot stop: a finalizer (hooks are off while it runs), a message
    /// handler (entered with hooks off after the hook raised), a C function that never returns.
    static let unstoppable = [
        "setmetatable({}, {__gc = function() while true do end end})",
        "setmetatable({}, {__gc = function() while true do end end}) collectgarbage()",
        "xpcall(error, function() while true do end end)",
        "error(setmetatable({}, {__tostring = function() while true do end end}))",
        #"string.find(string.rep("a", 3000), string.rep("a*", 20) .. "b")"#,
    ]

    func testEveryLimitHoldsForCodeTheHookCannotReach() throws {
        for code in Self.unstoppable {
            for (flags, words) in [(["--timeout", "1"], "time limit exceeded"), (["--max-instructions", "1e6"], "instruction limit exceeded")] {
                let r = try runTool(flags + ["-e", code], timeout: 60)
                XCTAssertEqual(r.status, 1, "\(flags) \(code): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(words), "\(flags) \(code): \(r.stderr)")
            }
        }
    }

    func testTheGuardPrintsTheDryRunSummaryWhenItEndsTheProcess() throws {
        let r = try runTool(["--timeout", "1", "--dry-run", "-e", """
            backups.policies.create{id = "p1", services = {"databases"}, retention = 1, schedule = "@daily"}
            \(Self.unstoppable[4])
            """], timeout: 60)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("time limit exceeded"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did not stop within 2 s"), r.stderr)
        XCTAssertTrue(r.stderr.contains("dry run: 1 create, 0 updates, 0 deletes planned"), r.stderr)
    }

    /// Ctrl-C during a C function: the interrupt cannot reach it, the guard ends the run.
    func testCtrlCHoldsToo() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bkupUnderTest)
        p.arguments = ["-e", "print('started') io.stdout:flush() " + Self.unstoppable[4]]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = PipeCollector(out), stderr = PipeCollector(err)
        XCTAssertNotNil(stdout.waitFor("started", seconds: 30))
        p.interrupt()
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertTrue(stderr.wait(seconds: 5).contains("interrupted!"), stderr.text)
    }

    func testJSONDecodeAnswersToTheMemoryCapAndTheDeadline() throws {
        let memory = try runTool(["--max-memory", "16M", "-e", #"local t = json.decode("[" .. string.rep("[],", 2000000) .. "[]]")"#])
        XCTAssertEqual(memory.status, 1)
        XCTAssertTrue(memory.stderr.contains("memory limit exceeded"), memory.stderr)
        let time = try runTool(["--timeout", "0.5", "-e", """
            local s = "[" .. string.rep("1,", 3000000) .. "1]"
            while true do json.decode(s) end
            """], timeout: 60)
        XCTAssertEqual(time.status, 1)
        XCTAssertTrue(time.stderr.contains("time limit exceeded"), time.stderr)
        XCTAssertFalse(time.stderr.contains("did not stop"), "stopped inside the decode, not by the guard: \(time.stderr)")
    }

    /// The key never leaves, whoever wrote the text that carries it: the script, the service,
    /// a proxy echoing the request's headers.
    func testTheKeyNeverLeaves() throws {
        let key = "standard_abcdef0123456789"  // a valid ID too, so that it can reach a URL path
        let server = try ServeProcess(["--in-memory", "--key", key])
        defer { _ = server.interrupt() }
        let echo = #"{"message":"upstream refused: X-Appwrite-Key: \#(key)","code":400,"type":"proxy_error","version":"1"}"#
        let env = ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "bkup-local", "APPWRITE_API_KEY": key]
        let script = """
            local k = os.getenv("APPWRITE_API_KEY")
            print("print", k)
            io.write("io.write ", k:sub(1, 9)) io.write(k:sub(10), "\\n")
            io.stderr:write("stderr ", k:sub(1, 4)) io.stderr:write(k:sub(5), "\\n")
            warn("@on") warn("warn ", k)
            print(select(2, pcall(backups.policies.get, k)))
            local ok, err = pcall(backups.policies.list)
            print(tostring(err), err.message, err.body)
            error("boom " .. k)
            """
        let fault: JSONValue = ["next": [["path": "/v1/backups/policies", "count": 1, "status": 400, "body": .string(echo)]]]
        XCTAssertEqual(try server.request(.POST, "/emulator/faults", key: key, body: fault).status, 204)
        let r = try runTool(["--verbose", "-e", script], env: env)
        XCTAssertEqual(r.status, 1)
        for text in [r.stdout, r.stderr] {
            XCTAssertFalse(text.contains(key), text)
            XCTAssertFalse(text.contains(String(key.dropFirst(3))), text)
        }
        XCTAssertTrue(r.stdout.contains("print\t<redacted>"), r.stdout)
        XCTAssertTrue(r.stdout.contains("io.write <redacted>"), r.stdout)
        XCTAssertTrue(r.stdout.contains("upstream refused: X-Appwrite-Key: <redacted>"), r.stdout)
        XCTAssertTrue(r.stderr.contains("stderr <redacted>"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Lua warning: warn <redacted>"), r.stderr)
        XCTAssertTrue(r.stderr.contains("GET /backups/policies/<redacted>"), r.stderr)
        XCTAssertTrue(r.stderr.contains("boom <redacted>"), r.stderr)

        // A --sandbox script cannot read the key; a server that echoes it hands it over redacted.
        XCTAssertEqual(try server.request(.POST, "/emulator/faults", key: key, body: fault).status, 204)
        let sandboxed = try runTool(["--sandbox", "-e", "local ok, err = pcall(backups.policies.list) print(tostring(err))"], env: env)
        XCTAssertEqual(sandboxed.stdout, "proxy_error (400): upstream refused: X-Appwrite-Key: <redacted>\n", sandboxed.stderr)
    }

    /// A key file with a second line (a pasted KEY=... line): refused before any request,
    /// without printing it, and never retried.
    func testAKeyThatCannotBeAHeaderIsRefusedUnprinted() throws {
        let server = try ServeProcess(["--in-memory", "--key", "standard_0123456789abcdef"])
        defer { _ = server.interrupt() }
        let file = NSTemporaryDirectory() + "bkup-key-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "standard_0123456789abcdef\nKEY=standard_0123456789abcdef\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try runTool(["--endpoint", server.url, "--project", "bkup-local", "--key-file", file, "-e", "backups.policies.list()"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("the API key has a line break at byte 26 of"), r.stderr)
        XCTAssertFalse(r.stderr.contains("0123456789abcdef"), r.stderr)
        XCTAssertFalse(r.stderr.contains("attempt"), "not retried: \(r.stderr)")
        let stats = try server.request(.GET, "/emulator/stats", key: "standard_0123456789abcdef")
        XCTAssertTrue(stats.text.contains(#""requests":0"#), stats.text)
    }

    /// A 200 with an empty body, `null`, or JSON of the wrong shape is an error, and audit.lua
    /// exits non-zero instead of reporting green.
    func testGarbageIsNotSuccess() throws {
        let key = "standard_0123456789abcdef"
        let server = try ServeProcess(["--in-memory", "--seed", "2", "--key", key])
        defer { _ = server.interrupt() }
        let env = ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "bkup-local", "APPWRITE_API_KEY": key]
        for (body, words) in [("", "an empty body where a record was expected"), ("null", "null where a list of policies was expected"),
                              (#"{"total":1}"#, "a list without its 'policies' array"),
                              (#"{"total":1,"policies":[{"name":"x"}]}"#, "item #1 of 'policies': a record without a '$id'"),
                              ("<html>OK</html>", "a body that is not JSON")]
        {
            let fault: JSONValue = ["next": [["path": "/v1/backups/policies", "count": 5, "status": 200, "body": .string(body)]]]
            XCTAssertEqual(try server.request(.POST, "/emulator/faults", key: key, body: fault).status, 204)
            let r = try runTool([packageRoot + "/scripts/audit.lua"], env: env)
            XCTAssertEqual(r.status, 1, "\(body): \(r.stdout)")
            XCTAssertFalse(r.stdout.contains("no problems"), r.stdout)
            XCTAssertTrue(r.stderr.contains("general_server_error (200)"), r.stderr)
            if !body.isEmpty && body != "<html>OK</html>" { XCTAssertTrue(r.stderr.contains(words), "\(body): \(r.stderr)") }
            try server.request(.POST, "/emulator/faults", key: key, body: ["clear": true])
        }
    }

    /// An embedder runs a script it did not write in a child process: whatever the script does,
    /// it ends, its printed lines and its stop come back, and the embedder is unharmed.
    func testIsolatedRunEndsWhatNoHookCanStop() throws {
        var config = HostConfiguration()
        config.limits = RunLimits(timeout: 1)
        config.sandbox = true
        let run = IsolatedRun(executable: bkupUnderTest, configuration: config)
        let lines = LockedLines()
        let stuck = try run.run(string: "print('before') " + Self.unstoppable[4], output: { lines.add($0) })
        XCTAssertEqual(stuck.exitStatus, 1)
        XCTAssertEqual(stuck.stop, .timeout, "\(stuck)")
        XCTAssertEqual(stuck.output, ["before"])
        XCTAssertEqual(lines.all, ["before"])
        let fine = try run.run(string: "print(io == nil, ...) return 42, 'x', {a = 1}", args: ["one"])
        XCTAssertEqual(fine.exitStatus, 0, fine.errorOutput)
        XCTAssertEqual(fine.output, ["true\tone"])
        XCTAssertEqual(fine.results, [42, "x", ["a": 1]])
        XCTAssertNil(fine.stop)
        let failed = try run.run(string: "error('nope')")
        XCTAssertEqual(failed.exitStatus, 1)
        XCTAssertEqual(failed.error, "stdin:1: nope")
        XCTAssertNil(failed.stop)
        // Every setting reaches the child, --ca-file and --endpoint-concurrency too: a child that
        // cannot read its authority file says so as bad usage.
        var tls = config
        tls.caFile = NSTemporaryDirectory() + "no-such-authority-\(UUID().uuidString).pem"
        tls.endpointConcurrency = 2
        tls.verbose = true
        let refused = try IsolatedRun(executable: run.executable, configuration: tls).run(string: "print('ran')")
        XCTAssertEqual(refused.exitStatus, 2, refused.errorOutput)
        XCTAssertTrue(refused.errorOutput.contains("--ca-file: cannot read"), refused.errorOutput)
        tls.caFile = nil
        let e = try EmulatorHarness.startBlocking()
        defer { try? e.blocking { await e.stop() } }
        tls.connection = ConnectionSettings(endpoint: e.url, project: e.project, apiKey: APIKey(e.key))
        let verbose = try IsolatedRun(executable: run.executable, configuration: tls).run(string: "print(#backups.policies.list().policies >= 0)")
        XCTAssertEqual(verbose.output, ["true"], verbose.errorOutput)
        XCTAssertTrue(verbose.errorOutput.contains("GET /backups/policies 200 attempt=1"), "--verbose reached the child: \(verbose.errorOutput)")
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
