import BkupTestSupport
import Foundation
import XCTest

/// Messages begin with argv[0] as in lua.c: the binary's path, as Process starts it.
var bkupName: String { bkupUnderTest }

final class CommandLineTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testArgumentsAsLuaGivesThem() throws {
        let script = try write("args.lua", "#!/usr/bin/env bkup\nprint(#arg, arg[0] == ..., arg[1], arg[2], arg[-1], select('#', ...), ...)")
        let r = try runTool(["-e", "x = 1", script, "a", "b c"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "2\tfalse\ta\tb c\tx = 1\t2\ta\tb c\n")
        let dashdash = try runTool(["--", script, "z"])
        XCTAssertTrue(dashdash.stdout.hasPrefix("1\tfalse\tz\tnil\t--"), dashdash.stdout)
    }

    func testDashEIsRepeatableAndRunsInOrder() throws {
        let r = try runTool(["-e", "x = 20", "-e", "print(x + 1)", "-e", "io.write('done\\n')"])
        XCTAssertEqual(r.stdout, "21\ndone\n")
        XCTAssertEqual(r.status, 0)
    }

    func testStdinAndRequireOption() throws {
        let r = try runTool(["-l", "a=args", "-", "one"], stdin: "print(type(a.parse), ...)")
        XCTAssertEqual(r.stdout, "function\tone\n", r.stderr)
        let piped = try runTool([], stdin: "print('from a pipe')")
        XCTAssertEqual(piped.stdout, "from a pipe\n", piped.stderr)
        let missing = try runTool(["-l", "no.such.module"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("module 'no.such.module' not found"), missing.stderr)
    }

    /// What a script does not use, it does not load: libedit (the REPL's) stays out of the
    /// process; bkup's own Lua loads from the bytecode built into it, and still names its
    /// files and lines in a traceback.
    func testAScriptLoadsNeitherLibeditNorLuaSourceItDoesNotNeed() throws {
        let r = try runTool(["-e", """
            local maps = io.open("/proc/self/maps"):read("a")
            print(maps:find("libedit", 1, true) == nil)
            local ok, err = pcall(backups.rotate, 42)
            print(ok, (tostring(err):gsub("\\n.*", "")))
            print(select(2, xpcall(require("bkup.args").parse, debug.traceback, 42)):find("stdlib/bkup/args.lua:%d+") ~= nil)
            print(pcall(require, "backups._prelude"))
            """])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "true", "libedit is not loaded by a script")
        XCTAssertTrue(lines.count > 2 && lines[1].hasPrefix("false\t"), r.stdout)
        XCTAssertTrue(lines.count > 2 && lines[2] == "true", "tracebacks name stdlib files and lines: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("module 'backups._prelude' not found"), "the host's own chunks are not modules: \(r.stdout)")
    }

    func testVersion() throws {
        let r = try runTool(["-v"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.hasPrefix("bkup 0.2.0\nLua 5.4."), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("Lua.org, PUC-Rio\n"), "as lua -v: \(r.stdout)")
    }

    func testScriptErrorsPrintMessageAndTracebackAndExit1() throws {
        let script = try write("fail.lua", "local x = 1\nlocal function f()\n  error('nope')\nend\nf()\n")
        let r = try runTool([script])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix(bkupName + ": \(script):3: nope\nstack traceback:\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(script):5: in main chunk"), r.stderr)
        let syntax = try runTool(["-e", "x = = 1"])
        XCTAssertEqual(syntax.status, 1)
        XCTAssertTrue(syntax.stderr.hasPrefix(bkupName + ": (command line):1: unexpected symbol near '='"), syntax.stderr)
        let table = try runTool(["-e", "error({})"])
        XCTAssertTrue(table.stderr.hasPrefix(bkupName + ": (error object is a table value)"), table.stderr)
        let missing = try runTool([dir + "/nothing.lua"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("cannot open \(dir!)/nothing.lua"), missing.stderr)
    }

    func testBadUsageExits2() throws {
        for args in [["-x"], ["-e"], ["--concurrency", "zero"], ["--endpoint"], ["serve", "--port", "http"]] {
            let r = try runTool(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("usage: ") && r.stderr.contains("bkup"), r.stderr)
        }
    }

    func testOsExitAndIo() throws {
        let r = try runTool(["-e", "io.stderr:write('err\\n') io.write('out ') print(os.getenv('HOME') ~= nil) os.exit(3)"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stdout, "out true\n")
        XCTAssertEqual(r.stderr, "err\n")
    }

    func testLimitFlagsStopScriptsWithAClearError() throws {
        let loop = try runTool(["--timeout", "0.3", "-e", "while true do pcall(function() while true do end end) end"])
        XCTAssertEqual(loop.status, 1)
        XCTAssertTrue(loop.stderr.hasPrefix(bkupName + ": time limit exceeded: the script ran past its deadline of 0.3 s (--timeout)\nstack traceback:"), loop.stderr)
        let count = try runTool(["--max-instructions", "10000", "-e", "for i = 1, 1e9 do end"])
        XCTAssertEqual(count.status, 1)
        XCTAssertTrue(count.stderr.hasPrefix(bkupName + ": instruction limit exceeded: the script ran more than 10000 instructions"), count.stderr)
        let bomb = try runTool(["--max-memory", "16M", "-e", "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1e6) .. i end"])
        XCTAssertEqual(bomb.status, 1)
        XCTAssertTrue(bomb.stderr.hasPrefix(bkupName + ": memory limit exceeded: the script needs more than 16777216 bytes (--max-memory)"), bomb.stderr)
        let tasks = try runTool(["--max-tasks", "10", "-e", "for i = 1, 100 do task.spawn(task.sleep, 5) end"])
        XCTAssertEqual(tasks.status, 1)
        XCTAssertEqual(tasks.stderr.components(separatedBy: "task limit exceeded").count, 2, "said once: \(tasks.stderr)")
        for bad in [["--timeout", "-1"], ["--max-memory", "12"], ["--max-memory", "lots"], ["--max-instructions", "0"], ["--max-tasks", "x"]] {
            let r = try runTool(bad + ["-e", "print(1)"])
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(bad[0]), r.stderr)
        }
        let fine = try runTool(["--timeout", "30", "--max-memory", "64M", "--max-instructions", "1e6", "-e", "print('within limits')"])
        XCTAssertEqual(fine.stdout, "within limits\n", fine.stderr)
    }

    func testSandboxFlag() throws {
        let r = try runTool(["--sandbox", "-e", "print(io, os.execute, os.getenv, os.exit, debug, package.loadlib, dofile, type(backups.policies.list))"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "nil\tnil\tnil\tnil\tnil\tnil\tnil\tfunction\n")
        let file = try write("user.lua", "return 1")
        let blocked = try runTool(["--sandbox", "-e", "require('user')"], env: ["LUA_PATH": dir + "/?.lua"])
        XCTAssertEqual(blocked.status, 1)
        XCTAssertTrue(blocked.stderr.contains("module 'user' not found"), blocked.stderr)
        _ = file
    }

    func testOsExitClosesTheHostCleanly() throws {
        let env = ["XDG_DATA_HOME": dir + "/data"]
        let r = try runTool(["--dry-run", "-e", "backups.policies.create{id='x', services={'databases'}, retention=1, schedule='@daily'} print('bye') os.exit(4)", "-e", "print('never')"], env: env)
        XCTAssertEqual(r.status, 4)
        XCTAssertEqual(r.stdout, "bye\n")
        XCTAssertTrue(r.stderr.hasSuffix("dry run: 1 create, 0 updates, 0 deletes planned; nothing was sent\n"), r.stderr)
        let flags = try runTool(["-e", "os.exit(true)"])
        XCTAssertEqual(flags.status, 0)
        XCTAssertEqual(try runTool(["-e", "os.exit(false)"]).status, 1)
    }

    func testEmbeddedEmulatorStartsOnFirstUseOnly() throws {
        let env = ["XDG_DATA_HOME": dir + "/data"]
        let quiet = try runTool(["-e", "print(1 + 1)"], env: env)
        XCTAssertEqual(quiet.stderr, "", "nothing starts before it is used")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/data/bkup"))
        let r = try runTool(["-e", """
            local c = backups.config
            backups.policies.create{id = "cli-1", services = {"databases"}, retention = 3, schedule = "@daily"}
            print(c.emulator, c.project, #backups.policies.list().policies)
            """], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "true\tbkup-local\t1\n")
        let notices = r.stderr.split(separator: "\n")
        XCTAssertEqual(notices.count, 1, r.stderr)
        XCTAssertTrue(notices[0].hasPrefix("bkup: no endpoint configured; using the embedded emulator at http://127.0.0.1:"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/data/bkup/emulator.sqlite"))
        let again = try runTool(["-e", "print(backups.policies.get('cli-1').retention)"], env: env)
        XCTAssertEqual(again.stdout, "3\n", "state kept under XDG_DATA_HOME")
    }

    func testAServiceErrorKillingAScriptPrintsTypeCodeAndMessage() throws {
        let r = try runTool(["-e", "backups.policies.get('missing')"], env: ["XDG_DATA_HOME": dir + "/data"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(bkupName + ": backup_policy_not_found (404): Policy with the requested ID 'missing' could not be found.\nstack traceback:"), r.stderr)
    }

    func testDryRunFromTheCommandLine() throws {
        let env = ["XDG_DATA_HOME": dir + "/data"]
        let r = try runTool(["--dry-run", "-e", "backups.policies.create{id='dry', services={'databases'}, retention=30, schedule='0 2 * * *'}"], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("+ policy dry (databases, 0 2 * * *, 30d)\n"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("dry run: 1 create, 0 updates, 0 deletes planned; nothing was sent\n"), r.stderr)
        let check = try runTool(["-e", "print(pcall(backups.policies.get, 'dry'))"], env: env)
        XCTAssertTrue(check.stdout.hasPrefix("false\tbackup_policy_not_found (404)"), check.stdout)
    }

    func testKeyFileAndTheKeyNeverShows() throws {
        let key = "sk_SUPERSECRET_123"
        let keyFile = try write("key", key + "\n")
        let r = try runTool(["--endpoint", "http://127.0.0.1:9/v1", "--project", "p", "--key-file", keyFile, "--verbose", "-e",
                         "print(backups.config.key, backups.config.endpoint) backups.policies.list()"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.hasPrefix("nil\thttp://127.0.0.1:9/v1"), r.stdout)
        XCTAssertTrue(r.stderr.contains("network_error"), r.stderr)
        XCTAssertTrue(r.stderr.contains("bkup: GET /backups/policies network_error attempt=1 "), "--verbose logs each request: \(r.stderr)")
        XCTAssertFalse((r.stdout + r.stderr).contains("SUPERSECRET"))
    }

    func testNoProgressBarWhenStderrIsNotATerminal() throws {
        let r = try runTool(["-e", "local r = task.map({1, 2, 3}, function(x) task.sleep(0.01) return x end) print(#r)"])
        XCTAssertEqual(r.stdout, "3\n")
        XCTAssertEqual(r.stderr, "", "no progress bar on a pipe")
    }

    func testEmbeddingExampleRuns() throws {
        let e = try EmulatorHarness.startBlocking(seed: 2)
        defer { try? e.blocking { await e.stop() } }
        let r = try runTool([], tool: "BkupEmbedExample", env: ["APPWRITE_ENDPOINT": e.url, "APPWRITE_PROJECT_ID": e.project, "APPWRITE_API_KEY": e.key])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertEqual(r.stdout, "disabled policies: 0\nresult: approved OPS-42 0\n")
    }
}
