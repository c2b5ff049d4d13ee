import BkupJSON
import Foundation
import XCTest

/// At home on a user's machine: help and version as every tool answers them, the man page from
/// the same tables, the built-in scripts from any directory, install and uninstall, editor types
/// that match the runtime.
final class HomeTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// The embedded emulator keeps its state under the test's own folder.
    var isolated: [String: String] { ["XDG_DATA_HOME": dir + "/data", "HOME": dir] }

    func testHelpAndVersionAnswerAndEnd() throws {
        let help = try runTool(["--help"], env: isolated)
        XCTAssertEqual(help.status, 0, help.stderr)
        for text in ["usage: ", "--endpoint URL", "--max-memory BYTES", "-e stat", "bkup serve [options]", "bkup run", "(env APPWRITE_ENDPOINT)"] {
            XCTAssertTrue(help.stdout.contains(text), "\(text) in \(help.stdout)")
        }
        // -h stays lua's: an unrecognized option (Lua's own test suite checks it).
        XCTAssertEqual(try runTool(["-h"]).status, 2)
        // Options still apply before --help; nothing runs.
        XCTAssertEqual(try runTool(["--dry-run", "--help", "-e", "os.exit(3)"]).status, 0)
        XCTAssertEqual(try runTool(["help"]).stdout, help.stdout.replacingOccurrences(of: bkupName, with: "bkup"))

        let version = try runTool(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("bkup 0."), version.stdout)
        XCTAssertTrue(version.stdout.contains("Lua 5.4"), version.stdout)

        let serve = try runTool(["serve", "--help"])
        XCTAssertEqual(serve.status, 0, serve.stderr)
        XCTAssertTrue(serve.stdout.hasPrefix("usage: bkup serve [options]"), serve.stdout)
        for option in ["--durability D", "--latency MS", "--key KEY[:SCOPES]", "-h, --help"] {
            XCTAssertTrue(serve.stdout.contains(option), option)
        }
        XCTAssertEqual(try runTool(["help", "serve"]).stdout, serve.stdout)

        let rotate = try runTool(["help", "backups.rotate"], env: isolated)
        XCTAssertEqual(rotate.status, 0, rotate.stderr)
        XCTAssertTrue(rotate.stdout.hasPrefix("backups.rotate(selector, spec"), rotate.stdout)
        let script = try runTool(["help", "audit"], env: isolated)
        XCTAssertTrue(script.stdout.hasPrefix("usage: bkup run audit [flags]"), script.stdout)
        let unknown = try runTool(["help", "no.such.thing"], env: isolated)
        XCTAssertEqual(unknown.status, 2, "an unknown topic is bad usage")
        XCTAssertTrue(unknown.stderr.contains("no topic 'no.such.thing'") && unknown.stderr.contains("ensure-policies"), unknown.stderr)
        XCTAssertEqual(unknown.stderr.components(separatedBy: "doctor").count - 1, 2, "doctor the command and doctor the script, each named as what it is")
        XCTAssertTrue(unknown.stderr.contains("the scripts of bkup run"), unknown.stderr)
        let host = try runTool(["serve", "--host", "evil host", "--port", "0"], env: isolated)
        XCTAssertEqual(host.status, 2, host.stderr)
        XCTAssertTrue(host.stderr.contains("--host: 'evil host' is not an address or host name"), host.stderr)
    }

    /// Both commands read their options through one reader: the same forms, the same errors.
    func testBothCommandsReadOptionsAlike() throws {
        for args in [["--bogus"], ["serve", "--bogus"]] {
            let r = try runTool(args)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertTrue(r.stderr.contains("unrecognized option '--bogus'"), r.stderr)
            XCTAssertFalse(r.stderr.contains("Traceback"), r.stderr)
        }
        let badPort = try runTool(["serve", "--port=http"])
        XCTAssertEqual(badPort.status, 2)
        XCTAssertTrue(badPort.stderr.contains("--port: 0-65535 expected, got 'http'"), badPort.stderr)
        let flagWithValue = try runTool(["--dry-run=yes", "-e", "print(1)"])
        XCTAssertEqual(flagWithValue.status, 2, flagWithValue.stdout)
        let attached = try runTool(["--concurrency=4", "-eprint(1)"], env: isolated)
        XCTAssertEqual(attached.stdout, "1\n", attached.stderr)
        let missing = try runTool(["--timeout"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("'--timeout' needs argument"), missing.stderr)
        let extra = try runTool(["serve", "now"])
        XCTAssertEqual(extra.status, 2)
        XCTAssertTrue(extra.stderr.contains("unexpected argument 'now'"), extra.stderr)
    }

    /// The man page is written from the option tables: every option --help shows is in it, and
    /// roff renders it without a warning.
    func testTheManPageHasEveryOptionAndRenders() throws {
        let page = try runTool(["help", "--man"])
        XCTAssertEqual(page.status, 0)
        XCTAssertTrue(page.stdout.hasPrefix(".TH BKUP 1"), page.stdout)
        let help = try runTool(["--help"]).stdout + (try runTool(["serve", "--help"]).stdout)
        let regex = try NSRegularExpression(pattern: "--[a-z][a-z-]*")
        let options = Set(regex.matches(in: help, range: NSRange(help.startIndex..., in: help)).map { (help as NSString).substring(with: $0.range) })
        XCTAssertGreaterThan(options.count, 25)
        for option in options {
            XCTAssertTrue(page.stdout.contains(option.replacingOccurrences(of: "-", with: "\\-")), "\(option) in the man page")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") else { return }
        let file = dir + "/bkup.1"
        try page.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let checked = try runProgram("/usr/bin/groff", ["-man", "-Tutf8", "-ww", "-z", file])
        XCTAssertEqual(checked.status, 0)
        XCTAssertEqual(checked.stderr, "", "roff warnings")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/man") else { return }
        let rendered = try runProgram("/usr/bin/man", ["-l", file], env: ["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertTrue(rendered.stdout.contains("--durability"), "serve's options are in the page, as typed: \(rendered.stdout)")
    }

    func testRunFindsTheBuiltInScriptsFromAnyDirectory() throws {
        let list = try runTool(["run"], cwd: dir)
        XCTAssertEqual(list.status, 0)
        for name in ScriptsTests.scripts + ["demo"] {
            XCTAssertTrue(list.stdout.contains("\n  \(name) "), "\(name) in \(list.stdout)")
        }
        let ensure = try runTool(["run", "--dry-run", "ensure-policies", "--schedule", "0 3 * * *", "--retention", "14"],
                                 env: isolated, cwd: dir)
        XCTAssertEqual(ensure.status, 0, ensure.stderr)
        XCTAssertTrue(ensure.stderr.contains("dry run"), ensure.stderr)
        // Errors name the script as its file, as a script from the clone does.
        let bad = try runTool(["run", "ensure-policies", "--retention", "soon"], env: isolated, cwd: dir)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--retention"), bad.stderr)
        let unknown = try runTool(["run", "nope"], cwd: dir)
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no script named 'nope'"), unknown.stderr)
        // A script file named like a command is run with a path.
        try "print('my run')".write(toFile: dir + "/run", atomically: true, encoding: .utf8)
        XCTAssertEqual(try runTool(["./run"], env: isolated, cwd: dir).stdout, "my run\n")
    }

    func testInstallAndUninstall() throws {
        let prefix = dir + "/prefix"
        let install = try runProgram(packageRoot + "/install.sh", [prefix],
                                     env: ["BKUP_BINARY": bkupUnderTest])
        XCTAssertEqual(install.status, 0, install.stdout + install.stderr)
        let files = FileManager.default
        for file in ["bin/bkup", "share/man/man1/bkup.1", "share/bkup/scripts/audit.lua", "share/bkup/types/bkup.lua"] {
            XCTAssertTrue(files.fileExists(atPath: prefix + "/" + file), file)
        }
        let installed = prefix + "/bin/bkup"
        let audit = try runProgram(installed, ["run", "audit", "--calendar", "--days", "7"], env: isolated, cwd: dir)
        XCTAssertTrue([0, 1].contains(audit.status), audit.stderr)
        XCTAssertTrue(audit.stdout.contains("(7 days to "), audit.stdout)
        if files.isExecutableFile(atPath: "/usr/bin/man") {
            let man = try runProgram("/usr/bin/man", ["bkup"], env: ["MANPATH": prefix + "/share/man", "MANPAGER": "cat", "PAGER": "cat"])
            XCTAssertEqual(man.status, 0, man.stderr)
            XCTAssertTrue(man.stdout.contains("bkup serve"), man.stdout)
        }
        let uninstall = try runProgram(packageRoot + "/install.sh", ["--uninstall", prefix])
        XCTAssertEqual(uninstall.status, 0, uninstall.stderr)
        XCTAssertFalse(files.fileExists(atPath: installed))
        XCTAssertFalse(files.fileExists(atPath: prefix + "/share/bkup"))
        XCTAssertFalse(files.fileExists(atPath: prefix + "/share/man/man1/bkup.1"))
        XCTAssertEqual(try runProgram(packageRoot + "/install.sh", ["--uninstall", prefix]).status, 1, "nothing left to remove")
    }

    /// The types declare exactly what the runtime exposes; the comparison itself can fail.
    func testTypesMatchTheRuntime() throws {
        let walker = packageRoot + "/Tests/EndToEndTests/types_walk.lua"
        let types = packageRoot + "/types/bkup.lua"
        let r = try runTool([walker, types], env: isolated)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let compared = Int(r.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        XCTAssertGreaterThan(compared, 80, r.stdout)

        var doctored = try String(contentsOfFile: types, encoding: .utf8)
        doctored = doctored.replacingOccurrences(of: "function backups.archives.waitAll(items, opts) end", with: "")
        doctored += "\nfunction backups.policies.restore(id) end\n"
        let copy = dir + "/bkup.lua"
        try doctored.write(toFile: copy, atomically: true, encoding: .utf8)
        let drift = try runTool([walker, copy], env: isolated)
        XCTAssertEqual(drift.status, 1)
        XCTAssertTrue(drift.stdout.contains("not in the types: backups.archives.waitAll"), drift.stdout)
        XCTAssertTrue(drift.stdout.contains("not in the runtime: backups.policies.restore"), drift.stdout)
    }

    func testTypesAreWrittenForAProjectKeepingItsSettings() throws {
        let project = dir + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try #"{"diagnostics.globals": ["vim"], "format.enable": false}"#.write(toFile: project + "/.luarc.json", atomically: true, encoding: .utf8)
        let r = try runTool(["--types", project])
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try String(contentsOfFile: project + "/.bkup-types/bkup.lua", encoding: .utf8)
        XCTAssertEqual(written, try String(contentsOfFile: packageRoot + "/types/bkup.lua", encoding: .utf8))
        let luarc = try JSONCodec.decode(try String(contentsOfFile: project + "/.luarc.json", encoding: .utf8))
        XCTAssertEqual(luarc["format.enable"], .bool(false))
        XCTAssertEqual(luarc["runtime.version"], "Lua 5.4")
        XCTAssertEqual(luarc["workspace.library"], .array([".bkup-types"]))
        XCTAssertEqual(luarc["diagnostics.globals"]?.arrayValue?.first, "vim")
        XCTAssertTrue(luarc["diagnostics.globals"]?.arrayValue?.contains("backups") ?? false)
        // Twice is the same as once.
        XCTAssertEqual(try runTool(["--types", project]).status, 0)
        XCTAssertEqual(try JSONCodec.decode(try String(contentsOfFile: project + "/.luarc.json", encoding: .utf8)), luarc)
        // A settings file that is not JSON is left alone.
        try "{ not json".write(toFile: project + "/.luarc.json", atomically: true, encoding: .utf8)
        let refused = try runTool(["--types", project])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(try String(contentsOfFile: project + "/.luarc.json", encoding: .utf8), "{ not json")
    }
}
