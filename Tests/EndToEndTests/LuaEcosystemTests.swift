import Foundation
import XCTest

/// bkup among Lua's own tools, with Debian's `lua5.4` as the reference: C modules (Debian's
/// lua-* packages), bytecode, how `require` finds a module, and how an error ends. The larger
/// referees (every Debian C module, busted, luarocks) are tools/lua-ecosystem-referee.sh, which
/// ./test.sh runs on the installed binary.
final class LuaEcosystemTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-lua-ecosystem-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func lua(_ args: [String], cwd: String? = nil) throws -> Run {
        try runProgram("/usr/bin/lua5.4", args, cwd: cwd)
    }

    // MARK: C modules

    /// Tests/LuaEcosystem/cmodules.lua calls into lfs, cjson, lpeg, re, socket (a loopback TCP
    /// exchange), mime, lxp, lyaml, luasystem, term and luasec: bkup prints what lua5.4 prints.
    func testDebianCModulesWorkAsInLua54() throws {
        let file = packageRoot + "/Tests/LuaEcosystem/cmodules.lua"
        let reference = try lua([file], cwd: dir)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let r = try runTool([file], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, reference.stdout)
        XCTAssertTrue(r.stdout.contains("socket.tcp ping over loopback"), r.stdout)
    }

    /// A C module that links a Lua core of its own is refused before it is opened, by the C
    /// searchers and by package.loadlib, with the file and the reason.
    func testACModuleThatLinksItsOwnLuaIsRefused() throws {
        try write("core.c", "int lua_core_placeholder;\n")
        try write("twolua.c", "int luaopen_twolua(void *L) { (void)L; return 0; }\n")
        let core = try runProgram("/usr/bin/env", ["clang", "-shared", "-fPIC", "core.c", "-o", "liblua9.9.so", "-Wl,-soname,liblua9.9.so"], cwd: dir)
        XCTAssertEqual(core.status, 0, core.stderr)
        let module = try runProgram("/usr/bin/env", ["clang", "-shared", "-fPIC", "twolua.c", "-o", "twolua.so", "-L.", "-Wl,--no-as-needed", "-llua9.9"], cwd: dir)
        XCTAssertEqual(module.status, 0, module.stderr)
        let why = "twolua.so links liblua9.9.so, a Lua core of its own"
        let r = try runTool(["-e", "package.cpath = './?.so' require 'twolua'"], cwd: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("error loading module 'twolua' from file './twolua.so':\n\t./" + why), r.stderr)
        let loadlib = try runTool(["-e", "print(package.loadlib('./twolua.so', 'luaopen_twolua'))"], cwd: dir)
        XCTAssertEqual(loadlib.status, 0, loadlib.stderr)
        XCTAssertTrue(loadlib.stdout.hasPrefix("nil\t./" + why), loadlib.stdout)
        XCTAssertTrue(loadlib.stdout.hasSuffix("\topen\n"), loadlib.stdout)
    }

    /// --sandbox keeps native code out: no C searchers, no package.loadlib.
    func testCModulesStayOutOfTheSandbox() throws {
        let r = try runTool(["--sandbox", "-e", "print(package.loadlib, pcall(require, 'lfs'))"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("nil\tfalse\tmodule 'lfs' not found"), r.stdout)
    }

    // MARK: bytecode

    /// A binary chunk is refused by load (string.dump's output), loadfile, dofile, require and
    /// the command line (a file or standard input), each with Lua's own message.
    func testBytecodeIsRefusedEverywhere() throws {
        let dumped = try lua(["-e", "local f = io.open('m.luac', 'wb') f:write(string.dump(load('return 42'))) f:close()"], cwd: dir)
        XCTAssertEqual(dumped.status, 0, dumped.stderr)
        try FileManager.default.createDirectory(atPath: dir + "/mods", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/m.luac", toPath: dir + "/mods/m.lua")
        let refused = "attempt to load a binary chunk (mode is 't')"
        let r = try runTool(["-e", """
            print(load(string.dump(function() return 1 end)))
            print(load(string.dump(function() return 1 end), 'x', 'bt'))
            print(loadfile('m.luac'))
            print(pcall(dofile, 'm.luac'))
            package.path = './mods/?.lua'
            print(pcall(require, 'm'))
            print(load('return 40 + 2')(), load(function() return nil end) ~= nil)
            """], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            nil\t\(refused)
            nil\t\(refused)
            nil\t\(refused)
            false\t\(refused)
            false\terror loading module 'm' from file './mods/m.lua':
            \t\(refused)
            42\ttrue

            """)
        let file = try runTool(["m.luac"], cwd: dir)
        XCTAssertEqual(file.status, 1)
        XCTAssertTrue(file.stderr.contains(refused), file.stderr)
        let stdin = try runTool(["-"], stdin: try String(contentsOfFile: dir + "/m.luac", encoding: .isoLatin1), cwd: dir)
        XCTAssertEqual(stdin.status, 1)
        XCTAssertTrue(stdin.stderr.contains("attempt to load a binary chunk"), stdin.stderr)
    }

    // MARK: module resolution

    /// package.searchers: lua5.4's four, in lua5.4's order, then the host's modules and bkup's
    /// old names; package.loaded holds none of the host's modules before a require.
    func testSearchersAreLua54sThenTheHostsModules() throws {
        let r = try runTool(["-e", """
            print(#package.searchers)
            for _, name in ipairs({"json", "task", "cron", "Query", "ID", "backups"}) do
              assert(package.loaded[name] == nil, name .. " is in package.loaded before a require")
            end
            package.preload.pre = function() return "preload" end
            package.path = './?.lua'
            print(require("pre"), require("mine"), require("pretty") == require("bkup.pretty"))
            """], cwd: try dirWith(["mine.lua": "return 'a file on package.path'", "pre.lua": "return 'the file'"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "6\npreload\ta file on package.path\ttrue\n")
    }

    /// Code that wraps package.searchers[2] (the Lua file searcher, as in lua5.4) sees every
    /// Lua module come through it.
    func testWrappingTheLuaSearcherWorksAsInLua54() throws {
        let code = """
            local seen = {}
            local lua_searcher = package.searchers[2]
            package.searchers[2] = function(name)
              seen[#seen + 1] = name
              return lua_searcher(name)
            end
            package.path = './?.lua'
            print(require("mine"), table.concat(seen, ","))
            """
        let cwd = try dirWith(["mine.lua": "return 'mine'"])
        let reference = try lua(["-e", code], cwd: cwd)
        let r = try runTool(["-e", code], cwd: cwd)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "mine\tmine\n")
        XCTAssertEqual(r.stdout, reference.stdout)
    }

    /// The rule for a user's module named like one of bkup's: `require` finds the user's file
    /// (Lua's searchers come first), while the global stays bkup's. bkup's library (`bkup.*`,
    /// `backups.*`) is in package.preload, so always bkup's.
    func testAUserModuleNamedLikeABuiltInOneWinsForRequire() throws {
        let cwd = try dirWith([
            "json.lua": "return { encode = function() return 'rxi' end, null = nil }",
            "bkup/pretty.lua": "return 'not bkup'",
        ])
        let r = try runTool(["-e", """
            local user = require("json")
            print(user.encode({}), json.encode({1}), user ~= json, package.loaded.json == user)
            print(type(require("bkup.pretty")))
            """], cwd: cwd)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "rxi\t[1]\ttrue\ttrue\ntable\n")
    }

    /// Without a user's file of that name, `require` of each of the host's modules gives the
    /// table of its global.
    func testRequireOfEachBuiltInModuleGivesItsGlobal() throws {
        let r = try runTool(["-e", """
            for _, name in ipairs({"json", "task", "cron", "Query", "ID", "backups"}) do
              assert(require(name) == _G[name], name)
              assert(package.loaded[name] == _G[name], name)
            end
            print("same")
            """], cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "same\n")
    }

    func dirWith(_ files: [String: String]) throws -> String {
        for (name, text) in files { try write(name, text) }
        return dir
    }

    // MARK: tracebacks

    /// An error's message and traceback read as lua5.4's, to the last line (`[C]: in ?`), for
    /// a script, -e code, a C module's error and -l (whose message lists the same searches).
    func testTracebacksEndAsLua54s() throws {
        let script = try write("fail.lua", "local function f()\n  error('nope')\nend\nf()\n")
        for args in [[script], ["-e", "local t = nil; print(t.x)"], ["-e", "require('lfs').dir(nil)"], ["-l", "no_such_module"]] {
            let reference = try lua(args, cwd: dir)
            let r = try runTool(args, cwd: dir)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stderr, reference.stderr.replacingOccurrences(of: "/usr/bin/lua5.4: ", with: bkupName + ": "), "\(args)")
        }
    }
}
