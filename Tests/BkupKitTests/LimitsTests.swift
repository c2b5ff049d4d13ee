import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import LuaRuntime
import XCTest

/// Limits hold against scripts that try to outlive them, and the host runs the next script.
final class LimitsTests: XCTestCase {
    let printedLines = PrintedLines()
    var printed: [String] { printedLines.all }

    func host(_ limits: RunLimits, sandbox: Bool = false, endpoint: EmulatorHarness? = nil) throws -> BkupHost {
        var c = HostConfiguration(endpoint: endpoint?.url ?? "http://127.0.0.1:9", project: endpoint?.project ?? "p",
                                  apiKey: APIKey(endpoint?.key ?? "k"))
        c.limits = limits
        c.sandbox = sandbox
        c.progress = false
        let h = try BkupHost(configuration: c)
        h.output = printedLines.append
        h.notice = { _ in }
        return h
    }

    /// Runs `source`, which must stop with a `.limit` error whose message starts with `prefix`.
    func assertStops(_ h: BkupHost, _ source: String, _ prefix: String, _ reason: StopReason,
                     file: StaticString = #filePath, line: UInt = #line)
    {
        do {
            let r = try h.run(string: source)
            XCTFail("ran to the end: \(r)", file: file, line: line)
        } catch let e as LuaError {
            XCTAssertEqual(e.kind, .limit, "\(e)", file: file, line: line)
            XCTAssertTrue(e.message.hasPrefix(prefix), e.message, file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        XCTAssertEqual(h.lastStop, reason, file: file, line: line)
        // The same host runs a normal script next.
        XCTAssertEqual(try h.run(string: "local t = {} for i = 1, 1000 do t[i] = i end return #t, 'ok'"), [1000, "ok"],
                       file: file, line: line)
        XCTAssertNil(h.lastStop, file: file, line: line)
    }

    func testAnInfiniteLoopStopsAtTheDeadline() throws {
        let h = try host(RunLimits(timeout: 0.3))
        assertStops(h, "while true do end", "time limit exceeded", .timeout)
        // Wherever the loop runs: a user's own coroutine, or a task the main one waits for.
        assertStops(h, "coroutine.wrap(function() while true do end end)()", "time limit exceeded", .timeout)
        assertStops(h, "task.spawn(function() local n = 0 while true do n = n + 1 end end):wait()", "time limit exceeded", .timeout)
    }

    func testTheInstructionBudgetCountsEveryCoroutine() throws {
        let h = try host(RunLimits(maxInstructions: 1_000_000))
        assertStops(h, """
            n = 0
            local co = coroutine.wrap(function() while true do n = n + 1 coroutine.yield() end end)
            task.spawn(function() while true do n = n + 1 end end)
            while true do co() end
            """, "instruction limit exceeded: the script ran more than 1000000 instructions", .instructions)
        // It stopped near its budget: each loop turn costs several instructions.
        let n = try h.run(string: "return n")[0].intValue!
        XCTAssertGreaterThan(n, 50_000)
        XCTAssertLessThan(n, 1_000_000)
    }

    func testAMemoryBombStopsAtTheCapAndTheMemoryComesBack() throws {
        let cap = 32 << 20
        let h = try host(RunLimits(maxMemory: cap))
        assertStops(h, "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1 << 20) .. i end",
                    "memory limit exceeded: the script needs more than \(cap) bytes", .memory)
        assertStops(h, "local s = string.rep('x', 1 << 30)", "memory limit exceeded", .memory)
        XCTAssertLessThan(h.lua.memoryInUse, cap / 4, "the stopped run's garbage is collected")
        // Garbage alone never trips the cap: Lua collects before the limit stops anything.
        XCTAssertEqual(try h.run(string: "for i = 1, 200 do local s = string.rep('y', 1 << 20) .. i end return 'fine'"), ["fine"])
    }

    func testRunawayRecursionStops() throws {
        let h = try host(RunLimits(maxMemory: 16 << 20))
        assertStops(h, "local function f(n) return f(n + 1) + 1 end return f(1)", "memory limit exceeded", .memory)
        let counted = try host(RunLimits(maxInstructions: 100_000))
        assertStops(counted, "local function f(n) return f(n + 1) + 1 end return f(1)", "instruction limit exceeded", .instructions)
    }

    func testTenThousandSpawnedTasksHitTheTaskCap() throws {
        let h = try host(RunLimits(maxTasks: 1000))
        assertStops(h, """
            for i = 1, 10000 do
              local ok = pcall(task.spawn, function() task.sleep(30) end)
            end
            """, "task limit exceeded: more than 1000 tasks at once", .tasks)
        XCTAssertEqual(h.scheduler.liveTasks, 0)
        XCTAssertEqual(h.scheduler.inFlight, 0, "the sleeping tasks were cancelled")
    }

    func testPcallCannotSwallowALimit() throws {
        let h = try host(RunLimits(timeout: 0.3))
        assertStops(h, """
            survived = 0
            while true do
              local ok, err = pcall(function() while true do end end)
              survived = survived + 1
              pcall(error, "again")
            end
            """, "time limit exceeded", .timeout)
        XCTAssertEqual(try h.run(string: "return survived"), [0], "no instruction ran after the limit was hit")
        let memory = try host(RunLimits(maxMemory: 16 << 20))
        assertStops(memory, """
            caught = 0
            for i = 1, 100 do
              if not pcall(string.rep, "x", 1 << 26) then caught = caught + 1 end
            end
            """, "memory limit exceeded", .memory)
        XCTAssertEqual(try memory.run(string: "return caught"), [0])
    }

    func testATimeoutCancelsRequestsInFlight() throws {
        let emulator = try EmulatorHarness.startBlocking(seed: 2)
        defer { try? emulator.blocking { await emulator.stop() } }
        try emulator.blocking { try await emulator.faults(["next": [["delayMs": 10_000, "count": 4]]]) }
        let h = try host(RunLimits(timeout: 0.5), endpoint: emulator)
        assertStops(h, """
            local results = task.map({1, 2, 3, 4}, function() return backups.policies.list() end)
            return #results
            """, "time limit exceeded", .timeout)
        XCTAssertEqual(h.scheduler.inFlight, 0)
        XCTAssertEqual(try h.run(string: "return backups.resources.databases.list().total"), [2])
    }

    func testOsExitEndsTheRunCleanly() throws {
        let h = try host(RunLimits())
        XCTAssertThrowsError(try h.run(string: "print('before') pcall(os.exit, 3) print('after')")) { error in
            XCTAssertEqual((error as? LuaExit)?.code, 3)
        }
        XCTAssertEqual(printed, ["before"])
        XCTAssertEqual(h.lastStop, .exit(3))
        XCTAssertEqual(try h.run(string: "return 'still here'"), ["still here"])
    }

    func testLimitsCanChangeBetweenRuns() throws {
        let h = try host(RunLimits())
        XCTAssertEqual(try h.run(string: "local n = 0 for i = 1, 3000000 do n = n + 1 end return n"), [3_000_000])
        h.limits = RunLimits(maxInstructions: 10_000)
        assertStops(h, "local n = 0 for i = 1, 3000000 do n = n + 1 end return n", "instruction limit exceeded", .instructions)
    }

    func testSandboxRemovesEverythingThatReachesOutside() throws {
        let emulator = try EmulatorHarness.startBlocking(seed: 3)
        defer { try? emulator.blocking { await emulator.stop() } }
        let h = try host(RunLimits(), sandbox: true, endpoint: emulator)
        let r = try h.run(string: """
            local absent = {}
            local function gone(name, v) if v ~= nil then absent[#absent + 1] = name end end
            gone("io", io) gone("debug", debug) gone("dofile", dofile) gone("loadfile", loadfile)
            gone("os.execute", os.execute) gone("os.remove", os.remove) gone("os.rename", os.rename)
            gone("os.exit", os.exit) gone("os.getenv", os.getenv) gone("os.tmpname", os.tmpname)
            gone("package.loadlib", package.loadlib) gone("package.searchpath", package.searchpath)
            gone("package.loaded.io", package.loaded.io) gone("package.loaded.debug", package.loaded.debug)
            assert(#absent == 0, "still there: " .. table.concat(absent, ", "))
            assert(#package.searchers == 3, "only package.preload, bkup's own modules and bkup's aliases")
            assert(require("args") == require("bkup.args"))
            assert(package.cpath == "" and package.path == "")
            local ok, err = pcall(require, "socket.core")
            assert(not ok and err:find("module 'socket.core' not found"), err)
            local bytecode = string.dump(function() return 1 end)
            local f, why = pcall(load, bytecode, "x", "b")
            assert(not f and why:find("only text chunks"), why)
            assert(load(bytecode) == nil, "binary chunks are refused even without a mode")
            assert(load("return 40 + 2")() == 42)
            -- what stays: the service, the library, time and print
            print("hello from the sandbox")
            local n = backups.resources.databases.list().total
            local report = backups.rotate("databases", {schedule = "@daily", retention = 7})
            assert(os.time() > 0 and os.date("!%Y") and os.clock() >= 0)
            assert(cron.describe("@daily") and require("dates").day(0) == "1970-01-01")
            return n, #report.created, getmetatable(backups.error("a", "b")).__gc == nil
            """)
        XCTAssertEqual(r, [3, 3, true])
        XCTAssertEqual(printed, ["hello from the sandbox"])
    }
}
